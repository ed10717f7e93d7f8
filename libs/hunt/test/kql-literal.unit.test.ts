import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kqlStringLiteral } from '../src/kql-literal.ts';
import { renderKql } from '../src/render.ts';
import { KQL_TEMPLATES, type HuntParam, type HuntTemplate } from '../src/templates.ts';
import { parseShape } from '../src/testing/index.ts';

// Values an attacker can put in an alert's entities (a hostname, a UPN, a URL …) to try to leave the literal.
const HOSTILE = [
  'x" | take 1000000 | where "1"=="1',
  "x' | union * | where '1'=='1",
  'x\\',
  'x\\" ; .drop table SigninLogs',
  'evil.com"\n| externaldata (a:string) [@"https://e.example/x"]\n| where "',
  'a\nb\rc\td',
  '"; let hunt_ip = "0.0.0.0',
  '@"', "h'", '```', '//', '/* */', '\\\\\\"\\"',
  'a|b|c', '$left.x', '{hunt_ip}', 'tab\there', '😀 ünïcødé 雪',
  'x'.repeat(1024),
];

const byId = (id: string): HuntTemplate => {
  const t = KQL_TEMPLATES.find((x) => x.id === id);
  if (t === undefined) throw new Error(id);
  return t;
};
const paramsWith = (template: HuntTemplate, value: string): Partial<Record<HuntParam, string>> =>
  Object.fromEntries(template.params.map((p) => [p, value]));

function render(template: HuntTemplate, value: string): string {
  const r = renderKql(template, paramsWith(template, value), 7);
  if (!r.ok) throw new Error(`${value}: ${r.rejection.message}`);
  return r.query;
}

describe('kqlStringLiteral', () => {
  it('escapes quotes, backslashes and line breaks, and decodes to the input in the Kusto parser', () => {
    expect(kqlStringLiteral('a"b\\c\nd')).toEqual({ ok: true, literal: '"a\\"b\\\\c\\nd"' });
    for (const value of HOSTILE) {
      const r = kqlStringLiteral(value);
      if (!r.ok) throw new Error(r.rejection.message);
      const shape = parseShape(`print ${r.literal}`);
      expect(shape.diagnostics).toEqual([]);
      expect(shape.literals).toEqual([value]);
    }
  });

  it('refuses what a literal must not carry, each with its reason', () => {
    const code = (v: string): string | undefined => {
      const r = kqlStringLiteral(v);
      return r.ok ? undefined : r.rejection.code;
    };
    expect(code('')).toBe('empty');
    expect(code('  \t')).toBe('empty');
    expect(code('x'.repeat(1025))).toBe('too-long');
    expect(code('a\u0000b')).toBe('control-character');
    expect(code('a\u2028b')).toBe('control-character');
    expect(code('a\u2029b')).toBe('control-character');
    expect(code('a\u0085b')).toBe('control-character');
    expect(code('a\u001bb')).toBe('control-character');
    expect(code('admin\u202Egnp.exe')).toBe('bidi-control');
    expect(code('a\uD800b')).toBe('lone-surrogate');
    expect(code('x'.repeat(4000), )).toBe('too-long');
    const r = kqlStringLiteral('a\u2028b');
    expect(r.ok ? '' : r.rejection.message).toMatch(/U\+2028 at 1/);
  });
});

describe('entity values cannot change a template query\'s structure', () => {
  // Every KQL template, not a sample: the structure must not depend on the value in any of them.
  it.each(KQL_TEMPLATES.map((t) => [t.id, t] as const))('%s: hostile values parse to the plain value\'s tree', (_id, template) => {
    const plain = parseShape(render(template, 'plainvalue'));
    expect(plain.diagnostics).toEqual([]);
    for (const value of HOSTILE) {
      const hostile = parseShape(render(template, value));
      expect(hostile.diagnostics).toEqual([]);
      expect(hostile.structure).toEqual(plain.structure);
      // The let-bound literals come first and carry the value exactly.
      expect(hostile.literals.slice(0, template.params.length)).toEqual(template.params.map(() => value));
    }
  });

  it('random strings: refused with a reason, or the same structure and the exact value (fast-check)', () => {
    const template = byId('kql.ip.signins');
    const plain = parseShape(render(template, 'plainvalue')).structure;
    const specials = fc.constantFrom('"', "'", '\\', '|', '\n', '\r', '\t', '`', ';', '@', '/', '*', '\u2028', '\u0000', '\u202E', '$', '{', '}', '[', ']', 'h', ' ');
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(fc.oneof(specials, fc.string({ maxLength: 3 })), { maxLength: 30 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(value, (v) => {
        const r = renderKql(template, { hunt_ip: v }, 7);
        if (!r.ok) return typeof r.rejection.message === 'string' && r.rejection.message.length > 0;
        const shape = parseShape(r.query);
        return shape.diagnostics.length === 0 && JSON.stringify(shape.structure) === JSON.stringify(plain) && shape.literals[0] === v;
      }),
      { numRuns: 400 },
    );
  });

  it('a value cannot break out even where the body concatenates it (strcat with a backslash)', () => {
    const template = byId('kql.process.windows-4688');
    const plain = parseShape(render(template, 'cmd.exe'));
    const hostile = parseShape(render(template, '\\", hunt_process_name) or true or strcat("'));
    expect(hostile.structure).toEqual(plain.structure);
  });
});
