// The console's session: who is signed in (GET /auth/session), sign-in with an API token (POST /auth/session: the
// token is sent once and never stored), sign-out (DELETE /auth/session). The session itself is an HttpOnly cookie
// this script cannot read; what it keeps in memory is the CSRF token every unsafe request must carry.

/** @type {{ principal: string, roles: string[], tenants: string[] | '*', csrfToken: string, signedInWith: string, expiresAt: string } | null} */
let current = null;
/** How one may sign in here (the 401 of GET /auth/session says): a token always, Microsoft when configured. */
let options = { token: true, oidc: false };

export const currentSession = () => current;
export const signInOptions = () => options;

/** The session ended (signed out elsewhere, expired, or the principal was removed): tell the page. */
export function sessionEnded() {
  if (current === null) return;
  current = null;
  window.dispatchEvent(new Event('soc:session-ended'));
}

async function call(method, body, csrf) {
  const res = await fetch('/auth/session', {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  return { ok: res.ok, status: res.status, data };
}

/** Asks who is signed in; null when nobody is. */
export async function refreshSession() {
  const r = await call('GET');
  current = r.ok ? r.data : null;
  if (!r.ok && r.data && typeof r.data.signIn === 'object') options = { token: true, oidc: r.data.signIn.oidc === true };
  return current;
}

/** Exchanges an API token for a session cookie; resolves to the session or `{ error }`. */
export async function signIn(token) {
  const r = await call('POST', { token });
  if (!r.ok) return { error: (r.data && r.data.detail) || `HTTP ${r.status}` };
  current = r.data;
  return { session: current };
}

/** Ends the session on the server and forgets it here. */
export async function signOut() {
  if (current !== null) await call('DELETE', undefined, current.csrfToken);
  // Asks again: the answer also says how one may sign in (Microsoft or not).
  await refreshSession();
}
