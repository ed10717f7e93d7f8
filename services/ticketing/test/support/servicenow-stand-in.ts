import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it. */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An incident as the stand-in keeps it (raw values, as `sysparm_display_value=false` answers them). */
export interface StandInIncident {
  sys_id: string;
  number: string;
  state: string;
  active: string;
  impact: string;
  urgency: string;
  priority: string;
  description: string;
  sys_created_on: string;
  /** Work notes, oldest first. */
  journal: string[];
  [field: string]: string | string[];
}

/** A canned failure for the next Table API calls. */
export interface CannedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type StandInAuth = { kind: 'basic'; username: string; password: string } | { kind: 'oauth'; clientId: string; clientSecret: string };

/** ServiceNow's default priority lookup: impact × urgency. */
const PRIORITY: Record<string, string> = { '1,1': '1', '1,2': '2', '2,1': '2', '1,3': '3', '2,2': '3', '3,1': '3', '2,3': '4', '3,2': '4', '3,3': '5' };
const STATE_LABELS: Record<string, string> = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' };
const failure = (message: string, detail: string): unknown => ({ error: { message, detail }, status: 'failure' });

/**
 * A local ServiceNow instance for tests: the Table API on `incident` (`GET` with `sysparm_query` equality terms,
 * `POST`, `PATCH`), `/oauth_token.do` client credentials or basic auth, `{"result": …}` answers and
 * `{"error": {"message", "detail"}}` failures as the documentation shows them. It records every call.
 */
export class ServiceNowStandIn {
  readonly calls: RecordedCall[] = [];
  readonly incidents = new Map<string, StandInIncident>();
  readonly issuedTokens: string[] = [];
  readonly #valid = new Set<string>();
  readonly #failures: CannedFailure[] = [];
  readonly #auth: StandInAuth;
  #server: Server | undefined;
  #sequence = 10_000;
  /** Create the next incident, then drop the connection without answering. */
  dropNextCreate = false;
  tokenLifetimeSeconds = 1799;

  constructor(auth: StandInAuth) {
    this.#auth = auth;
  }

  /** The next `count` Table API calls answer `failure` (an outage, throttling, a refusal). */
  failNext(count: number, failure: CannedFailure): void {
    for (let i = 0; i < count; i++) this.#failures.push(failure);
  }

  /** Every issued token stops working (as when an administrator revokes them or they expire early). */
  revokeTokens(): void {
    this.#valid.clear();
  }

  /** Table API calls only (not the token endpoint). */
  tableCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.path.startsWith('/api/now/table/'));
  }

  async start(): Promise<URL> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.#handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.calls.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    if (url.pathname === '/oauth_token.do') return this.#token(req, body, send);
    if (!this.#authorized(req.headers.authorization)) return send(401, failure('User Not Authenticated', 'Required to provide Auth information'));
    const canned = this.#failures.shift();
    if (canned) return send(canned.status, canned.body ?? failure('Service Unavailable', 'canned'), canned.headers);
    const match = /^\/api\/now\/table\/incident(?:\/([0-9a-f]{32}))?$/.exec(url.pathname);
    if (!match) return send(400, failure('Invalid table', url.pathname));
    const sysId = match[1];
    if (req.method === 'GET' && !sysId) return this.#list(url.searchParams, send);
    if (req.method === 'POST' && !sysId) return this.#create(req, res, url.searchParams, body, send);
    if (req.method === 'PATCH' && sysId) return this.#patch(sysId, url.searchParams, req, body, send);
    send(405, failure('Method not Supported', `${req.method} ${url.pathname}`));
  }

  #authorized(header: string | undefined): boolean {
    if (this.#auth.kind === 'basic') {
      return header === `Basic ${Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64')}`;
    }
    return header !== undefined && header.startsWith('Bearer ') && this.#valid.has(header.slice('Bearer '.length));
  }

  #token(req: IncomingMessage, body: string, send: (s: number, p: unknown) => void): void {
    const form = new URLSearchParams(body);
    if (
      this.#auth.kind !== 'oauth' ||
      req.method !== 'POST' ||
      req.headers['content-type'] !== 'application/x-www-form-urlencoded' ||
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== this.#auth.clientId ||
      form.get('client_secret') !== this.#auth.clientSecret
    ) {
      return send(401, { error_description: 'access_denied', error: 'server_error' });
    }
    const token = randomBytes(24).toString('base64url');
    this.issuedTokens.push(token);
    this.#valid.add(token);
    send(200, { access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds });
  }

  /** The answer's view of an incident: `sysparm_fields`, raw values or `{display_value, value}` with `all`. */
  #shape(incident: StandInIncident, params: URLSearchParams): Record<string, unknown> {
    const fields = (params.get('sysparm_fields') ?? Object.keys(incident).join(',')).split(',');
    const all = params.get('sysparm_display_value') === 'all';
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f === 'work_notes') {
        // A journal field's value is empty; its display value is every entry, newest first.
        const display = [...incident.journal].reverse().map((n, i) => `2026-12-07 03:0${i}:00 - SOC Integration (Work notes)\n${n}\n\n`).join('');
        out[f] = all ? { display_value: display, value: '' } : '';
        continue;
      }
      const value = incident[f];
      const raw = typeof value === 'string' ? value : '';
      out[f] = all ? { display_value: f === 'state' ? (STATE_LABELS[raw] ?? raw) : raw, value: raw } : raw;
    }
    return out;
  }

  #list(params: URLSearchParams, send: (s: number, p: unknown) => void): void {
    const terms = (params.get('sysparm_query') ?? '').split('^').filter((t) => t !== '' && !t.startsWith('ORDERBY'));
    const conditions: [string, string][] = [];
    for (const term of terms) {
      const eq = /^([a-z_]+)=(.*)$/.exec(term);
      if (!eq) return send(400, failure('Invalid query', term));
      conditions.push([eq[1]!, eq[2]!]);
    }
    const limit = Number(params.get('sysparm_limit') ?? '10000');
    const found = [...this.incidents.values()]
      .filter((i) => conditions.every(([f, v]) => i[f] === v))
      .sort((a, b) => a.sys_created_on.localeCompare(b.sys_created_on))
      .slice(0, limit);
    send(200, { result: found.map((i) => this.#shape(i, params)) });
  }

  #create(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, body: string, send: (s: number, p: unknown) => void): void {
    if (req.headers['content-type'] !== 'application/json') return send(415, failure('Unsupported media type', String(req.headers['content-type'])));
    const fields = JSON.parse(body) as Record<string, string>;
    const impact = fields.impact ?? '3';
    const urgency = fields.urgency ?? '3';
    const sequence = this.#sequence++;
    const incident: StandInIncident = {
      ...fields,
      sys_id: randomBytes(16).toString('hex'),
      number: `INC00${sequence}`,
      state: '1',
      active: 'true',
      impact,
      urgency,
      priority: PRIORITY[`${impact},${urgency}`] ?? '5',
      description: fields.description ?? '',
      sys_created_on: `2026-12-07 03:00:00.${sequence}`,
      journal: [],
    };
    this.incidents.set(incident.sys_id, incident);
    if (this.dropNextCreate) {
      this.dropNextCreate = false;
      res.socket?.destroy();
      return;
    }
    send(201, { result: this.#shape(incident, params) });
  }

  #patch(sysId: string, params: URLSearchParams, req: IncomingMessage, body: string, send: (s: number, p: unknown) => void): void {
    const incident = this.incidents.get(sysId);
    if (!incident) return send(404, failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
    if (req.headers['content-type'] !== 'application/json') return send(415, failure('Unsupported media type', String(req.headers['content-type'])));
    const fields = JSON.parse(body) as Record<string, string>;
    // The instance's data policy: a resolution needs its close code and notes.
    if (fields.state === '6' && (!fields.close_code || !fields.close_notes)) return send(403, failure('Operation Failed', 'Data Policy Exception: Resolution code, Resolution notes are mandatory'));
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'work_notes') incident.journal.push(v);
      else incident[k] = v;
    }
    incident.priority = PRIORITY[`${incident.impact},${incident.urgency}`] ?? incident.priority;
    incident.active = ['7', '8'].includes(incident.state) ? 'false' : 'true';
    send(200, { result: this.#shape(incident, params) });
  }
}
