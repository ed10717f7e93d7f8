import { kindOf, type KustoNode } from './kusto.ts';

/**
 * Appends the row cap to the final query statement as `| take N`, right after its last token, so `let`
 * statements before it, a trailing `;` and trailing comments after it stay where they were. A final `render`
 * must stay last, so the cap goes in front of it.
 */
export function appendRowCap(text: string, finalStatement: KustoNode, rowCap: number): string {
  const expression = finalStatement.Expression;
  const operator = expression && kindOf(expression) === 'PipeExpression' ? expression.Operator : undefined;
  if (operator !== undefined && kindOf(operator) === 'RenderOperator') {
    return `${text.slice(0, operator.TextStart)}take ${rowCap}\n| ${text.slice(operator.TextStart)}`;
  }
  const end = finalStatement.TextStart + finalStatement.Width;
  return `${text.slice(0, end)}\n| take ${rowCap}${text.slice(end)}`;
}
