import { createRequire } from 'node:module';

// Kusto.Language (Microsoft's own KQL parser and binder, compiled from C# to JavaScript by Bridge.NET) defines
// its classes on `globalThis.Kusto` and `globalThis.System` when loaded as a script, not as ES exports, and its
// .d.ts declares 1.7 MB of global namespaces. The narrow interfaces below cover what the guard touches, so the
// rest of the package is typed without pulling those globals into every compilation.

/** A Bridge.NET `IReadOnlyList<T>`: a `List<T>` wrapper or, for empty results, a plain array. */
export interface BridgeList<T> {
  readonly Count?: number;
  getItem?(index: number): T;
}

/** A lexer token; `Length` covers its leading trivia (blanks, comments) and its text. */
export interface LexicalToken {
  readonly Text: string;
  readonly Trivia: string | null;
  readonly Length: number;
}

export interface KustoSymbol {
  readonly Name: string;
  readonly constructor: { readonly $$name: string };
  readonly ConstantValue?: unknown;
  readonly IsOpen?: boolean;
}

export interface KustoDiagnostic {
  readonly Code: string;
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
  readonly HasLocation: boolean;
}

export interface KustoElement {
  readonly IsToken: boolean;
  readonly TextStart: number;
  readonly Width: number;
  readonly End: number;
  readonly Parent: KustoNode | null;
  readonly ChildCount: number;
  readonly constructor: { readonly $$name: string };
  GetChild(index: number): KustoElement | null;
  toString(): string;
}

export interface KustoToken extends KustoElement {
  readonly Text: string;
  readonly Trivia: string;
  GetNextToken(): KustoToken | null;
}

export interface KustoNode extends KustoElement {
  GetFirstToken(): KustoToken | null;
  readonly ReferencedSymbol: KustoSymbol | null;
  readonly ResultType: KustoSymbol | null;
  readonly IsConstant?: boolean;
  readonly ConstantValue?: unknown;
  WalkElements(action: (element: KustoElement) => void): void;
  // Present on the node kinds that have them (see syntax.ts); absent elsewhere.
  readonly Name?: KustoNode & { readonly SimpleName?: string };
  readonly SimpleName?: string;
  readonly FunctionCall?: KustoNode | null;
  readonly ArgumentList?: KustoNode & { readonly Expressions: BridgeList<{ readonly Element: KustoNode }> };
  readonly Expressions?: BridgeList<{ readonly Element: KustoNode }>;
  readonly InClause?: KustoNode | null;
  readonly Statements?: BridgeList<{ readonly Element: KustoNode }>;
  readonly Directives?: BridgeList<KustoNode>;
  readonly Operator?: KustoNode;
  readonly Expression?: KustoNode;
  readonly Selector?: KustoNode | null;
  GetExpansion?(): KustoNode | null;
}

export interface KustoCode {
  readonly Kind: string;
  Analyze(globals: KustoGlobalState): KustoCode;
  readonly Syntax: KustoNode;
  GetSyntaxDiagnostics(): BridgeList<KustoDiagnostic>;
  GetDiagnostics(): BridgeList<KustoDiagnostic>;
}

export interface KustoGlobalState {
  readonly ParseOptions: { WithAlwaysProduceEndTokens(value: boolean): unknown };
  WithDatabase(database: unknown): KustoGlobalState;
  WithParseOptions(options: unknown): KustoGlobalState;
  WithCache(): KustoGlobalState;
  IsDatabaseTable(symbol: KustoSymbol | null): boolean;
  IsDatabaseFunction(symbol: KustoSymbol | null): boolean;
  IsBuiltInFunction(symbol: KustoSymbol | null): boolean;
}

interface KustoLanguage {
  KustoCode: {
    ParseAndAnalyze(text: string, globals: KustoGlobalState): KustoCode;
    Parse(text: string, globals: KustoGlobalState): KustoCode;
  };
  GlobalState: { Default: KustoGlobalState };
  Symbols: KustoSymbols;
  Parsing: { TokenParser: { ParseTokens(text: string, options: unknown): readonly LexicalToken[] } };
}

export interface KustoSymbols {
  ScalarTypes: { GetSymbol(name: string): unknown; Dynamic: unknown };
  ColumnSymbol: new (name: string, type: unknown, description: null, originals: null, source: null, examples: null) => unknown;
  TableSymbol: { $ctor6: new (name: string, columns: unknown[], description: string | null) => { WithIsOpen(open: boolean): unknown } };
  DatabaseSymbol: { $ctor1: new (name: string, members: unknown[], isOpen: boolean) => KustoDatabase };
  FunctionSymbol: { $ctor16: new (name: string, parameterList: string, body: string, description: string | null) => unknown };
  SymbolMatchExtensions: { Matches$1(symbol: unknown, name: string, match: number, ignoreCase: boolean): boolean };
}

export interface KustoDatabase {
  GetMembers$1(name: string | null, match: number, symbols: { add(symbol: unknown): void }, ignoreCase?: boolean): void;
}

let language: KustoLanguage | undefined;

/** Loads Kusto.Language once per process (about 0.7 s: 16 MB of generated JavaScript). */
export function kustoLanguage(): KustoLanguage {
  if (language !== undefined) return language;
  const require = createRequire(import.meta.url);
  require('@kusto/language-service-next/bridge.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  const root = (globalThis as unknown as { Kusto?: { Language?: KustoLanguage } }).Kusto?.Language;
  if (root === undefined) throw new Error('@kusto/language-service-next did not define Kusto.Language');
  language = root;
  return root;
}

/** The items of a Bridge.NET list (empty lists come back as plain arrays). */
export function items<T>(list: BridgeList<T> | readonly T[] | null | undefined): T[] {
  if (list === null || list === undefined) return [];
  if (Array.isArray(list)) return list as T[];
  const bridged = list as BridgeList<T>;
  const out: T[] = [];
  const count = bridged.Count ?? 0;
  for (let i = 0; i < count; i++) out.push(bridged.getItem!(i));
  return out;
}

/** The short class name of a syntax element or symbol, e.g. `EvaluateOperator`, `TableSymbol`. */
export function kindOf(value: { readonly constructor: { readonly $$name: string } }): string {
  const name = value.constructor.$$name;
  return name.slice(name.lastIndexOf('.') + 1);
}
