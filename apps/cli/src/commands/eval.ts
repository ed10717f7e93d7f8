import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.ts';
import { systemClock } from '@soc/runtime';
import { type CliIo, CliFailure, UsageError, type Command } from '../cli-io.ts';
import type * as Triage_ from '@soc/triage';

/** `soc eval`: replays a labelled file through the deterministic triage engine and reports its quality. */
export const evalCommand: Command = {
  path: ['eval'],
  summary: 'Replay labelled alerts through triage: macro-F1, per-class precision/recall, calibration',
  help: `Usage: soc eval <file> [--format guide|jsonl|sources] [--weights <file>] [--json]
                [--min-macro-f1 <x>] [--min-recall <x>]
                [--copilot [--copilot-concurrency <n>] [--copilot-limit <n>]
                 [--min-copilot-macro-f1 <x>] [--min-copilot-recall <x>]]

Replay labelled alerts in time order through the deterministic triage engine,
locally (nothing is sent or stored). Each alert is triaged with the history
and analyst dispositions of the alerts before it, then its label is fed back
as an analyst's disposition. Prints macro-F1, per-class precision/recall,
coverage (share not needs-more-information), Brier score and a calibration
table, against a per-detector majority-class baseline on the same feedback,
and the escalation view (true-positive vs not: a true-positive or
needs-more-information verdict is escalated to an analyst) with its F1 and FPR.

With --copilot, each alert is also given to the LLM copilot step as the
triage service gives it (same redaction, fenced prompt and output checks; the
engine's triage and the same history facts), and the verdict of the note it
writes becomes a third column, with tokens, calls, cost and time per alert.
An answer that fails validation counts as no verdict. The endpoint is the
triage service's: LLM_PROVIDER=openai with OPENAI_BASE_URL, LLM_MODEL and
OPENAI_API_KEY, or LLM_PROVIDER=azure with AZURE_OPENAI_ENDPOINT,
AZURE_OPENAI_DEPLOYMENT and AZURE_OPENAI_API_KEY (else Entra ID); LLM_*
settings (timeout, prompt budget, prices, IP redaction) apply as in triage.
Alert text is sent to that endpoint (redacted as in triage).

Formats:
  guide   Microsoft GUIDE incident CSV (one row per evidence; IncidentGrade)
  jsonl   one {"alert": <generic alert>, "label": "true-positive" |
          "benign-positive" | "false-positive", "at": "ISO time"} per line
  sources one {"source": "wazuh" | "sentinel" | "defender" | "splunk" |
          "cef" | "generic", "payload": <request body as the source sends
          it>, "label": …, "at": "ISO time"} per line: each payload goes
          through the source's real parser (as soc normalize), then triage;
          reported zero-shot (no dispositions fed back) and online (labels
          fed back), per source, with coverage, macro-F1, recall and FPR

Options:
  --format <f>      guide, jsonl or sources (default: .csv = guide; a first
                    line with "source" and "payload" = sources; else jsonl)
  --weights <file>  triage weights file (default: the bundled weights)
  --pool-rules      guide/jsonl: rule history pooled across tenants, as
                    enrichment with HISTORY_POOL_RULES_ACROSS_TENANTS=true
                    (default: per tenant, enrichment's default)
  --min-macro-f1 <x>  exit 1 if macro-F1 is below x (sources: in either mode)
  --min-recall <x>    exit 1 if true-positive recall is below x (likewise)
  --copilot         also evaluate the copilot's own verdict (see above)
  --copilot-concurrency <n>  alerts asked at once (default 2)
  --copilot-limit <n>  evaluate only the first n alerts in time order (sources:
                    n payloads), every column, to bound the model's cost
  --min-copilot-macro-f1 <x>  exit 1 if the copilot's macro-F1 is below x
  --min-copilot-recall <x>    exit 1 if its true-positive recall is below x
                    (sources: in either mode; a missing verdict is a miss)
  --json            print the report as JSON
  -h, --help        show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        format: { type: 'string' },
        weights: { type: 'string' },
        'pool-rules': { type: 'boolean' },
        json: { type: 'boolean' },
        'min-macro-f1': { type: 'string' },
        'min-recall': { type: 'string' },
        copilot: { type: 'boolean' },
        'copilot-concurrency': { type: 'string' },
        'copilot-limit': { type: 'string' },
        'min-copilot-macro-f1': { type: 'string' },
        'min-copilot-recall': { type: 'string' },
      },
      1,
    );
    const file = positionals[0];
    if (file === undefined) throw new UsageError('Missing <file>');
    if (values.format !== undefined && !['guide', 'jsonl', 'sources'].includes(values.format)) throw new UsageError(`--format must be guide, jsonl or sources (got '${values.format}')`);
    const minimums = { macroF1: threshold(values['min-macro-f1'], '--min-macro-f1'), recall: threshold(values['min-recall'], '--min-recall') };
    const copilotMinimums = { macroF1: threshold(values['min-copilot-macro-f1'], '--min-copilot-macro-f1'), recall: threshold(values['min-copilot-recall'], '--min-copilot-recall') };
    const copilotOptions = {
      concurrency: count(values['copilot-concurrency'], '--copilot-concurrency', 64) ?? 2,
      limit: count(values['copilot-limit'], '--copilot-limit', Number.MAX_SAFE_INTEGER),
    };
    if (values.copilot !== true) {
      const stray = ['copilot-concurrency', 'copilot-limit', 'min-copilot-macro-f1', 'min-copilot-recall'].find((o) => values[o as keyof typeof values] !== undefined);
      if (stray !== undefined) throw new UsageError(`--${stray} needs --copilot`);
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliFailure(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const format = values.format ?? (/\.csv$/i.test(file) ? 'guide' : looksLikeSourcePayloads(text) ? 'sources' : 'jsonl');
    // Loaded on use: the engine's knowledge (ATT&CK, playbooks) is only needed here.
    const triage = await import('@soc/triage');
    const copilot = values.copilot === true ? openEvalCopilot(triage, io.env, copilotOptions.concurrency) : undefined;
    try {
      const asked = copilot === undefined ? undefined : { copilot, concurrency: copilotOptions.concurrency, clock: systemClock, now: () => performance.now() };
      if (format === 'sources') {
        const report = await evaluateSources(file, text, values.weights, triage, asked, copilotOptions.limit);
        if (values.json === true) io.out(JSON.stringify({ file, format, ...report }, null, 2));
        else io.out(triage.formatSourceReport(report));
        checkMinimums(minimums, [
          ['zero-shot', report.zeroShot.overall],
          ['online', report.online.overall],
        ]);
        if (report.copilot !== undefined)
          checkMinimums(copilotMinimums, [
            ['copilot zero-shot', report.copilot.zeroShot.overall],
            ['copilot online', report.copilot.online.overall],
          ], '--min-copilot-');
        return;
      }
      await evaluateLabelled(
        { file, text, format: format === 'guide' ? 'guide' : 'jsonl', weights: values.weights, poolRules: values['pool-rules'] === true, isJson: values.json === true, asked, limit: copilotOptions.limit, minimums, copilotMinimums },
        triage,
        io,
      );
    } finally {
      copilot?.close();
    }
  },
};

type Minimums = { macroF1: number | undefined; recall: number | undefined };

/** What one `soc eval` run of a GUIDE or labelled JSON-lines file needs besides the triage package and the output. */
interface LabelledRun {
  file: string;
  text: string;
  format: 'guide' | 'jsonl';
  weights: string | undefined;
  poolRules: boolean;
  isJson: boolean;
  /** With `--copilot`: how it is asked, and the first how many alerts are evaluated. */
  asked: Asked | undefined;
  limit: number | undefined;
  minimums: Minimums;
  copilotMinimums: Minimums;
}

/** GUIDE or labelled JSON lines: the engine and the baseline (and the copilot) on one online replay. */
async function evaluateLabelled(run: LabelledRun, triage: Triage, io: CliIo): Promise<void> {
  const { file, format, asked, limit } = run;
  let set;
  try {
    set = format === 'guide' ? triage.readGuideCsv(run.text) : triage.readLabelledJsonl(run.text);
  } catch (error) {
    if (error instanceof triage.LabelledFileError) throw new CliFailure(`${file}: ${error.message}`);
    throw error;
  }
  if (set.items.length === 0) throw new CliFailure(`${file}: no labelled alerts (${set.skipped} skipped)`);
  const weights = triage.loadWeights(run.weights);
  const knowledge = triage.loadTriageKnowledge();
  const items = limit === undefined ? set.items : set.items.slice(0, limit);
  const engine: Triage_.TriageFn = (alert, enrichment) => triage.triageAlert(alert, enrichment, weights, knowledge);
  const report = asked === undefined ? triage.evaluate(items, engine, { poolRulesAcrossTenants: run.poolRules }) : await triage.evaluateWithCopilot(items, engine, { ...asked, poolRulesAcrossTenants: run.poolRules });
  if (run.isJson) io.out(JSON.stringify({ file, format, skipped: set.skipped, ...report }, null, 2));
  else io.out(triage.formatReport(report, format === 'guide' ? 'GUIDE alerts' : 'labelled alerts'));
  checkMinimums(run.minimums, [['engine', { macroF1: report.engine.macroF1, recall: report.engine.perClass['true-positive'].recall }]]);
  if (report.copilot !== undefined)
    checkMinimums(run.copilotMinimums, [['copilot', { macroF1: report.copilot.macroF1, recall: report.copilot.perClass['true-positive'].recall }]], '--min-copilot-');
}

type Triage = typeof Triage_;
type Asked = Triage_.CopilotEvalOptions;

/** The variables `--copilot` reads, named when they are missing. */
const COPILOT_SETTINGS =
  'LLM_PROVIDER=openai with OPENAI_BASE_URL, LLM_MODEL and OPENAI_API_KEY (if the server wants one), or LLM_PROVIDER=azure with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT and AZURE_OPENAI_API_KEY (else Entra ID)';

/**
 * The copilot as the triage service opens it, from the same settings (its config schema parses the environment):
 * breaker and concurrency limit included, the limit raised to the evaluation's concurrency.
 */
function openEvalCopilot(triage: Triage, env: CliIo['env'], concurrency: number): Asked['copilot'] & { close(): void } {
  const parsed = triage.TriageConfig.safeParse(env);
  // Issues name the variable and the rule it breaks; zod's messages for these fields do not repeat the value.
  if (!parsed.success) throw new UsageError(`--copilot: the LLM settings are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const copilot = triage.openCopilot({ ...parsed.data, LLM_MAX_CONCURRENCY: concurrency });
  if (copilot === undefined) throw new UsageError(`--copilot needs the triage service's LLM endpoint: set ${COPILOT_SETTINGS}`);
  return copilot;
}

/** A count option as an integer from 1 to max, or undefined when not given. */
function count(value: string | undefined, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${option} must be a whole number from 1 to ${max} (got '${value}')`);
  return n;
}

/** A threshold option as a number in [0, 1], or undefined when not given. */
function threshold(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${option} must be a number from 0 to 1 (got '${value}')`);
  return n;
}

/** Fails with one line naming the first mode and metric below its minimum (`prefix`: the options' name up to the metric). */
function checkMinimums(minimums: Minimums, modes: [string, { macroF1: number; recall: number }][], prefix = '--min-'): void {
  for (const [mode, result] of modes) {
    if (minimums.macroF1 !== undefined && result.macroF1 < minimums.macroF1)
      throw new CliFailure(`${mode} macro-F1 ${result.macroF1.toFixed(3)} is below ${prefix}macro-f1 ${minimums.macroF1}`);
    if (minimums.recall !== undefined && result.recall < minimums.recall)
      throw new CliFailure(`${mode} true-positive recall ${result.recall.toFixed(3)} is below ${prefix}recall ${minimums.recall}`);
  }
}

/** The labelled source-payload format: the first non-blank line is an object with "source" and "payload". */
function looksLikeSourcePayloads(text: string): boolean {
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    const value = JSON.parse(first) as unknown;
    return typeof value === 'object' && value !== null && 'source' in value && 'payload' in value;
  } catch {
    return false;
  }
}

/** Each payload through its source's real parser (ingestion's `normalize`, as `soc normalize`), then triage. */
async function evaluateSources(file: string, text: string, weightsFile: string | undefined, triage: Triage, asked: Asked | undefined, limit: number | undefined) {
  const { normalize, parserFor, PARSERS } = await import('@soc/ingestion');
  let set;
  try {
    set = triage.readSourcePayloadJsonl(text);
  } catch (error) {
    if (error instanceof triage.LabelledFileError) throw new CliFailure(`${file}: ${error.message}`);
    throw error;
  }
  if (set.payloads.length === 0) throw new CliFailure(`${file}: no labelled payloads (${set.skipped} skipped)`);
  const unknown = set.payloads.find((p) => parserFor(p.source) === undefined);
  if (unknown) throw new CliFailure(`${file}: line ${unknown.line}: unknown source '${unknown.source}' (known: ${Object.keys(PARSERS).join(', ')})`);
  const weights = triage.loadWeights(weightsFile);
  const knowledge = triage.loadTriageKnowledge();
  const payloads = limit === undefined ? set.payloads : set.payloads.slice(0, limit);
  const parse: Triage_.PayloadParser = (source, payload, at) => {
      const parser = parserFor(source);
      if (parser === undefined) return { ok: false, reason: `unknown source '${source}'` };
      const outcome = normalize(parser, payload, { tenantId: 'eval', senderName: 'eval', receivedAt: new Date(at) });
      if (outcome.ok) return { ok: true, alerts: outcome.alerts };
    return { ok: false, reason: outcome.errors.slice(0, 3).map((e) => `[${e.index}] ${e.path}: ${e.message}`).join('; ') };
  };
  const engine: Triage_.TriageFn = (alert, enrichment) => triage.triageAlert(alert, enrichment, weights, knowledge);
  const report = asked === undefined ? triage.evaluateSourcePayloads(payloads, parse, engine) : await triage.evaluateSourcePayloadsWithCopilot(payloads, parse, engine, asked);
  return { skipped: set.skipped, ...report };
}
