import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index.ts';

const scrape = async (metrics: ReturnType<typeof createMetrics>) => metrics.registry.metrics();

describe('createMetrics', () => {
  it('registers the SOC metrics and default process metrics on its own registry', async () => {
    const metrics = createMetrics({ service: 'triage' });
    metrics.eventsProcessed.inc({ service: 'triage', subscription: 'triage', type: 't.v1', result: 'completed' });
    metrics.eventsDeadLettered.inc({ service: 'triage', subscription: 'triage', reason: 'SchemaValidationFailed' });
    metrics.handlerDuration.observe({ service: 'triage', subscription: 'triage', type: 't.v1' }, 0.004);
    metrics.httpRequests.inc({ service: 'triage', method: 'GET', route: '/x', status: '200' });
    metrics.httpRequestDuration.observe({ service: 'triage', method: 'GET', route: '/x', status: '200' }, 0.01);
    metrics.outboundDeliveries.inc({ service: 'triage', channel: 'webhook', destination: 'soar', outcome: 'failed' });
    const text = await scrape(metrics);
    expect(text).toContain(
      'soc_events_processed_total{service="triage",subscription="triage",type="t.v1",result="completed"} 1',
    );
    expect(text).toContain(
      'soc_events_dead_lettered_total{service="triage",subscription="triage",reason="SchemaValidationFailed"} 1',
    );
    expect(text).toContain('soc_handler_duration_seconds_bucket{le="0.005",service="triage"');
    expect(text).toContain('soc_http_requests_total{service="triage",method="GET",route="/x",status="200"} 1');
    expect(text).toContain('soc_http_request_duration_seconds_count');
    expect(text).toContain('soc_outbound_deliveries_total{service="triage",channel="webhook",destination="soar",outcome="failed"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('can leave default metrics out, and registries of two services stay apart', async () => {
    const a = createMetrics({ service: 'a', defaultMetrics: false });
    const b = createMetrics({ service: 'b', defaultMetrics: false });
    a.httpRequests.inc({ service: 'a', method: 'GET', route: '/', status: '200' });
    expect(await scrape(a)).not.toContain('process_cpu');
    expect(await scrape(b)).not.toContain('service="a"');
  });

  it('reads queue depth from the callback on every scrape, forgetting subscriptions that disappeared', async () => {
    let depths = [
      { subscription: 'triage', active: 4, deadLettered: 1 },
      { subscription: 'decision', active: 0, deadLettered: 0, scheduled: 0 },
    ];
    const metrics = createMetrics({ service: 'triage', defaultMetrics: false, queueDepth: async () => depths });
    let text = await scrape(metrics);
    expect(text).toContain('soc_queue_depth{subscription="triage",state="active"} 4');
    expect(text).toContain('soc_queue_depth{subscription="triage",state="dead_lettered"} 1');
    depths = [{ subscription: 'triage', active: 2, deadLettered: 1 }];
    text = await scrape(metrics);
    expect(text).toContain('soc_queue_depth{subscription="triage",state="active"} 2');
    expect(text).not.toContain('subscription="decision"');
  });

  it('accepts the depth source once the bus exists', async () => {
    const metrics = createMetrics({ service: 'triage', defaultMetrics: false });
    expect(await scrape(metrics)).not.toContain('soc_queue_depth{');
    metrics.observeQueueDepth(async () => [{ subscription: 's', active: 7, deadLettered: 0, scheduled: 0 }]);
    expect(await scrape(metrics)).toContain('soc_queue_depth{subscription="s",state="active"} 7');
  });

  it('keeps scraping when the depth callback fails or hangs, and counts the failure', async () => {
    const metrics = createMetrics({
      service: 'triage',
      defaultMetrics: false,
      queueDepthTimeoutMs: 20,
      queueDepth: () => Promise.reject(new Error('broker down')),
    });
    expect(await scrape(metrics)).toContain('soc_queue_depth_errors_total{service="triage"} 1');
    metrics.observeQueueDepth(() => new Promise(() => undefined));
    expect(await scrape(metrics)).toContain('soc_queue_depth_errors_total{service="triage"} 2');
  });
});
