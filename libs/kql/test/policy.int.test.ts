import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_PLUGINS, defaultKqlPolicy, durationMs, loadKqlPolicy } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kql-policy-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('loadKqlPolicy', () => {
  it('fills absent fields with the defaults', () => {
    const policy = loadKqlPolicy(write('partial.json', JSON.stringify({ tables: ['SigninLogs', 'AuditLogs'], rowCap: 500 })));
    expect(policy).toEqual({ ...defaultKqlPolicy, tables: ['SigninLogs', 'AuditLogs'], rowCap: 500 });
    expect(defaultKqlPolicy).toMatchObject({ tables: 'known', maxLookback: 'P30D', rowCap: 10000, allowedCrossScope: [] });
    expect(defaultKqlPolicy.allowedPlugins).toEqual(DEFAULT_ALLOWED_PLUGINS);
  });

  it('names every bad field and the file', () => {
    const file = write('bad.json', JSON.stringify({ tables: [], maxLookback: '30 days', rowCap: 0, allowedCrossScope: ['evil'], extra: 1 }));
    let error: unknown;
    try {
      loadKqlPolicy(file);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('CONFIGURATION_INVALID');
    const message = (error as Error).message;
    expect(message).toContain(`KQL policy ${file} is invalid`);
    for (const field of ['tables', 'maxLookback: must be an ISO 8601 day-time duration', 'rowCap', 'allowedCrossScope.0', '(root)']) expect(message).toContain(field);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadKqlPolicy(join(dir, 'nope.json'))).toThrow(/cannot be read as JSON: ENOENT/);
    expect(() => loadKqlPolicy(write('text.json', 'tables: *'))).toThrow(/cannot be read as JSON/);
  });
});

describe('durationMs', () => {
  it('reads ISO 8601 day-time durations', () => {
    expect(durationMs('P30D')).toBe(30 * 86_400_000);
    expect(durationMs('PT12H')).toBe(12 * 3_600_000);
    expect(durationMs('P1DT6H30M')).toBe(86_400_000 + 6.5 * 3_600_000);
    for (const bad of ['P', 'PT', '30d', 'P1M2D', 'P1W', '']) expect(durationMs(bad), bad).toBeUndefined();
  });
});
