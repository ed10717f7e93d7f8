import { readFileSync } from 'node:fs';
import { auditConfigChange } from '@soc/audit';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { DecisionConfig } from './config.ts';
import { makeDecisionHandler } from './handler.ts';
import { DEFAULT_POLICY_PATH, loadPolicy } from './policy.ts';

/** Composition of the decision service. */
export const decisionService: ServiceModule<DecisionConfig> = {
  name: 'decision',
  config: DecisionConfig,
  async start(platform, config) {
    const path = config.DECISION_POLICY_FILE ?? DEFAULT_POLICY_PATH;
    const policy = loadPolicy(path);
    platform.log.info({ policy: policy.id, version: policy.version }, 'decision policy loaded');
    // A policy that cannot be put on the record is not applied: start-up fails rather than decide unaudited.
    await auditConfigChange(platform.audit, {
      subject: 'decision-policy',
      content: readFileSync(path),
      actor: 'decision',
      data: { policyId: policy.id, policyVersion: policy.version, file: config.DECISION_POLICY_FILE ?? 'bundled default' },
    });
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.decision.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeDecisionHandler({ policy, clock: platform.clock, audit: platform.audit, internalNetworks: platform.env.SOC_INTERNAL_NETWORKS }),
    );
    return { close: () => consumer.close() };
  },
};
