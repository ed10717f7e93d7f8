import type { EventView } from './event.ts';
import { needAll, needAny, NotCompilable, withNeed, type Matcher } from './matcher.ts';

/**
 * Compiles a Sigma condition over named selections: `and`, `or`, `not` (binding tighter than `and`, which binds
 * tighter than `or`), parentheses, and `1 of x*` / `all of x*` / `1 of them` / `all of them` (`them` leaves out
 * selections whose name starts with `_`). Aggregations (`| count() …`) are correlation, not single-event logic,
 * and are reported as not compilable.
 */
export function parseCondition(condition: string, selections: ReadonlyMap<string, Matcher>): Matcher {
  if (condition.includes('|'))
    throw new NotCompilable(`aggregation in condition '${condition}' (correlation, not a single-event rule)`);
  const tokens = condition.match(/\(|\)|[^\s()]+/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos]?.toLowerCase();
  const fail = (why: string): never => {
    throw new NotCompilable(`condition '${condition}': ${why}`);
  };

  const orExpr = (): Matcher => {
    const parts = [andExpr()];
    while (peek() === 'or') {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1
      ? (parts[0] as Matcher)
      : withNeed((e: EventView) => parts.some((p) => p(e)), needAny(parts));
  };
  const andExpr = (): Matcher => {
    const parts = [notExpr()];
    while (peek() === 'and') {
      pos++;
      parts.push(notExpr());
    }
    if (parts.length === 1) return parts[0] as Matcher;
    return withNeed((e: EventView) => {
      for (const p of parts) if (!p(e)) return false;
      return true;
    }, needAll(parts));
  };
  const notExpr = (): Matcher => {
    if (peek() === 'not') {
      pos++;
      const inner = notExpr();
      return (e: EventView) => !inner(e);
    }
    return primary();
  };
  const primary = (): Matcher => {
    const token = tokens[pos];
    if (token === undefined) return fail('ends too early');
    pos++;
    if (token === '(') {
      const inner = orExpr();
      if (tokens[pos] !== ')') fail('missing )');
      pos++;
      return inner;
    }
    const lower = token.toLowerCase();
    if (tokens[pos]?.toLowerCase() === 'of') {
      pos++;
      const target = tokens[pos++];
      if (target === undefined) return fail(`'${token} of' names nothing`);
      return quantified(lower, target);
    }
    if (['and', 'or', ')'].includes(lower)) return fail(`unexpected '${token}'`);
    const selection = selections.get(token);
    if (!selection) return fail(`unknown selection '${token}'`);
    return selection;
  };
  const quantified = (quantifier: string, target: string): Matcher => {
    const names = [...selections.keys()].filter((name) =>
      target === 'them' ? !name.startsWith('_') : globMatches(target, name),
    );
    if (names.length === 0) fail(`'${quantifier} of ${target}' matches no selection`);
    const parts = names.map((n) => selections.get(n) as Matcher);
    if (quantifier === 'all') {
      return withNeed((e: EventView) => {
        for (const p of parts) if (!p(e)) return false;
        return true;
      }, needAll(parts));
    }
    const needed = quantifier === 'any' ? 1 : Number(quantifier);
    if (!Number.isInteger(needed) || needed < 1) fail(`unknown quantifier '${quantifier}'`);
    // At least one part must match either way, so the union of the parts' needs is a need of the whole.
    if (needed === 1) return withNeed((e: EventView) => parts.some((p) => p(e)), needAny(parts));
    return withNeed((e: EventView) => parts.filter((p) => p(e)).length >= needed, needAny(parts));
  };

  const matcher = orExpr();
  if (pos !== tokens.length) fail(`unexpected '${tokens[pos] ?? ''}'`);
  return matcher;
}

function globMatches(glob: string, name: string): boolean {
  const source = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`).test(name);
}
