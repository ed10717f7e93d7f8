import { describe, expect, it } from 'vitest';
import { type AlertInput, Entity, alertRevisionKey, alertRevisionOf, compareRevisions } from '../src/index.ts';

const base: AlertInput = {
  schemaVersion: 1,
  alertId: 'alt-1',
  tenantId: 'contoso',
  source: { name: 'sentinel', vendorAlertId: 'inc-1', product: 'Microsoft Sentinel', url: 'https://portal.azure.com/#inc-1' },
  title: 'Brute force against USER',
  description: 'Many failed sign-ins',
  severity: 'low',
  status: 'new',
  detectedAt: '2026-11-23T09:00:00Z',
  lastSeenAt: '2026-11-23T09:05:00Z',
  rule: { id: 'r-1', name: 'Brute force' },
  attack: [{ tactic: 'CredentialAccess', techniqueId: 'T1110' }, { tactic: 'InitialAccess' }],
  entities: [
    { id: 'host:ws01', type: 'host', value: 'ws01', os: 'Windows 11' },
    { id: 'ip:203.0.113.7', type: 'ip', value: '203.0.113.7', isInternal: false, origin: 'extracted' },
  ],
  labels: ['pci'],
};

describe('alertRevisionKey', () => {
  it('is rev- plus 32 hex digits, deterministic', () => {
    expect(alertRevisionKey(base)).toMatch(/^rev-[0-9a-f]{32}$/);
    expect(alertRevisionKey(structuredClone(base))).toBe(alertRevisionKey(base));
  });

  it('changes with anything that matters for triage', () => {
    const changed: AlertInput[] = [
      { ...base, severity: 'critical' },
      { ...base, status: 'in_progress' },
      { ...base, title: 'Brute force against admin' },
      { ...base, description: 'Many failed sign-ins, then one success' },
      { ...base, rule: { id: 'r-2', name: 'Brute force' } },
      { ...base, attack: [{ tactic: 'CredentialAccess', techniqueId: 'T1110.001' }] },
      { ...base, entities: [...(base.entities ?? []), { id: 'user:alice', type: 'user', value: 'alice' }] },
      { ...base, entities: [{ id: 'host:ws01', type: 'host', value: 'ws01', os: 'Windows 10' }, base.entities![1]!] },
    ];
    const keys = new Set([alertRevisionKey(base), ...changed.map(alertRevisionKey)]);
    expect(keys.size).toBe(changed.length + 1);
  });

  it('keeps bookkeeping out: times, labels, the link, product names, the raw reference, entity and technique order', () => {
    const same: AlertInput[] = [
      { ...base, detectedAt: '2026-11-24T00:00:00Z', lastSeenAt: '2026-11-24T00:00:00Z', firstSeenAt: '2026-11-22T00:00:00Z', modifiedAt: '2026-11-24T01:00:00Z' },
      { ...base, labels: ['pci', 'soc-copilot:triaged'] },
      { ...base, source: { ...base.source, url: 'https://portal.azure.com/#other', product: 'Azure Sentinel' } },
      { ...base, rawRef: { store: 'raw', key: 'p-2#' } },
      { ...base, entities: [...(base.entities ?? [])].reverse(), attack: [...(base.attack ?? [])].reverse() },
    ];
    for (const alert of same) expect(alertRevisionKey(alert)).toBe(alertRevisionKey(base));
  });

  it('does not depend on the order an entity\'s fields were written in', () => {
    const reordered = { os: 'Windows 11', value: 'ws01', type: 'host' as const, id: 'host:ws01' };
    expect(alertRevisionKey({ ...base, entities: [reordered, base.entities![1]!] })).toBe(alertRevisionKey(base));
  });

  it('counts every field of every entity type the schema has (a field added later counts too), and file hashes', () => {
    for (const option of Entity.options) {
      const type = option.shape.type.value;
      for (const field of Object.keys(option.shape)) {
        if (field === 'type') continue;
        const plain = { id: `${type}:x`, type, value: 'x' } as never;
        const withField = { ...(plain as object), [field]: field === 'pid' ? 4242 : field === 'isInternal' ? true : field === 'hashes' ? [{ algorithm: 'md5', value: 'a'.repeat(32) }] : field === 'origin' ? 'extracted' : field === 'role' ? 'actor' : field === 'algorithm' ? 'sha1' : `changed-${field}` } as never;
        expect(alertRevisionKey({ ...base, entities: [withField] }), `${type}.${field}`).not.toBe(alertRevisionKey({ ...base, entities: [plain] }));
      }
    }
    const file = (value: string) => ({ id: 'file:a', type: 'file' as const, value: 'a', hashes: [{ algorithm: 'md5' as const, value }] });
    expect(alertRevisionKey({ ...base, entities: [file('a'.repeat(32))] })).not.toBe(alertRevisionKey({ ...base, entities: [file('b'.repeat(32))] }));
  });

  it('reads an alert before and after the schema defaults the same', () => {
    const { description: _d, status: _s, ...bare } = { ...base, description: undefined, status: undefined };
    expect(alertRevisionKey(bare)).toBe(alertRevisionKey({ ...base, description: '', status: 'new' }));
  });
});

describe('compareRevisions', () => {
  const rev = (key: string, receivedAt: string, at?: string) => ({ key: `rev-${key.padEnd(32, '0')}`, receivedAt, ...(at ? { at } : {}) });

  it("orders by the source's own time when both have one, newest first, whatever the receipt order", () => {
    const older = rev('a', '2026-11-23T10:05:00Z', '2026-11-23T09:00:00Z');
    const newer = rev('b', '2026-11-23T10:00:00Z', '2026-11-23T09:30:00Z');
    expect([older, newer].sort(compareRevisions)).toEqual([newer, older]);
  });

  it('falls back to the receipt time, then the key', () => {
    const first = rev('a', '2026-11-23T10:00:00Z');
    const second = rev('b', '2026-11-23T10:01:00Z', '2026-11-23T09:00:00Z');
    expect([first, second].sort(compareRevisions)).toEqual([second, first]);
    const tieA = rev('a', '2026-11-23T10:00:00Z');
    const tieB = rev('b', '2026-11-23T10:00:00Z');
    expect([tieA, tieB].sort(compareRevisions)).toEqual([tieB, tieA]);
  });

  it('alertRevisionOf takes the modified time, else the last-seen time', () => {
    const at = new Date('2026-11-23T10:00:00Z');
    expect(alertRevisionOf({ ...base, modifiedAt: '2026-11-23T09:10:00Z' }, at)).toMatchObject({ at: '2026-11-23T09:10:00Z', receivedAt: at.toISOString() });
    expect(alertRevisionOf(base, at).at).toBe('2026-11-23T09:05:00Z');
    expect(alertRevisionOf({ ...base, lastSeenAt: undefined }, at).at).toBeUndefined();
  });
});
