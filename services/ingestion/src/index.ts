export { acceptGeneric, correlationIdFor, receivedEvent } from './handler.ts';
export type { AcceptContext, AcceptOutcome, FieldError, Receipt } from './handler.ts';
export { GenericAlertV1, normalizeGeneric } from './sources/generic.ts';
export { finalizeEntities, isInternalIp } from './entities.ts';
