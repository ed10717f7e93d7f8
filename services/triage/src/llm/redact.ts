import { isIP } from 'node:net';
import type { Alert, Enrichment, Entity, Fact, Triage } from '@soc/contracts';
import type { CopilotFacts } from './facts.ts';

/** The kinds of value replaced by a placeholder such as `<USER_1>`. */
export type PlaceholderKind = 'USER' | 'EMAIL' | 'IP' | 'HOST' | 'SECRET';

/** What to redact besides users, e-mail addresses and secrets, which are always redacted. */
export interface RedactOptions {
  /** Analysts need addresses in production answers; elsewhere they are personal data the model does not need. */
  ips: 'keep' | 'redact';
  hostnames: 'keep' | 'redact';
}

/** Defaults by environment: production keeps IP addresses, every other environment redacts them. */
export function redactionDefaults(environment: string): RedactOptions {
  return { ips: environment === 'production' ? 'keep' : 'redact', hostnames: 'redact' };
}

/** What {@link redact} returns: the redacted facts and the way back. */
export interface Redaction<T> {
  redacted: T;
  /** Maps placeholders in model output back to the original values; secrets become `[redacted secret]`. */
  restore: (text: string) => string;
  /** How many distinct values of each kind were replaced. */
  counts: Readonly<Record<PlaceholderKind, number>>;
}

/** What a secret placeholder turns into on the way back: secrets are never restored. */
export const REDACTED_SECRET = '[redacted secret]';

const PLACEHOLDER = /<(USER|EMAIL|IP|HOST|SECRET)_(\d{1,9})>/g;

/** One case's placeholder table: the same value always gets the same placeholder. */
class Vault {
  readonly byKey = new Map<string, string>();
  readonly originals = new Map<string, string>();
  readonly counts: Record<PlaceholderKind, number> = { USER: 0, EMAIL: 0, IP: 0, HOST: 0, SECRET: 0 };

  placeholder(kind: PlaceholderKind, original: string): string {
    const key = kind === 'SECRET' ? `${kind}\0${original}` : `${kind}\0${original.toLowerCase()}`;
    let p = this.byKey.get(key);
    if (p === undefined) {
      this.counts[kind] += 1;
      p = `<${kind}_${this.counts[kind]}>`;
      this.byKey.set(key, p);
      // Secrets are never kept: restore() must not be able to bring them back.
      this.originals.set(p, kind === 'SECRET' ? REDACTED_SECRET : original);
    }
    return p;
  }

  restore(text: string): string {
    return text.replace(PLACEHOLDER, (m) => this.originals.get(m) ?? m);
  }
}

// Every quantifier below is bounded or a single greedy class, and none is nested, so each pattern runs in time
// linear in the input (alert content is attacker-controlled). Named group `s` is the secret, `p` and `q` are kept;
// without `s` the whole match is the secret.
const SECRET_PATTERNS: RegExp[] = [
  // PEM private keys.
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,10000}?-----END [A-Z ]{0,40}PRIVATE KEY-----/g,
  // JSON Web Tokens (header and payload are base64url JSON, so both start with eyJ).
  /\beyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,4096}/g,
  // Authorization headers and bare bearer tokens.
  /(?<p>\bAuthorization\s{0,3}[=:]\s{0,3}(?:[A-Za-z]{1,16}\s{1,3})?)(?<s>[^\s"',;]{1,4096})/gi,
  /(?<p>\bBearer\s{1,3})(?<s>[A-Za-z0-9._~+/=-]{8,4096})/gi,
  // Credentials in URLs: scheme://user:password@host.
  /(?<p>:\/\/)(?<s>[^\s/:@]{1,256}:[^\s/@]{1,256})(?<q>@)/g,
  // key=value and key: value pairs, including connection strings (Password=…; AccountKey=…) and SAS signatures.
  /(?<p>\b(?:password|passwd|pwd|secret|client_?secret|api[_-]?key|access[_-]?key|secret[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|sig|token|access_token|refresh_token|id_token|private[_-]?key)["']?\s{0,3}[=:]\s{0,3})(?<s>"[^"\r\n]{1,512}"|'[^'\r\n]{1,512}'|[^\s;&,"'<>]{1,512})/gi,
  // Command-line switches: -Password x, ConvertTo-SecureString 'x'.
  /(?<p>(?:-(?:password|passwd|pwd|secret|token|apikey|accesskey)|ConvertTo-SecureString)\s{1,3})(?<s>"[^"\r\n]{1,512}"|'[^'\r\n]{1,512}'|[^\s"']{1,512})/gi,
  // Well-known key formats: AWS access key ids, GitHub, Slack and OpenAI-style keys.
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,255}/g,
  /\bsk-[A-Za-z0-9_-]{20,255}/g,
];

const LONG_TOKEN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
const IPV6_CANDIDATE = /(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]{3,45}(?![0-9A-Za-z:.])/g;
// Tokens for known-value lookup: runs without whitespace, quotes or brackets.
const TOKEN = /[^\s"'`<>()[\]{},;|]+/g;
const TOKEN_PARTS = /[\\/=:?&]+/;

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A long random-looking token: mixed case and digits, high entropy. Hex strings (hashes, GUIDs, device ids) and
 * paths are identifiers analysts need, not secrets.
 */
export function isHighEntropyToken(token: string): boolean {
  if (token.length < 32 || token.startsWith('/')) return false;
  if (/^[0-9a-fA-F-]+$/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/\d/.test(token)) return false;
  return entropy(token) >= 4;
}

class Redactor {
  readonly vault = new Vault();
  // lower-cased known value → placeholder
  readonly known = new Map<string, string>();
  // original entity id → redacted entity id
  readonly entityIds = new Map<string, string>();
  readonly options: RedactOptions;

  constructor(options: RedactOptions) {
    this.options = options;
  }

  /** Registers an entity's identifying values so they are replaced wherever they appear. */
  learn(entity: Entity): void {
    const alias = (kind: PlaceholderKind, canonical: string, ...others: (string | undefined)[]): void => {
      const p = this.known.get(canonical.toLowerCase()) ?? this.vault.placeholder(kind, canonical);
      for (const v of [canonical, ...others]) {
        if (v !== undefined && v.length >= 2 && !this.known.has(v.toLowerCase())) this.known.set(v.toLowerCase(), p);
      }
    };
    switch (entity.type) {
      case 'user': {
        const bare = entity.value.includes('\\') ? entity.value.slice(entity.value.lastIndexOf('\\') + 1) : undefined;
        alias('USER', entity.value, entity.name, entity.upn, bare);
        break;
      }
      case 'mailbox':
        alias('EMAIL', entity.value, entity.displayName);
        break;
      case 'host':
        if (this.options.hostnames === 'redact') {
          const short = (entity.fqdn ?? entity.value).split('.')[0];
          alias('HOST', entity.value, entity.hostname, entity.fqdn, short);
        }
        break;
      case 'ip':
        if (this.options.ips === 'redact') alias('IP', entity.value);
        break;
      case 'hash':
      case 'file':
      case 'process':
      case 'url':
      case 'domain':
      case 'registry':
      case 'cloud-resource':
        break;
    }
  }

  text(input: string): string {
    const whole = this.known.get(input.toLowerCase());
    if (whole !== undefined) return whole;
    // An attacker could plant a placeholder so that restore() writes a real user name into the answer.
    let s = input.replace(PLACEHOLDER, (_m, kind: string, n: string) => `‹${kind}_${n}›`);
    for (const re of SECRET_PATTERNS) {
      s = s.replace(re, (m: string, ...rest: unknown[]) => {
        const g = rest.at(-1) as Partial<Record<'p' | 's' | 'q', string>> | string;
        if (typeof g !== 'object' || g.s === undefined) return this.vault.placeholder('SECRET', m);
        return `${g.p ?? ''}${this.vault.placeholder('SECRET', g.s)}${g.q ?? ''}`;
      });
    }
    s = s.replace(LONG_TOKEN, (m) => (isHighEntropyToken(m) ? this.vault.placeholder('SECRET', m) : m));
    if (this.known.size > 0) s = s.replace(TOKEN, (t) => this.token(t));
    s = s.replace(EMAIL, (m) => this.known.get(m.toLowerCase()) ?? this.vault.placeholder('EMAIL', m));
    if (this.options.ips === 'redact') {
      s = s.replace(IPV6_CANDIDATE, (m) => (m.includes(':') && isIP(m) === 6 ? this.vault.placeholder('IP', m) : m));
      s = s.replace(IPV4, (m) => this.vault.placeholder('IP', m));
    }
    return s;
  }

  /** A token, or its parts split at path and key separators, looked up among the known values. */
  private token(t: string): string {
    const trimmed = t.replace(/[.:]+$/, '');
    const hit = this.known.get(trimmed.toLowerCase());
    if (hit !== undefined) return hit + t.slice(trimmed.length);
    if (!TOKEN_PARTS.test(t)) return t;
    // An entity id, `<type>:<value>`, whose value may itself contain separators (DOMAIN\user).
    const colon = trimmed.indexOf(':');
    const value = colon > 0 ? this.known.get(trimmed.slice(colon + 1).toLowerCase()) : undefined;
    if (value !== undefined) return `${t.slice(0, colon + 1)}${value}${t.slice(trimmed.length)}`;
    return t.replace(/[^\\/=:?&]+/g, (part) => {
      const p = part.replace(/\.+$/, '');
      const h = this.known.get(p.toLowerCase());
      return h === undefined ? part : h + part.slice(p.length);
    });
  }

  /**
   * An entity id, `<type>:<value>`: the type prefix is structure and stays, the value is redacted like any value.
   * Remembered, so facts and factors that cite the entity get the same redacted id.
   */
  entityId(e: Entity): string {
    const prefix = `${e.type}:`;
    const redacted = e.id.startsWith(prefix) ? `${prefix}${this.text(e.id.slice(prefix.length))}` : this.text(e.id);
    this.entityIds.set(e.id, redacted);
    return redacted;
  }

  /**
   * A fact or evidence id: an entity id, `<kind>:…:<entity id>` (history:user:alice) with the entity's redacted id,
   * or `<kind>:<rest>` with its leading kind kept. Deterministic, so every citation of an id gets the same result.
   */
  refId(id: string): string {
    const entity = this.entityIds.get(id);
    if (entity !== undefined) return entity;
    for (let colon = id.indexOf(':'); colon > 0; colon = id.indexOf(':', colon + 1)) {
      const cited = this.entityIds.get(id.slice(colon + 1));
      if (cited !== undefined) return `${id.slice(0, colon + 1)}${cited}`;
    }
    const colon = id.indexOf(':');
    return colon > 0 ? `${id.slice(0, colon + 1)}${this.text(id.slice(colon + 1))}` : this.text(id);
  }

  /** Applies a shape: each field of the contract is kept, redacted as a value, or mapped; fields it does not name are dropped. */
  shaped<T extends object>(value: T, shape: Shape<T>): T {
    const out: Record<string, unknown> = {};
    const rules = shape as Record<string, Treatment<string> | undefined>;
    for (const [k, v] of Object.entries(value)) {
      const rule = rules[k];
      // A field the shape does not know (a newer contract) is left out rather than sent unredacted.
      if (rule === undefined || rule === 'drop' || v === undefined) continue;
      out[k] = rule === 'keep' ? v : rule === 'value' ? (typeof v === 'string' ? this.text(v) : v) : rule(v as never, this);
    }
    return out as T;
  }

  entity(e: Entity): Entity {
    return { ...this.shaped(e, ENTITY_SHAPES[e.type] as Shape<Entity>), id: this.entityId(e) };
  }
}

/**
 * How redaction treats one field of the contract: `keep` for structure and vocabulary (types, discriminators, enums,
 * origins, roles, sources, scores, times), `value` for a string an attacker or a person wrote or is named by, a function
 * for nested values and ids, `drop` for what the copilot never sees. Decided by the field, never by its value.
 */
type Treatment<V> = 'keep' | 'drop' | (NonNullable<V> extends string ? 'value' : never) | ((value: NonNullable<V>, r: Redactor) => unknown);
/** Every field of `T` must be classified, so a field added to the contract does not compile until it is. */
type Shape<T> = { [K in keyof Required<T>]: Treatment<T[K]> };
type EntityOf<K extends Entity['type']> = Extract<Entity, { type: K }>;

const texts = (values: readonly string[], r: Redactor): string[] => values.map((v) => r.text(v));
// The id is set by Redactor.entity(), which needs the entity's type.
const ENTITY_BASE = { id: 'drop', type: 'keep', value: 'value', origin: 'keep', role: 'keep' } as const;
const ENTITY_SHAPES: { [K in Entity['type']]: Shape<EntityOf<K>> } = {
  ip: { ...ENTITY_BASE, isInternal: 'keep' },
  host: { ...ENTITY_BASE, hostname: 'value', fqdn: 'value', os: 'value', deviceId: 'value' },
  user: { ...ENTITY_BASE, name: 'value', domain: 'value', upn: 'value', sid: 'value', objectId: 'value' },
  hash: { ...ENTITY_BASE, algorithm: 'keep' },
  file: { ...ENTITY_BASE, name: 'value', path: 'value', hashes: (hs, r) => hs.map((h) => ({ algorithm: h.algorithm, value: r.text(h.value) })) },
  process: { ...ENTITY_BASE, name: 'value', commandLine: 'value', pid: 'keep', parentName: 'value' },
  url: ENTITY_BASE,
  domain: ENTITY_BASE,
  mailbox: { ...ENTITY_BASE, displayName: 'value' },
  registry: { ...ENTITY_BASE, key: 'value', valueName: 'value', data: 'value' },
  'cloud-resource': { ...ENTITY_BASE, provider: 'value', resourceType: 'value' },
};

const ATTACK_REF: Shape<Alert['attack'][number]> = { tactic: 'keep', techniqueId: 'keep', techniqueName: 'keep' };
const ALERT: Shape<Alert> = {
  schemaVersion: 'keep',
  alertId: 'keep',
  tenantId: 'keep',
  source: (s, r) => r.shaped(s, { name: 'keep', product: 'value', vendor: 'value', vendorAlertId: 'value', url: 'value' }),
  title: 'value',
  description: 'value',
  severity: 'keep',
  status: 'keep',
  detectedAt: 'keep',
  firstSeenAt: 'keep',
  lastSeenAt: 'keep',
  modifiedAt: 'keep',
  rule: (rule, r) => r.shaped(rule, { id: 'value', name: 'value' }),
  attack: (attack, r) => attack.map((a) => r.shaped(a, ATTACK_REF)),
  entities: (entities, r) => entities.map((e) => r.entity(e)),
  labels: texts,
  rawRef: 'drop',
  // The raw events are read by the deterministic engine (Sigma, behaviours); the model sees their facts through the
  // entities and factors, so no second, unredacted copy of attacker-written fields goes into the prompt.
  sourceEvents: 'drop',
  // Who sent it: a credential's name, of no use to the model.
  sender: 'drop',
  // Which revision of a re-sent alert this is: bookkeeping the model does not need.
  revision: 'drop',
};
const FACT: Shape<Fact> = {
  id: (id, r) => r.refId(id),
  kind: 'keep',
  entityId: (id, r) => r.refId(id),
  source: 'keep',
  observedAt: 'keep',
  confidence: 'keep',
  cacheHit: 'keep',
  statement: 'value',
  // Attribute names are the enrichment source's vocabulary; their string values are values.
  attributes: (attributes, r) => Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, typeof v === 'string' ? r.text(v) : v])),
};
const ENRICHMENT: Shape<Enrichment> = {
  facts: (facts, r) => facts.map((f) => r.shaped(f, FACT)),
  missing: (missing, r) => missing.map((m) => r.shaped(m, { source: 'keep', reason: 'value' })),
  // Fetched raw events, like the alert's own, are read by the deterministic engine; the model sees its factors.
  sourceEvents: 'drop',
};
const TRIAGE: Shape<Triage> = {
  engine: 'keep',
  risk: (risk, r) =>
    r.shaped(risk, {
      score: 'keep',
      level: 'keep',
      // Factor names are the engine's vocabulary (factor:<name> is an evidence id); their evidence is text.
      factors: (factors, r2) => factors.map((f) => r2.shaped(f, { name: 'keep', points: 'keep', evidence: 'value', factIds: (ids, r3) => ids.map((id) => r3.refId(id)) })),
    }),
  verdict: 'keep',
  summary: 'value',
  nextSteps: texts,
  attack: (attack, r) => attack.map((a) => r.shaped(a, { ...ATTACK_REF, confidence: 'keep', basis: 'keep' })),
  // The copilot's own earlier note is not part of what it is asked about.
  copilot: 'drop',
};

/**
 * Replaces users, e-mail addresses, secrets and (by option) IP addresses and hostnames in every value of the case
 * (entity values and their descriptive fields, free text, fact statements and attribute values, the values inside
 * ids) with stable placeholders, so no personal data or credential reaches the model. Structure is never touched:
 * keys, entity types, origins, roles, severities, statuses, algorithms, fact kinds and sources, factor names and
 * verdicts are kept whatever their value, so an account named `USER` or `host` cannot change what an entity is.
 * Which fields are values is decided by the contract (each field is classified), never by the value. Pure and
 * linear-time.
 */
export function redact(facts: CopilotFacts, options: Partial<RedactOptions> = {}): Redaction<CopilotFacts> {
  const { texts: _none, ...redaction } = redactWithTexts(facts, [], options);
  return redaction;
}

/**
 * {@link redact}, and free texts about the case (an analyst's question) redacted as alert text is, with the same
 * placeholders: a user the question names is the `<USER_n>` the facts call them.
 */
export function redactWithTexts(facts: CopilotFacts, texts: readonly string[], options: Partial<RedactOptions> = {}): Redaction<CopilotFacts> & { texts: string[] } {
  const r = new Redactor({ ips: options.ips ?? 'redact', hostnames: options.hostnames ?? 'redact' });
  for (const e of facts.alert.entities) r.learn(e);
  // The alert first: its entities' redacted ids are what the facts and factors then cite.
  const redacted: CopilotFacts = {
    alert: r.shaped(facts.alert, ALERT),
    enrichment: r.shaped(facts.enrichment, ENRICHMENT),
    triage: r.shaped(facts.triage, TRIAGE),
  };
  const redactedTexts = texts.map((t) => r.text(t));
  return { redacted, texts: redactedTexts, restore: (text) => r.vault.restore(text), counts: { ...r.vault.counts } };
}

/**
 * Replaces what looks like a secret in a text (the patterns {@link redact} uses, and long high-entropy tokens) by
 * {@link REDACTED_SECRET}, and counts them: the last check of an answer before anyone reads it.
 */
export function redactSecrets(text: string): { text: string; count: number } {
  let count = 0;
  let s = text;
  for (const re of SECRET_PATTERNS) {
    s = s.replace(re, (m: string, ...rest: unknown[]) => {
      count++;
      const g = rest.at(-1) as Partial<Record<'p' | 's' | 'q', string>> | string;
      return typeof g !== 'object' || g.s === undefined ? REDACTED_SECRET : `${g.p ?? ''}${REDACTED_SECRET}${g.q ?? ''}`;
    });
  }
  s = s.replace(LONG_TOKEN, (m) => {
    if (!isHighEntropyToken(m)) return m;
    count++;
    return REDACTED_SECRET;
  });
  return { text: s, count };
}

/** Applies `restore` to every string of a value (e.g. a whole copilot answer). */
export function restoreDeep<T>(value: T, restore: (text: string) => string): T {
  if (typeof value === 'string') return restore(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => restoreDeep(v, restore)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreDeep(v, restore)])) as T;
  }
  return value;
}
