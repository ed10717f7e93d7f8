import { type IncomingHttpHeaders, request } from 'node:http';

/** One server-sent event as a client parses it. */
export interface StreamEvent {
  event: string;
  data: string;
}

/** An open `text/event-stream` response, read as it arrives (node:http: fetch wrappers that read whole bodies would wait forever). */
export interface OpenStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw text so far. */
  text(): string;
  /** The events so far (`retry:` lines are not events). */
  events(): StreamEvent[];
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => raw,
        events: () =>
          raw
            .split('\n\n')
            .slice(0, -1)
            .map((block) => {
              const lines = block.split('\n');
              return { event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n') };
            })
            .filter((e) => !/^retry: /m.test(e.data) && (e.event !== 'message' || e.data !== '')),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
