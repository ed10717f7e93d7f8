import { groundKqlCandidate } from '@soc/hunt';
import { type KqlGuard, createKqlGuard, defaultKqlPolicy, loadKqlPolicy } from '@soc/kql';
import type { HuntQueryGrounder } from './copilot-step.ts';

/**
 * The grounder for the copilot's hunt queries: `@soc/kql`'s guard with the policy file (read now, so a bad file stops
 * start-up), built on the first query (Kusto.Language takes about a second and tens of MB to load), and
 * `groundKqlCandidate`: allowed by the guard, every column in the table schemas.
 */
export function huntQueryGrounder(policyFile?: string): HuntQueryGrounder {
  const policy = policyFile === undefined ? defaultKqlPolicy : loadKqlPolicy(policyFile);
  let guard: KqlGuard | undefined;
  return (query) => {
    const grounded = groundKqlCandidate(query, (guard ??= createKqlGuard(policy)));
    return { accepted: grounded.accepted, query: grounded.query, problems: grounded.problems };
  };
}
