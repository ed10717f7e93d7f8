import type { Severity } from '@soc/contracts';
import { type CaseEventDoc, foldCase } from './case-view.ts';

/**
 * KPIs from the case timeline. Pure: cases (their stored events) + window + settings → numbers. Every KPI is computed
 * over the cohort of cases **received** in the window `[from, to)` (the alert's first arrival), from the events the
 * case view recorded — so each number can be recomputed by hand from `GET /api/v1/alerts/{id}` timelines.
 * Events are stored once per event id (a redelivery stores nothing new), and every count below is per stored event or
 * per case, never per delivery.
 */

/** How a KPI is defined, to be shown next to its value. */
export const KPI_DEFINITIONS = {
  timeToTriage: 'receipt of the alert (its first revision) → the first soc.alert.triaged.v1 of the case; cases triaged',
  timeToDisposition: "receipt → the analyst's first disposition (soc.alert.dispositioned.v1 `at`); cases dispositioned",
  falsePositiveClosure: "receipt → the disposition that made the case false-positive (its latest disposition, when that is false-positive); cases whose latest disposition is false-positive",
  alertsPerAnalystPerShift:
    'distinct (analyst, alert) dispositions ÷ the sum over analysts of the shifts in which each recorded at least one disposition (shifts are SOC_SHIFT_HOURS-long slots from 00:00 UTC)',
  escalationRate: "decided cases whose current decision carries the policy's escalation (re-notify if not acknowledged) ÷ decided cases",
  truePositiveRate: "cases whose latest disposition is true-positive ÷ dispositioned cases (the analyst's confirmation that the alert was a real incident)",
  engineOverrideRate: "dispositioned cases whose latest disposition differs from the current triage's verdict class ÷ dispositioned cases whose triage verdict is not needs-more-information",
  copilotOverrideRate:
    "dispositioned cases whose latest disposition differs from the copilot's verdict class on the current triage ÷ dispositioned cases whose triage has copilot advice (advised or cached) with a verdict other than needs-more-information",
  llm: "triages (soc.alert.triaged.v1, one per alert revision) whose copilot note is `advised` — one model call written for that alert; a `cached` note reuses an earlier call and is not counted again; tokens = prompt + completion of those calls, cost = their reported cost; per verdict = ÷ triages",
  deadLetters: 'soc.processing.failed.v1 notices (one per dead-lettered message) recorded on the cases',
  sla: "receipt → first disposition against SOC_SLA_MINUTES of the case's current severity; past SLA = dispositioned after the target, or not dispositioned and older than the target at `now`",
} as const;

/** A duration KPI, in seconds. */
export interface DurationKpi {
  /** Arithmetic mean; null over no case. */
  meanSeconds: number | null;
  /** 90th percentile, nearest rank (the ⌈0.9·n⌉-th smallest value; exact, no interpolation); null over no case. */
  p90Seconds: number | null;
  /** Cases it is computed over. */
  cases: number;
  definition: string;
}

/** A ratio KPI. */
export interface RateKpi {
  /** numerator ÷ denominator; null when the denominator is 0. */
  value: number | null;
  numerator: number;
  /** Cases (or triages, or shifts) it is computed over. */
  denominator: number;
  definition: string;
}

/** SLA per severity. */
export interface SlaKpi {
  targetMinutes: number;
  /** Cases of this severity in the cohort. */
  cases: number;
  /** Null when the cohort has no case of this severity. */
  pastSla: number | null;
  /** Of those past SLA, the ones still without a disposition. */
  openPastSla: number | null;
}

/** The KPIs of one cohort. */
export interface Kpis {
  /** Cases received in the window (the cohort every KPI below is drawn from). */
  cases: number;
  timeToTriage: DurationKpi;
  timeToDisposition: DurationKpi;
  falsePositiveClosure: DurationKpi;
  alertsPerAnalystPerShift: RateKpi & { analysts: number; shiftHours: number };
  escalationRate: RateKpi;
  truePositiveRate: RateKpi;
  engineOverrideRate: RateKpi;
  copilotOverrideRate: RateKpi;
  llm: {
    /** Triages in the cohort (verdicts). The counts below are null over no verdict. */
    verdicts: number;
    calls: number | null;
    /** Copilot notes `failed` (a call that failed or a breaker that refused it): no advice, maybe spent tokens. */
    failed: number | null;
    tokens: number | null;
    /** Sum of the cost the provider reported; null when no call reported one. */
    cost: number | null;
    /** null over no verdict. */
    callsPerVerdict: number | null;
    tokensPerVerdict: number | null;
    costPerVerdict: number | null;
    definition: string;
  };
  /** Null over an empty cohort. */
  deadLetters: { messages: number | null; cases: number | null; definition: string };
  sla: { definition: string; bySeverity: Partial<Record<Severity, SlaKpi>> };
}

/** What {@link computeKpis} needs besides the cases. */
export interface KpiSettings {
  from: Date;
  to: Date;
  /** The SLA clock of open cases. */
  now: Date;
  shiftHours: number;
  /** SLA target in minutes per severity; a severity without one is not measured. */
  slaMinutes: Readonly<Partial<Record<Severity, number>>>;
}

/** What one case's timeline says, for the KPIs. */
export interface CaseFacts {
  alertId: string;
  tenantId: string | null;
  severity: Severity | null;
  receivedAt: number;
  firstTriagedAt: number | null;
  firstDisposition: { at: number } | null;
  latestDisposition: { disposition: string; at: number } | null;
  /** Each analyst's dispositions of this alert (distinct analysts; the time of their first). */
  dispositionsByAnalyst: Map<string, number>;
  decided: boolean;
  escalated: boolean;
  engineVerdict: string | null;
  copilotVerdict: string | null;
  /** One entry per stored triaged event. */
  triages: { status: string | null; tokens: number; cost: number | undefined }[];
  deadLetters: number;
}

interface TriagedData {
  triage?: { copilot?: { status?: string; usage?: { promptTokens: number; completionTokens: number; cost?: number } } };
}

/** Reads the facts the KPIs need from a case's stored events; undefined when the case has no receipt yet. Pure. */
export function caseFactsOf(alertId: string, events: readonly CaseEventDoc[]): CaseFacts | undefined {
  const view = foldCase(alertId, events);
  if (view.receivedAt === null) return undefined;
  const time = (t: string) => Date.parse(t);
  // Stored once per event id already; the map guards a caller that passes the same document twice.
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()].sort((a, b) => time(a.time) - time(b.time));
  const triaged = unique.filter((e) => e.type === 'soc.alert.triaged.v1');
  const dispositions = unique
    .filter((e) => e.type === 'soc.alert.dispositioned.v1')
    .map((e) => e.data as { analyst: string; disposition: string; at: string })
    .sort((a, b) => time(a.at) - time(b.at));
  const byAnalyst = new Map<string, number>();
  for (const d of dispositions) if (!byAnalyst.has(d.analyst)) byAnalyst.set(d.analyst, time(d.at));
  // The current decision's escalation: the newest decision event of the current revision.
  const currentKey = view.revisions[0]?.key ?? null;
  const decisions = unique.filter((e) => (e.type === 'soc.decision.made.v2' || e.type === 'soc.decision.made.v1') && (e.revision?.key ?? null) === currentKey);
  const decision = decisions.at(-1)?.data as { escalation?: unknown } | undefined;
  const latest = dispositions.at(-1);
  const first = dispositions[0];
  return {
    alertId,
    tenantId: view.alert?.tenantId ?? null,
    severity: view.alert?.severity ?? null,
    receivedAt: time(view.receivedAt),
    firstTriagedAt: triaged[0] ? time(triaged[0].time) : null,
    firstDisposition: first ? { at: time(first.at) } : null,
    latestDisposition: latest ? { disposition: latest.disposition, at: time(latest.at) } : null,
    dispositionsByAnalyst: byAnalyst,
    decided: view.decision !== null,
    escalated: view.decision !== null && decision?.escalation !== undefined,
    engineVerdict: view.triage?.verdict.class ?? null,
    copilotVerdict: view.triage?.copilot?.verdict?.class ?? null,
    triages: triaged.map((e) => {
      const copilot = (e.data as TriagedData).triage?.copilot;
      const advised = copilot?.status === 'advised';
      const usage = advised ? copilot?.usage : undefined;
      return { status: copilot?.status ?? null, tokens: usage ? usage.promptTokens + usage.completionTokens : 0, cost: usage?.cost };
    }),
    deadLetters: unique.filter((e) => e.type === 'soc.processing.failed.v1').length,
  };
}

/** The ⌈0.9·n⌉-th smallest value (nearest rank); null for no values. */
export function p90(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1]!;
}

function duration(values: readonly number[], definition: string): DurationKpi {
  const seconds = values.map((ms) => ms / 1000);
  const mean = seconds.length === 0 ? null : seconds.reduce((a, b) => a + b, 0) / seconds.length;
  return { meanSeconds: mean, p90Seconds: p90(seconds), cases: seconds.length, definition };
}

function rate(numerator: number, denominator: number, definition: string): RateKpi {
  return { value: denominator === 0 ? null : numerator / denominator, numerator, denominator, definition };
}

const VERDICTS = new Set(['true-positive', 'benign-positive', 'false-positive']);

/** The KPIs of the cases received in `[from, to)`. Pure; cases outside the window are ignored. */
export function computeKpis(all: readonly CaseFacts[], settings: KpiSettings): Kpis {
  const from = settings.from.getTime();
  const to = settings.to.getTime();
  const cohort = [...new Map(all.filter((c) => c.receivedAt >= from && c.receivedAt < to).map((c) => [c.alertId, c])).values()];
  const dispositioned = cohort.filter((c) => c.latestDisposition !== null);

  const shiftMs = settings.shiftHours * 3_600_000;
  const shifts = new Map<string, Set<number>>();
  let analystAlerts = 0;
  for (const c of cohort) {
    for (const [analyst, at] of c.dispositionsByAnalyst) {
      analystAlerts += 1;
      const slots = shifts.get(analyst) ?? new Set<number>();
      slots.add(Math.floor(at / shiftMs));
      shifts.set(analyst, slots);
    }
  }
  const activeShifts = [...shifts.values()].reduce((n, s) => n + s.size, 0);

  const engineJudged = dispositioned.filter((c) => c.engineVerdict !== null && VERDICTS.has(c.engineVerdict));
  const copilotJudged = dispositioned.filter((c) => c.copilotVerdict !== null && VERDICTS.has(c.copilotVerdict));
  const triages = cohort.flatMap((c) => c.triages);
  const calls = triages.filter((t) => t.status === 'advised');
  const tokens = calls.reduce((n, t) => n + t.tokens, 0);
  const costs = calls.map((t) => t.cost).filter((x): x is number => x !== undefined);
  const cost = costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0);
  const counted = (n: number) => (triages.length === 0 ? null : n);
  const perVerdict = (n: number | null) => (n === null || triages.length === 0 ? null : n / triages.length);

  const bySeverity: Partial<Record<Severity, SlaKpi>> = {};
  for (const [severity, targetMinutes] of Object.entries(settings.slaMinutes) as [Severity, number][]) {
    const ofSeverity = cohort.filter((c) => c.severity === severity);
    const deadline = (c: CaseFacts) => c.receivedAt + targetMinutes * 60_000;
    const past = ofSeverity.filter((c) => (c.firstDisposition ? c.firstDisposition.at > deadline(c) : settings.now.getTime() > deadline(c)));
    const none = ofSeverity.length === 0;
    bySeverity[severity] = { targetMinutes, cases: ofSeverity.length, pastSla: none ? null : past.length, openPastSla: none ? null : past.filter((c) => c.firstDisposition === null).length };
  }

  return {
    cases: cohort.length,
    timeToTriage: duration(cohort.flatMap((c) => (c.firstTriagedAt === null ? [] : [c.firstTriagedAt - c.receivedAt])), KPI_DEFINITIONS.timeToTriage),
    timeToDisposition: duration(cohort.flatMap((c) => (c.firstDisposition === null ? [] : [c.firstDisposition.at - c.receivedAt])), KPI_DEFINITIONS.timeToDisposition),
    falsePositiveClosure: duration(
      dispositioned.filter((c) => c.latestDisposition!.disposition === 'false-positive').map((c) => c.latestDisposition!.at - c.receivedAt),
      KPI_DEFINITIONS.falsePositiveClosure,
    ),
    alertsPerAnalystPerShift: { ...rate(analystAlerts, activeShifts, KPI_DEFINITIONS.alertsPerAnalystPerShift), analysts: shifts.size, shiftHours: settings.shiftHours },
    escalationRate: rate(cohort.filter((c) => c.escalated).length, cohort.filter((c) => c.decided).length, KPI_DEFINITIONS.escalationRate),
    truePositiveRate: rate(dispositioned.filter((c) => c.latestDisposition!.disposition === 'true-positive').length, dispositioned.length, KPI_DEFINITIONS.truePositiveRate),
    engineOverrideRate: rate(engineJudged.filter((c) => c.latestDisposition!.disposition !== c.engineVerdict).length, engineJudged.length, KPI_DEFINITIONS.engineOverrideRate),
    copilotOverrideRate: rate(copilotJudged.filter((c) => c.latestDisposition!.disposition !== c.copilotVerdict).length, copilotJudged.length, KPI_DEFINITIONS.copilotOverrideRate),
    llm: {
      verdicts: triages.length,
      calls: counted(calls.length),
      failed: counted(triages.filter((t) => t.status === 'failed').length),
      tokens: counted(tokens),
      cost,
      callsPerVerdict: perVerdict(calls.length),
      tokensPerVerdict: perVerdict(tokens),
      costPerVerdict: perVerdict(cost),
      definition: KPI_DEFINITIONS.llm,
    },
    deadLetters: {
      messages: cohort.length === 0 ? null : cohort.reduce((n, c) => n + c.deadLetters, 0),
      cases: cohort.length === 0 ? null : cohort.filter((c) => c.deadLetters > 0).length, definition: KPI_DEFINITIONS.deadLetters },
    sla: { definition: KPI_DEFINITIONS.sla, bySeverity },
  };
}

/** Groups case facts by tenant (cases with no tenant on record under `unknown`). */
export function byTenant(facts: readonly CaseFacts[]): Map<string, CaseFacts[]> {
  const groups = new Map<string, CaseFacts[]>();
  for (const f of facts) {
    const tenant = f.tenantId ?? 'unknown';
    groups.set(tenant, [...(groups.get(tenant) ?? []), f]);
  }
  return groups;
}
