import type { ChatPoster, OutgoingChat } from '../ports.ts';

/**
 * Sends each chat message through the transport configured for its channel (`slack`, `teams`), or the embedded
 * outbox when none is; an update goes to the transport whose reference it is (`slack:…`, `teams:…`).
 */
export class ChatByChannel implements ChatPoster {
  private readonly transports: Readonly<Partial<Record<OutgoingChat['channel'], ChatPoster>>>;
  private readonly fallback: ChatPoster;
  constructor(transports: Partial<Record<OutgoingChat['channel'], ChatPoster>>, fallback: ChatPoster) {
    this.transports = transports;
    this.fallback = fallback;
  }

  post(message: OutgoingChat): Promise<string> {
    return (this.transports[message.channel] ?? this.fallback).post(message);
  }

  update(ref: string, message: OutgoingChat): Promise<string> {
    const channel = ref.slice(0, ref.indexOf(':')) as OutgoingChat['channel'];
    return (this.transports[channel] ?? this.fallback).update(ref, message);
  }
}
