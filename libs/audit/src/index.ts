export type {
  AuditEntry,
  AuditLog,
  AuditReceipt,
  AuditRecord,
  AuditTrail,
  TamperFinding,
  TamperReason,
  VerifiedStream,
  VerifyResult,
} from './port.ts';
export { GENESIS_HASH, canonicalJson, contentHashOf, hashOf } from './canonical.ts';
export { checkLink } from './chain.ts';
export type { ExpectedLink } from './chain.ts';
export {
  AUDIT_COLLECTION,
  AUDIT_HEAD_COLLECTION,
  DEFAULT_AUDIT_LANES,
  MAX_AUDIT_DATA_CHARS,
  StateAuditTrail,
  auditRecordId,
  streamOf,
} from './state-audit-trail.ts';
export type { StateAuditTrailOptions } from './state-audit-trail.ts';
export { auditConfigChange } from './config-change.ts';
export type { AuditedConfig } from './config-change.ts';
