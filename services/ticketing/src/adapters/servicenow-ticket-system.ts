import { createHash } from 'node:crypto';
import { defang } from '@soc/outbound';
import { AppError, ErrorCode, parseRetryAfter } from '@soc/runtime';
import type { NewTicket, Ticket, TicketReopening, TicketResolution, TicketSystem, TicketUpdate } from '../ports.ts';
import type { ServiceNowFieldMapping } from './servicenow-mapping.ts';

/** How the adapter signs in: OAuth client credentials (preferred) or basic auth of an integration user. */
export type ServiceNowAuth =
  | { readonly kind: 'oauth'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/** Options of {@link ServiceNowTicketSystem}. */
export interface ServiceNowTicketSystemOptions {
  /** The instance, e.g. `https://acme.service-now.com` (see {@link serviceNowInstanceUrl}). */
  instanceUrl: URL;
  auth: ServiceNowAuth;
  mapping: ServiceNowFieldMapping;
  fetch?: typeof globalThis.fetch;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Epoch ms, for token expiry and Retry-After dates. */
  now?: () => number;
}

const TABLE = 'api/now/table/incident';
const TOKEN_PATH = 'oauth_token.do';
/** What every answer carries: small answers, raw values, no reference links. */
const FIELDS = 'sys_id,number,state,priority,description';
const MAX_ANSWER_BYTES = 1_000_000;
/** ServiceNow's default length of `description`; ours is cut below it, the action marker after it. */
const MAX_DESCRIPTION_CHARS = 3_800;
const MAX_NOTE_CHARS = 8_000;
/** `correlation_id` is 100 characters long. */
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const INCIDENT_NUMBER = /^[A-Z]{2,12}[0-9]{1,20}$/;
const ACTION_MARKER = 'SOC Copilot action ';
const STATE_NAMES: Readonly<Record<string, string>> = { '1': 'new', '2': 'in-progress', '3': 'on-hold', '6': 'resolved', '7': 'closed', '8': 'canceled' };
const RESOLVED_STATES = new Set(['6', '7', '8']);
/** Renew a cached OAuth token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * The instance URL from configuration: https (http only to a loopback host, for local stand-ins), no credentials,
 * reduced to its origin so every path is ours.
 */
export function serviceNowInstanceUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'SERVICENOW_INSTANCE_URL is not a URL', { retryable: false, cause: error });
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.username !== '' || url.password !== '') {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'SERVICENOW_INSTANCE_URL must be https:// without credentials (http only to a loopback host)', { retryable: false });
  }
  return new URL(url.origin);
}

/**
 * The `correlation_id` of an idempotency key. ServiceNow's encoded queries separate terms with `^` (`^OR`, `^NQ`),
 * so a key is used as is only when it holds nothing but letters, digits and `._:-`; any other key becomes a hash
 * of itself: the same key, the same id, and nothing in it can add a term to the look-up.
 */
export function correlationIdOf(key: string): string {
  return SAFE_CORRELATION_ID.test(key) ? key : `soc-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** A field of an answer: a raw value, or `{ value, display_value }` with `sysparm_display_value=all`. */
function field(record: Record<string, unknown>, name: string, display = false): string {
  const v = record[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) {
    const inner = (v as Record<string, unknown>)[display ? 'display_value' : 'value'];
    return typeof inner === 'string' ? inner : '';
  }
  return typeof v === 'number' ? String(v) : '';
}

/** The `result` of a single-record answer. */
function recordOf(result: unknown, what: string): Record<string, unknown> {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answered an unexpected shape`, { retryable: false });
  }
  return result as Record<string, unknown>;
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** ServiceNow's `{"error": {"message", "detail"}, "status": "failure"}`, as one clipped line. */
function serviceNowMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; detail?: unknown } };
    const message = typeof body.error?.message === 'string' ? body.error.message : '';
    const detail = typeof body.error?.detail === 'string' && body.error.detail !== message ? body.error.detail : '';
    return clip([message, detail].filter(Boolean).join(' — ') || 'no error message', 500);
  } catch {
    return 'no error message';
  }
}

/**
 * An HTTP answer other than 2xx as an error with a retry verdict: 429 and 5xx (with `Retry-After` when given) and
 * 408 are retried; 400, 401, 403, 404 and other 4xx are not, and carry ServiceNow's own `error.message`.
 */
export function serviceNowErrorOf(status: number, headers: Headers, text: string, what: string, now: number): AppError {
  const said = serviceNowMessage(text);
  const retryAfterSeconds = parseRetryAfter(headers.get('retry-after'), new Date(now));
  const after = retryAfterSeconds === undefined ? undefined : { retryAfterSeconds };
  if (status === 429) return new AppError(ErrorCode.RATE_LIMITED, `ServiceNow ${what} was rate limited (429): ${said}`, { retryable: true, ...(after ? { details: after } : {}) });
  if (status >= 500 || status === 408) {
    return new AppError(status === 408 || status === 504 ? ErrorCode.TIMEOUT : ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answered ${status}: ${said}`, {
      retryable: true,
      ...(after ? { details: after } : {}),
    });
  }
  const verdict = (code: ErrorCode, hint: string): AppError => new AppError(code, `ServiceNow ${what} answered ${status}: ${said}${hint}`, { retryable: false });
  switch (status) {
    case 400:
      return verdict(ErrorCode.VALIDATION_FAILED, '');
    case 401:
      return verdict(ErrorCode.UNAUTHORIZED, '; check the ServiceNow credentials');
    case 403:
      return verdict(ErrorCode.FORBIDDEN, '; the integration user needs the itil role (or a role with incident read, create and write)');
    case 404:
      return verdict(ErrorCode.NOT_FOUND, '');
    default:
      return verdict(ErrorCode.DEPENDENCY_UNAVAILABLE, '');
  }
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string>;
  body?: Record<string, string>;
  what: string;
}

/**
 * Incidents in ServiceNow through the Table API. Idempotent by `correlation_id` (our idempotency key): `open` looks
 * the key up before creating, so a redelivery, or a retry after a create whose answer was lost, finds the incident
 * instead of creating a second one. Work notes carry their update key, so an update applied twice adds one note.
 * Retries are the caller's (the bus): every failure is an `AppError` with a retry verdict.
 */
export class ServiceNowTicketSystem implements TicketSystem {
  readonly name = 'servicenow' as const;
  readonly #opts: ServiceNowTicketSystemOptions;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => number;
  #token: { value: string; expiresAt: number } | undefined;
  #pendingToken: Promise<string> | undefined;

  constructor(opts: ServiceNowTicketSystemOptions) {
    this.#opts = opts;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#now = opts.now ?? Date.now;
  }

  async open(ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    const correlationId = correlationIdOf(ticket.idempotencyKey);
    const found = await this.#find(`correlation_id=${correlationId}^active=true^ORDERBYsys_created_on`, 'incident look-up');
    if (found) return { ...this.#view(found), created: false };
    return this.#create(ticket, correlationId);
  }

  async find(idempotencyKey: string): Promise<Ticket | undefined> {
    const found = await this.#find(`correlation_id=${correlationIdOf(idempotencyKey)}^active=true^ORDERBYsys_created_on`, 'incident look-up');
    return found ? this.#view(found) : undefined;
  }

  async #create(ticket: NewTicket, correlationId: string): Promise<Ticket & { created: boolean }> {
    const { mapping } = this.#opts;
    const level = mapping.priorities[String(ticket.priority) as keyof ServiceNowFieldMapping['priorities']];
    const group = ticket.assignmentGroup ?? mapping.assignmentGroup;
    const description = ticket.description.length > MAX_DESCRIPTION_CHARS ? `${defang(ticket.description.slice(0, MAX_DESCRIPTION_CHARS))}…` : ticket.description;
    const created = await this.#call({
      method: 'POST',
      path: TABLE,
      query: this.#answerShape(),
      body: {
        ...mapping.fields,
        short_description: ticket.title,
        // The action that opened it closes the description, so a redelivery is told from a later revision.
        description: `${description}\n\n${ACTION_MARKER}${ticket.actionId}`,
        impact: String(level.impact),
        urgency: String(level.urgency),
        correlation_id: correlationId,
        correlation_display: mapping.correlationDisplay,
        ...(group ? { assignment_group: group } : {}),
        ...(mapping.category ? { category: mapping.category } : {}),
        ...(mapping.callerId ? { caller_id: mapping.callerId } : {}),
      },
      what: 'incident create',
    });
    return { ...this.#view(recordOf(created, 'incident create')), created: true };
  }

  async update(ticketId: string, update: TicketUpdate): Promise<Ticket> {
    const marker = `[SOC Copilot update ${update.updateKey}]`;
    // The journal is read as text (display value) to see whether this update's note is there already.
    const current = await this.#incident(ticketId, 'all', `${FIELDS},work_notes`);
    if (field(current, 'work_notes', true).includes(marker)) return this.#view(current);
    const raise = update.priority < Number(field(current, 'priority'));
    const level = this.#opts.mapping.priorities[String(update.priority) as keyof ServiceNowFieldMapping['priorities']];
    const updated = await this.#call({
      method: 'PATCH',
      path: `${TABLE}/${field(current, 'sys_id')}`,
      query: this.#answerShape(),
      body: {
        work_notes: `${clip(update.note, MAX_NOTE_CHARS)}\n\n${marker}`,
        ...(raise ? { impact: String(level.impact), urgency: String(level.urgency) } : {}),
      },
      what: 'incident update',
    });
    return this.#view(recordOf(updated, 'incident update'));
  }

  async resolve(ticketId: string, resolution: TicketResolution): Promise<Ticket> {
    const current = await this.#incident(ticketId, 'false', FIELDS);
    if (RESOLVED_STATES.has(field(current, 'state'))) return this.#view(current);
    const resolved = await this.#call({
      method: 'PATCH',
      path: `${TABLE}/${field(current, 'sys_id')}`,
      query: this.#answerShape(),
      // The close notes say why; the same text goes in the work notes, where the SOC reads the incident's history.
      body: { state: '6', close_code: resolution.code, close_notes: clip(resolution.notes, MAX_NOTE_CHARS), work_notes: clip(resolution.notes, MAX_NOTE_CHARS) },
      what: 'incident resolve',
    });
    return this.#view(recordOf(resolved, 'incident resolve'));
  }

  async reopen(ticketId: string, reopening: TicketReopening): Promise<Ticket> {
    const current = await this.#incident(ticketId, 'false', FIELDS);
    // Only a resolved incident is reopened: a closed or cancelled one is final in ServiceNow, an open one is open.
    if (field(current, 'state') !== '6') return this.#view(current);
    const reopened = await this.#call({
      method: 'PATCH',
      path: `${TABLE}/${field(current, 'sys_id')}`,
      query: this.#answerShape(),
      body: { state: '2', work_notes: `${clip(reopening.note, MAX_NOTE_CHARS)}\n\n[SOC Copilot update ${reopening.updateKey}]` },
      what: 'incident reopen',
    });
    return this.#view(recordOf(reopened, 'incident reopen'));
  }

  #answerShape(display: 'false' | 'all' = 'false', fields = FIELDS): Record<string, string> {
    return { sysparm_display_value: display, sysparm_exclude_reference_link: 'true', sysparm_fields: fields };
  }

  async #find(query: string, what: string, display: 'false' | 'all' = 'false', fields = FIELDS): Promise<Record<string, unknown> | undefined> {
    const answer = await this.#call({ method: 'GET', path: TABLE, query: { sysparm_query: query, sysparm_limit: '1', ...this.#answerShape(display, fields) }, what });
    if (!Array.isArray(answer)) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answered an unexpected shape`, { retryable: false });
    const first: unknown = answer[0];
    return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
  }

  /** The incident numbered `ticketId` (our ticket id is ServiceNow's number, e.g. INC0010001). */
  async #incident(ticketId: string, display: 'false' | 'all', fields: string): Promise<Record<string, unknown>> {
    if (!INCIDENT_NUMBER.test(ticketId)) throw new AppError(ErrorCode.NOT_FOUND, `"${clip(ticketId, 40)}" is not a ServiceNow incident number`, { retryable: false });
    const found = await this.#find(`number=${ticketId}`, 'incident read', display, fields);
    if (!found) throw new AppError(ErrorCode.NOT_FOUND, `ServiceNow has no incident ${ticketId}`, { retryable: false });
    return found;
  }

  #view(record: Record<string, unknown>): Ticket {
    const number = field(record, 'number');
    const sysId = field(record, 'sys_id');
    if (!INCIDENT_NUMBER.test(number) || !/^[0-9a-f]{32}$/.test(sysId)) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'ServiceNow answered an incident without a number or sys_id', { retryable: false });
    }
    const description = field(record, 'description').trimEnd();
    const at = description.lastIndexOf(ACTION_MARKER);
    const actionId = at >= 0 ? description.slice(at + ACTION_MARKER.length).trim() : '';
    const state = field(record, 'state');
    const url = new URL('nav_to.do', this.#opts.instanceUrl);
    url.searchParams.set('uri', `incident.do?sys_id=${sysId}`);
    return {
      ticketId: number,
      url: url.href,
      status: STATE_NAMES[state] ?? `state-${state}`,
      priority: Math.min(5, Math.max(1, Number(field(record, 'priority')) || 5)),
      // Unknown when the description was edited: the caller then treats the decision as a later revision.
      actionId: /^\S{1,200}$/.test(actionId) ? actionId : '',
    };
  }

  /** One Table API call; an OAuth token the instance no longer accepts (401) is renewed once. */
  async #call(call: Call): Promise<unknown> {
    const url = new URL(call.path, this.#opts.instanceUrl);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.#authorization();
      const res = await this.#send(url, {
        method: call.method,
        headers: { accept: 'application/json', authorization, ...(call.body ? { 'content-type': 'application/json' } : {}) },
        ...(call.body ? { body: JSON.stringify(call.body) } : {}),
      }, call.what);
      const text = await this.#read(res, call.what);
      if (res.status === 401 && this.#opts.auth.kind === 'oauth' && attempt === 0) {
        this.#token = undefined;
        continue;
      }
      if (res.status < 200 || res.status > 299) throw serviceNowErrorOf(res.status, res.headers, text, call.what, this.#now());
      try {
        return (JSON.parse(text) as { result?: unknown }).result;
      } catch (error) {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${call.what} answered invalid JSON`, { retryable: false, cause: error });
      }
    }
  }

  async #send(url: URL, init: RequestInit, what: string): Promise<Response> {
    try {
      // Redirects are not followed: a redirect could send the credentials anywhere.
      return await this.#fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000) });
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new AppError(ErrorCode.TIMEOUT, `ServiceNow ${what} timed out`, { retryable: true, cause: error });
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} failed to connect`, { retryable: true, cause: error });
    }
  }

  async #read(res: Response, what: string): Promise<string> {
    if (Number(res.headers.get('content-length')) > MAX_ANSWER_BYTES) {
      await res.body?.cancel();
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `ServiceNow ${what} answered more than ${MAX_ANSWER_BYTES} bytes`, { retryable: false });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      // The connection dropped mid-answer: whether the write happened is unknown, so the retry looks it up first.
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answer was cut off`, { retryable: true, cause: error });
    }
    if (text.length > MAX_ANSWER_BYTES) throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `ServiceNow ${what} answered more than ${MAX_ANSWER_BYTES} bytes`, { retryable: false });
    return text;
  }

  async #authorization(): Promise<string> {
    const { auth } = this.#opts;
    if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (this.#token && this.#token.expiresAt > this.#now()) return `Bearer ${this.#token.value}`;
    // Concurrent calls share one token request.
    this.#pendingToken ??= this.#requestToken(auth).finally(() => {
      this.#pendingToken = undefined;
    });
    return `Bearer ${await this.#pendingToken}`;
  }

  async #requestToken(auth: { clientId: string; clientSecret: string }): Promise<string> {
    const what = 'OAuth token request';
    const res = await this.#send(new URL(TOKEN_PATH, this.#opts.instanceUrl), {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
    }, what);
    const text = await this.#read(res, what);
    if (res.status === 400 || res.status === 401) {
      throw new AppError(ErrorCode.UNAUTHORIZED, `ServiceNow refused the OAuth client credentials (${res.status}); check SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET`, { retryable: false });
    }
    if (res.status < 200 || res.status > 299) throw serviceNowErrorOf(res.status, res.headers, text, what, this.#now());
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answered invalid JSON`, { retryable: false, cause: error });
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ServiceNow ${what} answered no access_token`, { retryable: false });
    }
    const lifetimeMs = (Number(body.expires_in) || 0) * 1000;
    this.#token = { value: body.access_token, expiresAt: this.#now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    return body.access_token;
  }
}
