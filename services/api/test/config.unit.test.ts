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

  it('reads SLA targets per severity and the shift length, with defaults', () => {
    expect(ApiConfig.parse({})).toMatchObject({ SOC_SHIFT_HOURS: 8, SOC_SLA_MINUTES: { critical: 15, high: 60, medium: 240, low: 1440 }, SOC_KPI_MAX_CASES: 1000 });
    expect(ApiConfig.parse({ SOC_SLA_MINUTES: '' }).SOC_SLA_MINUTES).toMatchObject({ critical: 15 });
    expect(ApiConfig.parse({ SOC_SLA_MINUTES: 'critical:5, informational:600', SOC_SHIFT_HOURS: '12' })).toMatchObject({ SOC_SHIFT_HOURS: 12, SOC_SLA_MINUTES: { critical: 5, informational: 600 } });
    const bad = ApiConfig.safeParse({ SOC_SLA_MINUTES: 'urgent:5,high:0,high:60,high:30', SOC_SHIFT_HOURS: '25', SOC_KPI_MAX_CASES: '5000' });
    expect(bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'SOC_SHIFT_HOURS: Too big: expected number to be <=24',
      expect.stringContaining('SOC_SLA_MINUTES: entry "urgent:5" is not <severity>:<minutes>'),
      expect.stringContaining('SOC_SLA_MINUTES: entry "high:0" is not'),
      'SOC_SLA_MINUTES: severity high is named twice',
      'SOC_KPI_MAX_CASES: Too big: expected number to be <=1000',
    ]);
  });

  it('reads an empty value (a chart default) as unset', () => {
    expect(ApiConfig.safeParse({ CONTAINMENT_APPROVERS: '', HUNT_PRINCIPALS: '' }).success).toBe(true);
  });

  it('maps Slack users to principals and lists every bad entry', () => {
    const ok = ApiConfig.parse({ SLACK_SIGNING_SECRET: 's3cret', SLACK_TEAM_ID: 'T0SOC', SLACK_APPROVERS: 'U0BOB:bob, U0ALICE:alice@contoso.com' });
    expect([...ok.SLACK_APPROVERS]).toEqual([['U0BOB', 'bob'], ['U0ALICE', 'alice@contoso.com']]);
    const bad = ApiConfig.safeParse({ SLACK_APPROVERS: 'bob,U0BOB:bob,U0BOB:eve,https://x:y' });
    expect(bad.error?.issues.map((i) => i.message)).toEqual([
      'entry "bob" is not <Slack user id (U…)>:<principal>',
      'Slack user U0BOB is mapped twice',
      'entry "https://x:y" is not <Slack user id (U…)>:<principal>',
    ]);
  });

  it('Slack interactions need the one workspace whose users may decide, and one secret source', () => {
    const noTeam = ApiConfig.safeParse({ SLACK_SIGNING_SECRET: 's3cret' });
    expect(noTeam.error?.issues.map((i) => i.path.join('.'))).toEqual(['SLACK_TEAM_ID']);
    const both = ApiConfig.safeParse({ SLACK_SIGNING_SECRET: 's3cret', SLACK_SIGNING_SECRET_FILE: '/run/secret', SLACK_TEAM_ID: 'T0' });
    expect(both.error?.issues.map((i) => i.path.join('.'))).toEqual(['SLACK_SIGNING_SECRET_FILE']);
  });

  it('maps Teams users (Entra object ids, any case) to principals, lists every bad entry, and needs the tenant with a bot', () => {
    const bob = 'B0B00000-0000-4000-8000-000000000001';
    const ok = ApiConfig.parse({ TEAMS_BOT_APP_ID: 'app', TEAMS_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47', TEAMS_APPROVERS: `${bob}:bob` });
    expect([...ok.TEAMS_APPROVERS]).toEqual([[bob.toLowerCase(), 'bob']]);
    expect(ok.TEAMS_OPENID_METADATA_URL).toBe('https://login.botframework.com/v1/.well-known/openidconfiguration');
    const bad = ApiConfig.safeParse({ TEAMS_APPROVERS: `29:1abc:bob,${bob}:bob,${bob.toLowerCase()}:eve` });
    expect(bad.error?.issues.map((i) => i.message)).toEqual([
      'entry "29:1abc:bob" is not <Entra user object id (GUID)>:<principal>',
      `Teams user ${bob.toLowerCase()} is mapped twice`,
    ]);
    expect(ApiConfig.safeParse({ TEAMS_BOT_APP_ID: 'app' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['TEAMS_TENANT_ID']);
  });
});
