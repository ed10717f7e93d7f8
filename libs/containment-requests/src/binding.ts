import { hash } from 'node:crypto';
import { deriveKey } from '@soc/contracts';
import type { RequestFacts } from './decider.ts';

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The hash an approval is bound to: SHA-256 (hex) over the canonical JSON of what the approver is shown — request
 * id, runbook, target (type, value, entity id), the runbook's arguments and the tenant. An approval quoting another
 * hash approved something else (another target, other arguments, a request of another tenant) and is refused.
 */
export function bindingHashOf(facts: Pick<RequestFacts, 'requestId' | 'runbook' | 'target' | 'arguments' | 'tenantId'>): string {
  const shown = {
    requestId: facts.requestId,
    runbook: facts.runbook,
    target: { type: facts.target.type, value: facts.target.value, entityId: facts.target.entityId },
    arguments: facts.arguments,
    tenantId: facts.tenantId,
  };
  return hash('sha256', canonicalJson(shown), 'hex');
}

/**
 * The request id of a containment: one per alert, runbook and target, stable so approvers can refer to it. A later
 * revision of the alert that recommends the same containment finds this request (pending, approved, denied or
 * executed) instead of asking the approvers a second time; one that is spent (expired, failed, refused, voided) is
 * asked for again. Here, beside the binding hash, so a case card (notification) names the request containment opens.
 */
export function requestIdFor(alertId: string, runbook: string, targetEntityId: string): string {
  return `cr-${deriveKey(alertId, runbook, targetEntityId, 'containment-request')}`;
}
