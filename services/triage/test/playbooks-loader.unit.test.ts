import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FrontMatterSyntaxError,
  PlaybookError,
  PlaybookFrontMatter,
  loadPlaybooks,
  parseFrontMatter,
  parsePlaybook,
  splitFrontMatter,
} from '../src/playbooks/index.ts';

// ATT&CK v18.1 Enterprise techniques (mitre/cti @ 421deac), trimmed copy; see test/fixtures/playbooks/README.md.
const attack = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/playbooks/attack-techniques.json', import.meta.url), 'utf8'),
) as { id: string; name: string; tactics: string[] }[];
const attackById = new Map(attack.map((t) => [t.id, t]));
const shortName = (tactic: string): string => tactic.toLowerCase().replaceAll(' ', '-');

const playbooks = loadPlaybooks();
const shipped = readFileSync(new URL('../playbooks/phishing.md', import.meta.url), 'utf8');

describe('shipped playbooks', () => {
  it('loads the six playbooks, sorted by file name', () => {
    expect(playbooks.map((p) => p.id)).toEqual([
      'brute-force',
      'data-exfiltration',
      'malware-endpoint',
      'phishing',
      'privilege-escalation',
      'suspicious-sign-in',
    ]);
    expect(playbooks.map((p) => p.file)).toEqual(playbooks.map((p) => `${p.id}.md`));
  });

  it.each(playbooks.map((p) => [p.id, p] as const))(
    '%s cites only real ATT&CK techniques under tactics it declares',
    (_id, playbook) => {
      for (const id of playbook.attack.techniques) {
        const technique = attackById.get(id);
        expect(technique, `${id} is not an ATT&CK v18.1 technique`).toBeDefined();
        const tactics = (technique?.tactics ?? []).map(shortName);
        expect(
          tactics.some((t) => (playbook.attack.tactics as string[]).includes(t)),
          `${id} (${tactics.join(', ')})`,
        ).toBe(true);
      }
      // Every technique the text names is in the front matter, so the index finds the playbook by it.
      const cited = new Set(
        Object.values(playbook.sections)
          .join('\n')
          .match(/\bT\d{4}(?:\.\d{3})?\b/g) ?? [],
      );
      expect([...cited].filter((id) => !playbook.attack.techniques.includes(id))).toEqual([]);
    },
  );

  it.each(playbooks.map((p) => [p.id, p] as const))(
    '%s has every section and concrete investigation steps',
    (_id, playbook) => {
      for (const text of Object.values(playbook.sections)) expect(text.length).toBeGreaterThan(80);
      expect(playbook.steps.length).toBeGreaterThanOrEqual(5);
      // Steps name the log tables to query.
      const tables =
        /SigninLogs|AuditLogs|DeviceProcessEvents|DeviceLogonEvents|EmailEvents|OfficeActivity|SecurityEvent|AzureActivity/;
      expect(playbook.steps.filter((s) => tables.test(s)).length).toBeGreaterThanOrEqual(3);
      // Containment speaks the action vocabulary and never skips approval for RunContainment.
      expect(playbook.sections.containment).toMatch(
        /RunContainment (block-ip|block-url|isolate-host|disable-user|rotate-secret|nsg-block-port)/,
      );
      for (const line of playbook.sections.containment.split('\n').filter((l) => l.includes('RunContainment'))) {
        expect(line).toContain('requires approval');
      }
    },
  );

  it('splits the brute-force steps into the numbered items, in order', () => {
    const bruteForce = playbooks.find((p) => p.id === 'brute-force');
    expect(bruteForce?.steps[0]).toMatch(/^On Windows hosts, summarise SecurityEvent 4625 by IpAddress/);
    expect(bruteForce?.steps[1]).toMatch(/^Look for a success from the same IpAddress: SecurityEvent 4624/);
    expect(bruteForce?.severityHint).toBe('medium');
    expect(bruteForce?.attack.techniques).toContain('T1110.003');
  });
});

describe('parsePlaybook rejects a malformed playbook, naming the file', () => {
  const replaceInShipped = (from: string | RegExp, to: string): string => {
    const changed = shipped.replace(from, to);
    expect(changed).not.toBe(shipped);
    return changed;
  };

  it.each([
    ['no front matter', shipped.replace(/^---\n[\s\S]*?\n---\n/, ''), /missing front matter/],
    ['unclosed front matter', replaceInShipped(/\n---\n+# Phishing/, '\n# Phishing'), /missing front matter/],
    [
      'an unknown key',
      replaceInShipped('severityHint: medium', 'severityHint: medium\nowner: soc'),
      /Unrecognized key.*owner/,
    ],
    [
      'a malformed technique id',
      replaceInShipped('    - T1566\n', '    - T1566x\n'),
      /attack\.techniques\.0: expected an ATT&CK technique id/,
    ],
    [
      'an unknown tactic',
      replaceInShipped('tactics: [initial-access,', 'tactics: [initial_access,'),
      /attack\.tactics\.0/,
    ],
    ['an unknown entity type', replaceInShipped('entityTypes: [mailbox,', 'entityTypes: [email,'), /entityTypes\.0/],
    ['a bad severity', replaceInShipped('severityHint: medium', 'severityHint: urgent'), /severityHint/],
    ['a tab indent', replaceInShipped('  techniques:', '\ttechniques:'), /front matter line 5: tabs are not allowed/],
    [
      'YAML outside the subset',
      replaceInShipped('title: Phishing email', 'title: &anchor Phishing email'),
      /front matter line 3: unsupported YAML syntax/,
    ],
    [
      'a duplicate key',
      replaceInShipped('severityHint: medium', 'severityHint: medium\nid: phishing'),
      /duplicate key "id"/,
    ],
    ['a key without value', replaceInShipped('severityHint: medium', 'severityHint:'), /"severityHint" has no value/],
    ['an unknown section', replaceInShipped('## Triage questions', '## Questions'), /unknown section "Questions"/],
    [
      'a missing section',
      replaceInShipped(/## Common false positives[\s\S]*$/, ''),
      /missing or empty section "Common false positives"/,
    ],
    ['a duplicate section', `${shipped}\n## Containment\n- PostChat\n`, /duplicate section "Containment"/],
    [
      'prose in the steps list',
      replaceInShipped('## Investigation steps\n', '## Investigation steps\nFirst, think.\n'),
      /"Investigation steps" must be a list/,
    ],
  ])('%s', (_case, source, reason) => {
    let error: unknown;
    try {
      parsePlaybook(source, 'phishing.md');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PlaybookError);
    expect((error as PlaybookError).name).toBe('PlaybookError');
    expect((error as PlaybookError).file).toBe('phishing.md');
    expect((error as Error).message).toMatch(/^Invalid playbook phishing\.md: /);
    expect((error as Error).message).toMatch(reason);
  });

  it('an id that differs from the file name', () => {
    expect(() => parsePlaybook(shipped, 'phish.md')).toThrow(
      'Invalid playbook phish.md: id "phishing" must match the file name (phishing.md)',
    );
  });

  it('accepts the shipped text unchanged', () => {
    expect(parsePlaybook(shipped, 'phishing.md').id).toBe('phishing');
  });
});

describe('parseFrontMatter', () => {
  it('reads plain and quoted scalars, flow and block lists and one nested level, all as strings', () => {
    const parsed = parseFrontMatter(
      [
        '# a comment',
        'id: brute-force',
        'title: "Brute force: spray, stuffing"',
        'attack:',
        '  techniques: [T1110, "T1110.003"]',
        '  tactics:',
        '    - credential-access',
        'keywords:',
        '  - password spray',
        '  - 4625',
        'empty: []',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      id: 'brute-force',
      title: 'Brute force: spray, stuffing',
      attack: { techniques: ['T1110', 'T1110.003'], tactics: ['credential-access'] },
      keywords: ['password spray', '4625'],
      empty: [],
    });
  });

  it.each([
    ['attack:\n  tactics: [x]\n    - impact', 3, /unexpected indentation/],
    ['attack:\n  tactics:', 2, /"tactics" has no value/],
    ['a:\n  b:\n    c: d', 3, /mappings nest at most one level/],
    ['keywords:\n    - a', 2, /unexpected indentation \(indent by two spaces\)/],
    ['keywords:\n- a', 1, /"keywords" has no value/],
    ['keywords:\n  - a\n  b: c', 3, /mixes list items and keys/],
    ['keywords: [a, b', 1, /closed with "\]"/],
    ['title: "unterminated', 1, /unterminated quoted string/],
    ['title: x: y', 1, /unsupported YAML syntax/],
    ['- a', 1, /expected "key: value"/],
    ['ok: 1\n   indented: 2', 2, /unexpected indentation/],
  ])('rejects %j at line %i', (text, line, reason) => {
    let error: unknown;
    try {
      parseFrontMatter(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FrontMatterSyntaxError);
    expect((error as FrontMatterSyntaxError).line).toBe(line);
    expect((error as Error).message).toMatch(reason);
  });

  it('accepts the example front matter of playbooks/README.md', () => {
    const readme = readFileSync(new URL('../playbooks/README.md', import.meta.url), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const example = block.replace(/^ {3}/gm, '');
    const split = splitFrontMatter(example);
    expect(split).not.toBeNull();
    const meta = PlaybookFrontMatter.parse(parseFrontMatter(split?.frontMatter ?? ''));
    expect(meta.id).toBe('dns-tunnelling');
    expect(meta.attack.techniques).toEqual(['T1071.004', 'T1048.003']);
  });
});
