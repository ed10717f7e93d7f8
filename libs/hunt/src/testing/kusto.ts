import { createRequire } from 'node:module';

// Microsoft's Kusto.Language parser (Bridge.NET build): the runtime first, then the library; both set globals. The
// same files @soc/kql loads, so Node's module cache keeps one copy (a second copy would redefine its classes).
const require = createRequire(import.meta.url);
require('@kusto/language-service-next/bridge.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.js');

interface KustoElement {
  Kind: number;
  IsToken: boolean;
  Text?: string;
  Trivia?: string;
  LiteralValue?: unknown;
}
interface KustoLanguage {
  KustoCode: { Parse(text: string): { Syntax: { WalkElements(fn: (e: KustoElement) => void): void }; GetDiagnostics(): { Count: number; getItem(i: number): { Message: string } } } };
  Syntax: { SyntaxKind: Record<string, number> };
}
const K = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
const STRING_TOKEN = K.Syntax.SyntaxKind.StringLiteralToken;
const STRING_EXPRESSION = K.Syntax.SyntaxKind.StringLiteralExpression;

/** What the Kusto parser makes of a query: its structure with string literals blanked, their values, and diagnostics. */
export interface ParsedShape {
  /** Every syntax element's kind, every non-string token's text and trivia, in order; string literal tokens as `<str>`. */
  structure: string[];
  /** The decoded values of the string literal expressions, in order. */
  literals: unknown[];
  diagnostics: string[];
}

export function parseShape(query: string): ParsedShape {
  const code = K.KustoCode.Parse(query);
  const structure: string[] = [];
  const literals: unknown[] = [];
  code.Syntax.WalkElements((e) => {
    if (e.Kind === STRING_EXPRESSION) literals.push(e.LiteralValue);
    if (!e.IsToken) structure.push(String(e.Kind));
    else structure.push(e.Kind === STRING_TOKEN ? `${e.Kind}:<str>:${JSON.stringify(e.Trivia ?? '')}` : `${e.Kind}:${JSON.stringify(e.Text)}:${JSON.stringify(e.Trivia ?? '')}`);
  });
  const diags = code.GetDiagnostics();
  const diagnostics: string[] = [];
  for (let i = 0; i < diags.Count; i++) diagnostics.push(diags.getItem(i).Message);
  return { structure, literals, diagnostics };
}

interface KustoSymbols {
  TableSymbol: { From(schema: string): { WithName(name: string): unknown } };
  DatabaseSymbol: { ctor: new (name: string, tables: unknown[]) => unknown };
}
interface KustoGlobals {
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): { Count: number; getItem(i: number): { Message: string } } } };
}

/**
 * Semantic diagnostics of a query against a database of the given tables (`name → "col:type,col:type"`), as the
 * Kusto analyzer reports them: unknown tables, unknown columns, type errors.
 */
export function analyzeAgainst(query: string, tables: Readonly<Record<string, string>>): string[] {
  const L = K as unknown as KustoLanguage & { Symbols: KustoSymbols } & KustoGlobals;
  const symbols = Object.entries(tables).map(([name, columns]) =>
    L.Symbols.TableSymbol.From(`(${columns.split(',').map((c) => { const [n, t] = c.split(':'); return `['${n}']:${t}`; }).join(', ')})`).WithName(name),
  );
  const globals = L.GlobalState.Default.WithDatabase(new L.Symbols.DatabaseSymbol.ctor('workspace', symbols));
  const diags = L.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < diags.Count; i++) out.push(diags.getItem(i).Message);
  return out;
}
