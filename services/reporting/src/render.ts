import { createHash } from 'node:crypto';
import { defang, defangHtml, escapeHtml } from '@soc/outbound';
import { clipText } from '@soc/contracts';
import { localDate, localHour } from './period.ts';
import type { CountedKey, DurationStats, ReportFacts } from './ports.ts';

/** What a report shows: a period's facts and the previous period's, for the trend. */
export interface ReportInput {
  facts: ReportFacts;
  previous: Pick<ReportFacts, 'alerts' | 'incidents'> | null;
}

/** A rendered report. `contentHash` covers subject, html and text, which hold no generation time. */
export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
  contentHash: string;
}

// Rule names and entity values are attacker-controlled: everything that is not a literal of this file goes
// through escapeHtml (numeric references are valid in HTML and in the inline SVG's XML alike), and the rendered
// report is defanged whole (rule names carry URLs and domains too, not only url, domain and ip entities).
const MAX_SHOWN_CHARS = 120;

/** Cuts long values and removes control characters (they could break the text version's lines). */
function shorten(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clipText(clean, MAX_SHOWN_CHARS);
}

const number = new Intl.NumberFormat('en-US');
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** A duration for people: ms, s, min, h or d with one decimal. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** `+20%`, `-5%`, `new` (nothing before) or `±0%`. */
export function formatChange(now: number, before: number | undefined): string {
  if (before === undefined) return 'n/a';
  // A percentage of nothing is meaningless: from zero, the change is the count itself.
  if (before === 0) return now === 0 ? '±0%' : `+${now}`;
  const pct = Math.round(((now - before) / before) * 100);
  return pct === 0 ? '±0%' : `${pct > 0 ? '+' : ''}${pct}%`;
}

const SEVERITY_COLORS: Readonly<Record<string, string>> = {
  informational: '#78909c',
  low: '#2e7d32',
  medium: '#f9a825',
  high: '#ef6c00',
  critical: '#c62828',
};

/** Horizontal bars of alerts per severity. */
export function severityChart(severity: readonly CountedKey[]): string {
  const max = Math.max(1, ...severity.map((s) => s.count));
  const row = 24;
  const height = severity.length * row + 8;
  const bars = severity
    .map((s, i) => {
      const y = 4 + i * row;
      const w = Math.round((s.count / max) * 300);
      return (
        `<text x="0" y="${y + 15}" font-size="12" fill="#1b1b1b">${escapeHtml(s.key)}</text>` +
        `<rect x="110" y="${y + 3}" width="${w}" height="16" fill="${SEVERITY_COLORS[s.key] ?? '#546e7a'}"/>` +
        `<text x="${116 + w}" y="${y + 15}" font-size="12" fill="#1b1b1b">${s.count}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="${height}" viewBox="0 0 480 ${height}" role="img" aria-label="Alerts by severity" font-family="Segoe UI,Arial,sans-serif">${bars}</svg>`;
}

/** Vertical bars of alerts per trend bucket (hours of a day, days of a week). */
export function trendChart(facts: Pick<ReportFacts, 'trend' | 'period'>): string {
  const { trend, period } = facts;
  const width = 640;
  const plotTop = 16;
  const plotHeight = 120;
  const left = 36;
  const slot = (width - left) / Math.max(1, trend.length);
  const max = Math.max(1, ...trend.map((t) => t.alerts));
  const daily = period.kind === 'daily';
  const bars = trend
    .map((t, i) => {
      const h = Math.round((t.alerts / max) * plotHeight);
      const x = left + i * slot;
      const bar = `<rect x="${x.toFixed(1)}" y="${plotTop + plotHeight - h}" width="${Math.max(1, slot - 3).toFixed(1)}" height="${h}" fill="#1565c0"><title>${t.alerts}</title></rect>`;
      const showLabel = !daily || i % 3 === 0;
      const label = daily ? localHour(t.start, period.timeZone) : localDate(t.start, period.timeZone).slice(5);
      return showLabel ? `${bar}<text x="${x.toFixed(1)}" y="${plotTop + plotHeight + 14}" font-size="10" fill="#555">${escapeHtml(label)}</text>` : bar;
    })
    .join('');
  const axis =
    `<line x1="${left - 2}" y1="${plotTop + plotHeight}" x2="${width}" y2="${plotTop + plotHeight}" stroke="#999"/>` +
    `<text x="0" y="${plotTop + 8}" font-size="10" fill="#555">${max}</text><text x="0" y="${plotTop + plotHeight}" font-size="10" fill="#555">0</text>`;
  const height = plotTop + plotHeight + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Alerts per ${daily ? 'hour' : 'day'}" font-family="Segoe UI,Arial,sans-serif">${axis}${bars}</svg>`;
}

const TABLE = 'border-collapse:collapse;font-size:13px';
const CELL = 'border:1px solid #ddd;padding:4px 8px';
const HEAD = `${CELL};background:#f3f5f7;text-align:left`;
const NUM = `${CELL};text-align:right`;

function countTable(title: string, rows: readonly CountedKey[], empty: string): string {
  const body = rows.length
    ? rows.map((r) => `<tr><td style="${CELL}">${escapeHtml(shorten(r.key))}</td><td style="${NUM}">${number.format(r.count)}</td></tr>`).join('')
    : `<tr><td style="${CELL}" colspan="2">${escapeHtml(empty)}</td></tr>`;
  return `<table cellpadding="0" cellspacing="0" style="${TABLE}"><tr><th style="${HEAD}">${escapeHtml(title)}</th><th style="${HEAD}">Alerts</th></tr>${body}</table>`;
}

function durationCell(stats: DurationStats | null): string {
  return stats
    ? `${formatDuration(stats.meanMs)} mean · ${formatDuration(stats.medianMs)} median · ${formatDuration(stats.p90Ms)} p90 (${number.format(stats.count)} alerts)`
    : 'n/a';
}

function periodLabel(facts: ReportFacts): string {
  const { period } = facts;
  const first = localDate(period.start, period.timeZone);
  if (period.kind === 'daily') return `${first} (${period.timeZone})`;
  const last = localDate(new Date(Date.parse(period.end) - 1).toISOString(), period.timeZone);
  return `${first} – ${last} (${period.timeZone})`;
}

/** The subject line: kind, period and headline counts; only literals and numbers, so nothing to inject. */
export function reportSubject(facts: ReportFacts): string {
  const kind = facts.period.kind === 'daily' ? 'daily' : 'weekly';
  return `SOC ${kind} report ${periodLabel(facts)}: ${number.format(facts.alerts)} alerts, ${number.format(facts.incidents)} incidents`;
}

/**
 * Renders a report as email-safe HTML (inline styles, tables, inline SVG charts, no scripts or remote content) and
 * plain text. Pure and deterministic: the same input gives byte-identical output, so identical reports are found
 * by their hash.
 */
export function renderReport(input: ReportInput): RenderedReport {
  const { facts, previous } = input;
  const subject = defang(reportSubject(facts));
  const prevWord = facts.period.kind === 'daily' ? 'previous day' : 'previous week';
  const alertsChange = formatChange(facts.alerts, previous?.alerts);
  const incidentsChange = formatChange(facts.incidents, previous?.incidents);
  const llm = facts.llm;
  const llmCell = llm
    ? `${number.format(llm.calls)} calls · ${number.format(llm.promptTokens + llm.completionTokens)} tokens (${number.format(llm.promptTokens)} prompt, ${number.format(llm.completionTokens)} completion) · ${usd.format(llm.cost)}`
    : 'n/a';
  const kpi = (label: string, value: string) => `<tr><th style="${HEAD};width:200px">${escapeHtml(label)}</th><td style="${CELL}">${escapeHtml(value)}</td></tr>`;
  const entityRows = facts.topEntities.length
    ? facts.topEntities
        .map((e) => {
          const shown = shorten(e.value);
          return `<tr><td style="${CELL}">${escapeHtml(e.type)}</td><td style="${CELL}"><code>${escapeHtml(shown)}</code></td><td style="${NUM}">${number.format(e.count)}</td></tr>`;
        })
        .join('')
    : `<tr><td style="${CELL}" colspan="3">No entities</td></tr>`;
  const notes = facts.notes.length ? `<p style="color:#b71c1c">${facts.notes.map((n) => escapeHtml(n)).join('<br>')}</p>` : '';
  const html = defangHtml(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;color:#1b1b1b;background:#ffffff">
<div style="max-width:760px">
<h2 style="margin:0 0 4px 0">SOC ${facts.period.kind} report</h2>
<p style="margin:0 0 16px 0;color:#555">${escapeHtml(periodLabel(facts))} · ${escapeHtml(facts.period.start)} to ${escapeHtml(facts.period.end)}</p>
<table cellpadding="0" cellspacing="0" style="${TABLE};width:100%">
${kpi('Alerts', `${number.format(facts.alerts)} (${alertsChange} vs ${prevWord}${previous ? `: ${number.format(previous.alerts)}` : ''})`)}
${kpi('Incidents (case groups)', `${number.format(facts.incidents)} (${incidentsChange} vs ${prevWord}${previous ? `: ${number.format(previous.incidents)}` : ''})`)}
${kpi('Time to triage', durationCell(facts.timeToTriage))}
${kpi('False-positive closure', durationCell(facts.falsePositiveClosure))}
${kpi('LLM use', llmCell)}
</table>
<h3 style="margin:20px 0 6px 0">Severity</h3>
${severityChart(facts.severity)}
<h3 style="margin:20px 0 6px 0">Alerts per ${facts.period.kind === 'daily' ? 'hour' : 'day'}</h3>
${trendChart(facts)}
<h3 style="margin:20px 0 6px 0">Top rules</h3>
${countTable('Rule', facts.topRules, 'No alerts')}
<h3 style="margin:20px 0 6px 0">Top entities</h3>
<table cellpadding="0" cellspacing="0" style="${TABLE}"><tr><th style="${HEAD}">Type</th><th style="${HEAD}">Value (defanged)</th><th style="${HEAD}">Alerts</th></tr>${entityRows}</table>
<h3 style="margin:20px 0 6px 0">Verdicts</h3>
<table cellpadding="0" cellspacing="0"><tr><td style="vertical-align:top;padding-right:16px">${facts.verdicts ? countTable('Triage verdict', facts.verdicts, 'No triaged alerts') : 'n/a'}</td><td style="vertical-align:top">${countTable('Analyst disposition', facts.dispositions, 'No dispositions')}</td></tr></table>
${notes}
<p style="color:#666;font-size:12px;margin-top:24px">Figures from ${escapeHtml(facts.source)}. Alerts count by receipt time; time to triage is received → triaged; false-positive closure is received → false-positive disposition. Generated by SOC Copilot; entity values are defanged and no raw payloads are included.</p>
</div>
</body></html>
`);
  const list = (rows: readonly CountedKey[]) => (rows.length ? rows.map((r) => `  ${shorten(r.key)}: ${r.count}`) : ['  (none)']);
  const text = defang(
    [
      subject,
      '',
      `Alerts: ${facts.alerts} (${alertsChange} vs ${prevWord})`,
      `Incidents: ${facts.incidents} (${incidentsChange} vs ${prevWord})`,
      `Severity: ${facts.severity.map((s) => `${s.key} ${s.count}`).join(', ')}`,
      `Time to triage: ${durationCell(facts.timeToTriage)}`,
      `False-positive closure: ${durationCell(facts.falsePositiveClosure)}`,
      `LLM use: ${llmCell}`,
      'Top rules:',
      ...list(facts.topRules),
      'Top entities:',
      ...(facts.topEntities.length ? facts.topEntities.map((e) => `  ${e.type} ${shorten(e.value)}: ${e.count}`) : ['  (none)']),
      'Triage verdicts:',
      ...list(facts.verdicts ?? []),
      'Analyst dispositions:',
      ...list(facts.dispositions),
      ...facts.notes,
    ].join('\n'),
  );
  const contentHash = createHash('sha256').update(JSON.stringify([subject, html, text])).digest('hex');
  return { subject, html, text, contentHash };
}
