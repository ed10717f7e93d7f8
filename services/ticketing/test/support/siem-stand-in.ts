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
  readonly tokens: { arm: string; graph: string };
  #server: Server | undefined;
  constructor(tokens: { arm: string; graph: string }, incidents: readonly string[], alerts: readonly string[]) {
    this.tokens = tokens;
    for (const id of incidents) this.incidentComments.set(id, new Map());
    for (const id of alerts) this.alertComments.set(id, []);
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
        const audience = incident ? 'arm' : 'graph';
        if (req.headers.authorization !== `Bearer ${this.tokens[audience]}`) return error(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
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

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
