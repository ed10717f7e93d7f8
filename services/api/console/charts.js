// Charts as inline SVG built with DOM calls (createElementNS, attributes only: the CSP allows no inline style, so
// colours come from classes in console.css). Each chart is a <figure> whose SVG has role="img" and an aria-label,
// and whose data is also a table (in a <details>), so a screen reader or a copy gets the numbers, not a picture.
import { el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (geometry and classes only) and children; text goes in as text nodes. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max` (1 when nothing is above 0). */
export function niceMax(max) {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** The length of a bar for `value` on an axis of `max` drawn `width` long; null and negative values draw nothing. */
export function barLength(value, max, width) {
  if (value === null || value === undefined || !Number.isFinite(value) || value <= 0 || max <= 0) return 0;
  return Math.min(width, (value / max) * width);
}

let ids = 0;

/**
 * A horizontal bar chart: one row per category, one bar per series (`series[i].values[j]` of category j).
 * @param {{ title: string, unit: string, categories: string[], series: { name: string, cls: string, values: (number|null)[] }[], format?: (v: number|null) => string, max?: number }} spec
 */
export function barChart(spec) {
  const format = spec.format ?? ((v) => (v === null ? '—' : String(v)));
  const all = spec.series.flatMap((s) => s.values).filter((v) => typeof v === 'number');
  const max = spec.max ?? niceMax(Math.max(0, ...all));
  const label = 150;
  const plot = 360;
  const barHeight = 14;
  const rowHeight = spec.series.length * (barHeight + 2) + 10;
  const height = spec.categories.length * rowHeight + 34;
  const width = label + plot + 70;
  const id = `chart-${++ids}`;
  const rows = spec.categories.map((category, j) =>
    svg(
      'g',
      { transform: `translate(0 ${j * rowHeight + 4})` },
      svg('text', { x: label - 6, y: rowHeight / 2, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, category),
      spec.series.map((s, i) => {
        const v = s.values[j] ?? null;
        const y = i * (barHeight + 2);
        return svg(
          'g',
          {},
          svg('rect', { x: label, y, width: barLength(v, max, plot).toFixed(1), height: barHeight, class: `bar ${s.cls}` }, svg('title', {}, `${category}, ${s.name}: ${format(v)}`)),
          svg('text', { x: label + barLength(v, max, plot) + 4, y: y + barHeight / 2, class: 'chart-value', 'dominant-baseline': 'middle' }, format(v)),
        );
      }),
    ),
  );
  const axisY = spec.categories.length * rowHeight + 6;
  const ticks = [0, 0.5, 1].map((f) =>
    svg('g', {}, svg('line', { x1: label + f * plot, x2: label + f * plot, y1: 0, y2: axisY, class: 'grid' }), svg('text', { x: label + f * plot, y: axisY + 14, class: 'chart-tick', 'text-anchor': 'middle' }, format(f * max))),
  );
  const legend = spec.series.length > 1
    ? svg('g', { transform: `translate(${label} ${axisY + 20})` }, spec.series.map((s, i) => svg('g', { transform: `translate(${i * 130} 0)` }, svg('rect', { width: 10, height: 10, y: -1, class: `bar ${s.cls}` }), svg('text', { x: 14, y: 8, class: 'chart-tick' }, s.name))))
    : null;
  const described = `${spec.title} (${spec.unit}): ${spec.categories.map((c, j) => `${c} ${spec.series.map((s) => `${spec.series.length > 1 ? `${s.name} ` : ''}${format(s.values[j] ?? null)}`).join(', ')}`).join('; ')}`;
  return el(
    'figure',
    { class: 'chart', 'aria-labelledby': `${id}-caption` },
    el('figcaption', { id: `${id}-caption`, text: spec.title }),
    svg('svg', { viewBox: `0 0 ${width} ${height + (legend ? 14 : 0)}`, width, height: height + (legend ? 14 : 0), role: 'img', 'aria-label': described, class: 'chart-svg' }, ticks, rows, legend),
    dataTable(spec, format),
  );
}

/** The chart's numbers as a table, folded away by default. */
function dataTable(spec, format) {
  return el(
    'details',
    { class: 'chart-data' },
    el('summary', { text: 'Data table' }),
    el(
      'table',
      {},
      el('caption', { class: 'muted', text: `${spec.title} (${spec.unit})` }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: '' }), spec.series.map((s) => el('th', { scope: 'col', text: s.name })))),
      el('tbody', {}, spec.categories.map((c, j) => el('tr', {}, el('th', { scope: 'row', text: c }), spec.series.map((s) => el('td', { text: format(s.values[j] ?? null) }))))),
    ),
  );
}
