export { describeAuditTrailContract } from './audit-contract.ts';
export type { AuditContractContext, MakeAuditState } from './audit-contract.ts';
export { tamperSqliteAudit } from './sqlite-tamper.ts';
export type { SqliteTamper } from './sqlite-tamper.ts';
