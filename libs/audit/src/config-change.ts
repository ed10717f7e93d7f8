import { contentHashOf } from './canonical.ts';
import type { AuditLog, AuditReceipt } from './port.ts';

/** A configuration a service owns, by name, with its content (hashed here, never stored). */
export interface AuditedConfig {
  /** What the configuration is, stable across restarts: `decision-policy`, `allowlist:/etc/soc/scanners.json`. */
  subject: string;
  /** The content as read; only its SHA-256 reaches the log. */
  content: string | Uint8Array;
  /** The service that loaded it. */
  actor: string;
  /** Non-secret facts worth keeping beside the hash (a version, a count of entries). */
  data?: Record<string, unknown>;
}

/**
 * Appends `config.changed` when the configuration's hash differs from the last one recorded for its subject (or
 * none was): called at start-up by each service that owns a configuration. Returns the receipt, or undefined when
 * the hash is unchanged. Two replicas starting at once may both record one change; that is one record too many,
 * never one too few.
 */
export async function auditConfigChange(audit: Pick<AuditLog, 'append' | 'latest'>, config: AuditedConfig): Promise<AuditReceipt | undefined> {
  const sha256 = contentHashOf(config.content);
  const last = await audit.latest('config.changed', config.subject);
  const previous = last?.data['sha256'];
  if (previous === sha256) return undefined;
  return audit.append({
    kind: 'config.changed',
    actor: config.actor,
    subject: config.subject,
    data: { ...config.data, sha256, previousSha256: typeof previous === 'string' ? previous : null },
  });
}
