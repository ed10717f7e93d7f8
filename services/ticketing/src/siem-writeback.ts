import { createHash } from 'node:crypto';
import type { Alert, EventByType } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { defang } from '@soc/outbound';
import { claimOnce } from '@soc/state';
import type { GraphAlertComments, GraphAlertStatus, SentinelIncidentComments, SentinelIncidentRef, SentinelIncidentStatus, WriteBackLedger } from './ports.ts';
import { siemVerdictOf } from './siem-classification.ts';

/** The Sentinel workspace write-back is configured for; incidents of any other workspace are left alone. */
export interface SentinelWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

/** Where an alert's verdict can be written back, decided from the alert alone. */
export type WriteBackTarget =
  | { kind: 'sentinel'; incident: SentinelIncidentRef }
  | { kind: 'graph'; alertId: string }
  | { kind: 'none'; reason: string };

const ARM_INCIDENT =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)\/providers\/Microsoft\.SecurityInsights\/incidents\/([A-Za-z0-9-]{1,128})$/i;
const GRAPH_ALERT_ID = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Where the verdict of `alert` goes back, if anywhere. Sentinel: a `sentinel` alert whose vendor id is the incident's
 * ARM id (the incident webhook / automation payload, or a SecurityIncident row with its IncidentUrl) in the configured
 * workspace; a bare incident name (a row without IncidentUrl) names no workspace and is not written back. Graph: a
 * `defender` alert whose deep link is `https://security.microsoft.com/alerts/<vendor id>` (an `alerts_v2` alert;
 * incidents and MDE API alerts are not). The alert is attacker-influenced, so it only picks an incident or alert id
 * inside those fixed endpoints, never a host or a workspace of its own. Pure.
 */
export function writeBackTarget(alert: { source: Pick<Alert['source'], 'vendorAlertId' | 'url'> & { name: string } }, workspace: SentinelWorkspace | undefined): WriteBackTarget {
  const { name, vendorAlertId, url } = alert.source;
  if (name === 'sentinel') {
    if (!workspace) return { kind: 'none', reason: 'no Sentinel workspace configured' };
    const m = ARM_INCIDENT.exec(vendorAlertId);
    if (!m) return { kind: 'none', reason: 'the Sentinel alert is not an incident with its ARM id' };
    const same = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();
    if (!same(m[1], workspace.subscriptionId) || !same(m[2], workspace.resourceGroup) || !same(m[3], workspace.workspace))
      return { kind: 'none', reason: 'the incident is in another workspace than the configured one' };
    return { kind: 'sentinel', incident: { ...workspace, incidentId: m[4] ?? '' } };
  }
  if (name === 'defender' && url !== undefined && GRAPH_ALERT_ID.test(vendorAlertId)) {
    const link = new URL(url);
    if (link.hostname.toLowerCase() === 'security.microsoft.com' && link.pathname === `/alerts/${vendorAlertId}`) return { kind: 'graph', alertId: vendorAlertId };
  }
  return { kind: 'none', reason: `a ${name} alert that did not come from Sentinel or Graph alerts_v2` };
}

/** Longest comment written back (Sentinel and Graph accept more; a verdict and summary need far less). */
export const MAX_COMMENT_CHARS = 4000;

/** The comment: verdict, score and summary, defanged (it is read in the SIEM console); never the raw payload. */
export function writeBackComment(event: EventByType<'soc.decision.made.v2'>): string {
  const { alert, triage } = event.data;
  const text = [
    `SOC Copilot verdict: ${triage.verdict.class} — risk ${triage.risk.score}/100 (${triage.risk.level}).`,
    triage.summary,
    `SOC Copilot alert ${alert.alertId}, revision ${alert.revision?.key ?? 'unknown'}, correlation ${event.correlationid}.`,
  ].join('\n');
  let out = defang(text);
  // Cut the raw text, then defang: cutting defanged text could leave a live name at the end.
  for (let keep = MAX_COMMENT_CHARS - 1; out.length > MAX_COMMENT_CHARS && keep > 0; keep -= out.length - MAX_COMMENT_CHARS) out = `${defang(text.slice(0, keep))}…`;
  return out;
}

/** The write-back key of an alert revision: one comment per alert and revision, whatever re-triage happens. */
export function writeBackKey(alert: Alert): string {
  return `${alert.alertId}:${alert.revision?.key ?? 'no-revision'}`;
}

/** The Sentinel comment id of a write-back key: a GUID-shaped hash, so a redelivery PUTs the same comment. Pure. */
export function sentinelCommentId(key: string): string {
  const h = createHash('sha256').update(`soc-copilot:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What the write-back consumer needs; a writer left out is not written to. */
export interface SiemWriteBackDeps {
  workspace?: SentinelWorkspace;
  sentinel?: SentinelIncidentComments;
  graph?: GraphAlertComments;
  /** Classification and status on analysts' dispositions (`SIEM_WRITEBACK_STATUS=on`); none: dispositions write nothing. */
  status?: { sentinel?: SentinelIncidentStatus; graph?: GraphAlertStatus };
  ledger: WriteBackLedger;
}

/** Starts every classification comment we write (Sentinel `classificationComment`), so it is recognised as ours. */
export const CLASSIFICATION_MARKER = 'SOC Copilot disposition';

/** The classification comment: who dispositioned which alert how, and when; no free text of the alert or the analyst's note. */
export function classificationComment(event: EventByType<'soc.alert.dispositioned.v1'>): string {
  const { disposition, analyst, at, alertId } = event.data;
  return `${CLASSIFICATION_MARKER}: ${disposition} by ${defang(analyst)} at ${at} (SOC Copilot alert ${alertId}, correlation ${event.correlationid}).`;
}

/**
 * Does a non-idempotent write-back once per key, like the e-mail sent-ledger: claim the key; `done` → nothing to do;
 * `busy` (another delivery holds a fresh claim, it may be writing right now) → a retryable CONFLICT, the bus tries
 * again later and then finds it done; `claimed`, or `in-doubt` (a crashed holder's claim, lease run out) → write, then
 * mark done. A failed write releases the claim so the bus retry claims again at once; one whose answer was lost is
 * written again, at worst a duplicate (a duplicate beats a loss).
 */
async function once(ledger: WriteBackLedger, key: string, what: string, write: () => Promise<void>): Promise<void> {
  await claimOnce(ledger, key, what, async () => {
    await write();
    return 'written';
  });
}

/**
 * Writes each decision's verdict back to the incident or alert it came from: Sentinel by a PUT under a comment id
 * derived from the alert revision (idempotent by construction), Graph by a POST done {@link once} per alert revision
 * under a claim in the write-back ledger, so overlapping deliveries post one comment.
 * Errors go to the bus, which retries the retryable ones (honouring Retry-After) and dead-letters the rest.
 */
export function makeSiemWriteBackHandler(deps: SiemWriteBackDeps): EventHandler {
  return dispatch('ticketing-siem-writeback', {
    'soc.decision.made.v2': async (event) => {
      const alert = event.data.alert;
      const target = writeBackTarget(alert, deps.workspace);
      const key = writeBackKey(alert);
      if (target.kind === 'sentinel' && deps.sentinel) await deps.sentinel.putComment(target.incident, sentinelCommentId(key), writeBackComment(event));
      if (target.kind === 'graph' && deps.graph) {
        const graph = deps.graph;
        await once(deps.ledger, `graph:${key}`, 'the Graph alert comment', () => graph.postComment(target.alertId, writeBackComment(event)));
      }
      return { emit: [] };
    },
    'soc.alert.dispositioned.v1': async (event) => {
      const { vendor, rule, alertId, disposition, at } = event.data;
      // Off unless configured, and nothing to address on a disposition from before dispositions named their vendor id.
      if (!deps.status || !vendor) return { emit: [] };
      const target = writeBackTarget({ source: { name: rule.source, vendorAlertId: vendor.alertId, ...(vendor.url !== undefined ? { url: vendor.url } : {}) } }, deps.workspace);
      const verdict = siemVerdictOf(disposition);
      // Sentinel: the writer reads the incident first and leaves one already closed so. A true positive closes nothing;
      // it reopens an incident we closed on an earlier disposition of the alert.
      if (target.kind === 'sentinel' && deps.status.sentinel) {
        if (verdict.sentinel) await deps.status.sentinel.close(target.incident, verdict.sentinel, classificationComment(event));
        else await deps.status.sentinel.reopenOwnClosure(target.incident);
      }
      if (target.kind === 'graph' && deps.status.graph) {
        // One PATCH per disposition (alert, value, time): a redelivery sends none; a changed disposition sends its own.
        const graph = deps.status.graph;
        await once(deps.ledger, `graph-status:${alertId}:${disposition}:${at}`, 'the Graph alert status', () =>
          graph.updateAlert(target.alertId, verdict.graph, classificationComment(event)),
        );
      }
      return { emit: [] };
    },
  });
}
