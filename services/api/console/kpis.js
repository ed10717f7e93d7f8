// The KPI page (#/kpis): GET /api/v1/kpis for the chosen window, and one call per UTC day of the last 7 days for the
// trend. Every number is the API's (computed from the case timeline); the page only draws it, with its definition.
import { api } from './api.js';
import { barChart } from './charts.js';
import { el, problemBox, replace } from './dom.js';

export const WINDOWS = [
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'];
const DAY = 86_400_000;

let windowChoice = '7d';
let tenantChoice = '';

/** Minutes from seconds, one decimal; null stays null. */
export const minutes = (seconds) => (seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10);
/** A ratio as a percentage, one decimal; null stays null. */
export const percent = (value) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);
const show = (v, suffix = '') => (v === null || v === undefined ? '—' : `${v}${suffix}`);

/** The last `days` UTC days as [from, to) windows, oldest first; the last one ends at `now`. */
export function dayWindows(now, days = 7) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => {
    const from = today - (days - 1 - i) * DAY;
    return { from: new Date(from), to: i === days - 1 ? now : new Date(from + DAY), label: new Date(from).toISOString().slice(5, 10) };
  });
}

const kpisOf = (from, to) => api(`/api/v1/kpis?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`);

export async function renderKpis(view) {
  const windowSelect = el('select', { id: 'kpi-window', name: 'window' }, WINDOWS.map((w) => el('option', { value: w.value, text: w.label })));
  windowSelect.value = windowChoice;
  const tenantSelect = el('select', { id: 'kpi-tenant', name: 'tenant' });
  const results = el('div', { id: 'kpi-results', 'aria-live': 'polite', 'aria-busy': 'true' });
  const load = async () => {
    results.setAttribute('aria-busy', 'true');
    try {
      const now = new Date();
      const span = WINDOWS.find((w) => w.value === windowChoice) ?? WINDOWS[1];
      const [report, ...days] = await Promise.all([kpisOf(new Date(now.getTime() - span.ms), now), ...dayWindows(now).map((d) => kpisOf(d.from, d.to))]);
      const tenants = Object.keys(report.tenants).sort();
      if (!tenants.includes(tenantChoice)) tenantChoice = tenants[0] ?? '';
      replace(tenantSelect, tenants.map((t) => el('option', { value: t, text: t })));
      tenantSelect.value = tenantChoice;
      tenantSelect.disabled = tenants.length < 2;
      replace(results, tenantChoice ? kpiSections(report, report.tenants[tenantChoice], tenantChoice, dayWindows(now), days) : el('p', { text: 'No tenant of yours has cases.' }));
    } catch (error) {
      replace(results, problemBox(error));
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  };
  windowSelect.addEventListener('change', () => {
    windowChoice = windowSelect.value;
    void load();
  });
  tenantSelect.addEventListener('change', () => {
    tenantChoice = tenantSelect.value;
    void load();
  });
  replace(
    view,
    el('h2', { text: 'KPIs' }),
    el(
      'p',
      { class: 'controls' },
      el('label', { for: 'kpi-window', text: 'Window ' }),
      windowSelect,
      ' ',
      el('label', { for: 'kpi-tenant', text: 'Tenant ' }),
      tenantSelect,
      ' ',
      el('button', { type: 'button', onclick: () => void load(), text: 'Refresh' }),
    ),
    results,
  );
  await load();
}

function kpiSections(report, k, tenant, windows, days) {
  const durations = ['timeToTriage', 'timeToDisposition', 'falsePositiveClosure'];
  const rates = ['escalationRate', 'truePositiveRate', 'engineOverrideRate', 'copilotOverrideRate'];
  const slaSeverities = SEVERITIES.filter((s) => k.sla.bySeverity[s] !== undefined);
  // Seconds while every duration is under two minutes (a quiet lab), minutes otherwise.
  const longest = Math.max(0, ...durations.flatMap((d) => [k[d].meanSeconds ?? 0, k[d].p90Seconds ?? 0]));
  const inSeconds = longest < 120;
  const duration = (seconds) => (seconds === null || seconds === undefined ? null : inSeconds ? Math.round(seconds) : minutes(seconds));
  const fmtDuration = (v) => (v === null ? '—' : `${Math.round(v * 10) / 10} ${inSeconds ? 's' : 'min'}`);
  const fmtPercent = (v) => (v === null ? '—' : `${Math.round(v * 10) / 10} %`);
  return [
    el('p', { class: 'muted', id: 'kpi-scope' }, `Tenant ${tenant}: ${k.cases} case(s) received from `, el('time', { datetime: report.from, text: report.from }), ' to ', el('time', { datetime: report.to, text: report.to }), `; computed ${report.generatedAt}.`, report.scope.truncated ? ` Only the newest ${report.scope.limit} cases were read (SOC_KPI_MAX_CASES).` : ''),
    el(
      'dl',
      { class: 'tiles', id: 'kpi-tiles' },
      tile('Cases', k.cases, 'kpi-cases'),
      tile('Alerts per analyst per shift', show(k.alertsPerAnalystPerShift.value === null ? null : Math.round(k.alertsPerAnalystPerShift.value * 10) / 10), 'kpi-per-shift', `${k.alertsPerAnalystPerShift.analysts} analyst(s), ${k.alertsPerAnalystPerShift.shiftHours} h shifts`),
      tile('Escalation rate', show(percent(k.escalationRate.value), ' %'), 'kpi-escalation', `${k.escalationRate.numerator} of ${k.escalationRate.denominator}`),
      tile('LLM calls per verdict', show(k.llm.callsPerVerdict === null ? null : Math.round(k.llm.callsPerVerdict * 100) / 100), 'kpi-llm-calls', `${show(k.llm.calls)} call(s), ${k.llm.verdicts} verdict(s)`),
      tile('Tokens per verdict', show(k.llm.tokensPerVerdict === null ? null : Math.round(k.llm.tokensPerVerdict)), 'kpi-llm-tokens', `${show(k.llm.tokens)} token(s)`),
      tile('Cost per verdict', show(k.llm.costPerVerdict === null ? null : Math.round(k.llm.costPerVerdict * 10_000) / 10_000), 'kpi-llm-cost', `total ${show(k.llm.cost)}`),
      tile('Dead-lettered messages', show(k.deadLetters.messages), 'kpi-dead-letters', `on ${show(k.deadLetters.cases)} case(s)`),
      tile('Quarantined payloads', show(report.quarantine?.payloads ?? null), 'kpi-quarantine', report.quarantine ? `${report.quarantine.replayed} replayed` : 'not counted'),
    ),
    el(
      'div',
      { class: 'charts' },
      barChart({
        title: 'Time to triage, to disposition and false-positive closure',
        unit: inSeconds ? 'seconds' : 'minutes',
        categories: ['Triage', 'Disposition', 'FP closure'],
        series: [
          { name: 'mean', cls: 'bar-a', values: durations.map((d) => duration(k[d].meanSeconds)) },
          { name: 'p90', cls: 'bar-b', values: durations.map((d) => duration(k[d].p90Seconds)) },
        ],
        format: fmtDuration,
      }),
      barChart({
        title: 'Escalation and verdict rates',
        unit: 'percent of cases',
        categories: ['Escalated', 'True positive', 'Analyst overrides engine', 'Analyst overrides copilot'],
        series: [{ name: 'rate', cls: 'bar-a', values: rates.map((r) => percent(k[r].value)) }],
        format: fmtPercent,
        max: 100,
      }),
      slaSeverities.length === 0
        ? null
        : barChart({
            title: 'SLA: cases past their target, per severity',
            unit: 'cases',
            categories: slaSeverities.map((s) => `${s} (${k.sla.bySeverity[s].targetMinutes} min)`),
            series: [
              { name: 'cases', cls: 'bar-a', values: slaSeverities.map((s) => k.sla.bySeverity[s].cases) },
              { name: 'past SLA', cls: 'bar-b', values: slaSeverities.map((s) => k.sla.bySeverity[s].pastSla) },
              { name: 'open past SLA', cls: 'bar-c', values: slaSeverities.map((s) => k.sla.bySeverity[s].openPastSla) },
            ],
          }),
      barChart({
        title: 'Cases per day, last 7 days (UTC)',
        unit: 'cases',
        categories: windows.map((w) => w.label),
        series: [
          { name: 'received', cls: 'bar-a', values: days.map((d) => d.tenants[tenant]?.cases ?? 0) },
          { name: 'dispositioned', cls: 'bar-b', values: days.map((d) => d.tenants[tenant]?.timeToDisposition.cases ?? 0) },
        ],
      }),
    ),
    el(
      'details',
      { class: 'definitions' },
      el('summary', { text: 'How each KPI is defined' }),
      el('dl', {}, [...durations, 'alertsPerAnalystPerShift', ...rates, 'llm', 'deadLetters', 'sla'].flatMap((key) => [el('dt', { text: key }), el('dd', { text: k[key].definition })]), report.quarantine ? [el('dt', { text: 'quarantine' }), el('dd', { text: report.quarantine.definition })] : []),
    ),
  ];
}

function tile(label, value, id, detail) {
  return el('div', { class: 'tile' }, el('dt', { text: label }), el('dd', { id, class: 'tile-value', text: String(value) }), detail ? el('dd', { class: 'muted', text: detail }) : null);
}
