import type { Disposition } from '@soc/contracts';

/**
 * The ticket lifecycle of one case group, as a pure decider (Emmett style): `decide(state, command)` says what
 * happened, `evolve(state, event)` folds it in. The ticket is resolved when every dispositioned alert of the group is
 * benign or a false positive and none is a true positive; a later true positive — an analyst's disposition, or the
 * triage verdict of an alert no analyst has dispositioned yet — reopens it. I/O (the state document, the ticket
 * systems) is the handler's.
 */

/** What the group's ticket should be: open (never resolved), resolved, or reopened after a resolution. */
export type LifecycleStatus = 'open' | 'resolved' | 'reopened';

/** The disposition a resolved group is closed with: false positive when every disposition says so, else benign. */
export type GroupResolution = 'benign-positive' | 'false-positive';

/** What the group knows of one alert: the analyst's latest disposition, and whether triage called it a true positive. */
export interface AlertMark {
  disposition?: { value: Disposition; analyst: string; at: string };
  /** The latest triage verdict of the alert was true-positive (and when that decision was made). */
  triagedTruePositive?: { value: boolean; at: string };
}

export interface GroupLifecycleState {
  status: LifecycleStatus;
  /** Bumped by every resolution and reopening: the transition the ticket systems must be brought to. */
  version: number;
  /** Why the latest transition happened: the work note written with it. */
  reason?: string;
  /** The disposition of the latest resolution. */
  resolution?: GroupResolution;
  alerts: Record<string, AlertMark>;
  /**
   * More true-positive alerts were triaged in the group than it tracks one by one ({@link MAX_TRIAGED_MARKS}): some
   * true positive may have no disposition, so the group is never resolved by itself (an analyst resolves it by hand).
   */
  untrackedTruePositives?: boolean;
}

/**
 * Alerts tracked for their triage verdict alone (no disposition yet). A storm of true positives in one group would
 * otherwise grow the document by one entry per alert, and every decision of the group reads and writes it.
 */
export const MAX_TRIAGED_MARKS = 200;

export const initialLifecycle = (): GroupLifecycleState => ({ status: 'open', version: 0, alerts: {} });

export type LifecycleCommand =
  | { type: 'RecordDisposition'; alertId: string; disposition: Disposition; analyst: string; at: string }
  | { type: 'RecordTriage'; alertId: string; truePositive: boolean; at: string };

export type LifecycleEvent =
  | { type: 'DispositionRecorded'; alertId: string; disposition: Disposition; analyst: string; at: string }
  | { type: 'TriageRecorded'; alertId: string; truePositive: boolean; at: string }
  /** A true positive beyond {@link MAX_TRIAGED_MARKS}: the group stops resolving by itself. */
  | { type: 'TriageOverflowed' }
  | { type: 'GroupResolved'; resolution: GroupResolution; reason: string }
  | { type: 'GroupReopened'; reason: string };

/** Every dispositioned alert is benign or a false positive and no alert is a true positive: the group's verdict, if any. */
export function groupResolutionOf(alerts: Record<string, AlertMark>, untrackedTruePositives = false): GroupResolution | undefined {
  if (untrackedTruePositives) return undefined;
  const marks = Object.values(alerts);
  const dispositions = marks.flatMap((m) => (m.disposition ? [m.disposition.value] : []));
  if (dispositions.length === 0) return undefined;
  // An analyst's disposition overrides triage; an alert nobody dispositioned counts when triage called it a true positive.
  const truePositive = marks.some((m) => (m.disposition ? m.disposition.value === 'true-positive' : m.triagedTruePositive?.value === true));
  if (truePositive) return undefined;
  return dispositions.every((d) => d === 'false-positive') ? 'false-positive' : 'benign-positive';
}

function count(alerts: Record<string, AlertMark>): string {
  const by = new Map<Disposition, number>();
  for (const m of Object.values(alerts)) if (m.disposition) by.set(m.disposition.value, (by.get(m.disposition.value) ?? 0) + 1);
  return [...by].map(([d, n]) => `${n} ${d}`).join(', ');
}

/** Folds one event into the state. Pure. */
export function evolve(state: GroupLifecycleState, event: LifecycleEvent): GroupLifecycleState {
  switch (event.type) {
    case 'DispositionRecorded':
      return {
        ...state,
        alerts: { ...state.alerts, [event.alertId]: { ...state.alerts[event.alertId], disposition: { value: event.disposition, analyst: event.analyst, at: event.at } } },
      };
    case 'TriageRecorded':
      return { ...state, alerts: { ...state.alerts, [event.alertId]: { ...state.alerts[event.alertId], triagedTruePositive: { value: event.truePositive, at: event.at } } } };
    case 'TriageOverflowed':
      return { ...state, untrackedTruePositives: true };
    case 'GroupResolved':
      return { ...state, status: 'resolved', version: state.version + 1, reason: event.reason, resolution: event.resolution };
    case 'GroupReopened': {
      const { resolution: _dropped, ...rest } = state;
      return { ...rest, status: 'reopened', version: state.version + 1, reason: event.reason };
    }
  }
}

/**
 * What a command makes happen. A disposition or verdict older than the one recorded for the alert changes nothing
 * (deliveries can come out of order); so does one equal to it. The group is resolved when the fold leaves it with a
 * resolution and it is not resolved yet; reopened when it was resolved and no longer has one. Pure.
 */
export function decide(state: GroupLifecycleState, command: LifecycleCommand): LifecycleEvent[] {
  const mark = state.alerts[command.alertId];
  let recorded: LifecycleEvent;
  if (command.type === 'RecordDisposition') {
    const known = mark?.disposition;
    if (known && (known.at > command.at || (known.at === command.at && known.value === command.disposition))) return [];
    recorded = { type: 'DispositionRecorded', alertId: command.alertId, disposition: command.disposition, analyst: command.analyst, at: command.at };
  } else {
    const known = mark?.triagedTruePositive;
    if (known && (known.at > command.at || known.value === command.truePositive)) return [];
    // A verdict other than a true positive for an alert the group does not know changes nothing: nothing to record.
    if (!mark && !command.truePositive) return [];
    if (!mark && Object.values(state.alerts).filter((m) => !m.disposition).length >= MAX_TRIAGED_MARKS) {
      if (state.untrackedTruePositives) return [];
      return state.status === 'resolved'
        ? [{ type: 'TriageOverflowed' }, { type: 'GroupReopened', reason: `SOC Copilot reopened this ticket: alert ${command.alertId} of the case group was triaged a true positive at ${command.at}; the case group is no longer benign.` }]
        : [{ type: 'TriageOverflowed' }];
    }
    recorded = { type: 'TriageRecorded', alertId: command.alertId, truePositive: command.truePositive, at: command.at };
  }
  const after = evolve(state, recorded);
  const resolution = groupResolutionOf(after.alerts, after.untrackedTruePositives);
  if (resolution && state.status !== 'resolved') {
    const reason =
      `SOC Copilot resolved this ticket: every dispositioned alert of its case group is benign or a false positive (${count(after.alerts)}) ` +
      `and none is a true positive. Last disposition: alert ${command.alertId}${command.type === 'RecordDisposition' ? ` marked ${command.disposition} by ${command.analyst} at ${command.at}` : ''}.`;
    return [recorded, { type: 'GroupResolved', resolution, reason }];
  }
  if (!resolution && state.status === 'resolved') {
    const why =
      command.type === 'RecordDisposition'
        ? `alert ${command.alertId} was marked ${command.disposition} by ${command.analyst} at ${command.at}`
        : `alert ${command.alertId} of the case group was triaged a true positive at ${command.at}`;
    return [recorded, { type: 'GroupReopened', reason: `SOC Copilot reopened this ticket: ${why}; the case group is no longer benign.` }];
  }
  return [recorded];
}
