// The console's one door to the API: bearer token from sessionStorage (this tab only, gone when it closes), JSON in
// and out, problem details (RFC 9457) turned into an ApiError. No cookies are sent.

const KEY = 'soc.console.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls `/api/v1…` with the analyst's token; resolves to the parsed JSON or throws an ApiError. */
export async function api(path, { method, body } = {}) {
  const bearer = token.get();
  if (!bearer) throw new ApiError(401, { title: 'No API token', detail: 'Paste your API token in the form at the top of the page.' });
  const res = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, data && typeof data === 'object' ? data : { title: `HTTP ${res.status}` });
  return data;
}
