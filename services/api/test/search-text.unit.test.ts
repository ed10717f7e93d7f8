import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { indexEntriesOf, intersectHits } from '../src/case-index.ts';
import { MAX_TOKENS_PER_FIELD, MAX_TOKEN_LENGTH, canonicalEntityValue, canonicalIp, entityKey, indexTokens, queryTerms } from '../src/search-text.ts';

describe('indexTokens', () => {
  it('keeps IPs, domains, UPNs, DOMAIN\\user and hashes whole as well as their parts', () => {
    const sha = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
    const tokens = indexTokens(`Logon from 10.0.0.5 by Alice@Contoso.com (CONTOSO\\bob) to evil.example.org: ${sha}`);
    expect(tokens).toEqual(expect.arrayContaining(['10.0.0.5', 'alice@contoso.com', 'alice', 'contoso', 'com', 'contoso\\bob', 'bob', 'evil.example.org', 'example', sha.toLowerCase(), 'logon', 'from']));
    // One-character parts (the `0` of an IP) match almost everything and are not indexed.
    expect(tokens).not.toContain('0');
    expect(tokens).not.toContain('5');
  });

  it('writes IPv6 in its canonical form and IPv4-mapped IPv6 as IPv4', () => {
    expect(indexTokens('from ::FFFF:10.0.0.5 and 2001:DB8:0:0:0:0:0:1')).toEqual(expect.arrayContaining(['10.0.0.5', '2001:db8::1']));
    expect(queryTerms('2001:db8::0:1')).toEqual(['2001:db8::1']);
  });

  it('is case- and width-insensitive (NFKC): full-width letters and digits are their plain forms', () => {
    expect(indexTokens('ＭＩＭＩＫＡＴＺ on ｈｏｓｔ０１')).toEqual(['mimikatz', 'on', 'host01']);
    expect(queryTerms('Mimikatz')).toEqual(['mimikatz']);
  });

  it('drops tokens longer than the cap instead of cutting them, and caps tokens per field', () => {
    expect(indexTokens(`a${'x'.repeat(MAX_TOKEN_LENGTH + 1)} ok`)).toEqual(['ok']);
    const many = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    expect(indexTokens(many)).toHaveLength(MAX_TOKENS_PER_FIELD);
  });

  it('property: every query term of a text is among the text\'s index tokens (a search for what a title says finds it)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.domain(), fc.emailAddress()), { maxLength: 6 }), (parts) => {
        const text = parts.join(' ');
        const tokens = new Set(indexTokens(text, 10_000));
        for (const term of queryTerms(text)) expect(tokens.has(term)).toBe(true);
      }),
    );
  });

  it('property: tokens are normalised, within the length bounds, distinct', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        const tokens = indexTokens(text);
        expect(new Set(tokens).size).toBe(tokens.length);
        for (const t of tokens) {
          expect(t.length).toBeGreaterThanOrEqual(2);
          expect(t.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
          expect(t).toBe(t.normalize('NFKC').toLowerCase());
        }
      }),
    );
  });
});

describe('entity keys', () => {
  it('an IP is the same entity however it is written', () => {
    const key = entityKey('ip', '10.0.0.5');
    for (const v of ['::ffff:10.0.0.5', ' 10.0.0.5 ', '[::FFFF:a00:5]', '１０.０.０.５']) expect(entityKey('ip', v)).toBe(key);
    expect(entityKey('ip', '2001:DB8::0:1')).toBe(entityKey('ip', '2001:db8::1'));
    expect(entityKey('ip', '10.0.0.6')).not.toBe(key);
  });

  it('hosts, domains, users, mailboxes and hashes ignore case (and a domain its trailing dot); URLs keep theirs', () => {
    expect(entityKey('domain', 'Evil.Example.ORG.')).toBe(entityKey('domain', 'evil.example.org'));
    expect(entityKey('user', 'Alice@Contoso.com')).toBe(entityKey('user', 'alice@contoso.com'));
    expect(entityKey('hash', 'ABCDEF0123456789ABCDEF0123456789')).toBe(entityKey('hash', 'abcdef0123456789abcdef0123456789'));
    expect(entityKey('url', 'https://x.example/A')).not.toBe(entityKey('url', 'https://x.example/a'));
    // The type is part of the identity.
    expect(entityKey('host', 'web01')).not.toBe(entityKey('user', 'web01'));
  });

  it('property: the canonical form of a canonical value is itself, and an IP keeps one key in every textual form', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const canonical = canonicalEntityValue('ip', ip);
        expect(canonicalEntityValue('ip', canonical)).toBe(canonical);
        expect(entityKey('ip', ip.toUpperCase())).toBe(entityKey('ip', ip));
        expect(entityKey('ip', `[${ip}]`)).toBe(entityKey('ip', ip));
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(canonicalIp(`::ffff:${ip}`)).toBe(ip);
      }),
    );
  });
});

describe('indexEntriesOf', () => {
  const alert = (over: Partial<Alert> = {}): Alert =>
    sampleAlert({
      alertId: 'alt-1',
      tenantId: 'contoso',
      title: 'Beacon to 203.0.113.9',
      entities: [
        { id: 'ip:203.0.113.9', type: 'ip', value: '203.0.113.9', origin: 'extracted' },
        { id: 'ip:::ffff:203.0.113.9', type: 'ip', value: '::ffff:203.0.113.9', origin: 'source' },
        { id: 'host:web01', type: 'host', value: 'web01', origin: 'source' },
      ],
      ...over,
    });
  const received = (a: Alert) => ({ type: 'soc.alert.received.v1', data: { alert: a, receivedAt: '2026-12-01T10:00:00.000Z' } });

  it('an arrival indexes each entity once per canonical key (the source\'s naming wins) and the title\'s tokens, with derived ids', () => {
    const first = indexEntriesOf(received(alert()), undefined);
    expect(first.entities.map((e) => [e.doc.type, e.doc.origin])).toEqual([['ip', 'source'], ['host', 'source']]);
    expect(first.tokens.map((t) => t.doc.searchToken)).toEqual(['beacon', 'to', '203.0.113.9', '203', '113']);
    expect(first.tokens.every((t) => t.doc.tenantId === 'contoso' && t.doc.field === 'title')).toBe(true);
    // A redelivery gives the same documents under the same ids.
    expect(indexEntriesOf(received(alert()), undefined)).toEqual(first);
    // Another tenant's alert with the same text and entities gets other ids.
    const other = indexEntriesOf(received(alert({ tenantId: 'fabrikam' })), undefined);
    expect(other.tokens.map((t) => t.id).some((id) => first.tokens.some((t) => t.id === id))).toBe(false);
    expect(other.entities[0]?.doc.entityKey).toBe(first.entities[0]?.doc.entityKey);
  });

  it('a disposition indexes its note, a note-added event its text (read by a local schema), anything else nothing', () => {
    const note = indexEntriesOf({ type: 'soc.alert.dispositioned.v1', data: { alertId: 'alt-1', tenantId: 'contoso', note: 'Pentest by RedTeam', at: '2026-12-01T11:00:00.000Z' } }, '2026-12-01T10:00:00.000Z');
    expect(note.tokens.map((t) => [t.doc.searchToken, t.doc.field, t.doc.caseReceivedAt])).toEqual([
      ['pentest', 'note', '2026-12-01T10:00:00.000Z'],
      ['by', 'note', '2026-12-01T10:00:00.000Z'],
      ['redteam', 'note', '2026-12-01T10:00:00.000Z'],
    ]);
    const added = indexEntriesOf({ type: 'soc.case.note-added.v1', data: { alertId: 'alt-1', tenantId: 'contoso', noteId: 'n1', text: 'Called the user', author: 'alice', at: '2026-12-01T12:00:00.000Z' } }, undefined);
    expect(added.tokens.map((t) => t.doc.searchToken)).toEqual(['called', 'the', 'user']);
    expect(indexEntriesOf({ type: 'soc.case.note-added.v1', data: { alertId: 'alt-1', text: 'no tenant' } }, undefined)).toEqual({ entities: [], tokens: [] });
    expect(indexEntriesOf({ type: 'soc.alert.triaged.v1', data: { alert: alert() } }, undefined)).toEqual({ entities: [], tokens: [] });
  });
});

describe('intersectHits', () => {
  const doc = (alertId: string, field: 'title' | 'note', caseReceivedAt: string, tenantId = 't') => ({ tenantId, searchToken: 'x', alertId, field, caseReceivedAt });
  it('keeps the cases every term matched, with the fields any term matched in, newest first', () => {
    const hits = intersectHits([
      [doc('a', 'title', '2026-01-01'), doc('b', 'title', '2026-01-03'), doc('c', 'title', '2026-01-02')],
      [doc('a', 'note', '2026-01-01'), doc('b', 'title', '2026-01-03'), doc('c', 'note', '2026-01-02', 'other')],
    ]);
    expect(hits).toEqual([
      { alertId: 'b', tenantId: 't', receivedAt: '2026-01-03', matched: ['title'] },
      { alertId: 'a', tenantId: 't', receivedAt: '2026-01-01', matched: ['note', 'title'] },
    ]);
  });
});
