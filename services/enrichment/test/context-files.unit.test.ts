import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Alert, Fact } from '@soc/contracts';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import {
  CachingLookup,
  FileAllowlist,
  FileAssetDirectory,
  FileUserDirectory,
  accountKey,
  assetKeysOf,
  criticalityOf,
  hostKey,
  lookUpContext,
  markAssetHit,
  upnKey,
  userKeysOf,
  type AssetDirectory,
  type AssetKey,
  type AssetMatch,
} from '../src/context/index.ts';

const clock = manualClock('2026-11-23T10:00:00Z');
const DATA = new URL('../data/', import.meta.url).pathname;
const file = (name: string) => ({ path: `${DATA}${name}`, text: readFileSync(`${DATA}${name}`, 'utf8') });

// The entities of the real "Detected suspicious credentials in commandline" alert of Microsoft's demo Sentinel
// workspace (msticpy alertlist.csv), as ingestion normalises them.
const alert: Alert = {
  schemaVersion: 1,
  alertId: 'alt-ctx',
  tenantId: 'contoso',
  source: { name: 'sentinel', vendorAlertId: 'v-ctx' },
  title: 'Detected suspicious credentials in commandline',
  description: '',
  severity: 'high',
  status: 'new',
  detectedAt: '2026-11-23T09:59:00.000Z',
  attack: [],
  entities: [
    {
      id: 'host:msticalertswin1',
      type: 'host',
      value: 'msticalertswin1',
      hostname: 'MSTICALERTSWIN1',
      origin: 'source',
    },
    {
      id: 'user:msticalertswin1\\msticadmin',
      type: 'user',
      value: 'msticalertswin1\\msticadmin',
      name: 'MSTICAdmin',
      domain: 'MSTICAlertsWin1',
      origin: 'source',
    },
    { id: 'ip:75.10.91.22', type: 'ip', value: '75.10.91.22', isInternal: false, origin: 'source' },
  ],
  labels: [],
};

describe('canonical keys', () => {
  it('lower-cases hosts and UPNs, drops the NT domain of an account, and refuses what could change a query or path', () => {
    expect(hostKey('DC01.Contoso.COM.')).toEqual({
      type: 'host',
      value: 'dc01.contoso.com',
      key: 'host:dc01.contoso.com',
    });
    expect(upnKey('AdeleV@Contoso.com')?.key).toBe('upn:adelev@contoso.com');
    expect(accountKey('CONTOSO\\svc_backup')?.key).toBe('account:svc_backup');
    for (const hostile of ['a^ORname!=x', 'a=b', 'x,y', '../admin', 'a b', 'h/..', `${'a'.repeat(300)}`])
      expect(hostKey(hostile)).toBeUndefined();
    for (const hostile of ['../../me@x.com', 'a@b.com/../x', '$admin@x.com', 'a#EXT#@x.com', 'no-at-sign'])
      expect(upnKey(hostile)).toBeUndefined();
  });

  it('derives asset keys from hosts and internal IPs only, and user keys most specific first', () => {
    expect(assetKeysOf(alert.entities)).toEqual([
      {
        entityId: 'host:msticalertswin1',
        keys: [{ type: 'host', value: 'msticalertswin1', key: 'host:msticalertswin1' }],
      },
    ]);
    expect(
      userKeysOf([
        {
          id: 'user:brians@contososi.onmicrosoft.com',
          type: 'user',
          value: 'brians@contososi.onmicrosoft.com',
          name: 'brians',
          objectId: '2C3F4A55-8B0E-4F1C-9A6D-3E5B7C9D1F20',
          origin: 'source',
        },
      ])[0]?.keys.map((k) => k.key),
    ).toEqual([
      'upn:brians@contososi.onmicrosoft.com',
      'objectId:2c3f4a55-8b0e-4f1c-9a6d-3e5b7c9d1f20',
      'account:brians',
    ]);
  });

  it('reads criticality words and ServiceNow business-criticality choices', () => {
    expect(
      ['Critical', '1 - most critical', '2 - somewhat critical', '3 - less critical', '4 - not critical', 'urgent'].map(
        criticalityOf,
      ),
    ).toEqual(['critical', 'critical', 'high', 'medium', 'low', undefined]);
  });
});

describe('file asset and user directories on the shipped samples', () => {
  const assets = FileAssetDirectory.fromTexts([file('assets.sample.csv'), file('assets.sample.json')], clock);
  const users = FileUserDirectory.fromTexts([file('users.sample.csv'), file('users.sample.json')], clock);

  it('loads every sample row, CSV and JSON', () => {
    expect(assets.report).toEqual([
      { file: 'assets.sample.csv', records: 3, rejected: [] },
      { file: 'assets.sample.json', records: 2, rejected: [] },
    ]);
    expect(users.report.map((r) => [r.file, r.records, r.rejected.length])).toEqual([
      ['users.sample.csv', 2, 0],
      ['users.sample.json', 2, 0],
    ]);
  });

  it('finds a machine by host name, FQDN or address (IPv6 canonicalised) with its criticality and tags', async () => {
    const [byName] = await assets.lookup([hostKey('dhcpcontoso77')!]);
    expect(byName?.asset).toMatchObject({
      fqdn: 'dhcpcontoso77.contoso.com',
      criticality: 'critical',
      owner: 'Contoso Identity Team',
      tags: ['domain controller', 'dhcp', 'never auto-isolate'],
    });
    expect(byName?.asset.provenance).toEqual({
      source: 'assets:assets.sample.csv',
      fetchedAt: '2026-11-23T10:00:00.000Z',
      cacheHit: false,
      reference: 'assets.sample.csv:3',
    });
    const [byIp] = await assets.lookup([{ type: 'ip', value: 'fd00:10:0:2::14', key: 'ip:fd00:10:0:2::14' }]);
    expect(byIp?.asset).toMatchObject({
      hostname: 'vm4',
      criticality: 'critical',
      provenance: { reference: 'assets.sample.json#1' },
    });
  });

  it('reports rows it refuses instead of loading half of them', () => {
    const bad = FileAssetDirectory.fromTexts(
      [
        {
          path: 'bad.csv',
          text: 'hostname,ip,criticality\nweb01,10.0.0.1,extreme\n,,\nweb^OR,10.0.0.2,low\nok01,10.0.0.3,LOW\n',
        },
      ],
      clock,
    );
    expect(bad.report[0]).toEqual({
      file: 'bad.csv',
      records: 1,
      rejected: [
        { ref: 'bad.csv:2', reason: 'criticality must be low, medium, high or critical, not "extreme"' },
        { ref: 'bad.csv:3', reason: 'no hostname, fqdn or ip' },
        { ref: 'bad.csv:4', reason: 'invalid hostname "web^OR"' },
      ],
    });
  });

  it('enriches the demo alert: asset and user facts on the entities that named them, valid as contract facts', async () => {
    const { facts, missing } = await lookUpContext(alert, { assets: [assets], users: [users] });
    expect(missing).toEqual([]);
    expect(facts.map((f) => [f.kind, f.entityId])).toEqual([
      ['asset', 'host:msticalertswin1'],
      ['user', 'user:msticalertswin1\\msticadmin'],
    ]);
    const [asset, user] = facts;
    expect(asset?.attributes).toMatchObject({
      criticality: 'high',
      owner: 'Contoso IT Operations',
      tags: 'server, windows',
    });
    expect(user?.attributes).toMatchObject({
      privileged: true,
      privilegedGroups: 'Administrators',
      department: 'IT Operations',
      role: 'Server administrator',
      riskLevel: 'none',
      manager: 'adelev@contoso.com',
    });
    expect(user?.statement).toBe(
      'User msticadmin per users:users.sample.csv: department IT Operations; role Server administrator; manager adelev@contoso.com; privileged (Administrators); risk level none',
    );
    for (const f of facts) expect(Fact.safeParse(f).success).toBe(true);
    // Stable ids: a redelivered alert cites the same facts.
    expect((await lookUpContext(alert, { assets: [assets], users: [users] })).facts.map((f) => f.id)).toEqual(
      facts.map((f) => f.id),
    );
  });
});

describe('file allowlist', () => {
  const list = FileAllowlist.fromTexts([file('allowlist.sample.json')], clock);

  it('ignores and reports expired entries', async () => {
    expect(list.report).toEqual([
      {
        file: 'allowlist.sample.json',
        entries: 3,
        expired: [{ id: 'pentest-2025', expiresAt: '2025-10-31T00:00:00Z' }],
        rejected: [],
      },
    ]);
    // 75.10.91.22 is the expired pen-test entry: the demo alert is not allowlisted.
    expect(await list.match(alert.entities, alert)).toEqual([]);
  });

  it('matches CIDRs, accounts across NT-domain spelling, and rule-scoped tools only under their rule', async () => {
    const entities: Alert['entities'] = [
      { id: 'ip:10.0.9.7', type: 'ip', value: '10.0.9.7', isInternal: true, origin: 'source' },
      { id: 'ip:10.0.9.17', type: 'ip', value: '10.0.9.17', isInternal: true, origin: 'source' },
      { id: 'user:contoso\\svc_backup', type: 'user', value: 'contoso\\svc_backup', origin: 'source' },
      {
        id: 'process:c:\\tools\\psexec.exe',
        type: 'process',
        value: 'C:\\Tools\\PsExec.exe',
        name: 'psexec.exe',
        origin: 'source',
      },
    ];
    const other = await list.match(entities, { ...alert, title: 'Mass file read' });
    expect(other.map((m) => [m.entityId, m.entry.id])).toEqual([
      ['ip:10.0.9.7', 'scanner-qualys'],
      ['user:contoso\\svc_backup', 'backup-svc'],
    ]);
    const underRule = await list.match(entities, { ...alert, rule: { name: 'Suspicious PsExec execution' } });
    expect(underRule.map((m) => m.entry.id)).toContain('psexec-itops');
  });

  it('stops matching an entry once it expires while running', async () => {
    const later = manualClock('2026-11-23T10:00:00Z');
    const running = FileAllowlist.fromTexts([file('allowlist.sample.json')], later);
    const psexec: Alert['entities'] = [
      { id: 'process:psexec.exe', type: 'process', value: 'psexec.exe', origin: 'source' },
    ];
    const scoped = { ...alert, rule: { name: 'Suspicious PsExec execution' } };
    expect(await running.match(psexec, scoped)).toHaveLength(1);
    later.advance(40 * 24 * 60 * 60 * 1000);
    expect(await running.match(psexec, scoped)).toEqual([]);
  });

  it('refuses entries without a reason or expiry, or with a bad CIDR', () => {
    const bad = FileAllowlist.fromTexts(
      [
        {
          path: 'x.json',
          text: JSON.stringify([
            { entityType: 'ip', value: '10.0.0.1', expiresAt: '2027-01-01T00:00:00Z' },
            { entityType: 'ip', cidr: '10.0.0.0/99', reason: 'scanners', expiresAt: '2027-01-01T00:00:00Z' },
            { entityType: 'host', value: 'h1', reason: 'lab' },
          ]),
        },
      ],
      clock,
    );
    expect(bad.report[0]?.entries).toBe(0);
    expect(bad.report[0]?.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('reason'),
      'invalid cidr "10.0.0.0/99"',
      expect.stringContaining('expiresAt'),
    ]);
  });
});

describe('caching lookup', () => {
  const asset = {
    ips: [],
    tags: [],
    criticality: 'high' as const,
    provenance: { source: 'servicenow', fetchedAt: '2026-11-23T10:00:00.000Z', cacheHit: false, reference: 'r' },
  };
  const counting = () => {
    const calls: string[][] = [];
    const inner: AssetDirectory = {
      name: 'servicenow',
      lookup: (keys: readonly AssetKey[]) => {
        calls.push(keys.map((k) => k.key));
        return Promise.resolve(keys.filter((k) => k.value === 'known').map((k): AssetMatch => ({ key: k.key, asset })));
      },
    };
    return { calls, inner };
  };
  const known = hostKey('known')!;
  const unknown = hostKey('unknown')!;

  it('answers repeats from the cache (marked as hits), batches misses, shares in-flight fetches, and expires negatives sooner', async () => {
    const c = manualClock('2026-11-23T10:00:00Z');
    const { calls, inner } = counting();
    const cached = new CachingLookup(inner, markAssetHit, { clock: c, ttlMs: 60_000, negativeTtlMs: 10_000 });
    const [a, b] = await Promise.all([cached.lookup([known, unknown]), cached.lookup([known])]);
    expect(calls).toEqual([['host:known', 'host:unknown']]);
    expect(a?.[0]?.asset.provenance.cacheHit).toBe(false);
    expect(b).toHaveLength(1);
    const hit = await cached.lookup([known, unknown]);
    expect(hit.map((m) => m.asset.provenance.cacheHit)).toEqual([true]);
    expect(calls).toHaveLength(1);
    c.advance(11_000);
    await cached.lookup([known, unknown]);
    expect(calls[1]).toEqual(['host:unknown']);
  });

  it('does not cache failures', async () => {
    let fail = true;
    const inner: AssetDirectory = {
      name: 'servicenow',
      lookup: () =>
        fail
          ? Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'down', { retryable: true }))
          : Promise.resolve([]),
    };
    const cached = new CachingLookup(inner, markAssetHit, { clock });
    await expect(cached.lookup([known])).rejects.toThrow('down');
    fail = false;
    await expect(cached.lookup([known])).resolves.toEqual([]);
    expect(cached.size).toBe(1);
  });

  it('a failing source is listed as missing and the others still answer', async () => {
    const down: AssetDirectory = {
      name: 'servicenow',
      lookup: () =>
        Promise.reject(
          new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'servicenow is unavailable; the circuit breaker failed fast', {
            retryable: true,
          }),
        ),
    };
    const files = FileAssetDirectory.fromTexts([file('assets.sample.csv')], clock);
    const { facts, missing } = await lookUpContext(alert, { assets: [down, files] });
    expect(missing).toEqual([
      { source: 'servicenow', reason: 'servicenow is unavailable; the circuit breaker failed fast' },
    ]);
    expect(facts.map((f) => f.kind)).toEqual(['asset']);
  });
});
