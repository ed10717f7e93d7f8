import { withAuditLog } from '../audit-log.ts';
import { parseCommandArgs, positiveInt } from '../args.ts';
import { CliFailure, type Command } from '../cli-io.ts';
import { formatTable } from '../format.ts';

const STATE_HELP = `State: SOC_STATE (sqlite, the default, or cosmos) with SOC_DATA_DIR / SOC_STATE_FILE
or the COSMOS_* variables, as the services read them.`;

/** `soc audit verify`: walks every chain of the audit log and names the first bad record. */
export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary: 'Verify the hash chains of the audit log; name the first edited, inserted or deleted record',
  help: `Usage: soc audit verify [--json]

Walk every stream of the tamper-evident audit log (decision, disposition, kql,
config, containment …) from its first record and check each record's hash,
its link to the record before it, the sequence without gaps, and the stream's
head. Prints ok with the number of records and each stream's last hash (keep
those somewhere else to notice a rewrite of the whole log), or the first bad
record and why, and exits 1.

Options:
  --json             the result as one JSON object
  -h, --help         show this help

${STATE_HELP}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } }, 0);
    const result = await withAuditLog(io, (audit) => audit.verify());
    if (values.json === true) io.out(JSON.stringify(result));
    else if (result.ok) {
      io.out(`ok: ${result.count} records in ${result.streams.length} streams`);
      for (const s of result.streams) io.out(`  ${s.stream}: ${s.count} records, last #${s.lastSeq} ${s.lastHash}`);
    }
    if (!result.ok) {
      const { stream, seq, reason, detail } = result.first;
      throw new CliFailure(`audit log tampered: ${stream} #${seq} ${reason}: ${detail}`, {
        details: [`${result.count} records verified before it`],
      });
    }
  },
};

/** `soc audit list`: the most recent records. */
export const auditList: Command = {
  path: ['audit', 'list'],
  summary: 'List the most recent audit records',
  help: `Usage: soc audit list [--limit N] [--stream <name>] [--json]

The most recent records of the audit log, newest first: when, stream and
number, kind, actor, subject.

Options:
  --limit N          at most N records (default 20, at most 1000)
  --stream <name>    one stream only (decision, disposition, kql, config, …)
  --json             one JSON object per line, the whole record
  -h, --help         show this help

${STATE_HELP}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { limit: { type: 'string' }, stream: { type: 'string' }, json: { type: 'boolean' } }, 0);
    const limit = Math.min(positiveInt(values.limit, '--limit', 20), 1000);
    const records = await withAuditLog(io, (audit) => audit.list({ limit, ...(values.stream !== undefined ? { stream: values.stream } : {}) }));
    if (values.json === true) {
      for (const r of records) io.out(JSON.stringify(r));
      return;
    }
    if (records.length === 0) {
      io.out('No audit records.');
      return;
    }
    for (const line of formatTable([['AT', 'RECORD', 'KIND', 'ACTOR', 'SUBJECT'], ...records.map((r) => [r.at, `${r.stream} #${r.seq}`, r.kind, r.actor, r.subject])])) io.out(line);
  },
};
