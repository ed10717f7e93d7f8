import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, runServices } from '@soc/platform';
import { buildOpenApiDocument } from '../src/openapi/document.ts';
import { apiService } from '../src/service.ts';
import './support/checked-fetch.ts';

const VIEWER = 'openapi-viewer-token-0123456789';
const NO_ROLE = 'openapi-norole-token-0123456789';
let dataDir: string;
let system: RunningSystem;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soc-openapi-'));
  system = await runServices([apiService], {
    env: {
      SOC_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      SOC_API_TOKENS: `vera:${VIEWER},nemo:${NO_ROLE}`,
      SOC_API_ROLES: 'vera:viewer',
    },
    handleSignals: false,
  });
});
afterAll(async () => {
  await system.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const get = (token?: string) => fetch(`${system.url}/api/v1/openapi.json`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

describe('GET /api/v1/openapi.json', () => {
  it('serves the document to a viewer', async () => {
    const res = await get(VIEWER);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('needs a token (401) and the viewer role (403), as problem details', async () => {
    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const noRole = await get(NO_ROLE);
    expect(noRole.status).toBe(403);
    expect(((await noRole.json()) as { type: string }).type).toBe('urn:soc:problem:missing-role');
  });
});
