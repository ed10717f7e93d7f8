import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TOKEN, UI_TOKEN, startTestServer, type TestServer } from './test-app.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.http.close());

const me = (authorization?: string) =>
  fetch(t.url('/me?access_token=query-token-must-not-be-logged'), {
    headers: authorization === undefined ? {} : { authorization },
  });

/** Everything a caller and an operator can see of an exchange. */
const visible = async (response: Response) =>
  `${JSON.stringify([...response.headers])}${await response.text()}${t.log.text()}`;

describe('bearerAuth', () => {
  it.each([
    ['cli', `Bearer ${CLI_TOKEN}`],
    ['ui', `Bearer ${UI_TOKEN}`],
    ['cli', `bearer   ${CLI_TOKEN}`],
  ])('accepts the %s token and sets the principal to its name', async (name, header) => {
    const response = await me(header);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ principal: name });
    const line = t.log.lines().at(-1);
    expect(line).toMatchObject({ msg: 'request finished', principal: name, status: 200, path: '/me' });
  });

  it('answers a missing token with 401, WWW-Authenticate and a problem', async () => {
    const response = await me();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="soc"');
    expect(await response.json()).toMatchObject({ type: 'urn:soc:problem:unauthorized', status: 401 });
  });

  it.each([
    ['wrong token', 'Bearer wrong-token-0000000000000'],
    ['prefix of a real token', `Bearer ${CLI_TOKEN.slice(0, -1)}`],
    ['real token plus a character', `Bearer ${CLI_TOKEN}x`],
    ['other scheme', `Basic ${Buffer.from(`cli:${CLI_TOKEN}`).toString('base64')}`],
    ['empty bearer', 'Bearer '],
  ])('answers a %s with 401 invalid_token and never echoes it', async (_name, header) => {
    const response = await me(header);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="soc", error="invalid_token"');
    const text = await visible(response);
    const presented = header.split(' ').at(-1) ?? '';
    if (presented.length > 0) expect(text).not.toContain(presented);
  });

  it('never writes a token or a query string to the log', async () => {
    await me(`Bearer ${CLI_TOKEN}`);
    await me('Bearer wrong-token-0000000000000');
    const log = t.log.text();
    expect(log).not.toContain(CLI_TOKEN);
    expect(log).not.toContain('wrong-token-0000000000000');
    expect(log).not.toContain('query-token-must-not-be-logged');
  });
});
