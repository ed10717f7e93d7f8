import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { listen } from '../src/index.ts';

const slowApp = () => {
  const app = express();
  app.get('/slow', async (_req, res) => {
    await sleep(150);
    res.json({ done: true });
  });
  app.get('/fast', (_req, res) => {
    res.json({ done: true });
  });
  return app;
};

describe('listen', () => {
  it('binds the given host and reports the port and URL', async () => {
    const server = await listen(slowApp(), 0, '127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/fast`)).status).toBe(200);
    await server.close();
  });

  it('lets an in-flight request finish on close, then refuses new connections', async () => {
    const server = await listen(slowApp(), 0, '127.0.0.1');
    const inFlight = fetch(`${server.url}/slow`);
    await sleep(30);
    const closed = server.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`${server.url}/fast`)).rejects.toThrow();
  });

  it('does not wait for idle keep-alive connections, and close is idempotent', async () => {
    const server = await listen(slowApp(), 0, '127.0.0.1', { graceMs: 5_000 });
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${server.url}/fast`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
  });

  it('cuts connections still open after the grace period', async () => {
    const app = express();
    app.get('/hang', () => undefined);
    const server = await listen(app, 0, '127.0.0.1', { graceMs: 100 });
    const hanging = fetch(`${server.url}/hang`).catch((error: unknown) => error);
    await sleep(30);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it('rejects when the port is taken', async () => {
    const first = await listen(slowApp(), 0, '127.0.0.1');
    await expect(listen(slowApp(), first.port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.close();
  });

  it('answers 431 to headers above the byte limit, and a slow response outlives the request timeout', async () => {
    const app = slowApp();
    app.get('/slower', async (_req, res) => {
      await sleep(400);
      res.json({ done: true });
    });
    const server = await listen(app, 0, '127.0.0.1', { limits: { maxHeaderBytes: 4_096, headersTimeoutMs: 100, requestTimeoutMs: 200 } });
    const big = await fetch(`${server.url}/fast`, { headers: { 'x-big': 'a'.repeat(8_000) } });
    expect(big.status).toBe(431);
    // The request timeout bounds receiving the request, not answering it: long hunt queries keep working.
    const slow = await fetch(`${server.url}/slower`);
    expect(slow.status).toBe(200);
    await server.close();
  });
});
