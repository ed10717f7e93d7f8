import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineIngestor, type IngestResult, type Ingestor } from '@soc/ingestion';
import { eventHubsHandlers, type HubEvent } from '../../../services/ingestion/src/adapters/event-hubs/index.ts';
import { FakePartition, hubEvent } from '../../../services/ingestion/src/adapters/event-hubs/testing.ts';
import { SqlitePayloadStore } from '../../../services/ingestion/src/adapters/sqlite-payload-store.ts';
import { StateQuarantineStore } from '../../../services/ingestion/src/adapters/state-quarantine-store.ts';
import { type OpenAiRecorder, type RecordedRequest, type ScriptedResponse, startOpenAiRecorder } from '../../../services/triage/test/support/openai-recorder.ts';
import { type AlertFileEntry, type Post, isAlertFile, loadManifest, postsOf } from './fixture-manifest.ts';
import { client, startSystem } from './support.ts';

/**
 * Issue 10's "done when": every alert of every fixture in test/fixtures/alerts/manifest.json (Sentinel rows and
 * incidents, Graph and Defender for Endpoint alerts, Defender streaming, Splunk webhooks and notables, Wazuh, CEF
 * lines and the Sentinel CommonSecurityLog exports, Event Hubs data-export batches, generic JSON) goes through
 * `npm start`'s own service composition on the embedded default (SQLite bus and state) by its real edge — the
 * source's HTTP route, or ingestion's Event Hubs partition processor for stream batches — and every accepted alert
 * must reach a decision, with 0 dead letters and exactly the alerts the manifest expects per file. Then again with
 * the LLM copilot on, against a local OpenAI-compatible server: every copilot note `advised` or `cached` (`skipped`
 * for the token budget is allowed), none `failed`. A failure lists every failing file, alert and stage or reason.
 */
const manifest = loadManifest();
const entries = manifest.files.filter(isAlertFile);
const EXPECTED_ALERTS = entries.reduce((n, e) => n + e.alerts, 0);

/** One alert (or one record that should have become one) of a fixture, and what became of it. */
interface Sent {
  file: string;
  label: string;
  alertId: string;
  correlationId: string;
}

/** A problem found on the way, with the fixture file and alert it belongs to. */
interface Failure {
  file: string;
  label: string;
  alertId?: string;
  stage: string;
  reason: string;
}

type System = Awaited<ReturnType<typeof startSystem>>;

/** Posts one request to the source's route; a refused batch is split: its refused records are failures, the rest is sent again. */
async function postToRoute(api: ReturnType<typeof client>, entry: AlertFileEntry, post: Post, sent: Sent[], failures: Failure[]): Promise<void> {
  const res = await api(`/api/v1/alerts/${entry.source}`, { body: post.body, headers: { 'content-type': post.contentType } });
  if (res.status === 202) {
    const receipts = (res.body.items ?? [res.body]) as { alertId: string; correlationId: string }[];
    receipts.forEach((r, i) => sent.push({ file: entry.path, label: post.labels[i] ?? `${post.labels[0] ?? 'body'} alert ${i + 1}`, ...r }));
    return;
  }
  const errors = (res.body?.errors ?? []) as { path: string; message: string }[];
  const refusedAt = new Set<number>();
  for (const e of errors) {
    const index = Number(/^\[(\d+)\]/.exec(e.path)?.[1] ?? 0);
    refusedAt.add(index);
    failures.push({ file: entry.path, label: post.labels[index] ?? post.labels[0] ?? 'body', stage: `refused ${res.status}`, reason: `${e.path}: ${e.message}` });
  }
  if (errors.length === 0) failures.push({ file: entry.path, label: post.labels.join(', ').slice(0, 80), stage: `refused ${res.status}`, reason: `${String(res.body?.title)}: ${String(res.body?.detail)}` });
  // The other records of the batch were not refused, only held back with it: send them on their own.
  const items: unknown[] | undefined = Array.isArray(post.body) ? post.body : typeof post.body === 'string' ? post.body.split('\n') : undefined;
  if (res.status !== 400 || items === undefined || items.length <= 1 || refusedAt.size === 0 || refusedAt.size >= items.length) return;
  const keep = items.map((_, i) => i).filter((i) => !refusedAt.has(i));
  const rest: Post = {
    body: typeof post.body === 'string' ? keep.map((i) => items[i]).join('\n') : keep.map((i) => items[i]),
    contentType: post.contentType,
    labels: keep.map((i) => post.labels[i] ?? `record ${i + 1}`),
  };
  await postToRoute(api, entry, rest, sent, failures);
}

/** An ingestor that records what the Event Hubs edge ingested and quarantined, around the real one. */
class RecordingIngestor implements Ingestor {
  readonly results: { source: string; result: IngestResult }[] = [];
  readonly quarantined: string[] = [];
  private readonly inner: PipelineIngestor;

  constructor(inner: PipelineIngestor) {
    this.inner = inner;
  }

  async ingest(request: Parameters<Ingestor['ingest']>[0]): Promise<IngestResult> {
    const result = await this.inner.ingest(request);
    this.results.push({ source: request.source, result });
    return result;
  }

  async quarantine(entry: Parameters<Ingestor['quarantine']>[0]): Promise<string> {
    this.quarantined.push(entry.reason);
    return this.inner.quarantine(entry);
  }
}

/**
 * Feeds a stream batch to ingestion's Event Hubs partition processor, with an ingestor wired as the ingestion
 * service wires it (the system's bus and state, its payload file), so records go where a consumed event's would.
 */
async function feedEventHubs(system: System, entry: AlertFileEntry, post: Post, sent: Sent[], failures: Failure[]): Promise<void> {
  const payloads = new SqlitePayloadStore(join(system.dataDir, 'payloads.sqlite'));
  try {
    const ingestor = new RecordingIngestor(
      new PipelineIngestor({ bus: system.platform.bus, payloads, quarantine: new StateQuarantineStore(system.platform.state, 30), clock: system.platform.clock, tenantId: system.platform.env.SOC_TENANT_ID, internalNetworks: system.platform.env.SOC_INTERNAL_NETWORKS, maxBatch: 1000 }),
    );
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const handlers = eventHubsHandlers<HubEvent>({ ingestor, checkpoint: { intervalMs: 10_000, maxEvents: 1000 }, logger: silent });
    const partition = new FakePartition('0', 'siem-stream');
    await handlers.processInitialize(partition);
    await handlers.processEvents([hubEvent(1, post.body)], partition);
    await handlers.processClose('shutdown', partition);
    for (const { source, result } of ingestor.results) {
      if (result.kind === 'accepted') result.receipts.forEach((r, i) => sent.push({ file: entry.path, label: `${source} record ${i + 1}`, ...r }));
      else for (const e of result.errors) failures.push({ file: entry.path, label: `${source} record ${e.index + 1}`, stage: `quarantined by the ${source} parser`, reason: `${e.path}: ${e.message}` });
    }
    const expectedUnrouted = entry.unrouted?.records ?? 0;
    const unrouted = ingestor.quarantined.length;
    if (unrouted !== expectedUnrouted) failures.push({ file: entry.path, label: 'event', stage: 'event hubs routing', reason: `${unrouted} quarantine entries for unrouted records, expected ${expectedUnrouted}: ${ingestor.quarantined.join(' | ')}` });
  } finally {
    payloads.close();
  }
}

/** Waits until no subscription has a message in flight (twice in a row, so a hop between two checks is not missed). */
async function drained(system: System, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let idleChecks = 0;
  for (;;) {
    const active = (await system.platform.bus.depth()).reduce((n, d) => n + d.active, 0);
    idleChecks = active === 0 ? idleChecks + 1 : 0;
    if (idleChecks >= 2) return;
    if (Date.now() > deadline) throw new Error(`the bus still had ${active} messages in flight after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

interface CaseView {
  stage: string;
  failures: { subscription: string; reason: string; description: string }[];
  triage: { copilot?: { status: string; reason?: string } } | null;
}

interface Replay {
  sent: Sent[];
  /** Each alert id once, by its first sending. */
  alerts: Map<string, Sent>;
  failures: Failure[];
  views: Map<string, CaseView>;
}

/** Sends every alert of the manifest to `system`, waits for the pipeline to settle, and checks every journey. */
async function replayAll(system: System): Promise<Replay> {
  const api = client(system.url);
  const sent: Sent[] = [];
  const failures: Failure[] = [];
  for (const entry of entries) {
    const before = sent.length;
    for (const post of postsOf(entry)) {
      if (entry.post === 'eventhubs') await feedEventHubs(system, entry, post, sent, failures);
      else await postToRoute(api, entry, post, sent, failures);
    }
    const yielded = sent.length - before;
    if (yielded !== entry.alerts) failures.push({ file: entry.path, label: '(file)', stage: 'ingestion', reason: `yielded ${yielded} alerts, the manifest expects ${entry.alerts}` });
  }

  await drained(system, 150_000);

  // One case per alert id: a record sent twice (the same row in two exports) is one alert, named by its first
  // sending, with the others listed.
  const byAlert = new Map<string, Sent>();
  const alsoSent = new Map<string, string[]>();
  for (const s of sent) {
    if (!byAlert.has(s.alertId)) byAlert.set(s.alertId, s);
    else alsoSent.set(s.alertId, [...(alsoSent.get(s.alertId) ?? []), `${s.file} ${s.label}`]);
  }
  const also = (alertId: string): string => (alsoSent.has(alertId) ? ` (also sent as ${alsoSent.get(alertId)?.join(', ') ?? ''})` : '');
  const views = new Map<string, CaseView>();
  await inParallel([...byAlert.values()], 8, async (s) => {
    const res = await api(`/api/v1/alerts/${encodeURIComponent(s.alertId)}`);
    if (res.status !== 200) {
      failures.push({ file: s.file, label: s.label, alertId: s.alertId, stage: 'not in the case view', reason: `GET answered ${res.status}` });
      return;
    }
    const view = res.body as CaseView;
    views.set(s.alertId, view);
    if (view.stage !== 'decided') {
      const why = view.failures.map((f) => `${f.subscription}: ${f.reason}: ${f.description}`).join(' | ');
      failures.push({ file: s.file, label: s.label, alertId: s.alertId, stage: `stopped at ${view.stage}`, reason: `${why || 'no failure recorded on the case'}${also(s.alertId)}` });
    }
  });

  const byCorrelation = new Map([...byAlert.values()].map((s) => [s.correlationId, s]));
  for (const d of await system.platform.bus.deadLetters.list({ limit: 100_000 })) {
    const s = d.correlationId === undefined ? undefined : byCorrelation.get(d.correlationId);
    failures.push({ file: s?.file ?? '(no fixture)', label: s?.label ?? d.messageId, ...(s ? { alertId: s.alertId } : {}), stage: `dead letter on ${d.subscription} (${d.type})`, reason: `${d.reason}: ${d.description}` });
  }
  return { sent, alerts: byAlert, failures, views };
}

/** The failures as a reader needs them: how many per class (stage + reason without ids), then each one by file. */
function report(failures: readonly Failure[]): string {
  if (failures.length === 0) return 'no failures';
  const classOf = (f: Failure) => `${f.stage.replace(/\d+/g, '#')}: ${f.reason.replace(/"[^"]*"/g, '"…"').replace(/\b[0-9a-f-]{16,}\b|\d+/gi, '#').slice(0, 200)}`;
  const classes = new Map<string, number>();
  for (const f of failures) classes.set(classOf(f), (classes.get(classOf(f)) ?? 0) + 1);
  const files = new Map<string, Failure[]>();
  for (const f of failures) files.set(f.file, [...(files.get(f.file) ?? []), f]);
  return [
    `${failures.length} failures in ${files.size} fixture files, by class:`,
    ...[...classes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${n} × ${c}`),
    'each:',
    ...[...files].flatMap(([file, fs]) => [`  ${file}`, ...fs.map((f) => `    ${f.label}${f.alertId ? ` (${f.alertId})` : ''}: ${f.stage}: ${f.reason.slice(0, 400)}`)]),
  ].join('\n');
}

/** A model that answers every case with well-formed advice, citing the first entity of the prompt. */
function advisingModel(req: RecordedRequest): ScriptedResponse {
  const facts = JSON.parse(req.body.messages?.[1]?.content.split('\n')[1] ?? '{}') as { entities?: { ref: string }[] };
  const cite = facts.entities?.[0]?.ref;
  return {
    usage: { prompt_tokens: 1200, completion_tokens: 150 },
    content: JSON.stringify({
      summary: 'Reviewed the alert against its facts; the deterministic verdict stands.',
      verdict: { class: 'needs-more-information', confidence: 0.4 },
      evidence: cite === undefined ? [] : [cite],
      investigationSteps: ['Confirm the activity with the asset owner'],
      recommendedActions: [{ kind: 'CreateTicket', priority: 3, reason: 'track the review' }],
      huntQueries: [],
    }),
  };
}

const RUN_MS = 240_000;

describe('every alert fixture replayed through npm start\'s pipeline (test/fixtures/alerts/manifest.json)', () => {
  it('deterministic triage: every accepted alert is decided, 0 dead letters, the expected count per file', async () => {
    const system = await startSystem();
    try {
      const { sent, failures, views } = await replayAll(system);
      expect(failures.length, `${views.size} alerts in the case view\n${report(failures)}`).toBe(0);
      expect(sent).toHaveLength(EXPECTED_ALERTS);
    } finally {
      await system.close();
    }
  }, RUN_MS);

  describe('with the LLM copilot on', () => {
    let model: OpenAiRecorder;
    beforeAll(async () => {
      model = await startOpenAiRecorder(advisingModel);
    });
    afterAll(async () => {
      await model?.close();
    });

    it('every copilot note is advised or cached (skipped only for the token budget), none failed', async () => {
      // A budget that covers every case group of the replay, so the copilot sees every fixture's alerts.
      const system = await startSystem({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: model.baseURL, LLM_MODEL: 'replay-model', LLM_TOKENS_PER_HOUR: '100000000' });
      try {
        const { sent, alerts, failures, views } = await replayAll(system);
        for (const s of alerts.values()) {
          const copilot = views.get(s.alertId)?.triage?.copilot;
          if (views.get(s.alertId)?.stage !== 'decided') continue; // already listed with its stage
          if (copilot === undefined) failures.push({ file: s.file, label: s.label, alertId: s.alertId, stage: 'copilot', reason: 'no copilot note on the triage' });
          else if (copilot.status === 'failed' || (copilot.status === 'skipped' && !/token budget/.test(copilot.reason ?? ''))) {
            failures.push({ file: s.file, label: s.label, alertId: s.alertId, stage: `copilot ${copilot.status}`, reason: copilot.reason ?? '(no reason)' });
          }
        }
        const notes = new Map<string, number>();
        for (const v of views.values()) notes.set(v.triage?.copilot?.status ?? 'none', (notes.get(v.triage?.copilot?.status ?? 'none') ?? 0) + 1);
        expect(failures.length, `copilot notes ${JSON.stringify(Object.fromEntries(notes))}, ${model.requests.length} model calls\n${report(failures)}`).toBe(0);
        expect(sent).toHaveLength(EXPECTED_ALERTS);
        expect(model.requests.length).toBeGreaterThan(0);
      } finally {
        await system.close();
      }
    }, RUN_MS);
  });
});
