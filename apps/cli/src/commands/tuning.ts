import { readFile } from 'node:fs/promises';
import { callApi } from '../api-client.ts';
import { parseCommandArgs, positiveInt } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u;
const TOKEN_NOTE = 'Token (an admin\'s): SOC_API_TOKEN, else the first of SOC_API_TOKENS, else $SOC_DATA_DIR/api-token.';

function tenantOf(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--tenant is required');
  if (!TENANT.test(value)) throw new UsageError(`--tenant must be a tenant id (letters, digits, dot, dash, underscore; got '${value}')`);
  return value;
}
const pathOf = (tenant: string): string => `api/v1/tenants/${encodeURIComponent(tenant)}/triage-tuning`;

/** `soc tuning get`: a tenant's triage tuning as JSON, the file `soc tuning set` takes back. */
export const tuningGet: Command = {
  path: ['tuning', 'get'],
  summary: 'Print a tenant\'s triage tuning (current or one version) as JSON (admin)',
  help: `Usage: soc tuning get --tenant <id> [--version N] [--history] [--url <base>]

Print the tenant's triage tuning as JSON: version, sha256, who changed it and
when, and its entries (rule-influence, sigma-rule, exception). Save it, edit
the entries and give it to 'soc tuning set --file': the version in the file is
the one your change applies to.

Options:
  --tenant <id>  the tenant (required)
  --version N    an earlier version instead of the current one
  --history      the list of versions instead (newest first)
  --url <base>   API base URL (default $SOC_API_URL, else http://localhost:8080)
  -h, --help     show this help

${TOKEN_NOTE}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { tenant: { type: 'string' }, version: { type: 'string' }, history: { type: 'boolean' }, url: { type: 'string' } }, 0);
    const tenant = tenantOf(values.tenant);
    const path = values.history === true ? `${pathOf(tenant)}/versions` : values.version === undefined ? pathOf(tenant) : `${pathOf(tenant)}/versions/${positiveInt(values.version, '--version', 1)}`;
    const { body } = await callApi(io, values.url, 'GET', path);
    io.out(JSON.stringify(body, null, 2));
  },
};

/** `soc tuning set`: replaces a tenant's tuning entries on top of the version the file names. */
export const tuningSet: Command = {
  path: ['tuning', 'set'],
  summary: 'Replace a tenant\'s triage tuning from a JSON file, as a new audited version (admin)',
  help: `Usage: soc tuning set --tenant <id> --file <tuning.json> [--url <base>]

Store the file's entries as the tenant's next triage tuning version. The file
is what 'soc tuning get' prints (only "version" and "entries" are read):
"version" is the version you read, so a change made meanwhile by someone else
is refused (HTTP 409: get it again and redo your edit). Every entry needs an
"id" and a "reason"; "author" defaults to you; "expiresAt" is optional. Each
change is audited as config.changed with the old and new hashes.

Options:
  --tenant <id>  the tenant (required)
  --file <path>  the tuning JSON (required)
  --url <base>   API base URL (default $SOC_API_URL, else http://localhost:8080)
  -h, --help     show this help

${TOKEN_NOTE}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { tenant: { type: 'string' }, file: { type: 'string' }, url: { type: 'string' } }, 0);
    const tenant = tenantOf(values.tenant);
    if (values.file === undefined) throw new UsageError('--file is required');
    let doc: { version?: unknown; entries?: unknown };
    try {
      doc = JSON.parse(await readFile(values.file, 'utf8')) as typeof doc;
    } catch (error) {
      throw new CliFailure(`Cannot read ${values.file} as JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { status, body } = await callApi(io, values.url, 'PUT', pathOf(tenant), [200, 400], { version: doc.version ?? 0, entries: doc.entries ?? [] });
    if (status === 400) {
      const errors = ((body as { errors?: { path: string; message: string }[] }).errors ?? []).map((e) => `  ${e.path}: ${e.message}`);
      throw new CliFailure(`HTTP 400: the tuning was not stored`, { details: errors });
    }
    const stored = body as { version: number; sha256: string; entries: unknown[] };
    io.out(JSON.stringify(body, null, 2));
    io.err(`Tenant ${tenant}: triage tuning version ${stored.version} (${stored.sha256.slice(0, 12)}), ${stored.entries.length} entries`);
  },
};
