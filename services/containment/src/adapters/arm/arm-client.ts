import { NetworkManagementClient } from '@azure/arm-network';
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/identity';
import { AppError, ErrorCode, isAppError, parseRetryAfter } from '@soc/runtime';

/**
 * The ARM SDK clients the runbooks use, built once per subscription with the options that matter here, and the one
 * place that turns an SDK error into an {@link AppError}. Never met the real ARM: the wire format follows the SDK
 * and Microsoft's documentation, proven against the local stand-in of `test/arm-runbooks.int.test.ts`.
 */

/** The public cloud's ARM endpoint. */
export const ARM_DEFAULT_ENDPOINT = 'https://management.azure.com';

/** Where ARM is and how to reach it. */
export interface ArmConnection {
  credential: TokenCredential;
  /** Default {@link ARM_DEFAULT_ENDPOINT}. */
  endpoint?: string;
  /**
   * PEM certificate(s) to trust instead of the public CAs (the SDK's `tlsOptions.ca`, applied to this client's
   * https agent only): a test's self-signed stand-in, or a TLS-inspecting proxy. Absent: Node's default CAs.
   */
  ca?: string;
  /** How often a long-running operation is polled when ARM sends no Retry-After; default the SDK's 2 s. */
  pollIntervalMs?: number;
  now?: () => Date;
}

/** The token audience of each known ARM endpoint (a loopback stand-in gets the public cloud's). */
const AUDIENCES: Readonly<Record<string, string>> = {
  'management.azure.com': 'https://management.azure.com/.default',
  'management.usgovcloudapi.net': 'https://management.usgovcloudapi.net/.default',
  'management.chinacloudapi.cn': 'https://management.chinacloudapi.cn/.default',
};

/** The scope a token is asked for at `endpoint`. */
export function armScopeOf(endpoint: string): string {
  return AUDIENCES[new URL(endpoint).hostname] ?? 'https://management.azure.com/.default';
}

function clientOptions(conn: ArmConnection): {
  endpoint: string;
  credentials: { scopes: string[] };
  retryOptions: { maxRetries: number };
  userAgentOptions: { userAgentPrefix: string };
  tlsOptions?: { ca: string };
} {
  const endpoint = (conn.endpoint ?? ARM_DEFAULT_ENDPOINT).replace(/\/+$/, '');
  return {
    endpoint,
    credentials: { scopes: [armScopeOf(endpoint)] },
    // No retries inside the SDK: a throttled or failing call becomes a retryable AppError with Retry-After, and the
    // bus redelivers (a runbook is idempotent); waiting here would hold the message past its lock.
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: 'soc-copilot-containment' },
    ...(conn.ca !== undefined ? { tlsOptions: { ca: conn.ca } } : {}),
  };
}

/** One SDK client per subscription, built on first use. */
export class ArmClients {
  readonly #conn: ArmConnection;
  readonly #network = new Map<string, NetworkManagementClient>();
  readonly #storage = new Map<string, StorageManagementClient>();

  constructor(conn: ArmConnection) {
    this.#conn = conn;
  }

  get now(): Date {
    return this.#conn.now?.() ?? new Date();
  }

  /** The poll interval to pass as `updateIntervalInMs`, when one is configured. */
  get pollOptions(): { updateIntervalInMs?: number } {
    return this.#conn.pollIntervalMs !== undefined ? { updateIntervalInMs: this.#conn.pollIntervalMs } : {};
  }

  network(subscriptionId: string): NetworkManagementClient {
    let client = this.#network.get(subscriptionId);
    if (!client) {
      client = new NetworkManagementClient(this.#conn.credential, subscriptionId, clientOptions(this.#conn));
      this.#network.set(subscriptionId, client);
    }
    return client;
  }

  storage(subscriptionId: string): StorageManagementClient {
    let client = this.#storage.get(subscriptionId);
    if (!client) {
      client = new StorageManagementClient(this.#conn.credential, subscriptionId, clientOptions(this.#conn));
      this.#storage.set(subscriptionId, client);
    }
    return client;
  }
}

/** The fields of the SDK's `RestError` used here (recognised by name: the SDK bundles its own copies). */
interface RestErrorLike {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get(name: string): string | undefined } };
}

function isRestError(error: unknown): error is RestErrorLike {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RestError';
}

/** What a call needed, named in a 403: the role and the exact permission. */
export interface ArmPermission {
  role: string;
  action: string;
}

/** The ARM error code of a RestError (`AuthorizationFailed`, `ResourceNotFound`, `NotFound` …). */
export function armCodeOf(error: unknown): string | undefined {
  return isRestError(error) ? error.code : undefined;
}

/** The HTTP status of a RestError. */
export function armStatusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

function reasonOf(error: RestErrorLike): string {
  const message = error.message.replace(/[\u0000-\u001f\u007f]+/gu, ' ').slice(0, 300);
  return error.code ? `${error.code}: ${message}` : message;
}

/**
 * Translates whatever a call threw into an {@link AppError}: 429 and 5xx (and a connection that failed) are
 * retryable, with `retryAfterSeconds` when ARM sent Retry-After; a 409 (another operation on the resource is in
 * progress) is retryable; a 401 (token refused) is not; a 403 names the role and permission that was missing; 404
 * and the rest are not retryable.
 */
export function armError(error: unknown, what: string, permission: ArmPermission, now: Date): AppError {
  if (isAppError(error)) return error;
  if (isRestError(error)) {
    const status = error.statusCode;
    const reason = reasonOf(error);
    if (status === undefined) {
      return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what}: ARM unreachable (${error.code ?? 'no answer'})`, { retryable: true });
    }
    if (status === 429 || status >= 500) {
      const after = parseRetryAfter(error.response?.headers?.get('retry-after'), now);
      return new AppError(status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `${what}: ARM answered ${status} (${reason})`, {
        retryable: true,
        details: { status, ...(error.code ? { armCode: error.code } : {}), ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
      });
    }
    if (status === 401) {
      return new AppError(ErrorCode.UNAUTHORIZED, `${what}: ARM refused the token (401 ${reason}); check the workload identity's tenant and federation`, {
        retryable: false,
        details: { status, armCode: error.code },
      });
    }
    if (status === 403) {
      return new AppError(ErrorCode.FORBIDDEN, `${what}: ARM refused (403 ${reason}); the identity needs ${permission.role} (permission ${permission.action}) on the resource`, {
        retryable: false,
        details: { status, armCode: error.code, role: permission.role, permission: permission.action },
      });
    }
    if (status === 404) {
      return new AppError(ErrorCode.NOT_FOUND, `${what}: not found (${reason})`, { retryable: false, details: { status, armCode: error.code } });
    }
    if (status === 409) {
      return new AppError(ErrorCode.CONFLICT, `${what}: ARM answered 409 (${reason}); another operation is in progress, try again`, { retryable: true, details: { status, armCode: error.code } });
    }
    return new AppError(ErrorCode.VALIDATION_FAILED, `${what}: ARM refused (${status} ${reason})`, { retryable: false, details: { status, armCode: error.code } });
  }
  const name = error instanceof Error ? error.name : 'unknown error';
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError') {
    // The credential's own message may quote its configuration; the name says enough.
    return new AppError(ErrorCode.UNAUTHORIZED, `${what}: no ARM token (${name}); check the workload identity`, { retryable: true });
  }
  if (error instanceof Error && error.message.startsWith('The long-running operation has failed')) {
    return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what}: ${error.message.replace(/[\u0000-\u001f\u007f]+/gu, ' ').slice(0, 300)}`, { retryable: false });
  }
  return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what}: ${name}`, { retryable: true });
}

/** Runs an ARM call, translating its failure with {@link armError}. */
export async function armCall<T>(what: string, permission: ArmPermission, now: () => Date, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw armError(error, what, permission, now());
  }
}
