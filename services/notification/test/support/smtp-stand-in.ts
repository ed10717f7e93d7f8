import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message as the loopback SMTP server received it. */
export interface ReceivedMessage {
  raw: Buffer;
  envelopeFrom: string;
  envelopeTo: string[];
  /** The session was TLS (STARTTLS) when the message arrived. */
  secure: boolean;
  user: string | undefined;
}

/** Options of {@link startSmtpStandIn}. */
export interface SmtpStandInOptions {
  user: string;
  password: string;
  /** Neither offer nor accept STARTTLS (a relay without TLS). */
  withoutTls?: boolean;
  /** Refuse these recipients with `550 5.1.1 mailbox unavailable`. */
  unknownRecipients?: readonly string[];
}

const replyError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

/**
 * A real SMTP server (`smtp-server`) on 127.0.0.1: STARTTLS with a self-signed certificate generated here (its PEM is
 * `ca`, for the client to trust), AUTH PLAIN/LOGIN only after TLS, every accepted message kept raw. `outage(n)` makes
 * the next `n` connections meet `421 4.3.2 Service not available` at the greeting.
 */
export async function startSmtpStandIn(options: SmtpStandInOptions) {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const received: ReceivedMessage[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  let refuseConnections = 0;
  let connections = 0;
  const serverOptions: SMTPServerOptions = {
    secure: false,
    key: pems.private,
    cert: pems.cert,
    hideSTARTTLS: false,
    ...(options.withoutTls ? { disabledCommands: ['STARTTLS'] } : {}),
    allowInsecureAuth: false,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      if (refuseConnections > 0) {
        refuseConnections--;
        callback(replyError(421, '4.3.2 Service not available, try again later'));
        return;
      }
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.user && auth.password === options.password;
      logins.push({ user: auth.username ?? '', ok });
      if (!ok) callback(replyError(535, '5.7.8 Authentication credentials invalid'));
      else callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.unknownRecipients?.includes(address.address)) callback(replyError(550, '5.1.1 mailbox unavailable'));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback(null, `2.0.0 Ok: queued as Q${received.length}`);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    ca: pems.cert,
    received,
    logins,
    connections: () => connections,
    /** The next `n` connections are answered 421 and closed. */
    outage(n: number) {
      refuseConnections = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
