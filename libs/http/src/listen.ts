import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Bounds on what one client may hold of the server: how long it may take to send its headers and its whole request,
 * how long an idle kept-alive connection stays open, how many headers (and bytes of them) it may send, and how many
 * connections the server holds at once. They bound receiving only: a handler that answers slowly (a hunt query
 * waiting minutes for Log Analytics) is not cut, as the server's socket inactivity timeout stays off.
 */
export interface HttpServerLimits {
  /** Time to receive the request line and every header (slowloris); 408 and closed after it. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, headers and body (slow POST); at least `headersTimeoutMs`. */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection is kept for the client's next request. */
  readonly keepAliveTimeoutMs: number;
  /** Headers read per request; the rest are ignored. */
  readonly maxHeadersCount: number;
  /** Bytes of request line plus headers; 431 above it. */
  readonly maxHeaderBytes: number;
  /** Connections held at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number;
}

/** The defaults of {@link HttpServerLimits}, also those of the platform's `SOC_HTTP_*` settings. */
export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 100,
  maxHeaderBytes: 16_384,
  maxConnections: 1_024,
};

/** Options of {@link listen}. */
export interface ListenOptions {
  /** How long `close` lets in-flight requests finish before cutting their connections. Default 10 s. */
  readonly graceMs?: number;
  /** What one client may hold of the server; {@link DEFAULT_HTTP_SERVER_LIMITS} where not given. */
  readonly limits?: Partial<HttpServerLimits>;
}

/** A listening HTTP server. */
export interface HttpServer {
  readonly server: Server;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `http://host:port`, for tests and logs. */
  readonly url: string;
  /**
   * Stops accepting connections, closes idle keep-alive connections, lets in-flight requests finish within the
   * grace period and then cuts what is left. Idempotent, so it can sit in `onShutdown` and in a test's `afterAll`.
   */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server for an express app (or any request listener) on `host:port` and resolves once it listens.
 * The host is required on purpose: containers need `0.0.0.0`, tests and sidecars `127.0.0.1`.
 */
export async function listen(
  app: RequestListener,
  port: number,
  host: string,
  options: ListenOptions = {},
): Promise<HttpServer> {
  const limits = { ...DEFAULT_HTTP_SERVER_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks the two timeouts above on this interval (30 s by default), so it bounds how late they act.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    app,
  );
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo;
  const graceMs = options.graceMs ?? 10_000;
  let closing: Promise<void> | undefined;
  // Keep-alive connections would otherwise outlive close() by the client's idle timeout: once closing, responses
  // ask the client to disconnect and each finished one releases its now idle connection.
  const pending = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    if (closing !== undefined && !res.headersSent) res.setHeader('Connection', 'close');
    pending.add(res);
    res.once('close', () => {
      pending.delete(res);
      if (closing !== undefined) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    server,
    port: boundPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close((error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
