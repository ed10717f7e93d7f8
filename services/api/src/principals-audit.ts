/** Who may do what, as the API's configuration says: names only, never tokens. */
export interface PrincipalsInput {
  /** The names of the API tokens (SOC_API_TOKENS / SOC_API_TOKEN). */
  tokenNames: readonly string[];
  /** CONTAINMENT_APPROVERS. */
  approvers: readonly string[];
  /** HUNT_PRINCIPALS. */
  hunters: readonly string[];
}

/**
 * The canonical text of principals and their roles whose hash `config.changed` records (subject `principals`): sorted
 * and deduplicated, so reordering a list is not a change. A plain function of names, so the roles model that replaces
 * these lists only has to produce its own description.
 */
export function principalsDescription(input: PrincipalsInput): string {
  const sorted = (names: readonly string[]): string[] => [...new Set(names)].sort();
  return JSON.stringify({ tokens: sorted(input.tokenNames), approvers: sorted(input.approvers), hunters: sorted(input.hunters) });
}
