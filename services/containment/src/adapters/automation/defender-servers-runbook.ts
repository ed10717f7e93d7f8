import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { type ArmCall, ArmClient, type BearerCredential, type HttpsTransport, SUBSCRIPTION_ID, refused, requestIdOf } from './https-client.ts';

/**
 * `onboard-defender` (issue 14): turns on Microsoft Defender for Servers Plan 2 on an allow-listed subscription
 * (ARM `Microsoft.Security/pricings/VirtualMachines`, api-version 2024-01-01), recording the plan it found so undo
 * puts it back. Defender for Endpoint has no API that onboards a device; Defender for Servers is the documented
 * way an API call leads to onboarding (Defender for Cloud then deploys the endpoint sensor to the subscription's
 * servers through its Endpoint protection integration). Never met the real ARM API.
 */

export const PRICINGS_API_VERSION = '2024-01-01';
const WRITE_PERMISSION = 'Microsoft.Security/pricings/write on the subscription (Security Admin)';
const READ_PERMISSION = 'Microsoft.Security/pricings/read on the subscription (Security Reader)';

/** Options of {@link defenderForServersRunbooks}. */
export interface DefenderForServersOptions {
  credential: BearerCredential;
  /** The subscriptions a request may change; anything else is refused. */
  subscriptionIds: readonly string[];
  /** Default `https://management.azure.com`. */
  armBaseUrl?: string;
  transport?: HttpsTransport;
  now?: () => Date;
}

/** The runbooks of this module (there is no documented API for `remediate-vulnerability`: see the README). */
export function defenderForServersRunbooks(opts: DefenderForServersOptions): { 'onboard-defender': RunbookAdapter } {
  return { 'onboard-defender': new DefenderForServersRunbook(opts) };
}

interface Pricing {
  tier: string;
  subPlan: string;
}

interface PricingBody {
  properties?: { pricingTier?: unknown; subPlan?: unknown };
}

const TIER = /^(Free|Standard)$/;
const SUB_PLAN = /^(P1|P2)?$/;

/** `onboard-defender` as Defender for Servers Plan 2 on a subscription. */
export class DefenderForServersRunbook implements RunbookAdapter {
  readonly #arm: ArmClient;
  readonly #subscriptions: ReadonlySet<string>;

  constructor(opts: DefenderForServersOptions) {
    const ids = opts.subscriptionIds.map((s) => s.trim().toLowerCase());
    if (ids.length === 0 || ids.some((s) => !SUBSCRIPTION_ID.test(s))) {
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'onboard-defender needs one or more subscription ids (GUIDs)', { retryable: false });
    }
    this.#subscriptions = new Set(ids);
    this.#arm = new ArmClient({ credential: opts.credential, ...(opts.armBaseUrl ? { baseUrl: opts.armBaseUrl } : {}), ...(opts.transport ? { transport: opts.transport } : {}), ...(opts.now ? { now: opts.now } : {}) });
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    requestIdOf(request);
    const sub = this.#subscriptionOf(request);
    const current = await this.#read(sub);
    if (isP2(current)) return `Defender for Servers is already Plan 2 on subscription ${sub}: nothing would change`;
    const put = putCall(sub, { tier: 'Standard', subPlan: 'P2' });
    return `would ${put.method} ${this.#arm.urlOf(put)} ${JSON.stringify(put.body)} (now ${describe(current)}); undo would put back ${describe(current)}. Billing: Plan 2 is charged per server per hour`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    requestIdOf(request);
    const sub = this.#subscriptionOf(request);
    const current = await this.#read(sub);
    if (isP2(current)) {
      // Already on: nothing to do and nothing for undo to put back. (A redelivery after our own PUT lands here too:
      // a pricing carries no marker, so the tier before it cannot be told; the README says so.)
      return { summary: `Defender for Servers was already Plan 2 on subscription ${sub}; nothing changed`, effect: { subscriptionId: sub, previousTier: current.tier, previousSubPlan: current.subPlan, origin: 'already-enabled' } };
    }
    const after = parsePricing(await this.#arm.send<PricingBody>(putCall(sub, { tier: 'Standard', subPlan: 'P2' }), WRITE_PERMISSION), sub);
    return {
      summary: `enabled Defender for Servers Plan 2 on subscription ${sub} (was ${describe(current)}; now ${describe(after)})`,
      effect: { subscriptionId: sub, previousTier: current.tier, previousSubPlan: current.subPlan, origin: 'changed' },
    };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    requestIdOf(request);
    const { sub } = this.#effectOf(effect);
    const current = await this.#read(sub);
    return isP2(current)
      ? { outcome: 'in-effect', finding: `Defender for Servers is Plan 2 on subscription ${sub}; its servers are onboarded to Defender for Endpoint by Defender for Cloud over the next hours` }
      : { outcome: 'not-in-effect', finding: `Defender for Servers is ${describe(current)} on subscription ${sub}` };
  }

  async undo(request: ContainmentRequest, effect: RunbookEffect): Promise<string> {
    requestIdOf(request);
    const { sub, previous, origin } = this.#effectOf(effect);
    if (origin === 'already-enabled') return `nothing to undo on subscription ${sub}: Defender for Servers was already Plan 2 before this request`;
    const current = await this.#read(sub);
    if (same(current, previous)) return `Defender for Servers is already ${describe(previous)} on subscription ${sub}; nothing changed`;
    if (!isP2(current)) throw new AppError(ErrorCode.CONFLICT, `Defender for Servers on subscription ${sub} was changed since (now ${describe(current)}); not put back to ${describe(previous)}: decide by hand`, { retryable: false });
    await this.#arm.send<PricingBody>(putCall(sub, previous), WRITE_PERMISSION);
    return `put Defender for Servers back to ${describe(previous)} on subscription ${sub}`;
  }

  async #read(sub: string): Promise<Pricing> {
    return parsePricing(await this.#arm.send<PricingBody>({ method: 'GET', path: pricingPath(sub) }, READ_PERMISSION), sub);
  }

  #subscriptionOf(request: ContainmentRequest): string {
    // The argument, or the subscription of the target's resource id (a VM: /subscriptions/<id>/resourceGroups/…).
    const given = request.arguments.subscription ?? /^\/subscriptions\/([^/]+)(?:\/|$)/i.exec(request.target.value.trim())?.[1];
    if (given === undefined) throw refused('onboard-defender needs the argument subscription or a target that is an Azure resource id');
    const sub = given.trim().toLowerCase();
    if (!SUBSCRIPTION_ID.test(sub)) throw refused('the subscription is not a subscription id (GUID)');
    if (!this.#subscriptions.has(sub)) throw refused('the subscription is not one onboard-defender may change (DEFENDER_FOR_SERVERS_SUBSCRIPTIONS)');
    return sub;
  }

  #effectOf(effect: RunbookEffect): { sub: string; previous: Pricing; origin: string } {
    const sub = (effect.subscriptionId ?? '').toLowerCase();
    if (!SUBSCRIPTION_ID.test(sub) || !this.#subscriptions.has(sub)) throw refused('the recorded effect names a subscription onboard-defender may not touch');
    const tier = effect.previousTier ?? '';
    const subPlan = effect.previousSubPlan ?? '';
    if (!TIER.test(tier) || !SUB_PLAN.test(subPlan)) throw refused('the recorded effect has no valid previous plan');
    return { sub, previous: { tier, subPlan }, origin: effect.origin ?? '' };
  }
}

function pricingPath(sub: string): string {
  return `/subscriptions/${sub}/providers/Microsoft.Security/pricings/VirtualMachines?api-version=${PRICINGS_API_VERSION}`;
}

function putCall(sub: string, pricing: Pricing): ArmCall {
  return { method: 'PUT', path: pricingPath(sub), body: { properties: { pricingTier: pricing.tier, ...(pricing.tier === 'Standard' && pricing.subPlan ? { subPlan: pricing.subPlan } : {}) } } };
}

function parsePricing(body: PricingBody | undefined, sub: string): Pricing {
  const tier = body?.properties?.pricingTier;
  const subPlan = body?.properties?.subPlan ?? '';
  if (typeof tier !== 'string' || !TIER.test(tier) || typeof subPlan !== 'string' || !SUB_PLAN.test(subPlan)) {
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `ARM answered an unexpected Defender for Servers pricing for subscription ${sub}`, { retryable: false });
  }
  return { tier, subPlan: tier === 'Standard' ? subPlan : '' };
}

function isP2(p: Pricing): boolean {
  return p.tier === 'Standard' && p.subPlan === 'P2';
}

function same(a: Pricing, b: Pricing): boolean {
  return a.tier === b.tier && a.subPlan === b.subPlan;
}

function describe(p: Pricing): string {
  return p.tier === 'Free' ? 'off (Free)' : `Standard${p.subPlan ? ` ${p.subPlan}` : ''}`;
}
