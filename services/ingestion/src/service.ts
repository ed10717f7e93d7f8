import { Counter } from 'prom-client';
import type { ServiceModule } from '@soc/platform';
import { startEventHubsIngestion } from './adapters/event-hubs/index.ts';
import { openPayloadStore } from './adapters/open-payload-store.ts';
import { StateQuarantineStore } from './adapters/state-quarantine-store.ts';
import { IngestionConfig } from './config.ts';
import { alertRoutes } from './http/alert-routes.ts';
import { SenderAuthenticator } from './http/authenticator.ts';
import { loadIngestAuth } from './http/credentials.ts';
import { quarantineRoutes } from './http/quarantine-routes.ts';
import { SenderRateLimiter } from './http/rate-limiter.ts';
import { PipelineIngestor } from './ingestor.ts';

/** Composition of the ingestion service: stores, the ingestor, and its edges (HTTP, and Event Hubs when configured). */
export const ingestionService: ServiceModule<IngestionConfig> = {
  name: 'ingestion',
  config: IngestionConfig,
  async start(platform, config) {
    const { store: payloads, close: closePayloads } = openPayloadStore(config, platform.env.SOC_DATA_DIR, (err) =>
      platform.log.warn({ err }, 'Purging expired raw payloads failed; retrying in an hour'),
    );
    const quarantine = new StateQuarantineStore(platform.state, config.INGEST_QUARANTINE_RETENTION_DAYS);
    const alerts = new Counter({
      name: 'soc_ingest_alerts_total',
      help: 'Alerts accepted, and payloads quarantined or refused as too many, by source and edge',
      labelNames: ['source', 'via', 'outcome'],
      registers: [platform.metrics.registry],
    });
    const ingestor = new PipelineIngestor({
      bus: platform.bus,
      payloads,
      quarantine,
      clock: platform.clock,
      tenantId: platform.env.SOC_TENANT_ID,
      internalNetworks: platform.env.SOC_INTERNAL_NETWORKS,
      maxBatch: config.INGEST_MAX_BATCH,
      onOutcome: (request, result) => {
        alerts.inc({ source: request.source, via: request.receivedVia, outcome: result.kind }, result.kind === 'accepted' ? result.receipts.length : 1);
        // Quarantine is an operator's to-do: say what, from whom, and how to look at it.
        if (result.kind === 'quarantined') {
          platform.log.warn(
            { quarantineId: result.quarantineId, source: request.source, sender: request.sender, via: request.receivedVia, reason: result.errors[0]?.message },
            'Payload quarantined: it does not parse as its source (soc quarantine show <id>)',
          );
        }
      },
    });
    const auth = loadIngestAuth(config.INGEST_AUTH_FILE);
    const authenticator = new SenderAuthenticator({
      credentials: auth.credentials,
      apiTokens: auth.acceptApiTokens ? platform.apiTokens : [],
      now: () => platform.clock.now().getTime(),
    });
    const publicRoutes = alertRoutes({
      ingestor,
      auth: authenticator,
      limiter: new SenderRateLimiter(config.INGEST_RATE_PER_SECOND, config.INGEST_RATE_BURST),
      clock: platform.clock,
      maxBodyBytes: config.INGEST_MAX_BODY_BYTES,
    });
    const eventHubs = await startEventHubsIngestion({
      config,
      ingestor,
      clock: platform.clock,
      logger: platform.log.child({ component: 'eventhubs' }),
      maxRecordsPerIngest: config.INGEST_MAX_BATCH,
    });
    if (eventHubs.running) platform.log.info({ hub: config.EVENTHUB_NAME }, 'Consuming alerts from Event Hubs');
    return {
      publicRoutes,
      routes: quarantineRoutes({ ingestor, quarantine, payloads }),
      readiness: { payloads: () => payloads.probe() },
      close: async () => {
        closePayloads();
        await eventHubs.close();
      },
    };
  },
};
