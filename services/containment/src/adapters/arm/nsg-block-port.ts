import { isIP } from 'node:net';
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { type ArmClients, type ArmPermission, armCall } from './arm-client.ts';
import { type ArmResource, parseNsgId, requestHash, requestMarker, resourceIdOf } from './arm-ids.ts';

/**
 * `nsg-block-port`: an inbound deny rule on a configured network security group, from the target IP to a port.
 * - dry run: `GET …/networkSecurityGroups/{nsg}` (the free priority, or our rule from an earlier execute) and the
 *   exact PUT execute would send;
 * - execute: `PUT …/securityRules/soc-copilot-<hash of the request id>` (a long-running operation: 201 +
 *   Azure-AsyncOperation, polled to Succeeded, then the rule read back), unless the rule is already there;
 * - verify: `GET …/securityRules/{rule}`: provisioningState Succeeded → in effect, Updating → not yet, else not;
 * - undo: `DELETE …/securityRules/{rule}` (202 + Location polled; 204 or 404: already gone).
 */

const NSG = { provider: 'Microsoft.Network', type: 'networkSecurityGroups' } as const;
const READ: ArmPermission = { role: 'Network Contributor', action: 'Microsoft.Network/networkSecurityGroups/read' };
const WRITE: ArmPermission = { role: 'Network Contributor', action: 'Microsoft.Network/networkSecurityGroups/securityRules/write' };
const RULE_READ: ArmPermission = { role: 'Network Contributor', action: 'Microsoft.Network/networkSecurityGroups/securityRules/read' };
const DELETE: ArmPermission = { role: 'Network Contributor', action: 'Microsoft.Network/networkSecurityGroups/securityRules/delete' };
/**
 * The 400 ARM answers when two inbound rules would share a priority. Not in a documented table of error codes: the
 * code is the one seen in practice. Handled as a retryable conflict.
 */
export const PRIORITY_TAKEN = 'SecurityRuleConflict';
const ARGUMENTS = new Set(['port', 'protocol', 'nsg']);
const PROTOCOLS: Readonly<Record<string, 'Tcp' | 'Udp' | '*'>> = { tcp: 'Tcp', udp: 'Udp', '*': '*' };

/** Options of {@link nsgBlockPortRunbook}. */
export interface NsgBlockPortOptions {
  clients: ArmClients;
  /** The NSGs this runbook may change; the first is the default, the `nsg` argument picks another by name. */
  nsgs: readonly ArmResource[];
  /** The priorities our rules may take (inclusive; ARM allows 100–4096, lower wins). */
  priorities: { min: number; max: number };
}

/** What the request asks for, checked. */
interface Block {
  nsg: ArmResource;
  sourceAddress: string;
  port: string;
  protocol: 'Tcp' | 'Udp' | '*';
  ruleName: string;
}

/** The deterministic rule name of a request: how a redelivered execute finds its own rule. */
export function ruleNameOf(requestId: string): string {
  return `soc-copilot-${requestHash(requestId)}`;
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, `nsg-block-port: ${message}`, { retryable: false });
}

function portOf(value: string | undefined): string {
  if (value === undefined) throw invalid('the argument "port" is required (a port 1-65535 or a range like 8000-8080)');
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  const low = Number(m?.[1]);
  const high = m?.[2] === undefined ? low : Number(m[2]);
  if (!m || low < 1 || high > 65535 || low > high) throw invalid('"port" must be a port 1-65535 or a range low-high within it');
  return m[2] === undefined ? String(low) : `${low}-${high}`;
}

function sourceAddressOf(request: ContainmentRequest): string {
  const { type, value } = request.target;
  if (type !== 'ip') throw invalid(`the target must be an IP address (type "ip"), not "${type}"`);
  const version = isIP(value);
  if (version === 0) throw invalid('the target is not an IP address');
  // A deny from "any" address would cut the port off for everyone: never from alert text.
  if (value === '0.0.0.0' || /^[0:]+$/.test(value)) throw invalid('the unspecified address cannot be blocked');
  return version === 6 ? value.toLowerCase() : value;
}

/** A configured NSG's id, as shown to the approver. */
export function nsgIdOf(nsg: ArmResource): string {
  return resourceIdOf(nsg, NSG.provider, NSG.type);
}

/** The rule as ARM receives it in the PUT body (`properties` of a SecurityRule). */
function ruleProperties(block: Block, priority: number, requestId: string): Required<Pick<SecurityRule, 'description' | 'protocol' | 'sourceAddressPrefix' | 'sourcePortRange' | 'destinationAddressPrefix' | 'destinationPortRange' | 'access' | 'priority' | 'direction'>> {
  return {
    // ARM caps a rule description at 140 characters.
    description: `${requestMarker(requestId)} deny inbound from ${block.sourceAddress} to ${block.port}/${block.protocol}`.slice(0, 140),
    protocol: block.protocol,
    sourceAddressPrefix: block.sourceAddress,
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: block.port,
    access: 'Deny',
    priority,
    direction: 'Inbound',
  };
}

class NsgBlockPort implements RunbookAdapter {
  readonly #opts: NsgBlockPortOptions;

  constructor(opts: NsgBlockPortOptions) {
    if (opts.nsgs.length === 0) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'nsg-block-port needs at least one configured NSG', { retryable: false });
    const { min, max } = opts.priorities;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 100 || max > 4096 || min > max) {
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'nsg-block-port priority range must be integers within 100-4096, low-high', { retryable: false });
    }
    this.#opts = opts;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const block = this.#block(request);
    const group = await this.#getNsg(block.nsg);
    const ours = ruleOf(group, block.ruleName);
    if (ours && isLive(ours)) {
      return `nsg-block-port: rule ${block.ruleName} (priority ${ours.priority}) is already on NSG ${nsgIdOf(block.nsg)} from an earlier execute of this request; execute would change nothing`;
    }
    const priority = ours?.priority ?? this.#freePriority(group, block);
    const body = JSON.stringify({ properties: ruleProperties(block, priority, request.requestId) });
    return `nsg-block-port: would PUT ${nsgIdOf(block.nsg)}/securityRules/${block.ruleName} ${body} (inbound deny from ${block.sourceAddress} to port ${block.port}/${block.protocol}; priority ${priority} is free in ${this.#opts.priorities.min}-${this.#opts.priorities.max})`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const block = this.#block(request);
    const group = await this.#getNsg(block.nsg);
    const ours = ruleOf(group, block.ruleName);
    let rule: SecurityRule;
    let origin: 'created' | 'redelivered';
    if (ours && isLive(ours)) {
      rule = ours;
      origin = 'redelivered';
    } else {
      // A rule of ours that failed to provision is put again at its own priority.
      const priority = ours?.priority ?? this.#freePriority(group, block);
      const clients = this.#opts.clients;
      try {
        rule = await armCall(`PUT security rule ${block.ruleName}`, WRITE, () => clients.now, () =>
          clients.network(block.nsg.subscriptionId).securityRules.createOrUpdate(block.nsg.resourceGroup, block.nsg.name, block.ruleName, ruleProperties(block, priority, request.requestId), clients.pollOptions),
        );
      } catch (error) {
        // Another rule took the priority between our GET and PUT: a retry reads the NSG again and takes the next one.
        if ((error as AppError).details?.['armCode'] === PRIORITY_TAKEN) {
          throw new AppError(ErrorCode.CONFLICT, `nsg-block-port: priority ${priority} on NSG ${block.nsg.name} was taken meanwhile (${PRIORITY_TAKEN}); retry picks another`, { retryable: true, details: { armCode: PRIORITY_TAKEN } });
        }
        throw error;
      }
      origin = 'created';
    }
    const priority = String(rule.priority ?? '');
    return {
      summary: `${origin === 'created' ? 'added' : 'found (redelivery)'} inbound deny rule ${block.ruleName} (priority ${priority}) from ${block.sourceAddress} to port ${block.port}/${block.protocol} on NSG ${block.nsg.name}; provisioning ${rule.provisioningState ?? 'unknown'}`,
      effect: { nsgId: nsgIdOf(block.nsg), ruleName: block.ruleName, priority, sourceAddress: block.sourceAddress, port: block.port, protocol: block.protocol, origin },
    };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    const { nsg, ruleName } = this.#effect(request, effect);
    const clients = this.#opts.clients;
    let rule: SecurityRule;
    try {
      rule = await armCall(`GET security rule ${ruleName}`, RULE_READ, () => clients.now, () => clients.network(nsg.subscriptionId).securityRules.get(nsg.resourceGroup, nsg.name, ruleName));
    } catch (error) {
      if ((error as AppError).code === ErrorCode.NOT_FOUND) return { outcome: 'not-in-effect', finding: `rule ${ruleName} is not on NSG ${nsg.name} (404)` };
      throw error;
    }
    const state = rule.provisioningState ?? 'unknown';
    if (rule.access !== 'Deny' || rule.direction !== 'Inbound' || rule.sourceAddressPrefix !== effect['sourceAddress'] || rule.destinationPortRange !== effect['port']) {
      return { outcome: 'not-in-effect', finding: `rule ${ruleName} on NSG ${nsg.name} was changed: it no longer denies ${effect['sourceAddress'] ?? '?'} to port ${effect['port'] ?? '?'} inbound` };
    }
    if (state === 'Succeeded') return { outcome: 'in-effect', finding: `rule ${ruleName} (priority ${rule.priority ?? '?'}) on NSG ${nsg.name} is provisioned (Succeeded)` };
    if (state === 'Updating') return { outcome: 'not-yet', finding: `rule ${ruleName} on NSG ${nsg.name} is still Updating` };
    return { outcome: 'not-in-effect', finding: `rule ${ruleName} on NSG ${nsg.name} is ${state}` };
  }

  async undo(request: ContainmentRequest, effect: RunbookEffect): Promise<string> {
    const { nsg, ruleName } = this.#effect(request, effect);
    const clients = this.#opts.clients;
    try {
      await armCall(`DELETE security rule ${ruleName}`, DELETE, () => clients.now, () =>
        clients.network(nsg.subscriptionId).securityRules.delete(nsg.resourceGroup, nsg.name, ruleName, clients.pollOptions),
      );
    } catch (error) {
      if ((error as AppError).code === ErrorCode.NOT_FOUND) return `rule ${ruleName} was already gone from NSG ${nsg.name}`;
      throw error;
    }
    return `removed rule ${ruleName} from NSG ${nsg.name} (${effect['sourceAddress'] ?? '?'} may reach port ${effect['port'] ?? '?'} again)`;
  }

  #block(request: ContainmentRequest): Block {
    const args = request.arguments;
    const unknown = Object.keys(args).filter((k) => !ARGUMENTS.has(k));
    if (unknown.length > 0) throw invalid(`unknown argument(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} (arguments: port, protocol, nsg)`);
    const protocol = PROTOCOLS[(args['protocol'] ?? '*').toLowerCase()];
    if (protocol === undefined) throw invalid('"protocol" must be Tcp, Udp or *');
    return { nsg: this.#nsgOf(args['nsg']), sourceAddress: sourceAddressOf(request), port: portOf(args['port']), protocol, ruleName: ruleNameOf(request.requestId) };
  }

  #nsgOf(name: string | undefined): ArmResource {
    if (name === undefined) return this.#opts.nsgs[0] as ArmResource;
    const found = this.#opts.nsgs.find((n) => n.name.toLowerCase() === name.toLowerCase());
    if (!found) throw invalid(`"nsg" must name one of the configured NSGs (${this.#opts.nsgs.map((n) => n.name).join(', ')})`);
    return found;
  }

  /** The NSG and rule of a recorded effect, checked against configuration and the request (never alert text). */
  #effect(request: ContainmentRequest, effect: RunbookEffect): { nsg: ArmResource; ruleName: string } {
    const ruleName = ruleNameOf(request.requestId);
    if (effect['ruleName'] !== ruleName) throw invalid(`the recorded effect names rule ${String(effect['ruleName']).slice(0, 80)}, not this request's ${ruleName}`);
    const recorded = parseNsgId(effect['nsgId'] ?? '');
    const nsg = this.#opts.nsgs.find((n) => nsgIdOf(n).toLowerCase() === nsgIdOf(recorded).toLowerCase());
    if (!nsg) throw invalid('the recorded effect names an NSG that is no longer configured');
    return { nsg, ruleName };
  }

  async #getNsg(nsg: ArmResource): Promise<NetworkSecurityGroup> {
    const clients = this.#opts.clients;
    return armCall(`GET NSG ${nsg.name}`, READ, () => clients.now, () => clients.network(nsg.subscriptionId).networkSecurityGroups.get(nsg.resourceGroup, nsg.name));
  }

  /** The lowest priority of the range no inbound rule of the NSG holds (ARM refuses two at one priority). */
  #freePriority(group: NetworkSecurityGroup, block: Block): number {
    const taken = new Set((group.securityRules ?? []).filter((r) => r.direction === 'Inbound').map((r) => r.priority));
    for (let p = this.#opts.priorities.min; p <= this.#opts.priorities.max; p++) if (!taken.has(p)) return p;
    throw new AppError(ErrorCode.PRECONDITION_FAILED, `nsg-block-port: no free inbound priority in ${this.#opts.priorities.min}-${this.#opts.priorities.max} on NSG ${block.nsg.name}; remove old rules or widen the range`, {
      retryable: false,
    });
  }
}

function ruleOf(group: NetworkSecurityGroup, name: string): SecurityRule | undefined {
  return (group.securityRules ?? []).find((r) => r.name === name);
}

/** A rule that is there or on its way (a Failed one is put again). */
function isLive(rule: SecurityRule): boolean {
  return rule.provisioningState === 'Succeeded' || rule.provisioningState === 'Updating';
}

/** The `nsg-block-port` runbook over the configured NSGs. */
export function nsgBlockPortRunbook(opts: NsgBlockPortOptions): RunbookAdapter {
  const names = opts.nsgs.map((n) => n.name.toLowerCase());
  if (new Set(names).size !== names.length) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'nsg-block-port: two configured NSGs share a name; the "nsg" argument could not tell them apart', { retryable: false });
  return new NsgBlockPort(opts);
}
