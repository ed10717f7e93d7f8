#!/usr/bin/env node
// `soc` runs its TypeScript source directly (Node strips types); an older Node would fail with a cryptic
// syntax error, so say what to do instead.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`soc: needs Node.js 24 (this is ${process.version}); run it as 'npx soc' from the repository\n`);
  process.exit(1);
}
await import('../src/main.ts');
