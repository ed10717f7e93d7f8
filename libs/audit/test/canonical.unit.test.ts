import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, checkLink, hashOf } from '@soc/audit';

const body = {
  stream: 'decision',
  seq: 1,
  at: '2026-03-01T12:00:00.000Z',
  kind: 'decision.made',
  actor: 'decision',
  subject: 'alt-1',
  tenantId: null,
  data: { b: [1, { y: 2, x: 1 }], a: 'é' },
  prevHash: GENESIS_HASH,
};

describe('canonical serialisation', () => {
  it('sorts keys at every depth, so stored key order does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":0,"z":1}]},"b":1}');
    const reordered = { prevHash: body.prevHash, data: { a: 'é', b: [1, { x: 1, y: 2 }] }, tenantId: null, subject: 'alt-1', actor: 'decision', kind: 'decision.made', at: body.at, seq: 1, stream: 'decision' };
    expect(hashOf(reordered)).toBe(hashOf(body));
  });

  it('hashes every field but the hash itself', () => {
    const hash = hashOf(body);
    expect(hashOf({ ...body, hash: 'anything' })).toBe(hash);
    expect(hashOf({ ...body, actor: 'mallory' })).not.toBe(hash);
    expect(checkLink({ ...body, hash }, { stream: 'decision', seq: 1, prevHash: GENESIS_HASH })).toBeUndefined();
    expect(checkLink({ ...body, hash }, { stream: 'decision', seq: 2, prevHash: GENESIS_HASH })).toMatchObject({ reason: 'edited' });
    expect(checkLink('garbage', { stream: 'decision', seq: 1, prevHash: GENESIS_HASH })).toMatchObject({ reason: 'edited' });
  });
});
