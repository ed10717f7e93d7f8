import { sharedHuntThread } from '@soc/hunt';
import { defaultKqlPolicy, loadKqlPolicy } from '@soc/kql';
import type { HuntQueryGrounder } from './copilot-step.ts';

/** The copilot's hunt-query grounder and what stops it. */
export interface HuntQueryGrounding {
  readonly ground: HuntQueryGrounder;
  close(): Promise<void>;
}

/**
 * The grounder for the copilot's hunt queries: `@soc/kql`'s guard with the policy file (read now, so a bad file stops
 * start-up) on a worker thread shared with the api in one process (`sharedHuntThread`: Kusto.Language's load, ~1 s, and its ~20 ms checks stay off the bus's
 * event loop), then `groundKqlVerdict`: allowed by the guard, every column in the table schemas.
 */
export function huntQueryGrounder(policyFile?: string): HuntQueryGrounding {
  const thread = sharedHuntThread(policyFile === undefined ? defaultKqlPolicy : loadKqlPolicy(policyFile));
  return {
    ground: async (query) => {
      const grounded = await thread.groundKqlCandidate(query);
      return { accepted: grounded.accepted, query: grounded.query, problems: grounded.problems, tables: grounded.verdict.tables };
    },
    close: () => thread.close(),
  };
}
