/**
 * Triage CPU per alert with Sigma on: the development-set payloads (test/fixtures/eval/dev-set.jsonl) through
 * ingestion's real parsers once, then `triageAlert` (behaviour factors, Sigma against the bundled corpus, ATT&CK,
 * playbooks) over every alert, repeatedly, after a warm-up; the median, p95 and max of each alert's per-pass mean.
 * Also the one-off cost of loading the knowledge (ATT&CK, playbooks, compiling the Sigma corpus). One JSON line each.
 *
 *   npm run bench:triage
 *   BENCH_PASSES=50 npm run bench:triage
 */
import { readFileSync } from 'node:fs';
import type { Alert, Enrichment } from '@soc/contracts';
import { normalize, parserFor } from '@soc/ingestion';
import { loadTriageKnowledge, triageAlert } from '../services/triage/src/engine.ts';
import { findSigmaHits } from '../services/triage/src/sigma.ts';
import { loadWeights } from '../services/triage/src/weights.ts';

const PASSES = Number(process.env.BENCH_PASSES ?? 20);
const alerts: Alert[] = readFileSync(new URL('../test/fixtures/eval/dev-set.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .flatMap((l) => {
    const { source, payload, at } = JSON.parse(l) as { source: string; payload: unknown; at: string };
    const parser = parserFor(source);
    if (parser === undefined) return [];
    const outcome = normalize(parser, payload, { tenantId: 'bench', senderName: 'bench', receivedAt: new Date(at) });
    return outcome.ok ? outcome.alerts : [];
  });

let started = performance.now();
const knowledge = loadTriageKnowledge();
const loadMs = performance.now() - started;
const weights = loadWeights();
const noFacts: Enrichment = { facts: [], missing: [] };

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const ms = (n: number): number => Math.round(n * 1000) / 1000;

function measure(name: string, run: (a: Alert) => unknown): void {
  for (const a of alerts) run(a); // warm-up
  const total = new Float64Array(alerts.length);
  for (let p = 0; p < PASSES; p++) {
    alerts.forEach((a, i) => {
      const t = performance.now();
      run(a);
      total[i] = (total[i] ?? 0) + performance.now() - t;
    });
  }
  const perAlert = [...total].map((t) => t / PASSES).sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: name, alerts: alerts.length, passes: PASSES, medianMs: ms(quantile(perAlert, 0.5)), p95Ms: ms(quantile(perAlert, 0.95)), maxMs: ms(perAlert.at(-1) ?? 0) }));
}

console.log(JSON.stringify({ bench: 'triage-knowledge-load', ms: Math.round(loadMs), sigmaRules: knowledge.sigma?.compiled.length ?? 0 }));
started = performance.now();
const withSigma = alerts.filter((a) => findSigmaHits(a, knowledge.sigma).length > 0).length;
console.log(JSON.stringify({ bench: 'triage-sigma-coverage', alerts: alerts.length, withSigmaHits: withSigma, ms: Math.round(performance.now() - started) }));
measure('triage-sigma-hits', (a) => findSigmaHits(a, knowledge.sigma));
measure('triage-alert', (a) => triageAlert(a, noFacts, weights, knowledge));
measure('triage-alert-without-sigma', (a) => triageAlert(a, noFacts, weights, { attack: knowledge.attack, playbooks: knowledge.playbooks }));
