import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { TicketingConfig } from '../src/config.ts';
import { serviceNowMappingOf, serviceNowTicketSystemOf } from '../src/service.ts';
import { ServiceNowStandIn } from './support/servicenow-stand-in.ts';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(TicketingConfig, env);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('ticketing configuration', () => {
  let standIn: ServiceNowStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  it('keeps local tickets by default and needs nothing else', () => {
    expect(loadConfig(TicketingConfig, {})).toMatchObject({ TICKET_SYSTEM: 'local' });
  });

  it('names what ServiceNow is missing at start-up, never a secret', () => {
    const none = problemsOf({ TICKET_SYSTEM: 'servicenow' });
    expect(none).toContain('SERVICENOW_INSTANCE_URL: required when TICKET_SYSTEM=servicenow');
    expect(none).toMatch(/SERVICENOW_CLIENT_ID: .*SERVICENOW_USERNAME and SERVICENOW_PASSWORD/);
    const half = problemsOf({ TICKET_SYSTEM: 'servicenow', SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com', SERVICENOW_PASSWORD: 'hunter2-secret' });
    expect(half).toContain('SERVICENOW_USERNAME: required with SERVICENOW_PASSWORD');
    expect(half).not.toContain('hunter2-secret');
    const both = problemsOf({ TICKET_SYSTEM: 'servicenow', SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com', SERVICENOW_CLIENT_ID: 'c', SERVICENOW_CLIENT_SECRET: 's', SERVICENOW_USERNAME: 'u', SERVICENOW_PASSWORD: 'p' });
    expect(both).toContain('not both');
  });

  it('accepts https, and http only to a loopback host', () => {
    const auth = { TICKET_SYSTEM: 'servicenow', SERVICENOW_USERNAME: 'u', SERVICENOW_PASSWORD: 'p' };
    expect(problemsOf({ ...auth, SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com' })).toBe('');
    expect(problemsOf({ ...auth, SERVICENOW_INSTANCE_URL: 'http://127.0.0.1:8080' })).toBe('');
    expect(problemsOf({ ...auth, SERVICENOW_INSTANCE_URL: 'http://acme.service-now.com' })).toContain('SERVICENOW_INSTANCE_URL: SERVICENOW_INSTANCE_URL must be https://');
    expect(problemsOf({ ...auth, SERVICENOW_INSTANCE_URL: 'https://u:p@acme.service-now.com' })).toContain('without credentials');
  });

  it('refuses a mapping file that would overwrite the adapter\'s own fields, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snow-map-'));
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify({ fields: { correlation_id: 'x' } }));
    const config = loadConfig(TicketingConfig, { TICKET_SYSTEM: 'servicenow', SERVICENOW_INSTANCE_URL: 'https://a.service-now.com', SERVICENOW_USERNAME: 'u', SERVICENOW_PASSWORD: 'p', SERVICENOW_FIELD_MAPPING_FILE: file });
    expect(() => serviceNowMappingOf(config)).toThrow(/SERVICENOW_FIELD_MAPPING_FILE=.*mapping\.json is not a valid field mapping:\n {2}- fields: fields may not set/);
    writeFileSync(file, '{ not json');
    expect(() => serviceNowMappingOf(config)).toThrow(/is not a readable JSON file/);
  });

  it('wires a ServiceNow adapter from the variables and the mapping file (variables win)', async () => {
    standIn = new ServiceNowStandIn({ kind: 'basic', username: 'soc.integration', password: 'pw' });
    const url = await standIn.start();
    const dir = mkdtempSync(join(tmpdir(), 'snow-map-'));
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify({ priorities: { '1': { impact: 1, urgency: 1 }, '2': { impact: 2, urgency: 1 }, '3': { impact: 2, urgency: 2 }, '4': { impact: 3, urgency: 2 }, '5': { impact: 3, urgency: 3 } }, category: 'network', assignmentGroup: 'from-file', correlationDisplay: 'SOC Copilot (prod)' }));
    const config = loadConfig(TicketingConfig, {
      TICKET_SYSTEM: 'servicenow',
      SERVICENOW_INSTANCE_URL: url.href,
      SERVICENOW_USERNAME: 'soc.integration',
      SERVICENOW_PASSWORD: 'pw',
      SERVICENOW_FIELD_MAPPING_FILE: file,
      SERVICENOW_ASSIGNMENT_GROUP: 'from-env',
    });
    const system = serviceNowTicketSystemOf(config);
    await system.open({ idempotencyKey: 'alt-1:ticket', actionId: 'act-1', alertId: 'alt-1', correlationId: 'c', title: 't', description: 'd', priority: 2 });
    expect(JSON.parse(standIn.calls.at(-1)!.body)).toMatchObject({ impact: '2', urgency: '1', category: 'network', assignment_group: 'from-env', correlation_display: 'SOC Copilot (prod)' });
  });
});
