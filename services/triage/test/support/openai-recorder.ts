import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that reached the recorder. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The Azure deployment from `/openai/deployments/{d}/…`, if the request used the Azure path. */
  deployment: string | undefined;
  /** The parsed JSON body. */
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
    [key: string]: unknown;
  };
  /** The body exactly as received, to assert that a value never reached the model. */
  rawBody: string;
}

/** How the recorder answers one request. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** The assistant message content; wrapped into a chat completion with `usage`. */
  content?: string;
  /** A raw JSON body instead of a chat completion (e.g. an error). */
  json?: unknown;
  usage?: { prompt_tokens: number; completion_tokens: number };
  finishReason?: 'stop' | 'length' | 'content_filter';
  /** Hold the answer back, to provoke a client timeout; the connection is dropped on close(). */
  holdMs?: number;
  /** Drop the connection without answering (the request is still recorded): a connection failure for the client. */
  drop?: boolean;
}

/** A running recorder. */
export interface OpenAiRecorder {
  /** `http://127.0.0.1:<port>`: the Azure endpoint. */
  url: string;
  /** `http://127.0.0.1:<port>/v1`: the base URL of an OpenAI-compatible client. */
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const CHAT = /^\/v1\/(?:chat\/completions|embeddings)$/;
const AZURE_CHAT = /^\/openai\/deployments\/([^/]{1,256})\/(?:chat\/completions|embeddings)$/;
const MAX_BODY = 4 * 1024 * 1024;

/** A chat-completions body with one assistant message. */
export function chatCompletion(content: string, usage = { prompt_tokens: 0, completion_tokens: 0 }, finishReason = 'stop'): unknown {
  return {
    id: 'chatcmpl-recorded',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'recorded-model',
    choices: [{ index: 0, finish_reason: finishReason, message: { role: 'assistant', content } }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local OpenAI-compatible server (chat completions and embeddings on the OpenAI and the Azure path) that records every request
 * and answers with `script(request, index)`, so tests see what reached the model and how many calls were made.
 */
export async function startOpenAiRecorder(
  script: (req: RecordedRequest, index: number) => ScriptedResponse | Promise<ScriptedResponse>,
): Promise<OpenAiRecorder> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const azure = AZURE_CHAT.exec(url.pathname);
    if (req.method !== 'POST' || (!CHAT.test(url.pathname) && !azure)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const rawBody = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const recorded: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      deployment: azure?.[1],
      body: JSON.parse(rawBody) as RecordedRequest['body'],
      rawBody,
    };
    requests.push(recorded);
    const answer = await script(recorded, requests.length - 1);
    if (answer.drop === true) {
      req.socket.destroy();
      return;
    }
    const send = (): void => {
      const body = answer.json ?? chatCompletion(answer.content ?? '', answer.usage, answer.finishReason);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(body));
    };
    if (answer.holdMs === undefined) send();
    else {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send();
      }, answer.holdMs);
      timers.add(t);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
