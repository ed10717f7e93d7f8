export { acceptGeneric, correlationIdFor, receivedEvent } from './handler.ts';
export type { AcceptContext, AcceptOutcome, FieldError, Receipt } from './handler.ts';
export { GenericAlertV1, normalizeGeneric } from './sources/generic.ts';
export { finalizeEntities, isInternalIp } from './entities.ts';
export { ingestionService } from './service.ts';
export { IngestionConfig } from './config.ts';
export { ingestionRoutes } from './routes.ts';
