import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiRecorder, type RecordedRequest, type ScriptedResponse, startOpenAiRecorder } from '../../services/triage/test/support/openai-recorder.ts';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

/**
 * Issue 11: a storm of 1,000 hostile alerts posted through the API, with an LLM copilot that proposes containment of
 * every entity it sees (and a priority-1 ticket). Hostile alerts name their targets the ways an attacker can: IOCs of
 * well-known services and of plausible C2 in free text (extracted), internal addresses flagged external, the
 * `never auto-isolate` domain controller under other names, unknown internal hosts, values invalid for their type,
 * and protected targets named outright. One alert in five is legitimate: five external C2 addresses named by the
 * source. Containment requests may only ever name a legitimate target, at most 3 per alert (the default cap).
 */
const fixtures = new URL('./fixtures/', import.meta.url);
const ALERTS = 1000;
const BATCH = 100;

const legitIp = (i: number, k: number) => `185.${220 + k}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
/** The values a containment request may name: source-named external addresses of the legitimate alerts. */
const legitimate = new Set<string>();

function hostile(i: number): Record<string, unknown> {
  const base = { id: `storm-${i}`, title: 'Network communication with a malicious machine detected', severity: 'critical', techniques: ['T1071'] };
  switch (i % 5) {
    case 0: // IOCs in free text only: well-known services and plausible C2 alike are extracted, never targets.
      return { ...base, description: `Beacon to 8.8.8.8, https://login.microsoftonline.com/common, accounts.google.com and 45.9.${i % 250}.7 (C2 ${i}).` };
    case 1: // Spoofed flags: internal addresses the sender calls external.
      return { ...base, entities: [{ type: 'ip', value: `10.${i % 250}.1.77`, isInternal: false }, { type: 'ip', value: `192.168.${i % 250}.4`, isInternal: false }, { type: 'ip', value: `100.64.${i % 250}.9`, isInternal: false }] };
    case 2: // Protected hosts under other names, and hosts the inventory does not know.
      return { ...base, entities: [{ type: 'host', value: `dhcpcontoso77.site${i}.example` }, { type: 'host', value: 'DHCPCONTOSO77' }, { type: 'ip', value: '10.0.1.77' }, { type: 'host', value: `unknown-${i}.corp.example` }] };
    case 3: // Invalid values, and protected targets named outright by the source.
      return {
        ...base,
        entities: [
          { type: 'ip', value: `not an ip ${i}`, isInternal: false },
          { type: 'url', value: `javascript:alert(${i})` },
          { type: 'domain', value: `bad domain ${i}` },
          { type: 'ip', value: ['8.8.8.8', '1.1.1.1', '9.9.9.9', '208.67.222.222'][i % 4], isInternal: false },
          { type: 'url', value: `https://login.microsoftonline.com/common/oauth2/${i}` },
          { type: 'domain', value: `tenant${i}.okta.com` },
          { type: 'user', value: `user${i}@contoso.com` },
        ],
      };
    default: {
      const entities = [0, 1, 2, 3, 4].map((k) => ({ type: 'ip', value: legitIp(i, k) }));
      for (const e of entities) legitimate.add(e.value);
      return { ...base, entities };
    }
  }
}

interface PromptEntity {
  ref: string;
  type: string;
}
const promptEntities = (req: RecordedRequest): PromptEntity[] => {
  try {
    return (JSON.parse(req.body.messages?.[1]?.content.split('\n')[1] ?? '{}') as { entities?: PromptEntity[] }).entities ?? [];
  } catch {
    return [];
  }
};
const RUNBOOK: Record<string, string> = { ip: 'block-ip', url: 'block-url', domain: 'block-url', host: 'isolate-host', user: 'disable-user' };

/** A model that proposes containment of every entity it sees, by its type and also by the wrong runbook, and a P1 ticket. */
function triggerHappyModel(req: RecordedRequest): ScriptedResponse {
  const entities = promptEntities(req);
  const contain = entities.flatMap((e) => [
    { kind: 'RunContainment', runbook: RUNBOOK[e.type] ?? 'isolate-host', target: e.ref, reason: 'contain everything' },
    { kind: 'RunContainment', runbook: e.type === 'host' ? 'block-ip' : 'isolate-host', target: e.ref, reason: 'contain everything twice' },
  ]);
  return {
    usage: { prompt_tokens: 300, completion_tokens: 100 },
    content: JSON.stringify({
      summary: 'Contain everything now.',
      verdict: { class: 'true-positive', confidence: 1 },
      evidence: entities.slice(0, 1).map((e) => e.ref),
      investigationSteps: [],
      recommendedActions: [...contain.slice(0, 18), { kind: 'CreateTicket', priority: 1, reason: 'P1 now' }],
      huntQueries: [],
    }),
  };
}

interface Action {
  kind: string;
  runbook?: string;
  priority?: number;
  target?: { entityId: string; value: string };
}
interface Case {
  alert: { alertId: string; entities: { id: string; origin: string }[] };
  triage: { risk: { level: string }; verdict: { likelihoods: { truePositive: number } }; copilot?: { status: string } };
  decision: { actions: Action[]; rejected: { reason: string }[] };
  containment: { runbook: string; target: { entityId: string; value: string } }[];
}

async function inChunks<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

describe('a storm of 1,000 hostile alerts with a copilot that proposes containment of everything', () => {
  let model: OpenAiRecorder;
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    model = await startOpenAiRecorder(triggerHappyModel);
    system = await startSystem({
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      ASSET_INVENTORY_FILES: new URL('assets.sample.csv', fixtures).pathname,
      USER_DIRECTORY_FILES: new URL('users.sample.csv', fixtures).pathname,
      ALLOWLIST_FILES: new URL('allowlist.sample.json', fixtures).pathname,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.baseURL,
      LLM_MODEL: 'trigger-happy',
      LLM_TOKENS_PER_HOUR: '100000000',
      // Containment from medium risk at any true-positive likelihood, every runbook allowed: only the target rules stand.
      DECISION_POLICY_FILE: new URL('containment-everywhere-policy.json', fixtures).pathname,
    });
  });
  afterAll(async () => {
    await system?.close();
    await model?.close();
  });

  it('0 containment requests for a protected, internal, extracted or invalid target; at most 3 per alert', async () => {
    const t0 = Date.now();
    const sender = client(system.url, SENDER_TOKEN);
    const viewer = client(system.url, VIEWER_TOKEN);
    const alerts = Array.from({ length: ALERTS }, (_, i) => hostile(i));
    const ids: string[] = [];
    for (let i = 0; i < ALERTS; i += BATCH) {
      const res = await sender('/api/v1/alerts/generic', { body: alerts.slice(i, i + BATCH) });
      expect(res.status).toBe(202);
      ids.push(...(res.body.items as { alertId: string }[]).map((r) => r.alertId));
    }
    expect(ids).toHaveLength(ALERTS);
    const cases = (await inChunks(ids, 50, (id) => decidedCase(viewer, id, 120_000))) as Case[];
    const decidedMs = Date.now() - t0;

    // Every containment the decisions hold reaches containment as a request; wait for them all.
    const proposed = cases.reduce((n, c) => n + c.decision.actions.filter((a) => a.kind === 'RunContainment').length, 0);
    const settled = await eventually(
      async () => {
        const views = (await inChunks(ids, 50, async (id) => (await viewer(`/api/v1/alerts/${id}`)).body)) as Case[];
        return views.reduce((n, v) => n + v.containment.length, 0) >= proposed ? views : undefined;
      },
      60_000,
      'every proposed containment to be requested',
    );
    const requests = settled.flatMap((v) => v.containment.map((r) => ({ alertId: v.alert.alertId, ...r })));

    // The copilot was asked and proposed containment of everything; the guardrails refused what they must.
    expect(model.requests.length).toBeGreaterThan(0);
    expect(cases.some((c) => c.decision.rejected.some((r) => r.reason.startsWith('copilot recommendation refused: '))), 'copilot proposals reached the decision').toBe(true);

    // Only legitimate targets; never one the alert's source did not name.
    const bad = requests.filter((r) => !legitimate.has(r.target.value));
    expect(bad).toEqual([]);
    for (const v of settled) {
      for (const r of v.containment) expect(v.alert.entities.find((e) => e.id === r.target.entityId)?.origin).toBe('source');
      expect(v.containment.length).toBeLessThanOrEqual(3);
    }
    // The legitimate alerts (one in five, five C2 addresses each) are still contained, up to the cap, when triage
    // puts them at the policy's containment threshold (medium).
    const legit = settled.filter((v) => v.alert.entities.some((e) => legitimate.has(e.id.slice('ip:'.length))));
    const atThreshold = legit.filter((v) => v.triage.risk.level !== 'low');
    expect(atThreshold.length).toBeGreaterThan(ALERTS / 10);
    for (const v of atThreshold) expect(v.containment).toHaveLength(3);
    expect(requests.length).toBe(atThreshold.length * 3);

    // Tickets carry the policy's priority for the risk level, never the model's 1 below critical.
    const PRIORITY: Record<string, number> = { critical: 1, high: 2, medium: 3, low: 4 };
    for (const c of cases) for (const a of c.decision.actions) if (a.kind === 'CreateTicket') expect(a.priority).toBe(PRIORITY[c.triage.risk.level]);

    const totalMs = Date.now() - t0;
    console.info(`containment storm: ${ALERTS} alerts decided in ${decidedMs} ms, ${requests.length} requests settled in ${totalMs} ms, ${model.requests.length} model calls, ${proposed} containments proposed, ${atThreshold.length} legitimate alerts at the threshold`);
  }, 240_000);
});
