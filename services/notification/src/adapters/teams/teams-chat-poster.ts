import { createHash } from 'node:crypto';
import { AppError, ErrorCode, isAppError, parseRetryAfter } from '@soc/runtime';
import type { CardApproval, ChatPoster, OutgoingChat } from '../../ports.ts';
import { BOT_FRAMEWORK_SCOPE, type BotCredential } from './bot-credential.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, type ApprovalMode, renderTeamsCard } from './teams-card.ts';

/**
 * Where a destination name's messages go, from configuration (never from alert text):
 * - `bot`: a conversation (channel, group chat) the bot is installed in — the Bot Connector's `serviceUrl` for the
 *   tenant (`https://smba.trafficmanager.net/emea/`) and the conversation id (`19:…@thread.tacv2`);
 * - `webhook`: a Teams Workflows ("Post to a channel when a webhook request is received") or incoming-webhook URL.
 *   The URL is a capability (it carries its signature): it comes from a secret and is never logged.
 */
export type TeamsDestination = { kind: 'bot'; serviceUrl: string; conversationId: string } | { kind: 'webhook'; url: string };

/** Options of {@link TeamsChatPoster}. */
export interface TeamsChatPosterOptions {
  /** Destination name (the decision policy's `PostChat.destination`) → where it posts. */
  destinations: ReadonlyMap<string, TeamsDestination>;
  /** The bot's token source; required when any destination is a `bot` one. */
  credential?: BotCredential;
  /** Where an approver decides when no bot receives the click (webhook destinations): the request's approval page. */
  approvalUrl: (approval: CardApproval) => string;
  /** Per call; default 10 s. */
  timeoutMs?: number;
}

/** A delivery reference of this poster: `teams:<destination>/<activity id>` (bot) or `teams:<destination>/webhook-<key hash>`. */
export function teamsRefOf(destination: string, activityId: string): string {
  return `teams:${destination}/${activityId}`;
}

/** The destination and activity id of a reference, or undefined when it is not one of ours. */
export function parseTeamsRef(ref: string): { destination: string; activityId: string } | undefined {
  const m = /^teams:([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([A-Za-z0-9][^/\s]{0,255})$/.exec(ref);
  return m ? { destination: m[1]!, activityId: m[2]! } : undefined;
}

/**
 * Teams case cards (Adaptive Cards 1.5), by destination:
 * - **bot** (Bot Framework Connector REST API, proactive messaging): `POST {serviceUrl}/v3/conversations/{id}/activities`
 *   with a message activity holding the card, `Authorization: Bearer` a Bot Connector token; `update` replaces the
 *   card in place with `PUT …/activities/{activityId}`. Approve / Deny are `Action.Execute` buttons the api's bot
 *   endpoint receives.
 * - **webhook** (Teams Workflows / incoming webhook): `POST` the card as `{type:'message',attachments:[…]}`. A webhook
 *   cannot edit what it posted, so `update` posts a new message (the same reference comes back); and no bot receives
 *   clicks, so Approve / Deny become a link to the request's approval page.
 * 429 and 5xx are retryable `AppError`s carrying `Retry-After` (the bus honours it); any other refusal is not, with
 * its status and the connector's error code. Tokens and webhook URLs never reach an error, a log or an event.
 */
export class TeamsChatPoster implements ChatPoster {
  readonly #options: TeamsChatPosterOptions;
  readonly #timeoutMs: number;

  constructor(options: TeamsChatPosterOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async post(message: OutgoingChat): Promise<string> {
    const to = this.#destinationOf(message.destination);
    if (to.kind === 'webhook') {
      await this.#webhook(message.destination, to.url, message);
      return teamsRefOf(message.destination, `webhook-${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 24)}`);
    }
    const answer = await this.#connector('POST', message.destination, `${base(to.serviceUrl)}/v3/conversations/${encodeURIComponent(to.conversationId)}/activities`, this.#activity(message));
    const id = typeof answer?.id === 'string' && /^[A-Za-z0-9][^/\s]{0,255}$/.test(answer.id) ? answer.id : undefined;
    if (id === undefined) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'the Bot Connector accepted the activity without an id', { retryable: false });
    return teamsRefOf(message.destination, id);
  }

  async update(ref: string, message: OutgoingChat): Promise<string> {
    const at = parseTeamsRef(ref);
    if (at === undefined) throw new AppError(ErrorCode.VALIDATION_FAILED, `not a Teams message reference: ${ref.slice(0, 80)}`, { retryable: false });
    const to = this.#destinationOf(at.destination);
    if (to.kind === 'webhook') {
      // A webhook cannot edit a message: the update is a new message in the same channel.
      await this.#webhook(at.destination, to.url, message);
      return ref;
    }
    const activityId = encodeURIComponent(at.activityId);
    await this.#connector('PUT', at.destination, `${base(to.serviceUrl)}/v3/conversations/${encodeURIComponent(to.conversationId)}/activities/${activityId}`, { ...this.#activity(message), id: at.activityId });
    return ref;
  }

  #activity(message: OutgoingChat) {
    // No `text`: Teams renders an activity's text as Markdown. The card is the whole message.
    return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: renderTeamsCard(message, { kind: 'execute' }) }] };
  }

  #destinationOf(name: string): TeamsDestination {
    const to = this.#options.destinations.get(name);
    if (to === undefined) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Teams destination "${name.slice(0, 128)}" is not in TEAMS_DESTINATIONS`, { retryable: false });
    return to;
  }

  async #webhook(destination: string, url: string, message: OutgoingChat): Promise<void> {
    const approvals: ApprovalMode = { kind: 'link', approvalUrl: this.#options.approvalUrl };
    const body = { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: renderTeamsCard(message, approvals) }] };
    await this.#send('POST', `Teams webhook "${destination}"`, url, {}, body);
  }

  async #connector(method: 'POST' | 'PUT', destination: string, url: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const credential = this.#options.credential;
    if (credential === undefined) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Teams destination "${destination}" is a bot conversation but no bot credential is configured (TEAMS_BOT_APP_ID)`, { retryable: false });
    let token: string;
    try {
      const answer = await credential.getToken(BOT_FRAMEWORK_SCOPE);
      if (!answer) throw new Error('the credential returned no token');
      token = answer.token;
    } catch (error) {
      if (isAppError(error)) throw error;
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no Bot Framework token: ${(error as Error).name}`, { retryable: true });
    }
    return this.#send(method, `Bot Connector ${method} for "${destination}"`, url, { authorization: `Bearer ${token}` }, body);
  }

  /** One HTTP call; the what names the call in errors (never its URL: a webhook URL is a secret). */
  async #send(method: 'POST' | 'PUT', what: string, url: string, headers: Record<string, string>, body: unknown): Promise<Record<string, unknown> | undefined> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} could not be reached: ${(error as Error).name}`, { retryable: true });
    }
    const text = await res.text().catch(() => '');
    const json = parseObject(text);
    if (res.status >= 200 && res.status < 300) return json;
    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'), new Date());
    const wait = retryAfterSeconds !== undefined ? { retryAfterSeconds } : {};
    // The Bot Connector's error body: `{ error: { code, message } }`; only the code travels.
    const inner = json?.error as { code?: unknown } | undefined;
    const reason = typeof inner?.code === 'string' ? inner.code.slice(0, 64) : undefined;
    const details = { status: res.status, ...(reason !== undefined ? { teamsError: reason } : {}), ...wait };
    if (res.status === 429) throw new AppError(ErrorCode.RATE_LIMITED, `${what} rate limited`, { retryable: true, details });
    if (res.status >= 500) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status}`, { retryable: true, details });
    const code = res.status === 401 || res.status === 403 ? ErrorCode.UNAUTHORIZED : res.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.CONFIGURATION_INVALID;
    throw new AppError(code, `${what} refused: ${res.status}${reason !== undefined ? ` ${reason}` : ''}`, { retryable: false, details });
  }
}

const base = (url: string) => url.replace(/\/+$/, '');

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
