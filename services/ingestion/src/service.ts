import type { ServiceModule } from '@soc/platform';
import { IngestionConfig } from './config.ts';
import { ingestionRoutes } from './routes.ts';

/** Composition of the ingestion service: HTTP edge only (the Event Hubs consumer arrives with its issue). */
export const ingestionService: ServiceModule<IngestionConfig> = {
  name: 'ingestion',
  config: IngestionConfig,
  async start(platform, config) {
    const routes = ingestionRoutes({
      bus: platform.bus,
      clock: platform.clock,
      tenantId: platform.env.SOC_TENANT_ID,
      maxBodyBytes: config.INGEST_MAX_BODY_BYTES,
      maxBatch: config.INGEST_MAX_BATCH,
    });
    return { routes, close: async () => undefined };
  },
};
