import { describe, expect, it } from 'vitest';
import { addressKeyOf } from '../src/sign-in-limits.ts';

describe('addressKeyOf', () => {
  it('counts an IPv4 address as itself, also IPv4-mapped', () => {
    expect(addressKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
  it('counts an IPv6 address by its /64, however it is written', () => {
    expect(addressKeyOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKeyOf('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(addressKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(addressKeyOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
  it('counts a request without an address under one key', () => {
    expect(addressKeyOf(undefined)).toBe('unknown');
  });
});
