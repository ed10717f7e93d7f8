import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RunningSystem, type ServiceModule, runServices } from '../src/index.ts';

const TOKEN = 'readiness-token-0123456789';

/** A service whose one dependency is whatever the test says it is. */
function serviceWith(readiness: Record<string, () => Promise<void>>): ServiceModule {
  return {
    name: 'probe-svc',
    config: z.object({}),
    start: async () => ({ readiness, close: async () => undefined }),
  };
}

let system: RunningSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

async function start(module: ServiceModule): Promise<RunningSystem> {
  system = await runServices([module], {
    env: { SOC_BUS: 'memory', SOC_STATE: 'memory', PORT: '0', HOST: '127.0.0.1', SOC_API_TOKEN: TOKEN, LOG_LEVEL: 'silent' },
    handleSignals: false,
    readinessTimeoutMs: 300,
  });
  return system;
}

async function readyz(url: string): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

describe('/readyz', () => {
  it('checks the bus, the state store and every dependency a service registers', async () => {
    const { url } = await start(serviceWith({ payloads: async () => undefined }));
    expect(await readyz(url)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { bus: 'ok', state: 'ok', 'probe-svc:payloads': 'ok' } },
    });
  });

  it('is 503 naming the bus when the bus can no longer serve', async () => {
    const running = await start(serviceWith({}));
    await running.platform.bus.close();
    const res = await readyz(running.url);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not-ready', checks: { bus: 'failing', state: 'ok' } });
  });

  it('names a failing service dependency without revealing its reason', async () => {
    const { url } = await start(
      serviceWith({
        payloads: () => Promise.reject(new Error('AuthorizationFailure: AccountKey=c2VjcmV0 is not valid')),
      }),
    );
    const res = await fetch(`${url}/readyz`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ status: 'not-ready', checks: { bus: 'ok', state: 'ok', 'probe-svc:payloads': 'failing' } });
    expect(text).not.toMatch(/AccountKey|c2VjcmV0|Authorization/);
  });

  it('a hung dependency is timed-out on its own, the others still answer', async () => {
    const { url } = await start(serviceWith({ stream: () => new Promise<void>(() => undefined) }));
    const t0 = Date.now();
    const res = await readyz(url);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(res).toEqual({
      status: 503,
      body: { status: 'not-ready', checks: { bus: 'ok', state: 'ok', 'probe-svc:stream': 'timed-out' } },
    });
  });
});
