import { AppError, ErrorCode, parseRetryAfter } from '@soc/runtime';
import type { ChatPoster, OutgoingChat } from '../../ports.ts';
import { renderSlackMessage } from './slack-card.ts';

/** Options of {@link SlackChatPoster}. */
export interface SlackChatPosterOptions {
  /** The bot token (`xoxb-…`); sent only as `Authorization: Bearer`, never logged nor put in an error. */
  token: string;
  /** Destination name (the decision policy's `PostChat.destination`) → channel id (`C0123…`), from configuration. */
  channels: ReadonlyMap<string, string>;
  /** The Web API base; default `https://slack.com/api` (tests point it at a local stand-in). */
  apiUrl?: string;
  /** Per call; default 10 s. */
  timeoutMs?: number;
}

/** Slack errors a retry can cure; any other `ok: false` is not retried (dead-lettered with Slack's error code). */
const RETRYABLE = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Slack's `ts` of a message: seconds and microseconds (`1700000000.000100`). */
const TS = /^\d{1,12}\.\d{1,8}$/;

/** A delivery reference of this poster: `slack:<channel id>/<ts>`. */
export function slackRefOf(channel: string, ts: string): string {
  return `slack:${channel}/${ts}`;
}

/** The channel and ts of a reference, or undefined when it is not one of ours. */
export function parseSlackRef(ref: string): { channel: string; ts: string } | undefined {
  const m = /^slack:([A-Z0-9]{2,32})\/(\d{1,12}\.\d{1,8})$/.exec(ref);
  return m ? { channel: m[1]!, ts: m[2]! } : undefined;
}

/**
 * Slack case cards through the Web API: `chat.postMessage` posts the Block Kit card to the channel the destination
 * name maps to, `chat.update` replaces it in place. Bot token scope `chat:write` only; the channel must have the app
 * in it (`not_in_channel` otherwise). Slack answers 200 with `{ ok: false, error }` on failure: `ratelimited` (or a
 * 429 with `Retry-After`) and Slack's own outages are retryable `AppError`s carrying `retryAfterSeconds` (which the bus honours); a configuration
 * problem (`channel_not_found`, `not_in_channel`, `invalid_auth`, a destination not configured …) is not.
 * Not idempotent by itself (Slack has no idempotency key): the handler keeps the reference of what it posted and
 * updates it instead of posting again.
 */
export class SlackChatPoster implements ChatPoster {
  private readonly token: string;
  private readonly channels: ReadonlyMap<string, string>;
  private readonly apiUrl: string;
  private readonly timeoutMs: number;

  constructor(options: SlackChatPosterOptions) {
    this.token = options.token;
    this.channels = options.channels;
    this.apiUrl = (options.apiUrl ?? 'https://slack.com/api').replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async post(message: OutgoingChat): Promise<string> {
    const channel = this.channelOf(message);
    const answer = await this.call('chat.postMessage', { channel, ...this.body(message) });
    const ts = typeof answer.ts === 'string' && TS.test(answer.ts) ? answer.ts : undefined;
    const posted = typeof answer.channel === 'string' && /^[A-Z0-9]{2,32}$/.test(answer.channel) ? answer.channel : channel;
    if (ts === undefined) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Slack chat.postMessage answered ok without a message ts', { retryable: false });
    return slackRefOf(posted, ts);
  }

  async update(ref: string, message: OutgoingChat): Promise<string> {
    const at = parseSlackRef(ref);
    if (at === undefined) throw new AppError(ErrorCode.VALIDATION_FAILED, `not a Slack message reference: ${ref.slice(0, 80)}`, { retryable: false });
    await this.call('chat.update', { channel: at.channel, ts: at.ts, ...this.body(message) });
    return ref;
  }

  private body(message: OutgoingChat) {
    const { text, blocks } = renderSlackMessage(message);
    // `text` is the notification fallback: markup off, and Slack's control characters escaped anyway.
    const fallback = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return { text: fallback, blocks, mrkdwn: false, unfurl_links: false, unfurl_media: false };
  }

  private channelOf(message: OutgoingChat): string {
    const channel = this.channels.get(message.destination);
    if (channel === undefined) {
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Slack destination "${message.destination.slice(0, 128)}" is not in SLACK_CHANNELS`, { retryable: false });
    }
    return channel;
  }

  private async call(method: 'chat.postMessage' | 'chat.update', body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // The cause is fetch's error (no request headers in it): never the token.
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Slack ${method} could not be reached: ${(error as Error).name}`, { retryable: true });
    }
    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'), new Date());
    if (res.status === 429) {
      throw new AppError(ErrorCode.RATE_LIMITED, `Slack ${method} rate limited`, { retryable: true, details: { slackError: 'ratelimited', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });
    }
    if (res.status >= 500) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Slack ${method} answered ${res.status}`, { retryable: true, details: { status: res.status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });
    const answer = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (answer === undefined || typeof answer !== 'object' || answer === null) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Slack ${method} answered ${res.status} without a Web API body`, { retryable: false, details: { status: res.status } });
    }
    if (answer.ok === true && res.status === 200) return answer;
    const error = typeof answer.error === 'string' ? answer.error.slice(0, 64) : 'unknown_error';
    const retryable = RETRYABLE.has(error);
    const code = error === 'ratelimited' || error === 'rate_limited' ? ErrorCode.RATE_LIMITED : retryable ? ErrorCode.DEPENDENCY_UNAVAILABLE : error === 'invalid_auth' || error === 'not_authed' || error === 'token_revoked' || error === 'account_inactive' ? ErrorCode.UNAUTHORIZED : ErrorCode.CONFIGURATION_INVALID;
    throw new AppError(code, `Slack ${method} failed: ${error}`, { retryable, details: { slackError: error, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });
  }
}
