import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EntityType, Severity } from '@soc/contracts';
import { z } from 'zod';
import { FrontMatterSyntaxError, parseFrontMatter, splitFrontMatter } from './front-matter.ts';

/** The 14 ATT&CK Enterprise tactics by short name, as `tactic_shortnames` in ATT&CK data. */
export const ATTACK_TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
export const AttackTactic = z.enum(ATTACK_TACTICS);
export type AttackTactic = z.infer<typeof AttackTactic>;

/** An ATT&CK technique or sub-technique id (T1078, T1078.004). */
export const TechniqueId = z
  .string()
  .regex(/^T\d{4}(?:\.\d{3})?$/, 'expected an ATT&CK technique id such as T1078 or T1078.004');

/** The front matter every playbook starts with; unknown keys are refused so typos cannot hide. */
export const PlaybookFrontMatter = z.strictObject({
  id: z
    .string()
    .max(64)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a kebab-case id'),
  title: z.string().min(1).max(200),
  attack: z.strictObject({
    techniques: z.array(TechniqueId).min(1).max(64),
    tactics: z.array(AttackTactic).min(1).max(14),
  }),
  entityTypes: z.array(EntityType).min(1),
  keywords: z.array(z.string().min(1).max(64)).min(1).max(100),
  severityHint: Severity,
});
export type PlaybookFrontMatter = z.infer<typeof PlaybookFrontMatter>;

/** The `##` sections every playbook has, by heading; all are required, in any order. */
export const PLAYBOOK_SECTIONS = {
  'When it applies': 'whenItApplies',
  'Triage questions': 'triageQuestions',
  'Investigation steps': 'investigationSteps',
  Containment: 'containment',
  'Evidence to collect': 'evidence',
  'Closure criteria': 'closure',
  'Common false positives': 'falsePositives',
} as const;
export type PlaybookSection = (typeof PLAYBOOK_SECTIONS)[keyof typeof PLAYBOOK_SECTIONS];

/** A parsed playbook: its front matter, the text of each section, and the investigation steps as a list. */
export interface Playbook extends PlaybookFrontMatter {
  /** The file it was read from (base name), for error messages and provenance. */
  file: string;
  sections: Record<PlaybookSection, string>;
  /** The "Investigation steps" section, one entry per list item. */
  steps: string[];
}

/** A playbook that cannot be used; start-up stops with it, naming the file. */
export class PlaybookError extends Error {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`Invalid playbook ${file}: ${message}`, options);
    this.name = 'PlaybookError';
    this.file = file;
  }
}

/** The playbooks shipped with triage. */
export const DEFAULT_PLAYBOOKS_DIR = new URL('../../playbooks/', import.meta.url);

/** Parses one playbook's Markdown; `file` names it in errors and must be `<id>.md`. */
export function parsePlaybook(source: string, file: string): Playbook {
  const split = splitFrontMatter(source);
  if (!split)
    throw new PlaybookError(file, 'missing front matter (a "---" line, the YAML keys, and a closing "---" line)');

  let raw;
  try {
    raw = parseFrontMatter(split.frontMatter);
  } catch (error) {
    if (error instanceof FrontMatterSyntaxError) {
      // Front matter starts on the document's second line.
      throw new PlaybookError(
        file,
        `front matter line ${error.line + 1}: ${error.message.replace(/^line \d+: /, '')}`,
        { cause: error },
      );
    }
    throw error;
  }
  const parsed = PlaybookFrontMatter.safeParse(raw);
  if (!parsed.success) {
    throw new PlaybookError(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  const meta = parsed.data;
  if (basename(file) !== `${meta.id}.md`)
    throw new PlaybookError(file, `id "${meta.id}" must match the file name (${meta.id}.md)`);

  const sections = splitSections(split.body, split.bodyLine, file);
  const steps = listItems(sections.investigationSteps, file);
  return { ...meta, file: basename(file), sections, steps };
}

/** Reads every `*.md` playbook (except README.md) of a directory, sorted by file name. */
export function loadPlaybooks(dir: string | URL = DEFAULT_PLAYBOOKS_DIR): Playbook[] {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .sort();
  const playbooks = files.map((name) =>
    parsePlaybook(readFileSync(`${path.replace(/\/$/, '')}/${name}`, 'utf8'), name),
  );
  if (playbooks.length === 0) throw new Error(`No playbooks found in ${path}`);
  return playbooks;
}

function splitSections(body: string, firstLine: number, file: string): Record<PlaybookSection, string> {
  const found = new Map<PlaybookSection, string[]>();
  let current: string[] | null = null;
  for (const [index, line] of body.split(/\r?\n/).entries()) {
    const lineNo = firstLine + index;
    if (line.startsWith('## ')) {
      const heading = line.slice(3).trim();
      const key = Object.hasOwn(PLAYBOOK_SECTIONS, heading)
        ? PLAYBOOK_SECTIONS[heading as keyof typeof PLAYBOOK_SECTIONS]
        : undefined;
      if (!key)
        throw new PlaybookError(
          file,
          `line ${lineNo}: unknown section "${heading}" (expected one of: ${Object.keys(PLAYBOOK_SECTIONS).join(', ')})`,
        );
      if (found.has(key)) throw new PlaybookError(file, `line ${lineNo}: duplicate section "${heading}"`);
      current = [];
      found.set(key, current);
    } else if (current) {
      current.push(line);
    } else if (line.trim() !== '' && !line.startsWith('# ')) {
      throw new PlaybookError(file, `line ${lineNo}: text before the first "##" section`);
    }
  }
  const sections = {} as Record<PlaybookSection, string>;
  for (const [heading, key] of Object.entries(PLAYBOOK_SECTIONS)) {
    const text = found.get(key)?.join('\n').trim() ?? '';
    if (text === '') throw new PlaybookError(file, `missing or empty section "${heading}"`);
    sections[key] = text;
  }
  return sections;
}

/** The items of a Markdown list; indented lines continue the item above. */
function listItems(text: string, file: string): string[] {
  const items: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const item = /^(?:\d+[.)]|[-*])[ \t]+(.*)$/.exec(line);
    if (item) items.push((item[1] as string).trim());
    else if (/^[ \t]/.test(line) && items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
    else throw new PlaybookError(file, `"Investigation steps" must be a list; unexpected line "${line.slice(0, 60)}"`);
  }
  return items;
}
