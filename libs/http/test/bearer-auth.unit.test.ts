import { describe, expect, it } from 'vitest';
import { MIN_TOKEN_LENGTH, bearerAuth, tokenMatcher } from '../src/index.ts';

const A = 'token-a-0123456789abcdef';
const B = 'token-b-0123456789abcdef';

describe('tokenMatcher', () => {
  it('names the matching token and nothing else', () => {
    const match = tokenMatcher([
      { name: 'a', token: A },
      { name: 'b', token: B },
    ]);
    expect(match(A)).toBe('a');
    expect(match(B)).toBe('b');
    expect(match('token-c-0123456789abcdef')).toBeUndefined();
    expect(match('')).toBeUndefined();
  });
});

describe('bearerAuth configuration', () => {
  it('accepts two tokens of one name (a rotation): both name the same caller', () => {
    const match = tokenMatcher([
      { name: 'siem', token: A },
      { name: 'siem', token: B },
    ]);
    expect([match(A), match(B)]).toEqual(['siem', 'siem']);
  });

  it.each([
    ['no tokens', [], /at least one token/],
    ['a short token', [{ name: 'short', token: 'x'.repeat(MIN_TOKEN_LENGTH - 1) }], /"short" is shorter/],
    ['an unnamed token', [{ name: ' ', token: A }], /needs a name/],
    [
      'a reused value',
      [
        { name: 'a', token: A },
        { name: 'b', token: A },
      ],
      /"b" has the same value/,
    ],
    ['a token with spaces', [{ name: 'sp', token: 'has spaces in it ok?' }], /"sp" has characters/],
  ])('rejects %s without showing token values', (_case, tokens, message) => {
    let error: unknown;
    try {
      bearerAuth({ tokens });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'AppError', code: 'CONFIGURATION_INVALID' });
    expect((error as Error).message).toMatch(message);
    for (const { token } of tokens) expect((error as Error).message).not.toContain(token);
  });
});
