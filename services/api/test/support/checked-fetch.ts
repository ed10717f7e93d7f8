import { afterAll, expect } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/document.ts';
import { responseChecker } from '../../src/testing/openapi-check.ts';

/**
 * Imported by an int test file: every `fetch` of the file whose method and path the OpenAPI document describes has
 * its response checked against it (status, content type, body schema); a response that does not match rejects the
 * fetch, so the test fails where it made the call. At the end the file must have checked at least one response.
 */
const check = responseChecker(buildOpenApiDocument());
const original = globalThis.fetch;
export const checkedRoutes = new Set<string>();

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const response = await original(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const result = check({ method, path: url.pathname, status: response.status, contentType: response.headers.get('content-type'), body: await response.clone().text() });
  if (result.documented) {
    checkedRoutes.add(result.route);
    if (result.errors.length > 0) throw new Error(`The response does not match the OpenAPI document:\n${result.errors.join('\n')}`);
  }
  return response;
};

afterAll(() => {
  expect(checkedRoutes.size, 'responses checked against the OpenAPI document').toBeGreaterThan(0);
});
