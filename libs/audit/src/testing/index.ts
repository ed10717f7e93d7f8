export { describeAuditTrailContract } from './audit-contract.ts';
export type { AuditContractContext, MakeAuditState } from './audit-contract.ts';
