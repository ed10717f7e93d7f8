import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError, DEFAULT_VOLUME_THRESHOLD, ErrorCode, manualClock } from '@soc/runtime';
import { CachingThreatIntel } from '../src/threat-intel/caching.ts';
import { parseFeed } from '../src/threat-intel/feeds.ts';
import { LocalFeedThreatIntel } from '../src/threat-intel/local-feed.ts';
import { withBreaker } from '../src/threat-intel/with-breaker.ts';
import type { Indicator, IntelFinding, ThreatIntel } from '../src/threat-intel/port.ts';

const MIN = 60_000;
const dir = fileURLToPath(new URL('../../../test/fixtures/enrichment/', import.meta.url));

/** The real SOURGUM feed behind a recorder of what the decorator asks it. */
function recordedFeed(clock: ReturnType<typeof manualClock>) {
  const feed = new LocalFeedThreatIntel(
    [
      {
        name: 'SOURGUM',
        file: 'SOURGUM.csv',
        result: parseFeed(readFileSync(`${dir}ioc_feeds/SOURGUM.csv`, 'utf8'), { fileName: 'SOURGUM.csv' }),
      },
    ],
    { clock },
  );
  const calls: string[][] = [];
  const inner: ThreatIntel = {
    lookup: (indicators) => {
      calls.push(indicators.map((i) => `${i.type}:${i.value}`));
      return feed.lookup(indicators);
    },
  };
  return { inner, calls };
}

/** An inner source whose answers the test releases by hand, to observe concurrency. */
function gatedSource() {
  const waiting: { indicator: Indicator; release: (f: IntelFinding[]) => void; fail: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let total = 0;
  const inner: ThreatIntel = {
    lookup: (indicators) =>
      new Promise<IntelFinding[]>((resolve, reject) => {
        inFlight++;
        total++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const done =
          <T>(f: (x: T) => void) =>
          (x: T) => {
            inFlight--;
            f(x);
          };
        waiting.push({ indicator: indicators[0] as Indicator, release: done(resolve), fail: done(reject) });
      }),
  };
  return { inner, waiting, maxInFlight: () => maxInFlight, total: () => total };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('CachingThreatIntel', () => {
  it('answers a repeated lookup from the cache, marked cacheHit and keeping fetchedAt, until the TTL passes', async () => {
    const clock = manualClock('2026-01-01T00:00:00Z');
    const { inner, calls } = recordedFeed(clock);
    const cache = new CachingThreatIntel(inner, { clock, ttlMs: 60 * MIN, negativeTtlMs: 5 * MIN });
    const first = await cache.lookup([{ type: 'domain', value: 'hilocake.info' }]);
    clock.advance(30 * MIN);
    const second = await cache.lookup([{ type: 'domain', value: 'HILOCAKE[.]info' }]);
    expect(calls).toEqual([['domain:hilocake.info']]);
    expect(first[0]?.provenance).toMatchObject({ cacheHit: false, fetchedAt: '2026-01-01T00:00:00.000Z' });
    expect(second[0]?.provenance).toMatchObject({ cacheHit: true, fetchedAt: '2026-01-01T00:00:00.000Z' });
    expect(second[0]?.reference).toBe('SOURGUM.csv:4');
    clock.advance(31 * MIN);
    await cache.lookup([{ type: 'domain', value: 'hilocake.info' }]);
    expect(calls).toHaveLength(2);
  });

  it('caches "nothing known" for the shorter negative TTL', async () => {
    const clock = manualClock('2026-01-01T00:00:00Z');
    const { inner, calls } = recordedFeed(clock);
    const cache = new CachingThreatIntel(inner, { clock, ttlMs: 60 * MIN, negativeTtlMs: 5 * MIN });
    const lookup = () =>
      cache.lookup([
        { type: 'domain', value: 'example.org' },
        { type: 'domain', value: 'fbcdnads.live' },
      ]);
    await lookup();
    clock.advance(4 * MIN);
    await lookup();
    expect(calls).toHaveLength(2);
    clock.advance(2 * MIN);
    const after = await lookup();
    // The negative entry expired and was asked again; the positive one is still cached.
    expect(calls).toEqual([['domain:example.org'], ['domain:fbcdnads.live'], ['domain:example.org']]);
    expect(after.map((f) => [f.indicator.value, f.provenance.cacheHit])).toEqual([['fbcdnads.live', true]]);
  });

  it('evicts the least recently used indicator beyond maxEntries', async () => {
    const clock = manualClock();
    const { inner, calls } = recordedFeed(clock);
    const cache = new CachingThreatIntel(inner, { clock, maxEntries: 2 });
    const d = (value: string): Indicator[] => [{ type: 'domain', value }];
    await cache.lookup(d('hilocake.info'));
    await cache.lookup(d('fbcdnads.live'));
    await cache.lookup(d('hilocake.info')); // now most recently used
    await cache.lookup(d('backxercise.com')); // evicts fbcdnads.live
    expect(cache.size).toBe(2);
    await cache.lookup(d('hilocake.info'));
    await cache.lookup(d('fbcdnads.live'));
    expect(calls.map((c) => c[0])).toEqual([
      'domain:hilocake.info',
      'domain:fbcdnads.live',
      'domain:backxercise.com',
      'domain:fbcdnads.live',
    ]);
  });

  it('runs at most `concurrency` inner lookups at once and shares one call per indicator', async () => {
    const clock = manualClock();
    const src = gatedSource();
    const cache = new CachingThreatIntel(src.inner, { clock, concurrency: 2 });
    const values = ['144.34.179.162', '98.176.196.89', '68.235.178.32', '208.113.35.58'];
    const all = cache.lookup(values.map((value) => ({ type: 'ip' as const, value })));
    const again = cache.lookup([{ type: 'ip', value: '144.34.179.162' }]);
    await flush();
    expect(src.waiting.map((w) => w.indicator.value)).toEqual(['144.34.179.162', '98.176.196.89']);
    while (src.waiting.length > 0) {
      src.waiting.shift()?.release([]);
      await flush();
    }
    await Promise.all([all, again]);
    expect([src.maxInFlight(), src.total()]).toEqual([2, 4]);
    expect(cache.size).toBe(4);
  });

  it('does not cache failures: the error reaches the caller and the next lookup asks again', async () => {
    const clock = manualClock();
    let calls = 0;
    const cache = new CachingThreatIntel(
      {
        lookup: () => {
          calls++;
          return Promise.reject(new AppError(ErrorCode.RATE_LIMITED, 'rate limited', { retryable: true }));
        },
      },
      { clock },
    );
    await expect(cache.lookup([{ type: 'ip', value: '193.56.29.123' }])).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    await expect(cache.lookup([{ type: 'ip', value: '193.56.29.123' }])).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect([calls, cache.size]).toEqual([2, 0]);
  });
});

describe('withBreaker', () => {
  it('opens on the minimum volume of failures and then fails fast with a retryable DEPENDENCY_UNAVAILABLE without calling the source', async () => {
    let calls = 0;
    const guarded = withBreaker(
      {
        lookup: () => {
          calls++;
          return Promise.reject(
            new AppError(ErrorCode.RATE_LIMITED, 'VirusTotal ip lookup was rate limited (429)', { retryable: true }),
          );
        },
      },
      { name: 'virustotal', errorThresholdPercentage: 1, resetTimeoutMs: 3_600_000 },
    );
    try {
      for (let i = 1; i < DEFAULT_VOLUME_THRESHOLD; i++) {
        await expect(guarded.lookup([{ type: 'ip', value: '193.56.29.123' }])).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      }
      expect(guarded.breaker.opened).toBe(false);
      await expect(guarded.lookup([{ type: 'ip', value: '193.56.29.123' }])).rejects.toBeInstanceOf(Error);
      expect(guarded.breaker.opened).toBe(true);
      await expect(guarded.lookup([{ type: 'ip', value: '193.56.29.123' }])).rejects.toMatchObject({
        code: 'DEPENDENCY_UNAVAILABLE',
        retryable: true,
      });
      expect(calls).toBe(DEFAULT_VOLUME_THRESHOLD);
    } finally {
      guarded.breaker.shutdown();
    }
  });
});
