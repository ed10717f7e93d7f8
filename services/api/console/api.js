// The console's one door to the API: the session cookie (HttpOnly, SameSite=Strict, sent by the browser, never read
// here) with the session's CSRF token on unsafe methods, JSON in and out, problem details (RFC 9457) turned into an
// ApiError.
import { currentSession, sessionEnded } from './session.js';

const SAFE = new Set(['GET', 'HEAD']);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls `/api/v1…` as the signed-in analyst; resolves to the parsed JSON or throws an ApiError. */
export async function api(path, { method, body } = {}) {
  const session = currentSession();
  if (!session) throw new ApiError(401, { title: 'Not signed in', detail: 'Sign in at the top of the page: paste your API token, or sign in with Microsoft.' });
  const verb = method ?? (body === undefined ? 'GET' : 'POST');
  const res = await fetch(path, {
    method: verb,
    headers: { accept: 'application/json', ...(SAFE.has(verb) ? {} : { 'x-csrf-token': session.csrfToken }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.status === 401) sessionEnded();
  if (!res.ok) throw new ApiError(res.status, data && typeof data === 'object' ? data : { title: `HTTP ${res.status}` });
  return data;
}
