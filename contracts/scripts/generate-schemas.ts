// `npm run schemas`: writes contracts/schemas/<type>.json, contracts/asyncapi.json and the README event
// catalogue from the zod definitions. The output is formatted with the repository's Prettier settings so that
// `npm run format` leaves it unchanged; a unit test fails when the committed files are stale.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import {
  buildAsyncApi,
  buildCatalogue,
  buildJsonSchemas,
  renderCatalogue,
  replaceCatalogue,
  type JsonObject,
} from './schema-documents.ts';

const contractsDir = fileURLToPath(new URL('..', import.meta.url));
const schemasDir = join(contractsDir, 'schemas');

async function format(path: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...options, filepath: path });
}

async function writeJson(path: string, doc: JsonObject): Promise<void> {
  await writeFile(path, await format(path, JSON.stringify(doc, null, 2)));
}

async function main(): Promise<void> {
  const pkg = JSON.parse(await readFile(join(contractsDir, 'package.json'), 'utf8')) as { version: string };

  await mkdir(schemasDir, { recursive: true });
  const schemas = buildJsonSchemas();
  // A schema file whose event version no longer exists would mislead subscribers: remove it.
  for (const file of await readdir(schemasDir)) {
    if (file.endsWith('.json') && !schemas.has(file)) await rm(join(schemasDir, file));
  }
  for (const [file, schema] of schemas) await writeJson(join(schemasDir, file), schema);

  await writeJson(join(contractsDir, 'asyncapi.json'), buildAsyncApi({ version: pkg.version }));

  const readmePath = join(contractsDir, 'README.md');
  const readme = replaceCatalogue(await readFile(readmePath, 'utf8'), renderCatalogue(buildCatalogue()));
  await writeFile(readmePath, await format(readmePath, readme));

  console.log(`wrote ${schemas.size} JSON Schemas, asyncapi.json and the README catalogue`);
}

await main();
