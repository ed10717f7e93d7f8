import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link listen}. */
export interface ListenOptions {
  /** How long `close` lets in-flight requests finish before cutting their connections. Default 10 s. */
  readonly graceMs?: number;
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
  const server = createServer(app);
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
