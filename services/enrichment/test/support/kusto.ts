import { createRequire } from 'node:module';

// Microsoft's Kusto.Language parser (Bridge.NET build), the one @soc/kql's guard runs: the runtime first, then the
// library; both set globals, and Node's module cache keeps one copy.
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

/** What the Kusto parser makes of a query: its syntax with string literals blanked, their decoded values, diagnostics. */
export function parseShape(query: string): { structure: string[]; literals: unknown[]; diagnostics: string[] } {
  const code = K.KustoCode.Parse(query);
  const structure: string[] = [];
  const literals: unknown[] = [];
  code.Syntax.WalkElements((e) => {
    if (e.Kind === STRING_EXPRESSION) literals.push(e.LiteralValue);
    if (!e.IsToken) structure.push(String(e.Kind));
    else structure.push(e.Kind === STRING_TOKEN ? `${e.Kind}:<str>` : `${e.Kind}:${JSON.stringify(e.Text)}:${JSON.stringify(e.Trivia ?? '')}`);
  });
  const diags = code.GetDiagnostics();
  const diagnostics: string[] = [];
  for (let i = 0; i < diags.Count; i++) diagnostics.push(diags.getItem(i).Message);
  return { structure, literals, diagnostics };
}
