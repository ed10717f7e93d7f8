import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSearchService, startLocalSearchService } from '../../../services/triage/test/support/search-service.ts';
import { runSoc } from './support.ts';

let search: LocalSearchService;
beforeAll(async () => {
  search = await startLocalSearchService('admin-key');
});
afterAll(async () => {
  await search.close();
});

describe('soc playbooks publish', () => {
  it('uploads the shipped playbooks to the configured index (keyword only without an embedding model)', async () => {
    const run = await runSoc(['playbooks', 'publish'], { PLAYBOOK_SEARCH_ENDPOINT: search.url, PLAYBOOK_SEARCH_API_KEY: 'admin-key', PLAYBOOK_SEARCH_INDEX: 'pb-test' });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe('Published 6 playbooks to index pb-test (keyword only: no PLAYBOOK_SEARCH_EMBEDDING_MODEL); removed 0 that no longer exist');
    expect([...(search.indexes.get('pb-test')?.docs.keys() ?? [])].sort()).toEqual([
      'playbook-brute-force',
      'playbook-data-exfiltration',
      'playbook-malware-endpoint',
      'playbook-phishing',
      'playbook-privilege-escalation',
      'playbook-suspicious-sign-in',
    ]);
  });

  it('says what to set when no search service is configured, and reports a refused key', async () => {
    const none = await runSoc(['playbooks', 'publish'], {});
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/PLAYBOOK_SEARCH_ENDPOINT is not set: name the Azure AI Search service/);
    const refused = await runSoc(['playbooks', 'publish'], { PLAYBOOK_SEARCH_ENDPOINT: search.url, PLAYBOOK_SEARCH_API_KEY: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/soc playbooks publish: .*bad api-key/);
  });
});
