import { describe, expect, it } from 'vitest';
import { ApiConfig } from '../src/config.ts';

describe('ApiConfig', () => {
  it.each([
    ['CONTAINMENT_APPROVERS', 'alice,bob', 'approver'],
    ['HUNT_PRINCIPALS', '*', 'hunter'],
  ])('refuses the retired %s, saying which role replaces it', (name, value, role) => {
    const parsed = ApiConfig.safeParse({ [name]: value });
    expect(parsed.success).toBe(false);
    const message = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    expect(message).toContain(name);
    expect(message).toContain(`${role} role in SOC_API_ROLES`);
  });

  it('reads an empty value (a chart default) as unset', () => {
    expect(ApiConfig.safeParse({ CONTAINMENT_APPROVERS: '', HUNT_PRINCIPALS: '' }).success).toBe(true);
  });
});
