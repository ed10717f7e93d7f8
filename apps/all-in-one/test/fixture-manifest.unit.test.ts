import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALERTS_DIR,
  MANIFEST_PATH,
  REPO_ROOT,
  SHARED_ALERTS_DIR,
  type AlertFileEntry,
  filesUnder,
  isAlertFile,
  loadManifest,
  postsOf,
  repoFile,
  repoFileExists,
} from './fixture-manifest.ts';

/**
 * The fixture manifest (test/fixtures/alerts/manifest.json) is the replay test's list of what to send: a fixture
 * without an entry would silently never be replayed, so every file must have one, and each entry's count must be
 * what its rows or lines say, not what a parser happens to yield.
 */
const manifest = loadManifest();
const GENERIC = 'test/fixtures/generic-alerts.jsonl';

describe('the alert fixture manifest', () => {
  it('has exactly one entry for every file under test/fixtures/alerts and for generic-alerts.jsonl', () => {
    const listed = manifest.files.map((e) => e.path);
    const duplicates = listed.filter((p, i) => listed.indexOf(p) !== i);
    expect(duplicates, 'files listed twice').toEqual([]);
    const onDisk = [...filesUnder(ALERTS_DIR).filter((p) => p !== MANIFEST_PATH), GENERIC];
    const missing = onDisk.filter((p) => !listed.includes(p));
    expect(missing, 'fixture files without a manifest entry: add one (format in test/fixtures/alerts/README.md)').toEqual([]);
    const stale = listed.filter((p) => !repoFileExists(p));
    expect(stale, 'manifest entries naming a file that does not exist').toEqual([]);
  });

  it('gives every refused file a reason, and only read-mes are refused', () => {
    const refused = manifest.files.filter((e) => !isAlertFile(e));
    expect(refused.map((e) => e.path.split('/').at(-1))).toEqual(refused.map(() => 'README.md'));
  });

  // Where a file's alerts are its rows, lines or array records, the count follows from the file itself.
  const countable = manifest.files.filter(isAlertFile).filter((e) => e.post !== 'eventhubs' && e.post !== 'sentinel-entities');
  it.each(countable.map((e) => [e.path, e] as const))('%s: the expected count is its records', (_path, entry: AlertFileEntry) => {
    const records = postsOf(entry).reduce((n, p) => n + p.labels.length, 0);
    if (entry.source === 'cef' || entry.source === 'generic' || entry.source === 'sentinel' || records > 1) expect(entry.alerts).toBe(records);
    else expect(entry.alerts).toBeGreaterThanOrEqual(1);
  });

  it('posts batches under the ingestion batch limit, with one label per record', () => {
    for (const entry of manifest.files.filter(isAlertFile)) {
      for (const post of postsOf(entry)) {
        expect(post.labels.length).toBeLessThanOrEqual(500);
        if (Array.isArray(post.body)) expect(post.body).toHaveLength(post.labels.length);
        if (typeof post.body === 'string') expect(post.body.split('\n')).toHaveLength(post.labels.length);
      }
    }
  });

  it('names as origin only files of the shared data set that the shared list maps to the same copy', () => {
    for (const entry of manifest.files.filter(isAlertFile)) {
      if (entry.origin === undefined) continue;
      expect(entry.origin.startsWith(SHARED_ALERTS_DIR), entry.path).toBe(true);
      expect(manifest.shared).toContainEqual({ path: entry.origin, copy: entry.path });
    }
  });
});

const sharedPresent = existsSync(new URL(SHARED_ALERTS_DIR, REPO_ROOT));

// ../shared is the read-only public data set next to a development checkout; a bare clone has none, and then only
// the copies (checked above) are there to replay.
describe.skipIf(!sharedPresent)(`the shared data set (${SHARED_ALERTS_DIR}; skipped where it is not checked out)`, () => {
  it('has a copy in test/fixtures/alerts or a reason for every file', () => {
    const listed = manifest.shared.map((e) => e.path);
    const missing = filesUnder(SHARED_ALERTS_DIR).filter((p) => !listed.includes(p));
    expect(missing, 'shared alert files with neither a copy nor a reason in the manifest').toEqual([]);
    const stale = listed.filter((p) => !repoFileExists(p));
    expect(stale, 'shared entries naming a file that does not exist').toEqual([]);
  });

  it('every copy is byte-for-byte the shared file and is replayed', () => {
    for (const entry of manifest.shared) {
      if (!('copy' in entry)) continue;
      expect(readFileSync(repoFile(entry.copy)).equals(readFileSync(repoFile(entry.path))), `${entry.copy} differs from ${entry.path}`).toBe(true);
      const replayed = manifest.files.find((f) => f.path === entry.copy);
      expect(replayed && isAlertFile(replayed), `${entry.copy} is not replayed`).toBe(true);
    }
  });
});
