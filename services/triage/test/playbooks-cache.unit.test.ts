import { describe, expect, it } from 'vitest';
import { cachedPlaybookIndex, createPlaybookIndex, loadPlaybooks } from '../src/playbooks/index.ts';

describe('cachedPlaybookIndex', () => {
  it('answers exactly as the index does, and serves a repeated query from the cache', () => {
    const index = createPlaybookIndex(loadPlaybooks());
    let searches = 0;
    const counting = { ...index, size: index.size, findPlaybooks: (q: Parameters<typeof index.findPlaybooks>[0], l?: number) => (searches++, index.findPlaybooks(q, l)) };
    const cached = cachedPlaybookIndex(counting, 2);
    const brute = { techniques: ['T1110.003'], text: 'Password spray against Azure AD from 12 countries' };
    const phish = { entityTypes: ['url', 'mailbox'] as const, text: 'Potential phishing link clicked' };
    expect(cached.findPlaybooks(brute, 1)).toEqual(index.findPlaybooks(brute, 1));
    cached.findPlaybooks(brute, 1);
    expect(searches).toBe(1);
    cached.findPlaybooks({ ...phish, entityTypes: [...phish.entityTypes] }, 1);
    cached.findPlaybooks({ techniques: ['T1048'] }, 1); // evicts the least recently used (brute)
    cached.findPlaybooks(brute, 1);
    expect(searches).toBe(4);
  });
});
