import express from 'express';
import { Counter } from 'prom-client';
import { type Platform, type ServiceModule, resolveSenderToken } from '@soc/platform';
import { AppError, ErrorCode } from '@soc/runtime';
import { startEventHubsIngestion } from './adapters/event-hubs/index.ts';
import { openPayloadStore } from './adapters/open-payload-store.ts';
import { StateQuarantineStore } from './adapters/state-quarantine-store.ts';
import { IngestionConfig } from './config.ts';
import { alertRoutes } from './http/alert-routes.ts';
import { SenderAuthenticator } from './http/authenticator.ts';
import { type ResolvedCredential, loadIngestAuth } from './http/credentials.ts';
import { buildIngestionOpenApiDocument, ingestionOpenApiRoutes } from './http/openapi.ts';
import { quarantineRoutes } from './http/quarantine-routes.ts';
import { KeyedRateLimiter } from '@soc/http';
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
    const authenticator = new SenderAuthenticator({
      credentials: senderCredentials(platform, config.INGEST_AUTH_FILE),
      now: () => platform.clock.now().getTime(),
      replayCacheSize: config.INGEST_HMAC_REPLAY_CACHE_SIZE,
    });
    const publicRoutes = alertRoutes({
      ingestor,
      auth: authenticator,
      limiter: new KeyedRateLimiter(config.INGEST_RATE_PER_SECOND, config.INGEST_RATE_BURST),
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
      routes: express.Router().use(quarantineRoutes({ ingestor, quarantine, payloads, tenantId: platform.env.SOC_TENANT_ID }), ingestionOpenApiRoutes(buildIngestionOpenApiDocument())),
      readiness: { payloads: () => payloads.probe() },
      close: async () => {
        closePayloads();
        await eventHubs.close();
      },
    };
  },
};

/**
 * Who may send alerts: the credentials of INGEST_AUTH_FILE, or without it the single sender `sender`
 * (SOC_SENDER_TOKEN, or the token the embedded default generates into `$SOC_DATA_DIR/sender-token`). Senders only
 * send: a sender's bearer token that is also an API token stops the start, since one secret would then both post
 * alerts and act on them.
 */
function senderCredentials(platform: Platform, authFile: string | undefined): ResolvedCredential[] {
  const invalid = (message: string) => new AppError(ErrorCode.CONFIGURATION_INVALID, message, { retryable: false });
  let credentials: ResolvedCredential[];
  if (authFile !== undefined) {
    if (platform.env.SOC_SENDER_TOKEN !== undefined) throw invalid('Set one of INGEST_AUTH_FILE (every sender) or SOC_SENDER_TOKEN (one sender), not both');
    credentials = loadIngestAuth(authFile).credentials;
  } else {
    const sender = resolveSenderToken(platform.env);
    if (sender?.generatedAt) platform.log.warn({ tokenFile: sender.generatedAt }, 'no INGEST_AUTH_FILE or SOC_SENDER_TOKEN configured: senders use the generated token stored in this file');
    credentials = sender === undefined ? [] : [{ kind: 'bearer', name: sender.token.name, token: sender.token.token, allowQueryToken: false }];
  }
  const apiTokens = new Set(platform.apiTokens.map((t) => t.token));
  for (const c of credentials) {
    if (c.kind === 'bearer' && apiTokens.has(c.token)) throw invalid(`Sender "${c.name}" uses the same token as an API principal: give the sender a token of its own (senders only send)`);
  }
  return credentials;
}
