import { callApi } from '../api-client.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type CliIo, type Command } from '../cli-io.ts';
import { formatTable } from '../format.ts';

interface FreezeEntry {
  frozen: boolean;
  runbook?: string;
  by: string;
  at: string;
  reason: string;
}
interface FreezeState {
  global: FreezeEntry | null;
  runbooks: Record<string, FreezeEntry | undefined>;
}

const TOKEN_HELP = 'Token (an analyst\'s): SOC_API_TOKEN, else the first of SOC_API_TOKENS, else $SOC_DATA_DIR/api-token.';

/** The freeze switches as a table: one row per switch ever set, the global one first. */
function printFreeze(io: CliIo, state: FreezeState): void {
  const rows = [
    ...(state.global ? [['all runbooks', state.global]] : []),
    ...Object.entries(state.runbooks).flatMap(([runbook, e]) => (e ? [[runbook, e]] : [])),
  ] as [string, FreezeEntry][];
  const frozen = rows.filter(([, e]) => e.frozen).map(([what]) => what);
  if (rows.length === 0) {
    io.out('Containment is not frozen (no switch has ever been set).');
    return;
  }
  for (const line of formatTable([['SWITCH', 'STATE', 'BY', 'AT', 'REASON'], ...rows.map(([what, e]) => [what, e.frozen ? 'FROZEN' : 'running', e.by, e.at, e.reason])])) io.out(line);
  io.err(frozen.length === 0 ? 'Containment runs (every switch is off).' : `Frozen: ${frozen.join(', ')}: nothing of it executes and no approval is accepted.`);
}

/** `soc containment status`: the emergency freeze switches. */
export const containmentStatus: Command = {
  path: ['containment', 'status'],
  summary: 'Show the containment freeze switches (global and per runbook)',
  help: `Usage: soc containment status [--json] [--url <base>]

Show the emergency freeze: the global switch and each runbook's, who set it,
when and why. While a switch is on, nothing it covers executes and approvals
are refused.

Options:
  --json        the switches as one JSON object
  --url <base>  API base URL (default $SOC_API_URL, else http://localhost:8080)
  -h, --help    show this help

${TOKEN_HELP}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' }, url: { type: 'string' } }, 0);
    const { body } = await callApi(io, values.url, 'GET', 'api/v1/containment/freeze');
    if (values.json === true) io.out(JSON.stringify(body));
    else printFreeze(io, body as FreezeState);
  },
};

const switchCommand = (frozen: boolean): Command => {
  const verb = frozen ? 'freeze' : 'unfreeze';
  return {
    path: ['containment', verb],
    summary: frozen ? 'Stop all containment (or one runbook) at once: pending approvals are voided (admin)' : 'Lift a containment freeze (admin)',
    help: `Usage: soc containment ${verb} --reason "<why>" [--runbook <runbook>] [--url <base>]

${
  frozen
    ? `Emergency stop: from now on nothing executes (globally, or only --runbook),
every pending request it covers is voided (the approvers are not asked again),
and approvals are refused until 'soc containment unfreeze'. Audited.`
    : `Lift the freeze (globally, or only --runbook's switch). Voided requests stay
voided: a later decision asks again. Audited.`
}

Options:
  --reason "<why>"       required: recorded with who and when
  --runbook <runbook>    one runbook's switch (block-ip, block-url, isolate-host,
                         nsg-block-port, rotate-secret, disable-user); default all
  --url <base>           API base URL (default $SOC_API_URL, else http://localhost:8080)
  -h, --help             show this help

Needs the admin role. ${TOKEN_HELP}`,
    async run(args, io) {
      const { values } = parseCommandArgs(args, { reason: { type: 'string' }, runbook: { type: 'string' }, url: { type: 'string' } }, 0);
      if (values.reason === undefined || values.reason.trim() === '') throw new UsageError(`--reason is required: say why containment is ${frozen ? 'frozen' : 'unfrozen'}`);
      const { body } = await callApi(io, values.url, 'PUT', 'api/v1/containment/freeze', [200], {
        frozen,
        reason: values.reason,
        ...(values.runbook !== undefined ? { runbook: values.runbook } : {}),
      });
      printFreeze(io, body as FreezeState);
    },
  };
};

export const containmentFreeze = switchCommand(true);
export const containmentUnfreeze = switchCommand(false);
