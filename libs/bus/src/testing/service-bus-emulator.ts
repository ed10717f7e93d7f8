import type { SubscriptionSpec } from '@soc/contracts';
import { serviceBusEmulatorConfig } from '../adapters/service-bus-emulator-config.ts';
import type { RetryPolicy } from '../port.ts';

/** Images of the Azure Service Bus emulator and the SQL Edge database it stores its state in. */
export const EMULATOR_IMAGES = {
  serviceBus: 'mcr.microsoft.com/azure-messaging/servicebus-emulator:latest',
  sqlEdge: 'mcr.microsoft.com/azure-sql-edge:latest',
} as const;

/**
 * True when testcontainers finds a Docker or Podman runtime. Asks testcontainers itself (the same strategies it
 * would use to start containers), bounded by a timeout so a half-configured runtime cannot hang the test run.
 */
export async function hasContainerRuntime(timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('container runtime detection timed out')), timeoutMs);
      timer.unref();
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** A running emulator. */
export interface StartedServiceBusEmulator {
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** Options of {@link startServiceBusEmulator}. */
export interface ServiceBusEmulatorOptions {
  readonly topic: string;
  readonly subscriptions: readonly SubscriptionSpec[];
  readonly policy: RetryPolicy;
}

/**
 * Starts SQL Edge and the Service Bus emulator on a private network, with a Config.json declaring the topic,
 * the subscriptions and their rules (the emulator has no admin API). Takes a minute or two on first pull.
 */
export async function startServiceBusEmulator(options: ServiceBusEmulatorOptions): Promise<StartedServiceBusEmulator> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const password = 'Soc-Copilot-T3st!';
  const network = await new Network().start();
  const sql = await new GenericContainer(EMULATOR_IMAGES.sqlEdge)
    .withNetwork(network)
    .withNetworkAliases('sqledge')
    .withEnvironment({ ACCEPT_EULA: 'Y', MSSQL_SA_PASSWORD: password })
    .withWaitStrategy(Wait.forLogMessage(/EdgeTelemetry starting up|Recovery is complete/))
    .withStartupTimeout(180_000)
    .start();
  const emulator = await new GenericContainer(EMULATOR_IMAGES.serviceBus)
    .withNetwork(network)
    .withEnvironment({ ACCEPT_EULA: 'Y', SQL_SERVER: 'sqledge', MSSQL_SA_PASSWORD: password, SQL_WAIT_INTERVAL: '0' })
    .withCopyContentToContainer([
      {
        content: JSON.stringify(serviceBusEmulatorConfig(options.topic, options.subscriptions, options.policy)),
        target: '/ServiceBus_Emulator/ConfigFiles/Config.json',
      },
    ])
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Emulator Service is Successfully Up/))
    .withStartupTimeout(180_000)
    .start();
  const connectionString = `Endpoint=sb://${emulator.getHost()}:${emulator.getMappedPort(5672)};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
  return {
    connectionString,
    stop: async () => {
      await emulator.stop();
      await sql.stop();
      await network.stop();
    },
  };
}
