import type { ContainmentRequest, RunbookExecutor } from '../ports.ts';

/** What each runbook would do, for the dry-run record. */
const DESCRIPTIONS: Readonly<Record<ContainmentRequest['runbook'], (target: string) => string>> = {
  'block-ip': (t) => `add ${t} to the firewall and Defender blocklists`,
  'block-url': (t) => `add ${t} to the proxy and Defender URL indicators`,
  'isolate-host': (t) => `isolate ${t} through Defender for Endpoint (selective isolation)`,
  'nsg-block-port': (t) => `add a deny rule for ${t} to the network security group`,
  'rotate-secret': (t) => `rotate ${t} and store the new value in Key Vault`,
  'disable-user': (t) => `disable sign-in for ${t} and revoke its sessions`,
};

/** The embedded default executor: records what would run, changes nothing. */
export class DryRunRunbooks implements RunbookExecutor {
  readonly dryRun = true;
  async execute(request: ContainmentRequest): Promise<string> {
    const approvers = request.approvals.map((a) => a.approver).join(' and ') || 'unknown';
    return `DRY RUN: would ${DESCRIPTIONS[request.runbook](request.target.value)} (approved by ${approvers}${request.changeRef ? `, change ${request.changeRef}` : ''})`;
  }
}
