import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

/**
 * Issue 11, scenario 2: containment targets the sender controls. One generic critical alert names, in its free text,
 * a public resolver and Microsoft's sign-in page; flags an internal address external; gives an IP that is not one;
 * and names the domain controller tagged `never auto-isolate` in the sample inventory under another DNS suffix.
 * Containment is on (the default policy), with the sample inventory, directory and allowlist loaded. None of them
 * may become a containment request; each refusal is in the decision with its reason. A real external C2 address
 * named by the source is the control: it is still proposed.
 */
const fixtures = new URL('./fixtures/', import.meta.url);
const hostile = {
  id: 'hostile-targets-1',
  title: 'Network communication with a malicious machine detected',
  severity: 'critical',
  techniques: ['T1071'],
  description: 'The host beaconed to 8.8.8.8 and then to https://login.microsoftonline.com/common every 60 s.',
  entities: [
    { type: 'ip', value: '10.0.1.77', isInternal: false },
    { type: 'ip', value: 'not an ip', isInternal: false },
    { type: 'host', value: 'dhcpcontoso77.branch.example' },
    { type: 'ip', value: '185.220.101.4' },
  ],
};

interface Containment {
  runbook: string;
  target: { entityId: string; value: string };
}

describe('scenario 2: containment targets the sender controls', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem({
      ASSET_INVENTORY_FILES: new URL('assets.sample.csv', fixtures).pathname,
      USER_DIRECTORY_FILES: new URL('users.sample.csv', fixtures).pathname,
      ALLOWLIST_FILES: new URL('allowlist.sample.json', fixtures).pathname,
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('no containment for an extracted IOC, a spoofed internal address, an invalid value or a protected host under another name', async () => {
    const posted = await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: hostile });
    expect(posted.status).toBe(202);
    const viewer = client(system.url, VIEWER_TOKEN);
    const view = await decidedCase(viewer, posted.body.alertId);

    // Ingestion: the invalid IP is not kept as an IP (the label says so); the sender's flag is replaced.
    expect(view.alert.labels).toContain('soc:entity-values-invalid:ip=1');
    expect(view.alert.entities.find((e: { id: string }) => e.id === 'ip:10.0.1.77')).toMatchObject({ isInternal: true });
    expect(view.alert.entities.some((e: { value: string }) => e.value === 'not an ip')).toBe(false);

    // The control: the source-named external C2 address is the one containment proposed.
    const actions = view.decision.actions.filter((a: { kind: string }) => a.kind === 'RunContainment') as Containment[];
    expect(actions.map((a) => `${a.runbook} ${a.target.value}`)).toEqual(['block-ip 185.220.101.4']);
    const reasons = view.decision.rejected.map((r: { reason: string }) => r.reason) as string[];
    expect(reasons).toEqual(
      expect.arrayContaining([
        "target 8.8.8.8 was extracted from the alert's free text, not named by the source product; only entities the source named can be contained",
        "target https://login.microsoftonline.com/common was extracted from the alert's free text, not named by the source product; only entities the source named can be contained",
        'target 10.0.1.77 is an internal address',
        expect.stringMatching(/^host dhcpcontoso77\.branch\.example is tagged 'never auto-isolate' in assets:assets\.sample\.csv .*\(matched by short host name via ip:10\.0\.1\.77\)/),
      ]),
    );

    // What reaches containment: only the control, awaiting approval.
    const requests = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return v.containment.length >= 1 ? (v.containment as Containment[]) : undefined;
    });
    // Let any late request arrive before asserting there is none other.
    await new Promise((r) => setTimeout(r, 300));
    const settled = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body.containment as Containment[];
    expect(settled).toEqual(requests);
    expect(settled.map((c) => `${c.runbook} ${c.target.value}`)).toEqual(['block-ip 185.220.101.4']);
  });
});
