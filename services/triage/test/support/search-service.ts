import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that reached the local search service. */
export interface SearchRequest {
  method: string;
  path: string;
  apiKey: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** A running local Azure AI Search. */
export interface LocalSearchService {
  url: string;
  requests: SearchRequest[];
  /** The index definitions and documents it holds. */
  indexes: Map<string, { definition: Record<string, unknown>; docs: Map<string, Record<string, unknown>> }>;
  /** Makes every following request fail with this status (e.g. 503), or succeed again with `undefined`. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

const INDEX = /^\/indexes\('([^']+)'\)$/;
const DOCS_INDEX = /^\/indexes\('([^']+)'\)\/docs\/search\.index$/;
const DOCS_SEARCH = /^\/indexes\('([^']+)'\)\/docs\/search\.post\.search$/;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

const words = (v: unknown): string[] =>
  (Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : '').toLowerCase().split(/[^a-z0-9.]+/).filter(Boolean);

/**
 * The REST surface of Azure AI Search the playbook adapter uses (create-or-update index, index documents, POST
 * search), over an in-memory index. Ranking is a stand-in: keyword hits weighted by the index's scoring profile,
 * cosine similarity for vector queries, fused by reciprocal rank like the service's hybrid search. Documents that
 * match neither query are not returned, as in the service.
 */
export async function startLocalSearchService(apiKey: string): Promise<LocalSearchService> {
  const requests: SearchRequest[] = [];
  const indexes: LocalSearchService['indexes'] = new Map();
  let failure: number | undefined;

  const search = (name: string, body: Record<string, unknown>): unknown => {
    const index = indexes.get(name);
    if (!index) return undefined;
    const profiles = (index.definition.scoringProfiles as { name: string; textWeights?: { weights: Record<string, number> } }[] | undefined) ?? [];
    const weights = profiles.find((p) => p.name === body.scoringProfile)?.textWeights?.weights ?? {};
    const terms = String(body.search ?? '')
      .toLowerCase()
      .replace(/"/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const docs = [...index.docs.values()];
    const keyword = docs
      .map((d) => {
        let score = 0;
        for (const [field, value] of Object.entries(d)) {
          if (field === 'id' || field === 'steps' || field === 'contentVector') continue;
          const have = new Set(words(value));
          for (const t of terms) if (have.has(t)) score += weights[field] ?? 1;
        }
        return { d, score };
      })
      .filter((x) => x.score > 0 || String(body.search).trim() === '*')
      .sort((a, b) => b.score - a.score);
    const vq = (body.vectorQueries as { vector: number[] }[] | undefined)?.[0];
    const cosine = (a: number[], b: number[]) => {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += (a[i] ?? 0) * (b[i] ?? 0);
        na += (a[i] ?? 0) ** 2;
        nb += (b[i] ?? 0) ** 2;
      }
      return dot / (Math.sqrt(na * nb) || 1);
    };
    const vector = vq === undefined ? [] : docs.filter((d) => Array.isArray(d.contentVector)).map((d) => ({ d, score: cosine(vq.vector, d.contentVector as number[]) })).sort((a, b) => b.score - a.score);
    const fused = new Map<Record<string, unknown>, number>();
    for (const list of [keyword, vector]) list.forEach((x, rank) => fused.set(x.d, (fused.get(x.d) ?? 0) + 1 / (60 + rank + 1)));
    const select = (body.select as string | undefined)?.split(',');
    const top = typeof body.top === 'number' ? body.top : 50;
    const value = [...fused]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([d, score]) => ({ '@search.score': score, ...(select ? Object.fromEntries(select.map((f) => [f, d[f]])) : d) }));
    return { value };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://search');
    const body = await readJson(req);
    const key = req.headers['api-key'];
    requests.push({ method: req.method ?? '', path: url.pathname, apiKey: typeof key === 'string' ? key : undefined, body });
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; odata.metadata=none' }).end(json === undefined ? '' : JSON.stringify(json));
    };
    if (failure !== undefined) return send(failure, { error: { code: 'ServiceUnavailable', message: 'local search is down' } });
    if (key !== apiKey) return send(403, { error: { code: 'Forbidden', message: 'bad api-key' } });
    let m;
    if (req.method === 'PUT' && (m = INDEX.exec(url.pathname)) && body) {
      const name = m[1] ?? '';
      const existing = indexes.get(name);
      indexes.set(name, { definition: body, docs: existing?.docs ?? new Map() });
      return send(existing ? 200 : 201, body);
    }
    if (req.method === 'POST' && (m = DOCS_INDEX.exec(url.pathname)) && body) {
      const index = indexes.get(m[1] ?? '');
      if (!index) return send(404, { error: { code: 'IndexNotFound', message: 'no such index' } });
      const results = (body.value as Record<string, unknown>[]).map((d) => {
        const { ['@search.action']: action, ...doc } = d;
        const id = String(doc.id);
        if (action === 'delete') index.docs.delete(id);
        else index.docs.set(id, { ...(index.docs.get(id) ?? {}), ...doc });
        return { key: id, status: true, errorMessage: null, statusCode: 200 };
      });
      return send(200, { value: results });
    }
    if (req.method === 'POST' && (m = DOCS_SEARCH.exec(url.pathname)) && body) {
      const answer = search(m[1] ?? '', body);
      return answer === undefined ? send(404, { error: { code: 'IndexNotFound', message: 'no such index' } }) : send(200, answer);
    }
    return send(404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'InternalError', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    indexes,
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
