import { ServiceBusBus } from '@soc/bus';
import {
  CONTRACT_RETRY_POLICY,
  CONTRACT_SUBSCRIPTIONS,
  CONTRACT_TOPIC,
  describeBusContract,
  hasContainerRuntime,
  injectRawServiceBus,
  startServiceBusEmulator,
  type StartedServiceBusEmulator,
} from '@soc/bus/testing';
import { afterAll, beforeAll } from 'vitest';

// The emulator needs Docker or Podman; where there is none the suite is skipped, loudly.
const runtime = await hasContainerRuntime();
if (!runtime) console.warn('Service Bus contract suite skipped: no container runtime (Docker/Podman) found');

let emulator: StartedServiceBusEmulator | undefined;
if (runtime) {
  beforeAll(async () => {
    emulator = await startServiceBusEmulator({
      topic: CONTRACT_TOPIC,
      subscriptions: CONTRACT_SUBSCRIPTIONS,
      policy: CONTRACT_RETRY_POLICY,
    });
  }, 300_000);
  afterAll(async () => {
    await emulator?.stop();
  });
}

function connectionString(): string {
  if (emulator === undefined) throw new Error('emulator not started');
  return emulator.connectionString;
}

describeBusContract(
  'ServiceBusBus (emulator)',
  async ({ retry, observer }) => {
    // The emulator has no admin API: its entities come from the generated Config.json.
    const open = () =>
      new ServiceBusBus(
        { connectionString: connectionString(), topic: CONTRACT_TOPIC, manageTopology: false, retry },
        { observer },
      );
    return {
      bus: open(),
      reopen: () => Promise.resolve(open()),
      injectRaw: (subscription, body, messageId) =>
        injectRawServiceBus(connectionString(), CONTRACT_TOPIC, subscription, body, messageId),
    };
  },
  { skip: !runtime, isolated: false, waitMs: 30_000, durable: true },
);
