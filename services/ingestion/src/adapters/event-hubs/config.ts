import { parseEventHubConnectionString } from '@azure/event-hubs';
import { SourceName } from '@soc/contracts';
import { TENANT_ID_PATTERN } from '@soc/http';
import { z } from 'zod';

/** Empty env vars (`FOO=` in a compose file) count as unset. */
function unsetIfEmpty(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}
const optionalText = z.preprocess(unsetIfEmpty, z.string().trim().min(1).optional());
const positiveInt = (min: number, max: number, fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

/**
 * The Event Hubs consumer's settings, read from the environment. Every field is optional: with no hub
 * configured (the embedded default) the consumer is off. A service embeds it with
 * `EventHubsConfig.extend(OwnConfig.shape)` (zod keeps the cross-field checks), or calls
 * {@link eventHubsSettings}, which repeats them.
 */
export const EventHubsConfig = z
  .object({
    /** A secret: SAS connection string of the namespace or of the hub (`EntityPath=`). */
    EVENTHUB_CONNECTION_STRING: optionalText,
    /** `<namespace>.servicebus.windows.net`, used with DefaultAzureCredential when there is no connection string. */
    EVENTHUB_NAMESPACE: optionalText,
    EVENTHUB_NAME: optionalText,
    EVENTHUB_CONSUMER_GROUP: z.preprocess(unsetIfEmpty, z.string().trim().min(1).default('$Default')),
    /** `https://<account>.blob.core.windows.net/<container>`, used with DefaultAzureCredential. */
    EVENTHUB_CHECKPOINT_BLOB_URL: optionalText,
    /** A secret: storage account connection string, with EVENTHUB_CHECKPOINT_CONTAINER. */
    EVENTHUB_CHECKPOINT_CONNECTION_STRING: optionalText,
    EVENTHUB_CHECKPOINT_CONTAINER: optionalText,
    EVENTHUB_CHECKPOINT_INTERVAL_MS: positiveInt(100, 600_000, 10_000),
    /** A checkpoint is also written after this many fully ingested events, whichever comes first. */
    EVENTHUB_CHECKPOINT_MAX_EVENTS: positiveInt(1, 1_000_000, 1_000),
    /** Source of records that carry no `Type`/`category` we know (a hub that carries one product). */
    EVENTHUB_DEFAULT_SOURCE: z.preprocess(unsetIfEmpty, SourceName.optional()),
    /**
     * MSSP mode: the tenant of every alert this hub carries (one hub per customer); the deployment's SOC_TENANT_ID
     * when unset. What a record itself says about its tenant changes nothing.
     */
    EVENTHUB_TENANT_ID: z.preprocess(unsetIfEmpty, z.string().regex(TENANT_ID_PATTERN, 'a tenant id is 1-64 letters, digits, . _ or -, starting with a letter or digit').optional()),
    /** Events handed to the processor per call (the SDK's `maxBatchSize`). */
    EVENTHUB_MAX_BATCH_SIZE: positiveInt(1, 5_000, 100),
    /** Where a partition with no checkpoint yet starts: `latest` skips the hub's backlog, `earliest` replays it. */
    EVENTHUB_START_POSITION: z.preprocess(unsetIfEmpty, z.enum(['earliest', 'latest']).default('latest')),
  })
  .superRefine((config, ctx) => {
    const resolved = resolveEventHubs(config);
    if (resolved.ok) return;
    for (const issue of resolved.issues) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  });
export type EventHubsConfig = z.infer<typeof EventHubsConfig>;

/** How to reach the hub. */
export type EventHubsConnection =
  { kind: 'connection-string'; connectionString: string } | { kind: 'entra'; fullyQualifiedNamespace: string };

/** Where checkpoints and partition ownership are kept (one blob per partition). */
export type CheckpointContainer =
  | { kind: 'connection-string'; connectionString: string; containerName: string }
  | { kind: 'entra'; containerUrl: string };

/** The consumer's settings once validated and resolved. */
export interface EventHubsSettings {
  connection: EventHubsConnection;
  eventHubName: string;
  consumerGroup: string;
  checkpoint: CheckpointContainer;
  checkpointIntervalMs: number;
  checkpointMaxEvents: number;
  defaultSource: SourceName | undefined;
  /** The tenant of the hub's alerts; SOC_TENANT_ID when undefined. */
  tenantId: string | undefined;
  maxBatchSize: number;
  startPosition: 'earliest' | 'latest';
}

interface Issue {
  path: keyof EventHubsConfig;
  message: string;
}

type Resolved = { ok: true; settings: EventHubsSettings | undefined } | { ok: false; issues: Issue[] };

const FQDN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/i;

/**
 * The consumer's settings, or `undefined` when no hub is configured (the consumer stays off).
 * Throws with every problem and what to set when the configuration is half done or contradictory.
 */
export function eventHubsSettings(config: EventHubsConfig): EventHubsSettings | undefined {
  const resolved = resolveEventHubs(config);
  if (resolved.ok) return resolved.settings;
  throw new Error(
    `Invalid Event Hubs configuration:\n${resolved.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
  );
}

function resolveEventHubs(config: EventHubsConfig): Resolved {
  const connectionString = config.EVENTHUB_CONNECTION_STRING;
  const namespace = config.EVENTHUB_NAMESPACE;
  if (connectionString === undefined && namespace === undefined && config.EVENTHUB_NAME === undefined)
    return { ok: true, settings: undefined };

  const issues: Issue[] = [];
  let connection: EventHubsConnection | undefined;
  let eventHubName = config.EVENTHUB_NAME;
  if (connectionString !== undefined && namespace !== undefined) {
    issues.push({
      path: 'EVENTHUB_NAMESPACE',
      message: 'Set either EVENTHUB_CONNECTION_STRING (SAS) or EVENTHUB_NAMESPACE (managed identity), not both',
    });
  } else if (connectionString !== undefined) {
    const entityPath = entityPathOf(connectionString);
    if (entityPath === null) {
      issues.push({
        path: 'EVENTHUB_CONNECTION_STRING',
        message:
          'Not an Event Hubs connection string: expected Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…',
      });
    } else {
      if (entityPath !== undefined && eventHubName !== undefined && entityPath !== eventHubName) {
        issues.push({
          path: 'EVENTHUB_NAME',
          message: `Names hub '${eventHubName}' but the connection string's EntityPath is '${entityPath}': unset EVENTHUB_NAME or make them agree`,
        });
      }
      eventHubName ??= entityPath;
      connection = { kind: 'connection-string', connectionString };
    }
  } else if (namespace !== undefined) {
    if (!FQDN.test(namespace)) {
      issues.push({
        path: 'EVENTHUB_NAMESPACE',
        message:
          'Set the namespace host name only, e.g. mynamespace.servicebus.windows.net (no sb:// or https://, no path)',
      });
    } else {
      connection = { kind: 'entra', fullyQualifiedNamespace: namespace };
    }
  } else {
    issues.push({
      path: 'EVENTHUB_NAMESPACE',
      message:
        'EVENTHUB_NAME is set but not how to reach it: set EVENTHUB_NAMESPACE (managed identity) or EVENTHUB_CONNECTION_STRING',
    });
  }
  if (eventHubName === undefined && (connection !== undefined || namespace !== undefined)) {
    issues.push({
      path: 'EVENTHUB_NAME',
      message: 'Set EVENTHUB_NAME to the hub to consume (or use a hub-level connection string with EntityPath=)',
    });
  }

  const checkpoint = resolveCheckpoint(config, issues);
  if (issues.length > 0 || connection === undefined || eventHubName === undefined || checkpoint === undefined)
    return { ok: false, issues };
  return {
    ok: true,
    settings: {
      connection,
      eventHubName,
      consumerGroup: config.EVENTHUB_CONSUMER_GROUP,
      checkpoint,
      checkpointIntervalMs: config.EVENTHUB_CHECKPOINT_INTERVAL_MS,
      checkpointMaxEvents: config.EVENTHUB_CHECKPOINT_MAX_EVENTS,
      defaultSource: config.EVENTHUB_DEFAULT_SOURCE,
      tenantId: config.EVENTHUB_TENANT_ID,
      maxBatchSize: config.EVENTHUB_MAX_BATCH_SIZE,
      startPosition: config.EVENTHUB_START_POSITION,
    },
  };
}

function resolveCheckpoint(config: EventHubsConfig, issues: Issue[]): CheckpointContainer | undefined {
  const url = config.EVENTHUB_CHECKPOINT_BLOB_URL;
  const connectionString = config.EVENTHUB_CHECKPOINT_CONNECTION_STRING;
  const container = config.EVENTHUB_CHECKPOINT_CONTAINER;
  if (url !== undefined && (connectionString !== undefined || container !== undefined)) {
    issues.push({
      path: 'EVENTHUB_CHECKPOINT_BLOB_URL',
      message:
        'Set either EVENTHUB_CHECKPOINT_BLOB_URL (managed identity) or EVENTHUB_CHECKPOINT_CONNECTION_STRING with EVENTHUB_CHECKPOINT_CONTAINER, not both',
    });
    return undefined;
  }
  if (url !== undefined) {
    const problem = containerUrlProblem(url);
    if (problem !== undefined) {
      issues.push({ path: 'EVENTHUB_CHECKPOINT_BLOB_URL', message: problem });
      return undefined;
    }
    return { kind: 'entra', containerUrl: url };
  }
  if (connectionString !== undefined && container !== undefined)
    return { kind: 'connection-string', connectionString, containerName: container };
  if (connectionString !== undefined) {
    issues.push({
      path: 'EVENTHUB_CHECKPOINT_CONTAINER',
      message: 'Set EVENTHUB_CHECKPOINT_CONTAINER to the blob container that keeps the checkpoints',
    });
    return undefined;
  }
  if (container !== undefined) {
    issues.push({
      path: 'EVENTHUB_CHECKPOINT_CONNECTION_STRING',
      message:
        'Set EVENTHUB_CHECKPOINT_CONNECTION_STRING (or use EVENTHUB_CHECKPOINT_BLOB_URL with a managed identity instead)',
    });
    return undefined;
  }
  issues.push({
    path: 'EVENTHUB_CHECKPOINT_BLOB_URL',
    message:
      'Checkpoints need a blob container: set EVENTHUB_CHECKPOINT_BLOB_URL=https://<account>.blob.core.windows.net/<container> (managed identity) or EVENTHUB_CHECKPOINT_CONNECTION_STRING and EVENTHUB_CHECKPOINT_CONTAINER',
  });
  return undefined;
}

/** The hub named by a connection string (`undefined` when it is namespace-level), or null when it is not one. */
function entityPathOf(connectionString: string): string | undefined | null {
  try {
    return parseEventHubConnectionString(connectionString).eventHubName;
  } catch {
    return null;
  }
}

function containerUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Not a URL: expected https://<account>.blob.core.windows.net/<container>';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'Expected an https:// container URL, e.g. https://<account>.blob.core.windows.net/<container>';
  if (url.search !== '')
    return 'Drop the query string (SAS token): the container is reached with the managed identity, which needs Storage Blob Data Contributor on it';
  if (url.pathname.split('/').filter((s) => s !== '').length === 0)
    return 'The URL names no container: expected https://<account>.blob.core.windows.net/<container>';
  return undefined;
}
