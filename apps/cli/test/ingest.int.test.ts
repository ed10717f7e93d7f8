import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GENERIC_ALERTS, lines, runSoc } from './support.ts';

const TOKEN = 'cli-test-token-0123456789abcdef';

interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

interface Answer {
  readonly status: number;
  readonly contentType?: string;
  readonly body: unknown;
}

/** What the fake ingestion answers to the n-th request (0-based); default: accept everything, like the real one. */
type Responder = (body: unknown, n: number) => Answer;

const accept: Responder = (body) => ({
  status: 202,
  body: { items: (body as { id: string }[]).map((a) => ({ alertId: `alt-${a.id}`, correlationId: `corr-${a.id}` })) },
});

/** A real HTTP server on 127.0.0.1 that records every request and answers as `respond` says. */
async function startRecorder(): Promise<{
  url: string;
  requests: RecordedRequest[];
  respond: (r: Responder) => void;
  close(): Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  let responder = accept;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text) as unknown;
      const answer = responder(body, requests.length);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (r) => (responder = r),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('soc ingest', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let fixture: { id: string }[];
  let dir: string;

  beforeAll(async () => {
    recorder = await startRecorder();
    fixture = lines(await readFile(GENERIC_ALERTS, 'utf8')).map((l) => JSON.parse(l) as { id: string });
  });
  afterAll(() => recorder.close());
  beforeEach(async () => {
    recorder.requests.length = 0;
    recorder.respond(accept);
    dir = await mkdtemp(join(tmpdir(), 'soc-cli-ingest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('posts the real Sentinel alerts in batches with the bearer token and prints one receipt per alert', async () => {
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--url', recorder.url, '--batch', '40'], {
      SOC_SENDER_TOKEN: TOKEN,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    expect(fixture).toHaveLength(95);
    expect(recorder.requests.map((r) => (r.body as unknown[]).length)).toEqual([40, 40, 15]);
    for (const r of recorder.requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/api/v1/alerts/generic');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['content-type']).toBe('application/json');
    }
    // Sent as read, in file order.
    expect(recorder.requests.flatMap((r) => r.body as unknown[])).toEqual(fixture);
    expect(lines(run.stdout)).toEqual(fixture.map((a) => `alt-${a.id} corr-${a.id}`));
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('sends one request of up to 100 by default, takes SOC_API_URL, and prints a summary with --quiet', async () => {
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--quiet'], {
      SOC_SENDER_TOKEN: TOKEN,
      SOC_API_URL: `${recorder.url}/`,
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`Accepted 95 alerts in 1 request to ${recorder.url}/api/v1/alerts/generic.\n`);
    expect(recorder.requests.map((r) => (r.body as unknown[]).length)).toEqual([95]);
  });

  it('reads one alert or an array from a .json file', async () => {
    const single = join(dir, 'one.json');
    await writeFile(single, JSON.stringify(fixture[0], null, 2));
    const array = join(dir, 'three.json');
    await writeFile(array, JSON.stringify(fixture.slice(1, 4)));

    const one = await runSoc(['ingest', single, '--url', recorder.url], { SOC_SENDER_TOKEN: TOKEN });
    expect(one).toMatchObject({ code: 0, stdout: `alt-${fixture[0]?.id} corr-${fixture[0]?.id}\n` });
    const three = await runSoc(['ingest', array, '--url', recorder.url, '--batch', '2'], { SOC_SENDER_TOKEN: TOKEN });
    expect(three.code).toBe(0);
    expect(lines(three.stdout)).toHaveLength(3);
    expect(recorder.requests.map((r) => r.body)).toEqual([[fixture[0]], fixture.slice(1, 3), fixture.slice(3, 4)]);
  });

  it('posts with the sender token, never an analyst\'s: SOC_SENDER_TOKEN, else $SOC_DATA_DIR/sender-token, and never generates one', async () => {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    // An analyst's API token (variable or file) is not what alerts are posted with.
    await writeFile(join(dataDir, 'api-token'), `analyst-token-0123456789abcdef\n`, { mode: 0o600 });
    const missing = await runSoc(['ingest', GENERIC_ALERTS, '--url', recorder.url], { SOC_DATA_DIR: dataDir, SOC_API_TOKEN: 'analyst-token-0123456789abcdef' });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([
      `soc ingest: No sender token: set SOC_SENDER_TOKEN (a sender's token from INGEST_AUTH_FILE), or SOC_DATA_DIR to the data directory of the instance (no ${join(dataDir, 'sender-token')})`,
    ]);
    expect(existsSync(join(dataDir, 'sender-token'))).toBe(false);
    expect(recorder.requests).toHaveLength(0);

    await writeFile(join(dataDir, 'sender-token'), `file-token-0123456789abcdef\n`, { mode: 0o600 });
    const fromFile = await runSoc(['ingest', GENERIC_ALERTS, '--url', recorder.url, '--quiet'], {
      SOC_DATA_DIR: dataDir,
    });
    expect(fromFile.code).toBe(0);
    expect(recorder.requests[0]?.headers.authorization).toBe('Bearer file-token-0123456789abcdef');
    expect(fromFile.stdout + fromFile.stderr).not.toContain('file-token');
  });

  it('on a 400 prints the detail and the field errors by file line, stops, and exits 1', async () => {
    recorder.respond((body, n) =>
      n === 0
        ? accept(body, n)
        : {
            status: 400,
            contentType: 'application/problem+json',
            body: {
              type: 'urn:soc:problem:invalid-alert',
              title: 'The alert does not match the generic alert format',
              status: 400,
              detail: 'Nothing was accepted; fix the listed fields and resend.',
              errors: [
                {
                  path: '[2].severity',
                  message: 'Invalid option: expected one of "informational"|"low"|"medium"|"high"|"critical"',
                },
                { path: '[9]', message: 'Unrecognized key: "colour"' },
              ],
            },
          },
    );
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--url', recorder.url, '--batch', '40'], {
      SOC_SENDER_TOKEN: TOKEN,
    });
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toHaveLength(40);
    expect(lines(run.stderr)).toEqual([
      'soc ingest: Batch 2 of 3 (line 41 to line 80) refused: HTTP 400 The alert does not match the generic alert format: Nothing was accepted; fix the listed fields and resend.',
      '  line 43: severity: Invalid option: expected one of "informational"|"low"|"medium"|"high"|"critical"',
      '  line 50: (alert): Unrecognized key: "colour"',
      '  40 alerts were accepted before this batch; re-sending them is harmless',
    ]);
    // It stopped at the refused batch.
    expect(recorder.requests).toHaveLength(2);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('on a 401 says where the token comes from, without printing it', async () => {
    recorder.respond(() => ({
      status: 401,
      contentType: 'application/problem+json',
      body: {
        type: 'urn:soc:problem:unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'A valid bearer token is required.',
      },
    }));
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--url', recorder.url], { SOC_SENDER_TOKEN: TOKEN });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toBe(
      'soc ingest: Batch 1 of 1 (line 1 to line 95) refused: HTTP 401 Unauthorized: A valid bearer token is required.',
    );
    expect(run.stderr).toContain('check SOC_SENDER_TOKEN');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('refuses a file with a broken line before sending anything', async () => {
    const file = join(dir, 'broken.jsonl');
    const text = await readFile(GENERIC_ALERTS, 'utf8');
    await writeFile(
      file,
      text
        .split('\n')
        .map((l, i) => (i === 6 ? l.slice(0, 30) : l))
        .join('\n'),
    );
    const run = await runSoc(['ingest', file, '--url', recorder.url], { SOC_SENDER_TOKEN: TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^soc ingest: ${file} line 7: invalid JSON \\(.+\\)\\n$`));
    expect(recorder.requests).toHaveLength(0);
  });

  it('fails with one line when nothing answers', async () => {
    const closed = await startRecorder();
    await closed.close();
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--url', closed.url], { SOC_SENDER_TOKEN: TOKEN });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`soc ingest: Cannot reach ${closed.url}/api/v1/alerts/generic: ECONNREFUSED`]);
  });

  it('rejects bad usage with exit code 2 and sends nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['ingest'], /Missing <file>/],
      [['ingest', 'alerts.csv'], /Cannot tell the format of 'alerts.csv'/],
      [['ingest', GENERIC_ALERTS, '--batch', '0'], /--batch must be a whole number of at least 1/],
      [['ingest', GENERIC_ALERTS, '--url', 'ftp://x'], /--url must be an http\(s\) URL/],
      [['ingest', GENERIC_ALERTS, '--source', '../admin'], /--source must be a lower-case name/],
      [['ingest', GENERIC_ALERTS, 'extra.jsonl'], /Unexpected argument 'extra.jsonl'/],
    ];
    for (const [args, message] of cases) {
      const run = await runSoc(args, { SOC_SENDER_TOKEN: TOKEN, SOC_API_URL: recorder.url });
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    expect(recorder.requests).toHaveLength(0);
  });
});
