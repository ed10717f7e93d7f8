import { z } from 'zod';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { canonicalIndicators, isNonPublicIp } from './canonical.ts';
import { parseFeedDate } from './feed-entry.ts';
import { MispAttribute, mispAttributeEntries } from './misp-feed.ts';
import { requestJson, unexpectedShape } from '../http-json.ts';
import type { CanonicalIndicator, Indicator, IntelFinding, ThreatIntel } from './port.ts';

/** The event summary restSearch embeds in each attribute (`Event: { id, uuid, info, threat_level_id, … }`). */
const MispRestEvent = z.object({
  id: z.string().optional(),
  uuid: z.string().max(64).optional(),
  info: z.string().max(4096).default(''),
  date: z.string().optional(),
  threat_level_id: z.string().optional(),
});

/** A restSearch attribute: the export attribute plus its event. */
const MispRestAttribute = MispAttribute.extend({ event_id: z.string().optional(), Event: MispRestEvent.optional() });

/** `POST /attributes/restSearch` with `returnFormat: json`: `{ response: { Attribute: [ … ] } }`. */
export const MispRestSearchResponse = z.object({
  response: z.object({ Attribute: z.array(z.unknown()).max(100_000).default([]) }),
});

/** Options of {@link MispRestThreatIntel}; all from configuration, never from alert content. */
export interface MispRestThreatIntelOptions {
  /** The MISP instance, e.g. `https://misp.example.org`. */
  baseUrl: string;
  /** A MISP auth key (sent as `Authorization`). */
  apiKey: string;
  fetch?: typeof globalThis.fetch;
  clock: Clock;
  /** Only IDS attributes (`to_ids: true`); default both (non-IDS ones become `suspicious`). */
  toIds?: boolean;
  /** Attributes per request at most (`limit`). Default 500. */
  limit?: number;
  /** Confidence of every finding (MISP states none per attribute). Default 80. */
  confidence?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Larger bodies are refused. Default 8 MiB. */
  maxResponseBytes?: number;
}

/** The MISP attribute types that can carry an indicator (those `mispAttributeIndicators` reads). */
function mispTypesOf(i: CanonicalIndicator): string[] {
  switch (i.type) {
    case 'ip':
      return ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain|ip'];
    case 'domain':
      return ['domain', 'hostname', 'domain|ip'];
    case 'url':
      return ['url'];
    case 'hash': {
      const alg = i.algorithm ?? 'sha256';
      return [alg, `filename|${alg}`];
    }
  }
}

const failure = (code: ErrorCode, message: string, retryable: boolean, cause?: unknown): AppError =>
  new AppError(code, message, { retryable, ...(cause !== undefined ? { cause } : {}) });

/**
 * MISP lookups through `POST /attributes/restSearch` (header `Authorization: <key>`): one request for all
 * canonical indicators of a call, their values and MISP types as filters. Attributes map to findings as in MISP
 * JSON feeds (`mispAttributeEntries`: `to_ids` → malicious, else suspicious); only findings for indicators that
 * were asked about are returned. 401/403 throw a non-retryable `UNAUTHORIZED`; 5xx, 408, 429, network faults and
 * timeouts retryable errors, so a circuit breaker around this adapter counts them. Redirects are not followed.
 * Private, loopback and other non-public addresses are never sent.
 */
export class MispRestThreatIntel implements ThreatIntel {
  readonly #apiKey: string;
  readonly #url: URL;
  readonly #fetch: typeof globalThis.fetch;
  readonly #clock: Clock;
  readonly #toIds: boolean | undefined;
  readonly #limit: number;
  readonly #confidence: number | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(opts: MispRestThreatIntelOptions) {
    if (opts.apiKey.trim() === '') throw failure(ErrorCode.CONFIGURATION_INVALID, 'MISP API key is empty', false);
    let base: URL;
    try {
      base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    } catch (error) {
      throw failure(ErrorCode.CONFIGURATION_INVALID, 'MISP base URL is not a URL', false, error);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw failure(ErrorCode.CONFIGURATION_INVALID, 'MISP base URL must be http(s)', false);
    this.#apiKey = opts.apiKey;
    this.#url = new URL('attributes/restSearch', base);
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#clock = opts.clock;
    this.#toIds = opts.toIds;
    this.#limit = opts.limit ?? 500;
    this.#confidence = opts.confidence;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxBytes = opts.maxResponseBytes ?? 8 * 1024 * 1024;
  }

  async lookup(indicators: readonly Indicator[]): Promise<IntelFinding[]> {
    const wanted = canonicalIndicators(indicators).filter((i) => !(i.type === 'ip' && isNonPublicIp(i.value)));
    if (wanted.length === 0) return [];
    const keys = new Set(wanted.map((i) => i.key));
    const body = {
      returnFormat: 'json',
      value: [...new Set(wanted.map((i) => i.value))],
      type: [...new Set(wanted.flatMap(mispTypesOf))],
      ...(this.#toIds !== undefined ? { to_ids: this.#toIds } : {}),
      includeEventTags: true,
      limit: this.#limit,
    };
    const what = 'MISP attribute search';
    const { body: json } = await requestJson(this.#url, {
      fetch: this.#fetch,
      headers: { authorization: this.#apiKey },
      postJson: body,
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
      what,
      refusedHint: 'check the API key',
    });
    const fetchedAt = this.#clock.now().toISOString();
    const parsed = MispRestSearchResponse.safeParse(json);
    if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
    const findings: IntelFinding[] = [];
    for (const raw of parsed.data.response.Attribute) {
      // One odd attribute (an over-long value, a new field shape) must not hide the others.
      const attr = MispRestAttribute.safeParse(raw);
      if (!attr.success) continue;
      const a = attr.data;
      const eventDate = parseFeedDate(a.Event?.date);
      const entries = mispAttributeEntries(a, {
        eventRef: a.Event?.uuid ?? a.Event?.id ?? a.event_id ?? '?',
        eventInfo: a.Event?.info ?? '',
        // includeEventTags puts the event's tags into the attribute's own `Tag`.
        eventTags: [],
        galaxyNames: [],
        ...(eventDate ? { eventDate } : {}),
        ...(a.Event?.threat_level_id ? { threatLevelId: a.Event.threat_level_id } : {}),
        ...(this.#confidence !== undefined ? { confidence: this.#confidence } : {}),
      });
      if (typeof entries === 'string') continue;
      for (const { confidence, ...entry } of entries) {
        // MISP entries carry no validUntil; the rest of an entry is a finding without provenance.
        if (!keys.has(entry.indicator.key)) continue;
        findings.push({ ...entry, provenance: { source: 'misp', fetchedAt, confidence, cacheHit: false } });
      }
    }
    return findings;
  }
}
