import { type Alert, alertRevisionOf } from '@soc/contracts';
import { type BuildContext, buildAlert } from './build-alert.ts';
import type { AlertDraft, FieldError, SourceParser } from './types.ts';

export type NormalizeOutcome = { ok: true; alerts: Alert[]; drafts: AlertDraft[] } | { ok: false; errors: FieldError[] };

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

function schemaIssues(error: unknown): IssueLike[] | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'ZodError') return undefined;
  return (error as { issues: IssueLike[] }).issues;
}

/**
 * Parses a body with a source's parser and builds the common alerts. All or nothing: one bad record refuses the
 * whole body with every reason, so the sender can fix it and resend it as it was.
 */
export function normalize(parser: SourceParser, body: unknown, ctx: BuildContext): NormalizeOutcome {
  const parsed = parser.parse(body, { receivedAt: ctx.receivedAt });
  if (!parsed.ok) return parsed;
  if (parsed.drafts.length === 0) return { ok: false, errors: [{ index: 0, path: '(root)', message: 'The payload holds no alert' }] };
  const errors: FieldError[] = [];
  const alerts: Alert[] = [];
  parsed.drafts.forEach((draft, index) => {
    try {
      const alert = buildAlert(parser.name, draft, ctx);
      alerts.push({ ...alert, revision: alertRevisionOf(alert, ctx.receivedAt) });
    } catch (error) {
      const issues = schemaIssues(error);
      if (issues === undefined) throw error;
      for (const i of issues) errors.push({ index, path: i.path.map(String).join('.') || '(root)', message: i.message });
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, alerts, drafts: parsed.drafts };
}
