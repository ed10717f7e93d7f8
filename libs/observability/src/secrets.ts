// Keys are compared case-insensitively with separators removed, so `apiKey`, `api_key`, `x-api-key` and `API-KEY`
// are one key, and HTTP headers (lower case in Node) match their documented spelling.
const normalizeKey = (key: string): string => key.toLowerCase().replace(/[-_.\s]/g, '');

/**
 * Keys whose values are credentials wherever they appear in a logged object (compared case-insensitively,
 * ignoring `-`, `_` and `.`). `signature` is deliberately absent: in a SOC it names an IDS rule, not a secret.
 */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'pwd',
  'key',
  'sas',
  'sig',
  'bearer',
  'credentials',
  'webhookUrl',
  'x-functions-key',
];

/**
 * Key endings that mark a credential (`password`, `dbPassword`, `clientSecret`, `githubToken`, `mispApiKey`,
 * `storageConnectionString` …). Plural `tokens` (LLM usage counts) does not match.
 */
export const SECRET_KEY_SUFFIXES: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'accountkey',
  'privatekey',
  'sharedaccesskey',
  'connectionstring',
];

const exactKeys = new Set(SECRET_KEYS.map(normalizeKey));
const suffixes = SECRET_KEY_SUFFIXES.map(normalizeKey);
// Log objects reuse a small set of keys; caching the verdict keeps redaction to a map lookup per key.
const verdicts = new Map<string, boolean>();
const MAX_CACHED_VERDICTS = 10_000;

/** Whether a property name holds a credential (see {@link SECRET_KEYS} and {@link SECRET_KEY_SUFFIXES}). */
export function isSecretKey(key: string): boolean {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    const k = normalizeKey(key);
    verdict = exactKeys.has(k) || suffixes.some((suffix) => k.endsWith(suffix));
    if (verdicts.size < MAX_CACHED_VERDICTS) verdicts.set(key, verdict);
  }
  return verdict;
}

/** The replacement for every redacted value. */
export const REDACTED = '[REDACTED]';

/** Plain objects nested deeper than this are logged as `[Object]`/`[Array]`, so no secret hides below the walk. */
export const REDACT_DEPTH = 10;

function redactValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (depth >= REDACT_DEPTH) return '[Array]';
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactValue(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[i] = redacted;
    }
    return copy ?? value;
  }
  // Errors, Dates, Buffers and other class instances are left to their serializers (errors have a safe one).
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  if (depth >= REDACT_DEPTH) return '[Object]';
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const redacted = item !== undefined && item !== null && isSecretKey(key) ? REDACTED : redactValue(item, depth + 1);
    if (redacted !== item) (copy ??= { ...record })[key] = redacted;
  }
  return copy ?? value;
}

/**
 * Replaces the values of secret keys at any depth of plain objects and arrays with {@link REDACTED}. Copy on write:
 * the caller's objects are never mutated, and an object without secrets is returned as is.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, 0) as T;
}

interface Scrubber {
  /** A cheap test that must pass before the pattern runs; most lines skip most patterns. */
  readonly applies: (text: string) => boolean;
  readonly pattern: RegExp;
  readonly replacement: string | ((match: string, ...groups: string[]) => string);
}

const JSON_SECRET_KEYS =
  'password|secret|token|accessToken|access_token|apiKey|api_key|authorization|connectionString|clientSecret|client_secret';
const hasEquals = (text: string): boolean => text.includes('=');
const JSON_SECRET_KEY_TEST = new RegExp(`(?:${JSON_SECRET_KEYS})\\\\?"\\s*:`, 'i');

// Every pattern stops at quotes and backslashes, so scrubbing a serialized JSON line keeps it valid JSON.
const SCRUBBERS: readonly Scrubber[] = [
  // https://user:password@host → https://[REDACTED]@host (any scheme: amqps, sb, redis, postgres …)
  {
    applies: (text) => text.includes('://'),
    pattern: /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#@"'\\]+@/gi,
    replacement: `$1${REDACTED}@`,
  },
  // Connection strings and query strings: AccountKey=…; SharedAccessKey=…; Password=…; ?sig=…&token=…
  {
    applies: hasEquals,
    pattern:
      /\b(password|pwd|secret|client_secret|token|access_token|refresh_token|id_token|api[_-]?key|key|sig|sas|sastoken|sharedaccesskey|accountkey|accesskey)=[^;&\s"'\\]+/gi,
    replacement: `$1=${REDACTED}`,
  },
  // Service Bus SAS tokens contain spaces: SharedAccessSignature=SharedAccessSignature sr=…&sig=…&se=…
  { applies: hasEquals, pattern: /\b(sharedaccesssignature)=[^;"'\\]+/gi, replacement: `$1=${REDACTED}` },
  {
    applies: (text) => text.includes('SharedAccessSignature sr='),
    pattern: /\bSharedAccessSignature sr=[^;"'\\]+/g,
    replacement: `SharedAccessSignature ${REDACTED}`,
  },
  // Authorization header values quoted in messages. Prose ("basic checks", "bearer token missing") is spared:
  // credentials are at least 8 characters, and Basic ones are base64, whose length is a multiple of 4.
  {
    applies: (text) => /bearer|basic/i.test(text),
    pattern: /\b(bearer|basic)\s+([\w.~+/-]{8,}=*)/gi,
    replacement: (match, scheme = '', credential = '') =>
      scheme.toLowerCase() === 'basic' && credential.length % 4 !== 0 ? match : `${scheme} ${REDACTED}`,
  },
  // Serialized JSON fragments inside strings, e.g. an error message quoting a request body: "password":"…"
  {
    applies: (text) => JSON_SECRET_KEY_TEST.test(text),
    pattern: new RegExp(`((?:\\\\?")(?:${JSON_SECRET_KEYS})(?:\\\\?")\\s*:\\s*\\\\?")[^"\\\\]*`, 'gi'),
    replacement: `$1${REDACTED}`,
  },
  // JSON Web Tokens anywhere.
  { applies: (text) => text.includes('eyJ'), pattern: /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, replacement: REDACTED },
];

/**
 * Removes credentials from free text: URL user-info, secret key=value pairs of connection and query strings,
 * bearer/basic credentials and JWTs. Best effort by pattern, so it complements (never replaces) key-based redaction.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const { applies, pattern, replacement } of SCRUBBERS) {
    if (!applies(out)) continue;
    // Two calls because String#replace's overloads take a string or a function, not their union.
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** The log-safe shape of an error. */
export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  retryable?: boolean;
  status?: number;
  details?: unknown;
  cause?: SerializedError;
  errors?: SerializedError[];
}

const MAX_CAUSE_DEPTH = 3;
const MAX_AGGREGATED = 5;

/**
 * Serializes any thrown value for a log line. Only known-safe fields are copied, because library errors often carry
 * request configs with headers and credentials as enumerable properties; message and stack are scrubbed.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: scrubSecrets(String(error)) };
  }
  const out: SerializedError = { type: error.name || error.constructor.name, message: scrubSecrets(error.message) };
  if (error.stack !== undefined) out.stack = scrubSecrets(error.stack);
  const fields = error as unknown as Record<string, unknown>;
  if (typeof fields.code === 'string' || typeof fields.code === 'number') out.code = fields.code;
  if (typeof fields.retryable === 'boolean') out.retryable = fields.retryable;
  const status = fields.statusCode ?? fields.status;
  if (typeof status === 'number') out.status = status;
  // AppError details are documented as caller-safe; key-based redaction still applies, as a second line.
  if (fields.details !== undefined && error.name === 'AppError') out.details = redactSecrets(fields.details);
  if (depth < MAX_CAUSE_DEPTH) {
    if (error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError) {
      out.errors = (error.errors as unknown[]).slice(0, MAX_AGGREGATED).map((e) => serializeError(e, depth + 1));
    }
  }
  return out;
}
