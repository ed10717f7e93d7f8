import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Checks of the repository itself, so what a newcomer reads and runs first stays true.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Files git tracks under the root that match a pathspec (what a clone has, not what a developer left lying around). */
function trackedFiles(pathspec: string): string[] {
  return execFileSync('git', ['ls-files', '-z', '--', pathspec], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
}

/** Relative link targets of a Markdown text: inline links and images, and reference definitions; code is skipped. */
function relativeLinkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
  ];
  // A scheme (https:, mailto:) or a bare fragment points outside the file system.
  return targets.filter((t) => !/^[a-z][a-z\d+.-]*:/i.test(t) && !t.startsWith('#'));
}

describe('documentation links', () => {
  it('finds inline, image and reference links, but not those in code', () => {
    const md = [
      'See [a](docs/a.md#x), ![img](./i.png "title") and [b][ref] or [web](https://x.example).',
      '[ref]: ../outside.md',
      '`[not](a-link.md)`',
      '```',
      '[neither](in-a-fence.md)',
      '```',
      '[anchor](#local)',
    ].join('\n');
    expect(relativeLinkTargets(md)).toEqual(['docs/a.md#x', './i.png', '../outside.md']);
  });

  it('every relative link of every tracked Markdown file resolves to a file inside the repository', () => {
    const problems: string[] = [];
    const files = trackedFiles('*.md');
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const target of relativeLinkTargets(readFileSync(join(ROOT, file), 'utf8'))) {
        const path = decodeURIComponent(target.split('#')[0]!);
        if (path === '') continue;
        const absolute = path.startsWith('/') ? join(ROOT, path) : resolve(ROOT, dirname(file), path);
        const inside = relative(ROOT, absolute);
        if (inside.startsWith('..') || isAbsolute(inside)) problems.push(`${file}: ${target} is outside the repository`);
        else if (!existsSync(absolute)) problems.push(`${file}: ${target} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('test tier scripts', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;

  it('each tier script selects a vitest project that includes exactly the files of its tier', async () => {
    // Computed path: the root config lies outside this package's TypeScript project.
    const configPath = join(ROOT, 'vitest.config.ts');
    const config = ((await import(configPath)) as { default: { test: { projects: unknown[] } } }).default;
    const projects = config.test.projects as { test: { name: string; include: string[] } }[];
    for (const tier of ['unit', 'int', 'e2e']) {
      expect(scripts[`test:${tier}`]).toBe(`vitest run --project ${tier}`);
      const project = projects.find((p) => p.test.name === tier);
      expect(project?.test.include).toEqual([`**/*.${tier}.test.ts`]);
    }
    // `npm test` runs every project once: no test file outside the tiers, none in two of them.
    expect(trackedFiles('*.test.ts').filter((f) => !/\.(unit|int|e2e)\.test\.ts$/.test(f))).toEqual([]);
    expect(scripts.test).toMatch(/vitest run$/);
  });
});
