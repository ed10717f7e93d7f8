import { AppError } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { BusConfig, MemoryBus, openBus, ServiceBusBus } from '@soc/bus';

describe('BusConfig', () => {
  it('parses each kind and applies the Service Bus defaults', () => {
    expect(BusConfig.parse({ kind: 'memory' })).toEqual({ kind: 'memory' });
    expect(BusConfig.parse({ kind: 'sqlite', path: 'data/bus.db', pollIntervalMs: '25' })).toEqual({
      kind: 'sqlite',
      path: 'data/bus.db',
      pollIntervalMs: 25,
    });
    expect(BusConfig.parse({ kind: 'servicebus', fullyQualifiedNamespace: 'soc.servicebus.windows.net' })).toEqual({
      kind: 'servicebus',
      fullyQualifiedNamespace: 'soc.servicebus.windows.net',
      topic: 'soc-events',
      manageTopology: true,
    });
  });

  it('reads manageTopology from env-style strings', () => {
    expect(
      BusConfig.parse({ kind: 'servicebus', connectionString: 'Endpoint=sb://x/', manageTopology: 'false' }),
    ).toMatchObject({ manageTopology: false });
  });

  it('wants exactly one way to reach Service Bus', () => {
    expect(BusConfig.safeParse({ kind: 'servicebus' }).success).toBe(false);
    expect(
      BusConfig.safeParse({ kind: 'servicebus', connectionString: 'a', fullyQualifiedNamespace: 'b' }).success,
    ).toBe(false);
  });

  it('rejects unknown kinds and bad retry values', () => {
    expect(BusConfig.safeParse({ kind: 'kafka' }).success).toBe(false);
    expect(BusConfig.safeParse({ kind: 'memory', retry: { maxDeliveryCount: 0 } }).success).toBe(false);
  });
});

describe('openBus', () => {
  it('picks the adapter from the config', async () => {
    const memory = openBus({ kind: 'memory', retry: { maxDeliveryCount: 2 } });
    expect(memory).toBeInstanceOf(MemoryBus);
    await memory.close();
    // Constructing the client does not connect: that happens on first use.
    const sb = openBus({
      kind: 'servicebus',
      connectionString: 'Endpoint=sb://localhost/;SharedAccessKeyName=k;SharedAccessKey=v',
      manageTopology: false,
    });
    expect(sb).toBeInstanceOf(ServiceBusBus);
    await sb.close();
  });

  it('fails with CONFIGURATION_INVALID listing the problem but never the values', () => {
    const secret = 'Endpoint=sb://x/;SharedAccessKey=hunter2';
    let error: unknown;
    try {
      openBus({ kind: 'servicebus', connectionString: secret, fullyQualifiedNamespace: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect((error as Error).message).toContain('bus.connectionString');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
