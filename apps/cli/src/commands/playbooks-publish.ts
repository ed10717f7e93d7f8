import { parseCommandArgs } from '../args.ts';
import { CliFailure, type Command } from '../cli-io.ts';

/** `soc playbooks publish`: uploads the playbooks to the configured Azure AI Search index. */
export const playbooksPublish: Command = {
  path: ['playbooks', 'publish'],
  summary: 'Publish the playbooks to the Azure AI Search index triage reads (PLAYBOOK_SEARCH_*)',
  help: `Usage: soc playbooks publish [--dir <folder>]

Create or update the Azure AI Search index named by PLAYBOOK_SEARCH_INDEX on
PLAYBOOK_SEARCH_ENDPOINT, upload every playbook (with an embedding vector when
PLAYBOOK_SEARCH_EMBEDDING_MODEL is set, for the hybrid query) and delete the
documents of playbooks that no longer exist. Safe to run again: documents are
merged by id. Triage uses the embedded index when PLAYBOOK_SEARCH_ENDPOINT is
unset, and falls back to it per alert when the search service fails.

Credentials: PLAYBOOK_SEARCH_API_KEY (an admin key), or Entra ID through
DefaultAzureCredential with the Search Service Contributor and Search Index
Data Contributor roles.

Options:
  --dir <folder>  playbook Markdown files (default: the shipped playbooks)
  -h, --help      show this help`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { dir: { type: 'string' } }, 0);
    const triage = await import('@soc/triage');
    const parsed = triage.TriageConfig.safeParse(io.env);
    if (!parsed.success) throw new CliFailure(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    try {
      const r = await triage.publishConfiguredPlaybooks(parsed.data, values.dir);
      io.out(`Published ${r.uploaded} playbooks to index ${r.index} (${r.hybrid ? 'with vectors, hybrid query' : 'keyword only: no PLAYBOOK_SEARCH_EMBEDDING_MODEL'}); removed ${r.deleted} that no longer exist`);
    } catch (error) {
      throw new CliFailure(error instanceof Error ? error.message : String(error), { cause: error });
    }
  },
};
