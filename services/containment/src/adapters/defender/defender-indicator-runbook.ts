import { isIP } from 'node:net';
import { AppError, ErrorCode } from '@soc/runtime';
import { type DefenderCall, type DefenderClient, filterQuery, odataString } from './defender-client.ts';
import { type DefenderRunbook, type Plan, type RunbookContext, type VerifyResult, commentOf, requestMarker } from './defender-runbook.ts';

/** An indicator to block: `block-ip` (`IpAddress`), `block-url` (`Url`) or a domain (`DomainName`). */
export interface IndicatorTarget {
  type: 'IpAddress' | 'Url' | 'DomainName';
  value: string;
  /** Default `Block`. */
  action?: 'Block' | 'BlockAndRemediate';
  /** ISO 8601; absent: the indicator does not expire. */
  expirationTime?: string;
}

export interface IndicatorAdded {
  indicatorId: string;
  type: IndicatorTarget['type'];
  value: string;
  /**
   * `created`: our POST made it; `redelivered`: an earlier execute of the same request made it; `already-blocked`:
   * someone else's blocking indicator was there (left untouched, and not ours to delete).
   */
  origin: 'created' | 'redelivered' | 'already-blocked';
}

export interface IndicatorRemoved {
  indicatorId: string;
  origin: 'deleted' | 'already-gone';
}

/** An indicator as `GET /api/indicators` lists it (the fields used here). */
interface Indicator {
  id: string | number;
  indicatorValue?: string;
  indicatorType?: string;
  action?: string;
  description?: string | null;
}

const BLOCKING = new Set(['Block', 'BlockAndRemediate', 'AlertAndBlock']);
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * `block-ip` / `block-url` as Defender for Endpoint indicators:
 * - look up: `GET /api/indicators?$filter=indicatorValue eq '<value>' and indicatorType eq '<type>'` (read-only;
 *   `POST /api/indicators` is submit-*or-update*, so an indicator someone else made must not be overwritten);
 * - execute: `POST /api/indicators` `{indicatorValue, indicatorType, action, title, description, severity, generateAlert}`,
 *   our request marker in `description`;
 * - verify: the lookup again, our indicator present with a blocking action;
 * - undo: `DELETE /api/indicators/{id}` (204; 404 means already gone).
 * Every call needs `Ti.ReadWrite.All`.
 */
export class DefenderIndicatorRunbook implements DefenderRunbook<IndicatorTarget, IndicatorAdded, IndicatorRemoved> {
  readonly #client: DefenderClient;

  constructor(client: DefenderClient) {
    this.#client = client;
  }

  async dryRun(target: IndicatorTarget, context: RunbookContext): Promise<Plan> {
    const value = checkedValue(target);
    const existing = await this.#lookup(target.type, value);
    const resolved: Record<string, string> = existing ? { existingIndicatorId: String(existing.id), existingAction: existing.action ?? '' } : {};
    // An indicator already there (ours from an earlier delivery, or someone else's) is never posted over.
    return { runbook: runbookOf(target), resolved, calls: existing ? [] : [this.#postCall(target, value, context)] };
  }

  async execute(target: IndicatorTarget, context: RunbookContext): Promise<IndicatorAdded> {
    const value = checkedValue(target);
    const existing = await this.#lookup(target.type, value);
    if (existing) {
      const base = { indicatorId: String(existing.id), type: target.type, value };
      if (isOurs(existing, context.requestId)) return { ...base, origin: 'redelivered' };
      if (BLOCKING.has(existing.action ?? '')) return { ...base, origin: 'already-blocked' };
      throw new AppError(ErrorCode.PRECONDITION_FAILED, `Defender already has a ${existing.action ?? 'non-blocking'} indicator ${existing.id} for this ${target.type}; change it in the Defender portal`, {
        retryable: false,
        details: { indicatorId: String(existing.id), action: existing.action },
      });
    }
    const answer = await this.#client.send<Indicator>(this.#postCall(target, value, context), 'Ti.ReadWrite.All');
    const id = answer.ok ? answer.body?.id : undefined;
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Defender POST /api/indicators answered without an indicator id', { retryable: false });
    }
    return { indicatorId: String(id), type: target.type, value, origin: 'created' };
  }

  async verify(executed: IndicatorAdded): Promise<VerifyResult> {
    const found = await this.#lookup(executed.type, executed.value);
    return found && String(found.id) === executed.indicatorId && BLOCKING.has(found.action ?? '') ? 'done' : 'failed';
  }

  /** Deletes our indicator; one that was there before us (`already-blocked`) is not ours to delete. */
  async undo(executed: IndicatorAdded): Promise<IndicatorRemoved> {
    if (executed.origin === 'already-blocked') {
      throw new AppError(ErrorCode.PRECONDITION_FAILED, `Defender indicator ${executed.indicatorId} was there before this request; remove it in the Defender portal`, { retryable: false });
    }
    const gone = { status: 404, code: 'ResourceNotFound' };
    const answer = await this.#client.send<undefined>({ method: 'DELETE', path: `/api/indicators/${encodeURIComponent(executed.indicatorId)}` }, 'Ti.ReadWrite.All', [gone, { status: 404, code: 'NotFound' }]);
    return { indicatorId: executed.indicatorId, origin: answer.ok ? 'deleted' : 'already-gone' };
  }

  #postCall(target: IndicatorTarget, value: string, context: RunbookContext): DefenderCall {
    return {
      method: 'POST',
      path: '/api/indicators',
      body: {
        indicatorValue: value,
        indicatorType: target.type,
        action: target.action ?? 'Block',
        title: `SOC Copilot containment ${context.requestId}`,
        description: commentOf('block', value, context),
        severity: 'High',
        generateAlert: true,
        ...(target.expirationTime ? { expirationTime: target.expirationTime } : {}),
      },
    };
  }

  async #lookup(type: IndicatorTarget['type'], value: string): Promise<Indicator | undefined> {
    const filter = `indicatorValue eq ${odataString(value)} and indicatorType eq '${type}'`;
    const answer = await this.#client.send<{ value?: Indicator[] }>({ method: 'GET', path: `/api/indicators${filterQuery(filter)}` }, 'Ti.ReadWrite.All');
    const list = answer.ok && Array.isArray(answer.body?.value) ? answer.body.value : [];
    return list.find((i) => (typeof i?.id === 'string' || typeof i?.id === 'number') && i.indicatorValue === value && i.indicatorType === type);
  }
}

function isOurs(indicator: Indicator, requestId: string): boolean {
  return typeof indicator.description === 'string' && indicator.description.startsWith(requestMarker(requestId));
}

function runbookOf(target: IndicatorTarget): string {
  return target.type === 'IpAddress' ? 'block-ip' : 'block-url';
}

/** The value as Defender expects it; CIDR ranges, other schemes and control characters are refused. */
function checkedValue(target: IndicatorTarget): string {
  const value = target.value.trim();
  odataString(value);
  const refuse = (why: string): never => {
    throw new AppError(ErrorCode.VALIDATION_FAILED, `not a Defender ${target.type} indicator: ${why}`, { retryable: false });
  };
  if (target.type === 'IpAddress') {
    if (isIP(value) === 0) refuse('not a single IP address (CIDR is not supported)');
  } else if (target.type === 'DomainName') {
    if (!DOMAIN.test(value)) refuse('not a domain name');
  } else {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      refuse('not an absolute URL');
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') refuse('only http and https URLs');
  }
  if (target.expirationTime !== undefined && Number.isNaN(Date.parse(target.expirationTime))) refuse('expirationTime is not a date');
  return value;
}
