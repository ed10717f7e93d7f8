import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { kustoLanguage, type KustoDatabase, type KustoGlobalState } from './kusto.ts';

const SchemaData = z.object({
  generatedFrom: z.array(z.string()),
  /** table → `column:type,column:type`, or null for a table known by name whose columns are not published. */
  tables: z.record(z.string(), z.string().nullable()),
  functions: z.record(
    z.string(),
    z.object({ parameters: z.array(z.tuple([z.string(), z.string(), z.boolean()])), columns: z.record(z.string(), z.string()) }),
  ),
});
type SchemaData = z.infer<typeof SchemaData>;

/**
 * Sentinel workspace functions that are not in the schema fixtures but appear in Microsoft's content; their
 * result columns are the documented fixed ones (a watchlist adds its own columns, which the guard cannot know).
 */
const WORKSPACE_FUNCTIONS: SchemaData['functions'] = {
  _GetWatchlist: {
    parameters: [['watchlistAlias', 'string', true]],
    columns: { _DTItemId: 'string', LastUpdatedTimeUTC: 'datetime', SearchKey: 'string', WatchlistItem: 'dynamic' },
  },
};

/** The tables and functions the guard knows, and the Kusto.Language global state built from them. */
export interface KqlSchema {
  /** Every known table and workspace function name (the default allow-list). */
  readonly names: ReadonlySet<string>;
  /** Tables whose columns are published: only these produce unknown-column warnings. */
  readonly tablesWithColumns: ReadonlySet<string>;
  readonly globals: KustoGlobalState;
}

let cached: KqlSchema | undefined;

/** Builds (once per process: about 0.3 s and 40 MB) the schema-aware global state from `data/schemas.json`. */
export function loadKqlSchema(): KqlSchema {
  cached ??= buildSchema(SchemaData.parse(JSON.parse(readFileSync(new URL('../data/schemas.json', import.meta.url), 'utf8'))));
  return cached;
}

const NULL_OF: Record<string, string> = { string: "''" };
const bracket = (name: string): string => `['${name.replace(/'/g, "\\'")}']`;

function buildSchema(data: SchemaData): KqlSchema {
  const K = kustoLanguage();
  const S = K.Symbols;
  const members: unknown[] = [];
  const tablesWithColumns = new Set<string>();
  for (const [name, packed] of Object.entries(data.tables)) {
    const columns =
      packed === null
        ? []
        : packed.split(',').map((pair) => {
            const at = pair.lastIndexOf(':');
            return new S.ColumnSymbol(pair.slice(0, at), S.ScalarTypes.GetSymbol(pair.slice(at + 1)) ?? S.ScalarTypes.Dynamic, null, null, null, null);
          });
    const table = new S.TableSymbol.$ctor6(name, columns, null);
    // A table without published columns is "open": any column name binds, so it raises no false warnings.
    members.push(packed === null ? table.WithIsOpen(true) : table);
    if (packed !== null) tablesWithColumns.add(name);
  }
  const functions = { ...data.functions, ...WORKSPACE_FUNCTIONS };
  for (const [name, fn] of Object.entries(functions)) {
    const parameters = fn.parameters
      .map(([p, type, required]) => `${bracket(p)}:${type}${required ? '' : ` = ${NULL_OF[type] ?? `${type}(null)`}`}`)
      .join(', ');
    const columns = Object.entries(fn.columns).map(([c, type]) => `${bracket(c)}:${type}`).join(', ');
    members.push(new S.FunctionSymbol.$ctor16(name, `(${parameters})`, `{ datatable(${columns})[] }`, null));
  }
  const database = new S.DatabaseSymbol.$ctor1('workspace', members, false);
  indexMembersByName(database, members, S.SymbolMatchExtensions.Matches$1);
  let globals = K.GlobalState.Default.WithDatabase(database);
  // ParseAndAnalyze asks for end tokens; setting them here keeps one GlobalState (and its lazily built lookup
  // maps) for every query instead of a fresh copy per call, which rebuilt a 1,500-entry map each time.
  globals = globals.WithParseOptions(globals.ParseOptions.WithAlwaysProduceEndTokens(true)).WithCache();
  return { names: new Set([...Object.keys(data.tables), ...Object.keys(functions)]), tablesWithColumns, globals };
}

/**
 * Kusto.Language looks up a database member by scanning every member (fine for the dozens of tables in a
 * typical cluster database, a third of the analysis time for the 1,500 tables of a Sentinel workspace). This
 * replaces the scan on this one database object with a name index and the library's own match test.
 */
function indexMembersByName(
  database: KustoDatabase,
  members: readonly unknown[],
  matches: (symbol: unknown, name: string, match: number, ignoreCase: boolean) => boolean,
): void {
  const byName = new Map<string, unknown[]>();
  for (const member of members) {
    const name = (member as { Name: string }).Name;
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [member]);
    else list.push(member);
  }
  const scan = database.GetMembers$1.bind(database);
  database.GetMembers$1 = (name, match, symbols, ignoreCase = false) => {
    if (name === null || ignoreCase) return scan(name, match, symbols, ignoreCase);
    for (const member of byName.get(name) ?? []) if (matches(member, name, match, false)) symbols.add(member);
  };
}
