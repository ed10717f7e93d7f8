// Live updates: GET /api/v1/events (server-sent events) tells the console which cases changed (ids only); the page
// reloads what it shows. The transport is one function (`fetchTransport`: fetch with the session cookie and a
// streaming body reader, which, unlike an EventSource, lets the page read the status of a refusal: 401, 403, 429).
import { currentSession, sessionEnded } from './session.js';

/** Parses server-sent event text: returns the complete events and the unparsed rest. Pure. */
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    let retry;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length > 0 || retry !== undefined) events.push({ event, data: data.join('\n'), ...(retry !== undefined ? { retry } : {}) });
  }
  return { events, rest };
}

/**
 * Opens the stream with the session cookie and calls `onEvent({ event, data, retry? })` for each event until the stream
 * ends or `signal` aborts. Resolves `{ status, retryAfter }` when it ends; a non-200 answer ends it at once.
 */
export async function fetchTransport(onEvent, signal) {
  if (currentSession() === null) return { status: 401 };
  const res = await fetch('/api/v1/events', { headers: { accept: 'text/event-stream' }, credentials: 'same-origin', cache: 'no-store', signal });
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    return { status: res.status, retryAfter: Number(res.headers.get('retry-after')) || undefined };
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { status: 200 };
    const parsed = parseEvents(buffer + value);
    buffer = parsed.rest;
    for (const e of parsed.events) onEvent(e);
  }
}

/**
 * Keeps one stream open while someone is signed in: `onChange(hint)` for each `case-changed` (`{ alertId, groupId }`)
 * and once with `{ reconnected: true }` after a reconnect (hints may have been missed); `onState(text)` says how the
 * connection is. Reconnects after the server's `retry:` (or Retry-After), gives up on 401/403 until `restart()`, and
 * on `signed-out` (the session ended while the stream was open) tells the page the session ended.
 */
export function startLive({ onChange, onState, transport = fetchTransport }) {
  let controller;
  let timer;
  let retryMs = 5000;
  let stopped = false;
  const connect = async (reconnect) => {
    clearTimeout(timer);
    if (stopped) return;
    if (currentSession() === null) {
      onState('');
      return;
    }
    controller = new AbortController();
    let outcome;
    let signedOut = false;
    try {
      outcome = await transport((e) => {
        if (e.retry !== undefined) retryMs = e.retry;
        if (e.event === 'ready') {
          onState('Live');
          if (reconnect) onChange({ reconnected: true });
        } else if (e.event === 'signed-out') {
          signedOut = true; // the server ended the stream with the session: no reconnect, the page asks to sign in
        } else if (e.event === 'case-changed') {
          try {
            onChange(JSON.parse(e.data));
          } catch {
            // not a hint we understand: ignore it
          }
        }
      }, controller.signal);
    } catch {
      outcome = { status: 0 };
    }
    if (stopped || controller.signal.aborted) return;
    if (signedOut) {
      onState('');
      sessionEnded();
      return;
    }
    if (outcome.status === 401 || outcome.status === 403) {
      onState('Live updates off (no access)');
      return;
    }
    onState(outcome.status === 429 ? 'Live updates: too many tabs open' : 'Live updates reconnecting…');
    timer = setTimeout(() => void connect(true), outcome.retryAfter ? outcome.retryAfter * 1000 : retryMs);
  };
  void connect(false);
  return {
    /** Reconnects as whoever is signed in now (after a sign-in or a sign-out). */
    restart() {
      controller?.abort();
      void connect(false);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
