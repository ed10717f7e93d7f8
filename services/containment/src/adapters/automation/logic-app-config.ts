import { readFileSync } from 'node:fs';
import { DefaultAzureCredential } from '@azure/identity';
import { AppError, ErrorCode } from '@soc/runtime';
import { z } from 'zod';
import type { RunbookAdapter } from '../../ports.ts';
import type { BearerCredential } from './https-client.ts';
import { configRefusal } from './keyvault-config.ts';
import { type LogicAppWorkflow, WORKFLOW_NAME, WORKFLOW_RESOURCE_ID, logicAppRunbooks } from './logic-app-runbook.ts';

/** Hosts of Logic Apps trigger URLs: Consumption (public, US Government, China) and Standard (App Service). */
export const LOGIC_APP_HOST_SUFFIXES = ['.logic.azure.com', '.logic.azure.us', '.logic.azure.cn', '.azurewebsites.net'] as const;

// Messages never quote a URL: it carries the signature.
const TriggerUrl = z.string().superRefine((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || url.protocol !== 'https:' || url.port !== '' || url.username || url.password || !LOGIC_APP_HOST_SUFFIXES.some((s) => url.hostname.endsWith(s))) {
    ctx.addIssue({ code: 'custom', message: `not an https Logic Apps trigger URL (a host under ${LOGIC_APP_HOST_SUFFIXES.join(', ')})` });
  } else if (!url.searchParams.get('sig')) {
    ctx.addIssue({ code: 'custom', message: 'the trigger URL has no sig= signature: copy the whole callback URL' });
  }
});

const Workflow = z.preprocess(
  (value) => (typeof value === 'string' ? { url: value } : value),
  z.strictObject({
    url: TriggerUrl,
    resourceId: z.string().regex(WORKFLOW_RESOURCE_ID, 'not /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Logic/workflows/<name>').optional(),
    undoWorkflow: z.string().regex(WORKFLOW_NAME).optional(),
  }),
) as z.ZodType<LogicAppWorkflow>;

/** The triggers file: workflow name → trigger URL, or `{url, resourceId?, undoWorkflow?}`. */
export const LogicAppTriggersFile = z
  .record(z.string(), Workflow)
  .superRefine((workflows, ctx) => {
    if (Object.keys(workflows).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one workflow' });
    for (const [name, w] of Object.entries(workflows)) {
      if (!WORKFLOW_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'a workflow name is 1 to 80 letters, digits and . _ -' });
      if (w.undoWorkflow !== undefined && (w.undoWorkflow === name || !(w.undoWorkflow in workflows))) ctx.addIssue({ code: 'custom', path: [name, 'undoWorkflow'], message: 'must be another workflow of this file' });
    }
  });

/** The environment of `run-logic-app`. */
export const LogicAppRunbookEnv = z.object({
  /** A mounted file (a secret: the URLs carry signatures) with the {@link LogicAppTriggersFile} JSON. */
  LOGIC_APP_TRIGGERS_FILE: z.string().min(1),
});

/** `run-logic-app` from the environment; ARM calls use `DefaultAzureCredential` unless a credential is given. */
export function logicAppRunbooksFromEnv(env: Record<string, string | undefined>, deps: { credential?: BearerCredential } = {}): { 'run-logic-app': RunbookAdapter } {
  const parsedEnv = LogicAppRunbookEnv.safeParse(env);
  if (!parsedEnv.success) throw configRefusal('run-logic-app configuration', parsedEnv.error);
  const path = parsedEnv.data.LOGIC_APP_TRIGGERS_FILE;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // Only the kind of failure: a JSON parse error quotes the file's text (its signatures).
    const why = error instanceof SyntaxError ? 'not JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `run-logic-app configuration: LOGIC_APP_TRIGGERS_FILE ${path}: ${why}`, { retryable: false });
  }
  const parsed = LogicAppTriggersFile.safeParse(json);
  if (!parsed.success) throw configRefusal(`run-logic-app configuration: LOGIC_APP_TRIGGERS_FILE ${path}`, parsed.error);
  const needsArm = Object.values(parsed.data).some((w) => w.resourceId !== undefined);
  return logicAppRunbooks({ workflows: parsed.data, ...(needsArm ? { credential: deps.credential ?? new DefaultAzureCredential() } : {}) });
}
