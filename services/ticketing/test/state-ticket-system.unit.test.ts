import { MemoryStateStore } from '@soc/state';
import { manualClock } from '@soc/runtime';
import { StateTicketSystem } from '../src/adapters/state-ticket-system.ts';
import { describeTicketSystemContract } from './support/ticket-system-contract.ts';

interface Doc {
  notes?: { note: string }[];
  resolution?: { code: string; notes: string };
}

describeTicketSystemContract('local (state store)', async () => {
  const clock = manualClock('2026-12-07T03:00:00.000Z');
  const store = new MemoryStateStore({ clock });
  const doc = async (id: string): Promise<Doc | undefined> => (await store.get<Doc>('tickets', id))?.value;
  return {
    system: new StateTicketSystem(store, () => clock.now()),
    notesOf: async (id) => (await doc(id))?.notes?.map((n) => n.note) ?? [],
    resolutionOf: async (id) => {
      const r = (await doc(id))?.resolution;
      return r ? { code: r.code, notes: r.notes } : undefined;
    },
    unknownTicketId: 'SOC-00000000',
    close: () => store.close(),
  };
});
