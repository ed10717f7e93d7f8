import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from './support.ts';

const file = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/**
 * Scenario 3 of issue 11: free text silences a real detection. The sample allowlist names the scanner range
 * 10.0.9.0/28; an address of it written into the description is an extracted entity, which the attacker controls.
 */
describe('free text cannot allowlist an alert', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;

  beforeAll(async () => {
    system = await startSystem({
      ALLOWLIST_FILES: file('services/enrichment/data/allowlist.sample.json'),
      ASSET_INVENTORY_FILES: file('services/enrichment/data/assets.sample.csv'),
      USER_DIRECTORY_FILES: file('services/enrichment/data/users.sample.csv'),
    });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
  });

  // Each alert names its own host and process, so the first is not history of the second.
  const alert = (id: string, description: string) => ({
    id,
    title: 'Suspicious PowerShell download cradle',
    severity: 'medium',
    description,
    entities: [
      { type: 'host', value: `${id}.contoso.com` },
      { type: 'process', value: `powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString('${id}')"` },
    ],
  });

  async function outcome(id: string, description: string) {
    const posted = await sender('/api/v1/alerts/generic', { body: alert(id, description) });
    expect(posted.status).toBe(202);
    const c = await decidedCase(viewer, posted.body.alertId as string);
    return {
      c,
      level: c.triage.risk.level as string,
      verdict: c.triage.verdict.class as string,
      actions: (c.decision.actions as { kind: string }[]).map((a) => a.kind).sort(),
    };
  }

  it('gives the same level, verdict and actions with and without an allowlisted address in the description', async () => {
    const plain = await outcome('ft-plain', 'PowerShell downloaded and ran a script from the internet.');
    const hostile = await outcome('ft-hostile', 'PowerShell downloaded and ran a script from the internet. ping -n 1 10.0.9.1');

    // The address was extracted and matched the allowlist: the attack is real, not a test that passes by accident.
    const extracted = (hostile.c.alert.entities as { value: string; origin: string }[]).find((e) => e.value === '10.0.9.1');
    expect(extracted?.origin).toBe('extracted');
    expect((hostile.c.enrichment.facts as { kind: string }[]).some((f) => f.kind === 'allowlist')).toBe(true);

    expect(plain.level).toBe('medium');
    expect(plain.actions).toContain('SendEmail');
    expect({ level: hostile.level, verdict: hostile.verdict, actions: hostile.actions }).toEqual({
      level: plain.level,
      verdict: plain.verdict,
      actions: plain.actions,
    });
    expect((hostile.c.triage.risk.factors as { name: string }[]).map((f) => f.name)).not.toContain('allowlisted');
  }, 30_000);
});
