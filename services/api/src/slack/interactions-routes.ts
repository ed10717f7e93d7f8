import express, { type Router } from 'express';
import { z } from 'zod';
import { BindingHash } from '@soc/contracts';
import { problem, problemType } from '@soc/http';
import type { Role, TenantGrant } from '@soc/http';
import { type ContainmentRoutesDeps, decideContainment } from '../containment-routes.ts';
import { SlackReplayCache, verifySlackSignature } from './signature.ts';

/** Where Slack posts button clicks (the app's Interactivity request URL). */
export const SLACK_INTERACTIONS_PATH = '/api/v1/integrations/slack/interactions';
/** Largest interaction body accepted; a block_actions payload of our cards is a few KB. */
export const SLACK_MAX_BODY_BYTES = 64 * 1024;

/** The button ids of our case cards (the notification service's Slack card sets them). */
/**
 * The card's button action ids. `approve-irreversible` is the Approve button of a runbook that cannot be (fully)
 * undone: its confirmation dialog says what cannot be undone, and Slack sends the click only once it is confirmed.
 */
export const SLACK_ACTIONS = { approve: 'containment.approve', approveIrreversible: 'containment.approve-irreversible', deny: 'containment.deny' } as const;

/** What the Slack interactions route needs. */
export interface SlackInteractionsDeps extends ContainmentRoutesDeps {
  /** The app's signing secret; undefined: Slack is not configured and every request is refused (401). */
  signingSecret: string | undefined;
  /** The one workspace whose users may decide. */
  teamId: string | undefined;
  /** Slack user id → approver principal. */
  approvers: ReadonlyMap<string, string>;
  /** The roles of each API principal (SOC_API_ROLES): a mapped principal must hold `approver`. */
  rolesOf: (principal: string) => readonly Role[];
  /** The tenants of each API principal (SOC_API_TENANTS): a click decides only a request of the mapped principal's tenants. */
  tenantsOf: (principal: string) => TenantGrant;
  /** Wall clock in ms for the timestamp window; default the deps' clock. */
  nowMs?: () => number;
  /**
   * Only a `response_url` starting with this is ever called (default `https://hooks.slack.com/`): the answer goes
   * there too, since Slack shows a `block_actions` acknowledgement's body nowhere; any other URL is ignored.
   */
  responseUrlPrefix?: string;
  /** Where a failed `response_url` post is told (never with the URL's path, which is a capability). */
  warn?: (message: string) => void;
}

/** The part of Slack's `block_actions` payload we read; everything else is ignored. */
const ButtonValue = z.object({ requestId: z.string().min(1).max(256), bindingHash: BindingHash }).strict();
const Payload = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: z.string().min(1).max(64) }),
  user: z.object({ id: z.string().min(1).max(64) }),
  response_url: z.string().max(2048).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1).max(10),
});

/** Slack mrkdwn escaping: `<`, `>` and `&` are control characters there (links, mentions). */
const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The answer Slack shows only to the clicking user; the card itself is not replaced. */
const ephemeral = (text: string) => ({ response_type: 'ephemeral', replace_original: false, text: escapeSlack(text) });

/**
 * `POST /api/v1/integrations/slack/interactions`: Approve / Deny clicked on a Slack case card. Authenticated by Slack's
 * request signature, not a bearer token (mounted before the `/api` bearer check): `X-Slack-Signature` verified in
 * constant time over the raw body, the timestamp within 5 minutes and each signature acted on once. The Slack user
 * (of the configured workspace) maps to an approver principal by `SLACK_APPROVERS`, who must hold the approver role;
 * the decision then goes through {@link decideContainment}, the same code as the API's approve and deny. Every answer
 * to a signed request is 200 at once (Slack shows a non-200 as an error) with an ephemeral message saying what
 * happened, also posted to the payload's `response_url` when that is Slack's (`responseUrlPrefix`).
 */
export function slackInteractionsRoutes(deps: SlackInteractionsDeps): Router {
  const router = express.Router();
  const nowMs = deps.nowMs ?? (() => deps.clock.now().getTime());
  const replays = new SlackReplayCache({ maxEntries: 10_000, now: nowMs });
  const raw = express.raw({ type: () => true, limit: SLACK_MAX_BODY_BYTES });
  const unauthorized = (res: express.Response, detail: string) => problem(res, 401, { type: problemType('slack-signature-invalid'), title: 'Unauthorized', detail });
  const prefix = deps.responseUrlPrefix ?? 'https://hooks.slack.com/';
  /** Answers 200 at once with the message, then posts it to the payload's response_url when that is Slack's. */
  const answer = (res: express.Response, responseUrl: string | undefined, text: string): void => {
    const message = ephemeral(text);
    res.status(200).json(message);
    if (responseUrl === undefined || !isUnder(responseUrl, prefix)) return;
    void fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(message), signal: AbortSignal.timeout(5_000) })
      .then((r) => {
        if (!r.ok) deps.warn?.(`Slack response_url answered ${r.status}`);
      })
      .catch((error: unknown) => deps.warn?.(`Slack response_url could not be reached: ${(error as Error).name}`));
  };

  router.post(
    SLACK_INTERACTIONS_PATH,
    (req, res, next) => {
      // Refused before the body is read: no secret, no signature headers, or a timestamp outside the window.
      if (deps.signingSecret === undefined) return unauthorized(res, 'Slack interactions are not configured (SLACK_SIGNING_SECRET).');
      if (req.get('x-slack-signature') === undefined || req.get('x-slack-request-timestamp') === undefined) return unauthorized(res, 'X-Slack-Signature and X-Slack-Request-Timestamp are required.');
      if (!req.is('application/x-www-form-urlencoded')) {
        problem(res, 415, { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', detail: 'Slack interactions are application/x-www-form-urlencoded.' });
        return;
      }
      next();
    },
    raw,
    async (req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.get('x-slack-signature');
      const timestamp = req.get('x-slack-request-timestamp');
      const verdict = verifySlackSignature({ signingSecret: deps.signingSecret ?? '', timestamp, signature, rawBody, nowMs: nowMs() });
      if (!verdict.ok) return unauthorized(res, verdict.reason === 'stale-timestamp' ? 'The request timestamp is outside the 5-minute window.' : 'The Slack signature does not verify.');
      const admitted = replays.admit(signature ?? '', Number(timestamp));
      if (admitted === 'replayed') return unauthorized(res, 'This signed request was already received.');
      if (admitted === 'full') {
        res.setHeader('Retry-After', '5');
        problem(res, 503, { type: problemType('replay-cache-full'), title: 'Busy', detail: 'Too many Slack requests in the window; retry shortly.' });
        return;
      }
      const parsed = Payload.safeParse(parseJson(new URLSearchParams(rawBody.toString('utf8')).get('payload')));
      if (!parsed.success) {
        problem(res, 400, { type: problemType('slack-payload-invalid'), title: 'Bad Request', detail: 'Expected a block_actions payload.' });
        return;
      }
      const payload = parsed.data;
      const action = payload.actions[0]!;
      const confirmed = action.action_id === SLACK_ACTIONS.approveIrreversible;
      const verdictOf = action.action_id === SLACK_ACTIONS.approve || confirmed ? 'approve' : action.action_id === SLACK_ACTIONS.deny ? 'deny' : undefined;
      // A click on "Open case" (a link button) also posts here: nothing to do.
      if (verdictOf === undefined) {
        res.status(200).end();
        return;
      }
      const slackUser = `${payload.team.id}/${payload.user.id}`;
      const principal = payload.team.id === deps.teamId ? deps.approvers.get(payload.user.id) : undefined;
      if (principal === undefined || !deps.rolesOf(principal).includes('approver')) {
        await deps.audit.append({
          kind: `containment.${verdictOf}-refused`,
          actor: `slack:${slackUser}`,
          subject: 'slack-interaction',
          data: { code: 'slack-user-not-authorised', detail: principal === undefined ? 'Slack user not mapped in SLACK_APPROVERS' : `principal "${principal}" lacks the approver role`, via: 'slack' },
        });
        answer(res, payload.response_url, 'You are not authorised to approve or deny containment from Slack. Nothing was done.');
        return;
      }
      const button = ButtonValue.safeParse(parseJson(action.value ?? null));
      if (!button.success) {
        answer(res, payload.response_url, 'This button does not name a containment request. Nothing was done.');
        return;
      }
      const outcome = await decideContainment(deps, {
        verdict: verdictOf,
        requestId: button.data.requestId,
        approver: principal,
        tenants: deps.tenantsOf(principal),
        ...(verdictOf === 'approve' ? { bindingHash: button.data.bindingHash } : {}),
        ...(confirmed ? { confirmIrreversible: true } : {}),
        comment: `${verdictOf === 'approve' ? 'approved' : 'denied'} from Slack by ${slackUser}${confirmed ? ' (confirmed it cannot be undone)' : ''}`,
        via: 'slack',
      });
      if (!outcome.ok) {
        answer(res, payload.response_url, `Not done (${outcome.code}): ${outcome.detail}`);
        return;
      }
      const { decision, approvals, approvalsRequired, requestId } = outcome.body;
      const said = decision === 'approval-recorded' ? `approval recorded (${approvals} of ${approvalsRequired})` : decision;
      answer(res, payload.response_url, `Containment request ${requestId}: ${said} by ${principal}.`);
    },
  );
  return router;
}

/** True when `url` has the origin of `prefix` and a path under its path (compared parsed, not as text). */
function isUnder(url: string, prefix: string): boolean {
  if (!URL.canParse(url) || !URL.canParse(prefix)) return false;
  const u = new URL(url);
  const p = new URL(prefix);
  return u.origin === p.origin && u.username === '' && u.password === '' && u.pathname.startsWith(p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`);
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
