import express, { type Router } from 'express';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { BindingHash } from '@soc/contracts';
import { problem, problemType } from '@soc/http';
import type { Role, TenantGrant } from '@soc/http';
import { type ContainmentRoutesDeps, type ContainmentVerdictOutcome, decideContainment } from '../containment-routes.ts';
import { BOT_CLOCK_SKEW_SECONDS, type BotFrameworkKeys, verifyBotToken } from './bot-auth.ts';

/** The bot's messaging endpoint (the Azure Bot resource's "Messaging endpoint"). */
export const TEAMS_MESSAGES_PATH = '/api/v1/integrations/teams/messages';
/** Largest activity accepted; an `adaptiveCard/action` invoke is a few KB. */
export const TEAMS_MAX_BODY_BYTES = 64 * 1024;
/** The `Action.Execute` verbs of our cards (the notification service's Teams card sets them). */
export const TEAMS_VERBS = { approve: 'containment.approve', approveIrreversible: 'containment.approve-irreversible', deny: 'containment.deny' } as const;
/** The card's toggle confirming that a request's runbook cannot be undone (the notification service's card names it so). */
const confirmInputId = (requestId: string): string => `confirmIrreversible:${requestId}`;

/** What the Teams bot route needs. */
export interface TeamsBotDeps extends ContainmentRoutesDeps {
  /** The bot's Microsoft App ID (the tokens' audience); undefined: Teams is not configured and every request is refused (401). */
  appId: string | undefined;
  /** The Entra tenant whose users may decide; an invoke from another tenant is refused. */
  aadTenantId: string | undefined;
  /** Entra object id (`from.aadObjectId`) → approver principal. */
  approvers: ReadonlyMap<string, string>;
  /** The roles of each API principal (SOC_API_ROLES): a mapped principal must hold `approver`. */
  rolesOf: (principal: string) => readonly Role[];
  /** The tenants of each API principal (SOC_API_TENANTS): a click decides only a request of the mapped principal's tenants. */
  tenantsOf: (principal: string) => TenantGrant;
  keys: BotFrameworkKeys;
  /** Wall clock for token validity and the replay cache; default the deps' clock. */
  nowMs?: () => number;
}

/** The part of an activity we read; everything else is ignored. */
const Activity = z.object({
  type: z.string().max(64),
  name: z.string().max(128).optional(),
  id: z.string().min(1).max(256).optional(),
  channelId: z.string().max(64),
  serviceUrl: z.string().max(2048),
  from: z.object({ id: z.string().max(256), aadObjectId: z.string().max(64).optional() }).optional(),
  conversation: z.object({ id: z.string().max(512), tenantId: z.string().max(64).optional() }).optional(),
  channelData: z.object({ tenant: z.object({ id: z.string().max(64) }).optional() }).optional(),
  value: z.unknown().optional(),
});
const ExecuteValue = z.object({
  // Loose data: an Action.Execute with associatedInputs carries the card's inputs (the confirmation toggle) beside its data.
  action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(128), data: z.looseObject({ requestId: z.string().min(1).max(256), bindingHash: BindingHash }).optional() }),
});

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const text = (t: string, style: Record<string, unknown> = {}) => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: t, ...style }] });

/**
 * The card the clicker's message becomes: what was decided, on which request. The request's target is not shown
 * (it is alert text, and this card is built here, outside the notification service's defanging); while more
 * approvals are needed the buttons stay, for the next approver.
 */
function outcomeCard(requestId: string, bindingHash: string, outcome: Extract<ContainmentVerdictOutcome, { ok: true }>['body'], irreversible = false) {
  const said = outcome.decision === 'approval-recorded' ? `approval recorded (${outcome.approvals} of ${outcome.approvalsRequired}), by ${outcome.approver}` : `${outcome.decision} by ${outcome.approver}`;
  const data = { requestId, bindingHash };
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      text(`Containment request ${requestId}`, { weight: 'Bolder' }),
      text(said),
      // The next approver of a runbook that cannot be undone confirms it too.
      ...(irreversible && outcome.decision === 'approval-recorded'
        ? [{ type: 'Input.Toggle', id: confirmInputId(requestId), label: 'Confirm', title: 'I understand this cannot be undone', value: 'false', isRequired: true, errorMessage: 'Confirm that this cannot be undone to approve it' }]
        : []),
    ],
    actions:
      outcome.decision === 'approval-recorded'
        ? [
            irreversible
              ? { type: 'Action.Execute', title: 'Approve', verb: TEAMS_VERBS.approveIrreversible, data, style: 'positive', associatedInputs: 'auto' }
              : { type: 'Action.Execute', title: 'Approve', verb: TEAMS_VERBS.approve, data, style: 'positive' },
            { type: 'Action.Execute', title: 'Deny', verb: TEAMS_VERBS.deny, data, style: 'destructive' },
          ]
        : [],
  };
}

/**
 * `POST /api/v1/integrations/teams/messages`: the Teams bot's messaging endpoint, receiving `adaptiveCard/action`
 * invokes (Universal Actions) when Approve / Deny is clicked on a case card. Authenticated by the Bot Connector's
 * JWT ({@link verifyBotToken}), not an API token (mounted before the `/api` bearer check); each activity id is acted
 * on once while its token could still be valid. The clicker (`from.aadObjectId`, of the configured tenant) maps to an
 * approver principal by `TEAMS_APPROVERS`, who must hold the approver role; the decision then goes through
 * {@link decideContainment}, the same code as the API's approve and deny. An accepted decision answers the invoke
 * with the updated card; a refusal with a message saying why. Other activity types are acknowledged (200, empty),
 * other invokes answered 501 as the Bot Framework SDK does.
 */
export function teamsBotRoutes(deps: TeamsBotDeps): Router {
  const router = express.Router();
  const nowMs = deps.nowMs ?? (() => deps.clock.now().getTime());
  const seen = new LRUCache<string, true>({ max: 10_000, ttlAutopurge: false, ttlResolution: 0, perf: { now: nowMs } });
  const unauthorized = (res: express.Response, detail: string) => problem(res, 401, { type: problemType('bot-token-invalid'), title: 'Unauthorized', detail });
  const json = express.json({ type: () => true, limit: TEAMS_MAX_BODY_BYTES });
  const invokeAnswer = (res: express.Response, type: typeof CARD | typeof MESSAGE, value: unknown) => res.status(200).json({ statusCode: 200, type, value });

  router.post(
    TEAMS_MESSAGES_PATH,
    (req, res, next) => {
      if (deps.appId === undefined) return unauthorized(res, 'The Teams bot is not configured (TEAMS_BOT_APP_ID).');
      if (!/^Bearer \S+$/.test(req.get('authorization') ?? '')) return unauthorized(res, 'A Bot Connector token (Authorization: Bearer) is required.');
      if (!req.is('application/json')) {
        problem(res, 415, { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', detail: 'Bot Framework activities are application/json.' });
        return;
      }
      next();
    },
    json,
    async (req, res) => {
      const parsed = Activity.safeParse(req.body);
      // The token binds the activity's serviceUrl, so it is checked against a parsed activity; an unparsable one has none.
      if (!parsed.success) return unauthorized(res, 'Not a Bot Framework activity.');
      const activity = parsed.data;
      const verdict = await verifyBotToken({ authorization: req.get('authorization'), appId: deps.appId ?? '', serviceUrl: activity.serviceUrl, channelId: activity.channelId, keys: deps.keys, currentDate: new Date(nowMs()) });
      if (!verdict.ok && verdict.keysUnavailable) {
        res.setHeader('Retry-After', '30');
        problem(res, 503, { type: problemType('bot-keys-unavailable'), title: 'Service Unavailable', detail: 'The Bot Framework signing keys cannot be read right now; the token cannot be checked.' });
        return;
      }
      if (!verdict.ok) return unauthorized(res, `The Bot Connector token is not valid (${verdict.reason}).`);
      if (activity.type !== 'invoke') {
        res.status(200).end();
        return;
      }
      if (activity.name !== 'adaptiveCard/action') {
        res.status(501).end();
        return;
      }
      if (activity.id === undefined) {
        problem(res, 400, { type: problemType('activity-invalid'), title: 'Bad Request', detail: 'An invoke activity has an id.' });
        return;
      }
      // Acted on once while its token could be replayed: until the token's expiry plus the allowed skew.
      const key = `${activity.conversation?.id ?? ''}|${activity.id}`;
      if (seen.has(key)) return unauthorized(res, 'This activity was already received.');
      if (seen.size >= 10_000) {
        seen.purgeStale();
        if (seen.size >= 10_000) {
          res.setHeader('Retry-After', '5');
          problem(res, 503, { type: problemType('replay-cache-full'), title: 'Busy', detail: 'Too many Teams activities in the window; retry shortly.' });
          return;
        }
      }
      const exp = typeof verdict.payload.exp === 'number' ? verdict.payload.exp * 1000 : nowMs();
      seen.set(key, true, { ttl: Math.max(1, exp + BOT_CLOCK_SKEW_SECONDS * 1000 - nowMs()) });

      const value = ExecuteValue.safeParse(activity.value);
      const verb = value.success ? value.data.action.verb : undefined;
      const verdictOf = verb === TEAMS_VERBS.approve || verb === TEAMS_VERBS.approveIrreversible ? 'approve' : verb === TEAMS_VERBS.deny ? 'deny' : undefined;
      const data = value.success ? value.data.action.data : undefined;
      // Confirmed only by the irreversible Approve with its toggle on: the card required it before sending.
      const confirmed = verb === TEAMS_VERBS.approveIrreversible && data !== undefined && data[confirmInputId(data.requestId)] === 'true';
      if (verdictOf === undefined || data === undefined) return invokeAnswer(res, MESSAGE, 'This button does not name a containment request. Nothing was done.');
      const tenant = activity.channelData?.tenant?.id ?? activity.conversation?.tenantId;
      const user = activity.from?.aadObjectId;
      const teamsUser = `${tenant ?? '?'}/${user ?? activity.from?.id ?? '?'}`;
      const principal = tenant !== undefined && tenant.toLowerCase() === deps.aadTenantId?.toLowerCase() && user !== undefined ? deps.approvers.get(user.toLowerCase()) : undefined;
      if (principal === undefined || !deps.rolesOf(principal).includes('approver')) {
        await deps.audit.append({
          kind: `containment.${verdictOf}-refused`,
          actor: `teams:${teamsUser}`,
          subject: data.requestId,
          data: { code: 'teams-user-not-authorised', detail: principal === undefined ? 'Teams user not mapped in TEAMS_APPROVERS (or of another tenant)' : `principal "${principal}" lacks the approver role`, via: 'teams' },
        });
        return invokeAnswer(res, MESSAGE, 'You are not authorised to approve or deny containment from Teams. Nothing was done.');
      }
      const outcome = await decideContainment(deps, {
        verdict: verdictOf,
        requestId: data.requestId,
        approver: principal,
        tenants: deps.tenantsOf(principal),
        ...(verdictOf === 'approve' ? { bindingHash: data.bindingHash } : {}),
        ...(confirmed ? { confirmIrreversible: true } : {}),
        comment: `${verdictOf === 'approve' ? 'approved' : 'denied'} from Teams by ${teamsUser}${confirmed ? ' (confirmed it cannot be undone)' : ''}`,
        via: 'teams',
      });
      if (!outcome.ok) return invokeAnswer(res, MESSAGE, `Not done (${outcome.code}): ${outcome.detail}`);
      return invokeAnswer(res, CARD, outcomeCard(data.requestId, data.bindingHash, outcome.body, confirmed));
    },
  );
  return router;
}
