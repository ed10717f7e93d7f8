import type { ContainmentRunbook } from '@soc/contracts';

/** What an approver must know of a runbook before approving it, and whether its effect can be undone. */
export interface RunbookInfo {
  /** What it does to `target`, as a sentence after "would" (the dry run's record, the approver's view). */
  does: (target: string) => string;
  /** Whether `undo` can put things back (an undo needs its own approval). */
  reversible: boolean;
  /** What the undo does, for a reversible runbook. */
  undo?: string;
  /**
   * What cannot be put back, said to the approver before approval; such a runbook needs an explicit confirmation
   * (issue 14). Present on every irreversible runbook, and on reversible ones with an irreversible part.
   */
  cannotBeUndone?: string;
}

/** The runbooks' facts: one owner for what each does, whether it can be undone, and what an approver must be told. */
export const RUNBOOKS: Readonly<Record<ContainmentRunbook, RunbookInfo>> = {
  'block-ip': { does: (t) => `add a blocking Defender for Endpoint indicator for ${t}`, reversible: true, undo: 'delete the indicator' },
  'block-url': { does: (t) => `add a blocking Defender for Endpoint indicator for ${t}`, reversible: true, undo: 'delete the indicator' },
  'isolate-host': { does: (t) => `isolate ${t} from the network through Defender for Endpoint`, reversible: true, undo: 'release the device from isolation' },
  'nsg-block-port': { does: (t) => `add a deny rule for ${t} to the network security group`, reversible: true, undo: 'remove the deny rule' },
  'rotate-secret': {
    does: (t) => `rotate ${t} and store the new value in Key Vault`,
    reversible: false,
    cannotBeUndone: 'the old secret stops working at once for every client that still uses it; there is no undo',
  },
  'disable-user': {
    does: (t) => `disable sign-in for ${t} and revoke its sessions`,
    reversible: true,
    undo: 're-enable sign-in',
    cannotBeUndone: 'revoked sessions and refresh tokens stay revoked: the user signs in again after the undo',
  },
  'revoke-sessions': {
    does: (t) => `revoke every sign-in session and refresh token of ${t}`,
    reversible: false,
    cannotBeUndone: 'revoked sessions stay revoked: the user must sign in again everywhere; there is no undo',
  },
  'block-storage-public-access': {
    does: (t) => `turn off public network access and anonymous blob access on storage account ${t}`,
    reversible: true,
    undo: 'restore the two settings as they were before',
  },
  'rotate-storage-keys': {
    does: (t) => `regenerate an access key of storage account ${t}`,
    reversible: false,
    cannotBeUndone: 'every client still using the old key (and SAS tokens signed with it) stops working at once; there is no undo',
  },
  'run-logic-app': {
    does: (t) => `trigger the configured Logic App runbook for ${t}`,
    reversible: false,
    cannotBeUndone: 'what the Logic App does is its own; SOC Copilot can undo it only when an undo workflow is configured',
  },
  'onboard-defender': {
    does: (t) => `enable Microsoft Defender for Servers (plan 2) on subscription ${t}`,
    reversible: true,
    undo: 'set the plan back to the tier recorded before',
  },
};

/**
 * Whether an executed request can be undone: its runbook is reversible, or its execution said so in its effect
 * (`undo: 'available'`: a Logic App runbook whose workflow names an undo workflow). The decider's `request-undo`
 * takes the answer.
 */
export function isUndoable(request: { runbook: ContainmentRunbook; effect?: Readonly<Record<string, string>> | undefined }): boolean {
  return RUNBOOKS[request.runbook].reversible || request.effect?.undo === 'available';
}

/** Whether `runbook`'s effect can be undone (the decider's `request-undo` takes it). */
export function isReversible(runbook: ContainmentRunbook): boolean {
  return RUNBOOKS[runbook].reversible;
}

/** A runbook's facts for `target`, as the API shows them to an approver. */
export function runbookView(runbook: ContainmentRunbook, target: string): { does: string; reversible: boolean; undo?: string; cannotBeUndone?: string } {
  const info = RUNBOOKS[runbook];
  return { does: info.does(target), reversible: info.reversible, ...(info.undo !== undefined ? { undo: info.undo } : {}), ...(info.cannotBeUndone !== undefined ? { cannotBeUndone: info.cannotBeUndone } : {}) };
}
