import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it. */
export interface SiemCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A canned failure for the next calls. */
export interface CannedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const INCIDENT_COMMENT =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)\/providers\/Microsoft\.SecurityInsights\/incidents\/([^/]+)\/comments\/([^/]+)$/;
const ALERT_COMMENTS = /^\/v1\.0\/security\/alerts_v2\/([^/]+)\/comments$/;
const INCIDENT =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)\/providers\/Microsoft\.SecurityInsights\/incidents\/([^/]+)$/;
const ALERT = /^\/v1\.0\/security\/alerts_v2\/([^/]+)$/;
const CLASSIFICATIONS = ['Undetermined', 'TruePositive', 'BenignPositive', 'FalsePositive'];
const REASONS = ['SuspiciousActivity', 'SuspiciousButExpected', 'IncorrectAlertLogic', 'InaccurateData'];
const GRAPH_STATUS = ['new', 'inProgress', 'resolved'];
const GRAPH_CLASSIFICATION = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity'];
const GRAPH_DETERMINATION = [
  'unknown', 'apt', 'malware', 'securityPersonnel', 'securityTesting', 'unwantedSoftware', 'other', 'multiStagedAttack', 'compromisedAccount',
  'phishing', 'maliciousUserActivity', 'notMalicious', 'notEnoughDataToValidate', 'confirmedActivity', 'lineOfBusinessApplication',
];

/** A Sentinel incident as the stand-in keeps it: its etag and properties. */
export interface StandInIncident {
  etag: string;
  properties: Record<string, unknown>;
}

/**
 * Local Azure Resource Manager (SecurityInsights incident comments: `PUT …/comments/{id}?api-version=`, the ARM error
 * shape) and Microsoft Graph (`POST /v1.0/security/alerts_v2/{id}/comments`, answered with the alert's comments), as
 * their documentation shows them. Bearer tokens are checked per audience; it records every call.
 */
export class SiemStandIn {
  readonly calls: SiemCall[] = [];
  /** Sentinel incident id → comment id → message. */
  readonly incidentComments = new Map<string, Map<string, string>>();
  /** Graph alert id → comments, oldest first. */
  readonly alertComments = new Map<string, string[]>();
  readonly failures: CannedFailure[] = [];
  /** Sentinel incident id → the incident (for GET and PUT); seeded with an open incident per id. */
  readonly incidents = new Map<string, StandInIncident>();
  /** Graph alert id → its status, classification and determination (for PATCH). */
  readonly alerts = new Map<string, Record<string, unknown>>();
  /** Someone else changes the incident between our GET and our PUT (the next PUT's etag no longer matches). */
  changeBeforeNextPut = false;
  #etags = 0;
  readonly tokens: { arm: string; graph: string };
  #server: Server | undefined;
  constructor(tokens: { arm: string; graph: string }, incidents: readonly string[], alerts: readonly string[]) {
    this.tokens = tokens;
    for (const id of incidents) {
      this.incidentComments.set(id, new Map());
      this.incidents.set(id, {
        etag: this.#etag(),
        properties: {
          title: 'Suspicious PowerShell command line',
          description: 'Encoded PowerShell from a macro document.',
          severity: 'High',
          status: 'New',
          owner: { objectId: null, email: null, assignedTo: null, userPrincipalName: null },
          labels: [{ labelName: 'phishing', labelType: 'User' }],
          firstActivityTimeUtc: '2026-11-23T09:58:00Z',
          lastActivityTimeUtc: '2026-11-23T09:59:00Z',
          incidentNumber: 4711,
          createdTimeUtc: '2026-11-23T10:00:00Z',
          lastModifiedTimeUtc: '2026-11-23T10:00:00Z',
        },
      });
    }
    for (const id of alerts) {
      this.alertComments.set(id, []);
      this.alerts.set(id, { status: 'new', classification: null, determination: null });
    }
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        this.calls.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        const answer = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
        };
        const error = (status: number, code: string, message: string): void => answer(status, { error: { code, message } });
        const failure = this.failures.shift();
        if (failure) return answer(failure.status, failure.body ?? { error: { code: 'ServiceUnavailable', message: 'try later' } }, failure.headers);
        const incident = INCIDENT_COMMENT.exec(url.pathname);
        const alert = ALERT_COMMENTS.exec(url.pathname);
        const whole = INCIDENT.exec(url.pathname);
        const alertItself = ALERT.exec(url.pathname);
        const audience = incident || whole ? 'arm' : 'graph';
        if (req.headers.authorization !== `Bearer ${this.tokens[audience]}`) return error(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
        if (whole) return this.#incident(decodeURIComponent(whole[4] ?? ''), req.method ?? '', req.headers, url.searchParams, body, answer, error);
        if (alertItself && req.method === 'GET') {
          const id = decodeURIComponent(alertItself[1] ?? '');
          const current = this.alerts.get(id);
          if (!current) return error(404, 'NotFound', 'Alert not found');
          const comments = (this.alertComments.get(id) ?? []).map((comment) => ({ '@odata.type': 'microsoft.graph.security.alertComment', comment, createdByDisplayName: 'SOC Copilot' }));
          return answer(200, { '@odata.type': '#microsoft.graph.security.alert', id, ...current, comments });
        }
        if (alertItself && req.method === 'PATCH') {
          const current = this.alerts.get(decodeURIComponent(alertItself[1] ?? ''));
          if (!current) return error(404, 'NotFound', 'Alert not found');
          if (req.headers['content-type'] !== 'application/json') return error(415, 'UnsupportedMediaType', 'application/json required');
          const patch = JSON.parse(body) as Record<string, unknown>;
          const allowed: Record<string, readonly string[]> = { status: GRAPH_STATUS, classification: GRAPH_CLASSIFICATION, determination: GRAPH_DETERMINATION };
          for (const [k, v] of Object.entries(patch)) {
            if (!(k in allowed) && k !== 'assignedTo' && k !== 'customDetails') return error(400, 'BadRequest', `${k} is not updatable`);
            if (allowed[k] && !allowed[k].includes(String(v))) return error(400, 'BadRequest', `${k}: ${String(v)} is not a valid value`);
          }
          Object.assign(current, patch);
          return answer(200, { '@odata.type': '#microsoft.graph.security.alert', id: alertItself[1], ...current });
        }
        if (incident && req.method === 'PUT') {
          if (url.searchParams.get('api-version') !== '2024-03-01') return error(400, 'InvalidApiVersionParameter', 'unsupported api-version');
          const comments = this.incidentComments.get(decodeURIComponent(incident[4] ?? ''));
          if (!comments) return error(404, 'NotFound', 'Incident not found');
          const message = (JSON.parse(body) as { properties?: { message?: unknown } }).properties?.message;
          if (typeof message !== 'string') return error(400, 'BadRequest', 'properties.message is required');
          const commentId = decodeURIComponent(incident[5] ?? '');
          const existed = comments.has(commentId);
          comments.set(commentId, message);
          return answer(existed ? 200 : 201, { id: url.pathname, name: commentId, type: 'Microsoft.SecurityInsights/Incidents/Comments', properties: { message } });
        }
        if (alert && req.method === 'POST') {
          const comments = this.alertComments.get(decodeURIComponent(alert[1] ?? ''));
          if (!comments) return error(404, 'NotFound', 'Alert not found');
          const parsed = JSON.parse(body) as { '@odata.type'?: unknown; comment?: unknown };
          if (parsed['@odata.type'] !== 'microsoft.graph.security.alertComment' || typeof parsed.comment !== 'string')
            return error(400, 'BadRequest', 'an alertComment is required');
          comments.push(parsed.comment);
          return answer(200, { value: comments.map((comment) => ({ '@odata.type': 'microsoft.graph.security.alertComment', comment })) });
        }
        return error(405, 'MethodNotAllowed', `${req.method} ${url.pathname}`);
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #etag(): string {
    return `"0300bf09-0000-0000-0000-${String(++this.#etags).padStart(12, '0')}"`;
  }

  /** Incidents – Get and Incidents – Create Or Update, as the SecurityInsights reference describes them. */
  #incident(
    id: string,
    method: string,
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
    body: string,
    answer: (status: number, json: unknown) => void,
    error: (status: number, code: string, message: string) => void,
  ): void {
    if (query.get('api-version') !== '2024-03-01') return error(400, 'InvalidApiVersionParameter', 'unsupported api-version');
    const current = this.incidents.get(id);
    if (!current) return error(404, 'NotFound', 'Incident not found');
    const view = (): unknown => ({ id, name: id, type: 'Microsoft.SecurityInsights/Incidents', etag: current.etag, properties: current.properties });
    if (method === 'GET') return answer(200, view());
    if (method !== 'PUT') return error(405, 'MethodNotAllowed', method);
    if (headers['content-type'] !== 'application/json') return error(415, 'UnsupportedMediaType', 'application/json required');
    const put = JSON.parse(body) as { etag?: unknown; properties?: Record<string, unknown> };
    if (this.changeBeforeNextPut) {
      this.changeBeforeNextPut = false;
      current.properties = { ...current.properties, severity: 'Medium' };
      current.etag = this.#etag();
    }
    if (headers['if-match'] !== undefined && headers['if-match'] !== current.etag) return error(412, 'PreconditionFailed', 'The etag does not match');
    if (put.etag !== undefined && put.etag !== current.etag) return error(409, 'Conflict', 'Newer version of the incident exists');
    const p = put.properties ?? {};
    for (const required of ['title', 'severity', 'status']) if (typeof p[required] !== 'string') return error(400, 'BadRequest', `properties.${required} is required`);
    if (p['status'] === 'Closed') {
      if (!CLASSIFICATIONS.includes(String(p['classification']))) return error(400, 'BadRequest', 'Closing an incident requires a classification');
      if (p['classification'] !== 'Undetermined' && !REASONS.includes(String(p['classificationReason'])))
        return error(400, 'BadRequest', `classification '${String(p['classification'])}' must have classificationReason`);
    }
    // A PUT replaces the writable properties: what it leaves out is gone.
    const readOnly = Object.fromEntries(['incidentNumber', 'createdTimeUtc'].map((k) => [k, current.properties[k]]));
    current.properties = { ...p, ...readOnly, lastModifiedTimeUtc: '2026-11-23T11:00:00Z' };
    current.etag = this.#etag();
    return answer(200, view());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
