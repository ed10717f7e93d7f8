import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, startSystem } from './support.ts';

// A real OTLP/HTTP receiver on loopback: it decodes every export request (the exporter sends OTLP JSON) and keeps
// the spans, as a collector would.
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}
interface ReceivedSpan extends OtlpSpan {
  service: string | undefined;
  attr(key: string): string | undefined;
}

const spans: ReceivedSpan[] = [];
const contentTypes = new Set<string>();
const receiver = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    contentTypes.add(`${req.url} ${req.headers['content-type'] ?? ''}`);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    for (const rs of body.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          spans.push({
            ...span,
            service,
            attr: (key) => {
              const v = span.attributes.find((a) => a.key === key)?.value;
              return v?.stringValue ?? (v?.intValue === undefined ? undefined : String(v.intValue));
            },
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const alert = {
  id: 'trace-1',
  title: 'Suspicious PowerShell download',
  severity: 'high',
  entities: [
    { type: 'host', value: 'ws01.contoso.com' },
    { type: 'ip', value: '185.220.101.4' },
  ],
};

describe('OpenTelemetry export from the running system', () => {
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, a posted alert is one trace from its POST through every hop, flushed at shutdown', async () => {
    const system = await startSystem({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'soc-under-test' });
    let correlationId: string;
    try {
      const api = client(system.url);
      const posted = await api('/api/v1/alerts/generic', { body: alert });
      expect(posted.status).toBe(202);
      correlationId = posted.body.correlationId as string;
      await eventually(
        async () => {
          const v = (await api(`/api/v1/alerts/${posted.body.alertId}`)).body;
          return v?.stage === 'decided' && v.notifications.length === 1 && v.tickets.length === 1 ? v : undefined;
        },
        10_000,
        'the decision carried out',
      );
    } finally {
      // Spans are exported in batches: the graceful shutdown must flush them.
      await system.close();
    }

    expect([...contentTypes]).toEqual(['/v1/traces application/json']);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['soc-under-test']));

    const post = spans.find((s) => s.name === 'POST /api/v1/alerts/:source');
    expect(post, 'a SERVER span for the alert POST').toBeDefined();
    expect(post?.kind).toBe(2); // SERVER (OTLP's enum: INTERNAL 1, SERVER 2, CLIENT 3, PRODUCER 4, CONSUMER 5)
    expect(post?.attr('http.response.status_code')).toBe('202');

    const journey = spans.filter((s) => s.attr('messaging.message.conversation_id') === correlationId);
    const hop = (subscription: string) => {
      const found = journey.filter((s) => s.name === `process ${subscription}` && s.attr('cloudevents.event_type') !== undefined);
      expect(found.length, `spans of ${subscription}`).toBeGreaterThanOrEqual(1);
      return found[0]!;
    };
    const enrichment = hop('enrichment');
    const triage = hop('triage');
    const decision = hop('decision');
    const notification = hop('notification');
    const ticketing = hop('ticketing');
    expect(journey.every((s) => s.kind === 5)).toBe(true); // CONSUMER

    // One trace from the POST to the last hop, each hop a child of the one that published its event.
    for (const s of [...journey, enrichment]) expect(s.traceId).toBe(post?.traceId);
    expect(enrichment.parentSpanId).toBe(post?.spanId);
    expect(enrichment.attr('cloudevents.event_type')).toBe('soc.alert.received.v1');
    expect(triage.parentSpanId).toBe(enrichment.spanId);
    expect(decision.parentSpanId).toBe(triage.spanId);
    expect(notification.parentSpanId).toBe(decision.spanId);
    expect(ticketing.parentSpanId).toBe(decision.spanId);
    // Probes are not traced, and no span records a query string.
    expect(spans.some((s) => s.attr('url.path') === '/readyz')).toBe(false);
  });
});
