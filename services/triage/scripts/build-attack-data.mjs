// Generates services/triage/data/attack/catalog.json, the compact ATT&CK Enterprise catalog the mapper bundles,
// from the fixture extract of mitre/cti (shared/fixtures/mitre). Run from the repository root:
//   node services/triage/scripts/build-attack-data.mjs [fixturesDir]
// Plain JavaScript on purpose: services/triage/tsconfig.json covers src and test only, and type-aware lint needs that.
// The keyword table (keywords.json) and the revocation table (revoked.json) are curated by hand, not generated.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {{ id: string, name: string, tactic_shortnames: string[], is_subtechnique: boolean, parent_id: string | null }} FixtureTechnique */

// ATT&CK Enterprise tactic ids in matrix (kill-chain) order; tactics.json carries names but not the TA ids.
/** @type {ReadonlyArray<readonly [string, string]>} */
const TACTIC_IDS = [
  ['reconnaissance', 'TA0043'],
  ['resource-development', 'TA0042'],
  ['initial-access', 'TA0001'],
  ['execution', 'TA0002'],
  ['persistence', 'TA0003'],
  ['privilege-escalation', 'TA0004'],
  ['defense-evasion', 'TA0005'],
  ['credential-access', 'TA0006'],
  ['discovery', 'TA0007'],
  ['lateral-movement', 'TA0008'],
  ['collection', 'TA0009'],
  ['command-and-control', 'TA0011'],
  ['exfiltration', 'TA0010'],
  ['impact', 'TA0040'],
];

const fixtures = process.argv[2] ?? '/work/shared/fixtures/mitre';
const out = new URL('../data/attack/catalog.json', import.meta.url);

/** @type {Map<string, string>} */
const tacticNames = new Map(JSON.parse(readFileSync(join(fixtures, 'tactics.json'), 'utf8')));
/** @type {FixtureTechnique[]} */
const techniques = JSON.parse(readFileSync(join(fixtures, 'techniques.json'), 'utf8'));

const order = new Map(TACTIC_IDS.map(([s], i) => [s, i]));
const tactics = TACTIC_IDS.map(([shortname, id]) => {
  const name = tacticNames.get(shortname);
  if (!name) throw new Error(`tactic ${shortname} missing from tactics.json`);
  return { id, shortname, name };
});
if (tacticNames.size !== tactics.length) throw new Error('tactics.json has tactics this script does not know');

const rows = techniques
  .map((t) => {
    for (const s of t.tactic_shortnames) if (!order.has(s)) throw new Error(`${t.id}: unknown tactic ${s}`);
    if (t.is_subtechnique !== t.id.includes('.')) throw new Error(`${t.id}: sub-technique flag disagrees with id`);
    return [t.id, t.name, [...t.tactic_shortnames].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))];
  })
  .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

const catalog = {
  attackVersion: '18.1',
  source: 'mitre/cti @ 421deacb77191b38bdd1bf63268954e93da91365 (enterprise-attack), via shared/fixtures/mitre',
  notice:
    '© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.',
  tactics,
  // [id, name, tactic shortnames in matrix order]
  techniques: rows,
};
writeFileSync(
  out,
  `{\n${Object.entries(catalog)
    .map(([k, v]) =>
      k === 'techniques' || k === 'tactics'
        ? `  ${JSON.stringify(k)}: [\n${/** @type {unknown[]} */ (v).map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`
        : `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
    )
    .join(',\n')}\n}\n`,
);
console.log(`wrote ${rows.length} techniques and ${tactics.length} tactics to ${out.pathname}`);
