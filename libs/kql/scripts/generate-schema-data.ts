// Regenerates libs/kql/data/schemas.json from the public schema fixtures (see libs/kql/data/README.md):
//   node libs/kql/scripts/generate-schema-data.ts [<fixtures/kql/schemas dir>]
// The output is sorted and stable, so a regeneration from the same fixtures is a no-op diff.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCHEMAS = resolve(process.argv[2] ?? join(HERE, '../../../../shared/fixtures/kql/schemas'));
const OUT = join(HERE, '../data/schemas.json');

/** The scalar types Kusto knows; every spelling the fixtures use maps onto one of them. */
const TYPE_ALIASES: Record<string, string> = {
  string: 'string', object: 'dynamic', dynamic: 'dynamic', datetime: 'datetime', 'date/time': 'datetime',
  real: 'real', double: 'real', int: 'int', int32: 'int', integer: 'int', sbyte: 'int', long: 'long', int64: 'long',
  bigint: 'long', bool: 'bool', boolean: 'bool', guid: 'guid', timespan: 'timespan', decimal: 'decimal',
};

function kustoType(raw: string): string | undefined {
  return TYPE_ALIASES[raw.trim().toLowerCase()];
}

/** RFC 4180 (the fixtures quote every field and some descriptions span lines); rows of another width are skipped. */
function readCsv(text: string): Record<string, string>[] {
  const [header, ...body] = parse(text, { bom: true, relax_column_count: true }) as string[][];
  if (header === undefined) return [];
  return body.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** Lenient JSON: a few fixture files carry trailing commas and a BOM. */
function readLenientJson(file: string): unknown {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return JSON.parse(text.replace(/,(\s*[\]}])/g, '$1'));
}

type Columns = Record<string, string>;
const tables = new Map<string, Columns | null>();
let skippedColumns = 0;

function addColumn(table: string, column: string, rawType: string): void {
  const type = kustoType(rawType);
  const name = column.trim();
  // The source has a few rows scraped from an HTML example table (`abc`, `def`, `...`): not columns.
  if (type === undefined || name === '' || !/^[\w.\- ]+$/.test(name)) {
    skippedColumns++;
    return;
  }
  const columns = tables.get(table) ?? {};
  columns[name] ??= type;
  tables.set(table, columns);
}

for (const row of readCsv(readFileSync(join(SCHEMAS, 'la_table_schemas.csv'), 'utf8'))) {
  const name = tableName(row.table_name ?? '');
  if (name !== undefined) addColumn(name, row.column_name ?? '', row.column_type ?? '');
}
const laTables = tables.size;

/**
 * A table name as Kusto spells it. The reference has a few scraped names with a zero-width space, a trailing
 * blank or a label (`Syslog (Digital Guardian)`): cleaned or dropped, since a near-duplicate of `SecurityAlert`
 * makes every `SecurityAlert` reference ambiguous.
 */
function tableName(raw: string): string | undefined {
  const name = raw.replace(/[\u200b-\u200d\ufeff]/g, '').trim();
  return /^[A-Za-z_][\w]*$/.test(name) ? name : undefined;
}

// Tables the reference lists without a published schema (mostly connector `_CL` tables): known, columns unknown.
let referenceOnly = 0;
for (const row of readCsv(readFileSync(join(SCHEMAS, 'tables_reference.csv'), 'utf8'))) {
  const name = tableName(row.table_name ?? '');
  if (name !== undefined && !tables.has(name)) {
    tables.set(name, null);
    referenceOnly++;
  }
}

interface CustomTableFile { Name?: string; name?: string; Properties?: { Name?: string; name?: string; Type?: string; type?: string }[] }
let customTables = 0; // files that added a table or filled one the reference lists without columns
for (const file of readdirSync(join(SCHEMAS, 'sentinel_custom_tables')).filter((f) => f.endsWith('.json')).sort()) {
  const json = readLenientJson(join(SCHEMAS, 'sentinel_custom_tables', file)) as CustomTableFile;
  const name = tableName(json.Name ?? json.name ?? file.replace(/\.json$/, ''));
  if (name === undefined) continue;
  // The published schema wins where both exist; the custom file fills tables the docs do not list.
  if (tables.get(name)) continue;
  tables.delete(name);
  customTables++;
  for (const p of json.Properties ?? []) addColumn(name, p.Name ?? p.name ?? '', p.Type ?? p.type ?? '');
  if (!tables.has(name)) tables.set(name, null);
}

interface CustomFunctionFile {
  FunctionName: string;
  FunctionParameters: { Name: string; Type: string; IsRequired: boolean }[];
  FunctionResultColumns: { Name: string; Type: string }[];
}
const functions: Record<string, { parameters: [string, string, boolean][]; columns: Columns }> = {};
for (const file of readdirSync(join(SCHEMAS, 'sentinel_custom_functions')).filter((f) => f.endsWith('.json')).sort()) {
  const json = readLenientJson(join(SCHEMAS, 'sentinel_custom_functions', file)) as CustomFunctionFile;
  functions[json.FunctionName] = {
    parameters: json.FunctionParameters.map((p) => [p.Name, kustoType(p.Type) ?? 'dynamic', p.IsRequired]),
    columns: Object.fromEntries(json.FunctionResultColumns.map((c) => [c.Name, kustoType(c.Type) ?? 'dynamic'])),
  };
}

// One `name:type,name:type` string per table (column names never hold `,` or `:`, see addColumn): a third of
// the size of nested objects. null = a known table whose columns are not published.
const packColumns = (columns: Columns | null): string | null =>
  columns === null ? null : Object.entries(columns).map(([n, t]) => `${n}:${t}`).join(',');
const sorted = Object.fromEntries([...tables.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, c]) => [n, packColumns(c)]));
const data = {
  generatedFrom: [
    'oshezaf/sentinelninja@4167c9caa798d8ead1fa1e5944f431ed0b999ea1 Tools/Solutions Analyzer/la_table_schemas.csv, tables_reference.csv (Apache-2.0)',
    'Azure/Azure-Sentinel (cloudflare fork @b18c9279) .script/tests/KqlvalidationsTests/CustomTables, CustomFunctions (MIT)',
  ],
  tables: sorted,
  functions,
};
writeFileSync(OUT, `${JSON.stringify(data)}\n`);
console.log(
  `wrote ${OUT}: ${tables.size} tables (${laTables} with published schemas, ${customTables} Sentinel custom, ${referenceOnly} reference-only without columns), ` +
    `${Object.keys(functions).length} functions, ${skippedColumns} unusable column rows skipped`,
);
