import { MemoryStateStore } from '@soc/state';
import { describeAuditTrailContract } from '@soc/audit/testing';

describeAuditTrailContract('memory state', ({ clock }) => new MemoryStateStore({ clock }));
