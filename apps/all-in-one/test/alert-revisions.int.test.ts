import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, PARTNER_TOKEN, client, eventually, startSystem } from './support.ts';

// Real payload shapes: the Sentinel incident trigger body and a Splunk ES notable, as in test/fixtures/alerts.
const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const sentinelTrigger = fixture('sentinel/incident-trigger.json') as { object: { id: string; properties: Record<string, unknown> } };
const splunkNotable = fixture('splunk/es-notable-event.json');

/** The Sentinel incident as the automation rule sends it after a change: the same incident id, other properties. */
function sentinelIncident(props: Record<string, unknown>, id = sentinelTrigger.object.id) {
  return { ...sentinelTrigger, object: { ...sentinelTrigger.object, id, properties: { ...sentinelTrigger.object.properties, ...props } } };
}

const generic = { id: 'rev-generic-1', title: 'Suspicious PowerShell download', severity: 'low', entities: [{ type: 'host', value: 'ws01.contoso.com' }, { type: 'ip', value: '185.220.101.4' }] };

interface Revision {
  key: string;
  current: boolean;
  severity: string;
  status: string;
  changes: string[];
  stage: string;
  sender: string;
}

describe('a re-sent alert: same content is idempotent, changed content is a new revision, identity is per sender', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    system = await startSystem();
    api = client(system.url);
  });
  afterAll(async () => system?.close());

  const outbox = () => {
    try {
      return readdirSync(join(system.dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).sort();
    } catch {
      return [];
    }
  };
  /** The case once every listed revision is decided (and its side effects projected). */
  const caseWith = (alertId: string, revisions: number, extra: (v: { notifications: unknown[]; tickets: unknown[] }) => boolean = () => true) =>
    eventually(async () => {
      const res = await api(`/api/v1/alerts/${alertId}`);
      const v = res.body;
      const decisions = res.status === 200 ? v.timeline.filter((t: { type: string }) => t.type === 'soc.decision.made.v2').length : 0;
      return decisions === revisions && extra(v) ? v : undefined;
    }, 8_000, `${revisions} decided revision(s) of ${alertId}`);
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('generic: severity low → critical is re-triaged, decided and e-mailed; an exact re-send and a bookkeeping-only re-send change nothing', async () => {
    const first = await api('/api/v1/alerts/generic', { body: generic });
    expect(first.status).toBe(202);
    const v1 = await caseWith(first.body.alertId, 1);
    const mailsBefore = outbox().length;

    const again = await api('/api/v1/alerts/generic', { body: generic });
    const touched = await api('/api/v1/alerts/generic', { body: { ...generic, lastSeenAt: '2026-11-23T10:00:00Z', modifiedAt: '2026-11-23T10:00:00Z', labels: ['soc-copilot:triaged'] } });
    expect(again.body).toEqual(first.body);
    expect(touched.body).toEqual(first.body);

    const raised = await api('/api/v1/alerts/generic', { body: { ...generic, severity: 'critical' } });
    expect(raised.status).toBe(202);
    expect(raised.body).toMatchObject({ alertId: first.body.alertId, correlationId: first.body.correlationId });
    expect(raised.body.revision).not.toBe(first.body.revision);
    const v2 = await caseWith(first.body.alertId, 2, (v) => v.notifications.length > 0);
    await settle();
    const view = (await api(`/api/v1/alerts/${first.body.alertId}`)).body;

    expect(view.revisions.map((r: Revision) => [r.key, r.current, r.severity, r.changes])).toEqual([
      [raised.body.revision, true, 'critical', ['severity: low → critical']],
      [first.body.revision, false, 'low', []],
    ]);
    expect(view.alert.severity).toBe('critical');
    // The case's triage and decision are the new revision's: a second triage and a second decision happened.
    const types = view.timeline.map((t: { type: string }) => t.type);
    expect(types.filter((t: string) => t === 'soc.alert.triaged.v1')).toHaveLength(2);
    expect(types.filter((t: string) => t === 'soc.decision.made.v2')).toHaveLength(2);
    expect(view.triage.risk.score).toBeGreaterThan(v1.triage.risk.score);
    expect(view.decision.decidedAt).not.toBe(v1.decision.decidedAt);
    expect(view.decision.actions.map((a: { kind: string }) => a.kind)).toContain('SendEmail');
    // A new e-mail, for the new revision.
    expect(outbox().length).toBe(mailsBefore + 1);
    expect(view.notifications.filter((n: { revision: string }) => n.revision === raised.body.revision)).toHaveLength(1);
    expect(v2.revisions).toHaveLength(2);
    const listed = (await api('/api/v1/alerts?limit=50')).body.items.find((s: { alertId: string }) => s.alertId === first.body.alertId);
    expect(listed).toMatchObject({ severity: 'critical', stage: 'decided', revision: { key: raised.body.revision } });
  });

  it('Sentinel incident update (severity and status changed, lastModifiedTimeUtc later) is a revision; owner, labels and times alone are not; an older update delivered last does not replace the newer', async () => {
    const original = sentinelIncident({ severity: 'Low', status: 'New', lastModifiedTimeUtc: '2019-01-01T13:15:30Z' });
    const escalated = sentinelIncident({
      severity: 'High',
      status: 'Active',
      lastModifiedTimeUtc: '2019-01-01T14:00:00Z',
      owner: { objectId: '2046feea-040d-4a46-9e2b-91c2941bfa70', email: 'analyst@contoso.com', assignedTo: 'Analyst', userPrincipalName: 'analyst@contoso.com' },
    });
    // What an analyst's assignment, a tag (or SOC Copilot's own write-back) and a comment produce: bookkeeping only.
    const reassigned = sentinelIncident({
      severity: 'High',
      status: 'Active',
      lastModifiedTimeUtc: '2019-01-01T14:30:00Z',
      owner: { objectId: '00000000-0000-0000-0000-000000000001', email: 'lead@contoso.com', assignedTo: 'Lead', userPrincipalName: 'lead@contoso.com' },
      labels: [...((sentinelTrigger.object.properties.labels as unknown[]) ?? []), { labelName: 'soc-copilot:triaged', labelType: 'User' }],
      comments: [{ message: 'SOC Copilot: triaged as true positive' }],
    });
    // The update reaches us first, the original (retried by the playbook) last.
    const b = await api('/api/v1/alerts/sentinel', { body: escalated });
    expect(b.status).toBe(202);
    await caseWith(b.body.alertId, 1);
    const a = await api('/api/v1/alerts/sentinel', { body: original });
    expect(a.body.alertId).toBe(b.body.alertId);
    const view = await caseWith(b.body.alertId, 2);
    const c = await api('/api/v1/alerts/sentinel', { body: reassigned });
    expect(c.body).toEqual(b.body);
    await settle();
    const after = (await api(`/api/v1/alerts/${b.body.alertId}`)).body;
    expect(after.revisions).toHaveLength(2);
    expect(view.revisions.map((r: Revision) => [r.key, r.current, r.severity, r.status])).toEqual([
      [b.body.revision, true, 'high', 'in_progress'],
      [a.body.revision, false, 'low', 'new'],
    ]);
    expect(view.revisions[0].changes).toEqual(['severity: low → high', 'status: new → in_progress']);
    expect(after.alert).toMatchObject({ severity: 'high', status: 'in_progress', modifiedAt: '2019-01-01T14:00:00.000Z' });
  });

  it('Splunk ES notable update (urgency and review status changed) is a revision; a new owner and comment alone are not', async () => {
    const first = await api('/api/v1/alerts/splunk', { body: splunkNotable });
    expect(first.status).toBe(202);
    await caseWith(first.body.alertId, 1);
    const commented = await api('/api/v1/alerts/splunk', { body: { ...splunkNotable, owner: 'admin', owner_realname: 'Administrator', comment: 'looking into it', review_time: '1717579000' } });
    expect(commented.body).toEqual(first.body);
    const updated = await api('/api/v1/alerts/splunk', { body: { ...splunkNotable, urgency: 'high', status: '2', status_label: 'In Progress', status_description: 'Investigation in progress.', owner: 'admin' } });
    expect(updated.body.alertId).toBe(first.body.alertId);
    const view = await caseWith(first.body.alertId, 2);
    expect(view.revisions[0]).toMatchObject({ key: updated.body.revision, current: true, severity: 'high', status: 'in_progress', changes: ['severity: informational → high', 'status: new → in_progress'] });
  });

  it('two senders with the same vendor id are two alerts', async () => {
    const siem = await api('/api/v1/alerts/generic', { body: { ...generic, id: 'shared-vendor-id' } });
    const other = await client(system.url, PARTNER_TOKEN)('/api/v1/alerts/generic', { body: { ...generic, id: 'shared-vendor-id', severity: 'critical' } });
    expect(siem.body.alertId).not.toBe(other.body.alertId);
    const [a, b] = await Promise.all([caseWith(siem.body.alertId, 1), caseWith(other.body.alertId, 1)]);
    expect([a.alert.severity, a.revisions[0].sender]).toEqual(['low', 'siem']);
    expect([b.alert.severity, b.revisions[0].sender]).toEqual(['critical', 'partner']);
  });
});

describe('a revision delivered again (the SIEM re-sends it after the bus forgot the event id) has no second side effect', () => {
  it('no second e-mail, ticket, containment request or case entry', async () => {
    let system = await startSystem();
    const dataDir = system.dataDir;
    try {
      let api = client(system.url);
      const alert = { ...generic, id: 'rev-redelivered', entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: '185.220.101.4' }] };
      await api('/api/v1/alerts/generic', { body: alert });
      const posted = await api('/api/v1/alerts/generic', { body: { ...alert, severity: 'critical' } });
      const full = (v: { notifications: unknown[]; tickets: unknown[]; containment: unknown[]; revisions: Revision[] }) =>
        v.revisions.length === 2 && v.revisions.every((r) => r.stage === 'decided') && v.notifications.length > 0 && v.tickets.length > 0 && v.containment.length > 0;
      const before = await eventually(async () => {
        const v = (await api(`/api/v1/alerts/${posted.body.alertId}`)).body;
        return full(v) ? v : undefined;
      }, 8_000, 'the decided revisions');
      await new Promise((r) => setTimeout(r, 300));
      const settled = (await api(`/api/v1/alerts/${posted.body.alertId}`)).body;
      const mails = readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).length;
      await system.close();
      // A new bus (its duplicate-detection memory gone, as after the 10-minute window), the same state and outbox.
      rmSync(join(dataDir, 'bus.sqlite'), { force: true });
      rmSync(join(dataDir, 'bus.sqlite-wal'), { force: true });
      rmSync(join(dataDir, 'bus.sqlite-shm'), { force: true });
      system = await startSystem({ SOC_DATA_DIR: dataDir });
      api = client(system.url);
      const again = await api('/api/v1/alerts/generic', { body: { ...alert, severity: 'critical' } });
      expect(again.body).toEqual(posted.body);
      // The re-published journey runs through every handler again, up to the side effects.
      await eventually(async () => {
        const metrics = await (await fetch(`${system.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).text();
        const handled = (subscription: string) => new RegExp(`soc_events_processed_total\\{[^}]*subscription="${subscription}"[^}]*type="soc.decision.made.v2"[^}]*result="completed"[^}]*\\} [1-9]`).test(metrics);
        return handled('notification') && handled('ticketing') && handled('containment') ? true : undefined;
      }, 8_000, 'the redelivered decision at notification, ticketing and containment');
      await new Promise((r) => setTimeout(r, 300));
      const after = (await api(`/api/v1/alerts/${posted.body.alertId}`)).body;
      expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).length).toBe(mails);
      expect(after.revisions).toHaveLength(2);
      expect(after.notifications).toEqual(settled.notifications);
      expect(after.tickets).toEqual(settled.tickets);
      expect(after.containment).toEqual(settled.containment);
      expect(after.timeline.length).toBe(settled.timeline.length);
      expect(before.tickets).toHaveLength(1);
    } finally {
      await system.close();
    }
  });
});
