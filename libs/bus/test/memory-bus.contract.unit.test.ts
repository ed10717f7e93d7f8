import { MemoryBus } from '@soc/bus';
import { describeBusContract, injectRawMemory } from '@soc/bus/testing';

describeBusContract('MemoryBus', async ({ retry, observer }) => {
  const bus = new MemoryBus({ retry }, { observer });
  return { bus, injectRaw: (subscription, body, messageId) => injectRawMemory(bus, subscription, body, messageId) };
});
