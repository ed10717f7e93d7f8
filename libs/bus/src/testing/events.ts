import {
  AlertEnrichedV1,
  AlertReceivedV1,
  AlertTriagedV1,
  causedBy,
  createEvent,
  deriveAlertId,
  type AlertInput,
  type EventOf,
  type Priority,
} from '@soc/contracts';

const T0 = new Date('2026-01-01T00:00:00.000Z');

/**
 * A realistic alert (Sentinel-shaped: host, user, IP and process entities, an ATT&CK technique), so bus tests
 * and benchmarks validate bodies of the size production sees rather than toy payloads.
 */
export function sampleAlert(n: number, tenantId = 'tenant-a'): AlertInput {
  const vendorAlertId = `sentinel-${n}`;
  return {
    schemaVersion: 1,
    alertId: deriveAlertId(tenantId, 'sentinel', vendorAlertId, 'sentinel'),
    tenantId,
    source: { name: 'sentinel', product: 'Microsoft Sentinel', vendor: 'Microsoft', vendorAlertId },
    title: 'Suspicious PowerShell download cradle',
    description: 'powershell.exe spawned with an encoded command that downloads and executes a remote script.',
    severity: 'high',
    status: 'new',
    detectedAt: T0.toISOString(),
    rule: { id: 'rule-4711', name: 'PowerShell download cradle' },
    attack: [{ tactic: 'execution', techniqueId: 'T1059.001', techniqueName: 'PowerShell' }],
    entities: [
      {
        id: 'host:ws-0042.corp.example',
        value: 'ws-0042.corp.example',
        type: 'host',
        hostname: 'ws-0042',
        os: 'Windows 11',
      },
      { id: 'user:alice@corp.example', value: 'alice@corp.example', type: 'user', upn: 'alice@corp.example' },
      { id: 'ip:203.0.113.7', value: '203.0.113.7', type: 'ip', isInternal: false, role: 'target' },
      {
        id: 'process:powershell.exe',
        value: 'powershell.exe',
        type: 'process',
        name: 'powershell.exe',
        commandLine: 'powershell.exe -NoP -W Hidden -Enc SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACkA',
        pid: 4242,
      },
    ],
    labels: ['bench'],
  };
}

/** Options of {@link sampleAlertReceived}. */
export interface SampleEventOptions {
  readonly tenantId?: string;
  /** Prefix of ids and correlation ids, so runs sharing one broker (an emulator) never see each other's events. */
  readonly run?: string;
  /** The envelope's lane (and the alert's `data.priority`); left out, the event carries none (`normal`). */
  readonly priority?: Priority;
}

/** A valid `soc.alert.received.v1` for alert number `n`: the head of a journey. */
export function sampleAlertReceived(n: number, options: SampleEventOptions = {}): EventOf<typeof AlertReceivedV1> {
  const tenantId = options.tenantId ?? 'tenant-a';
  const run = options.run ?? 'sample';
  const alert = sampleAlert(n, tenantId);
  const priority = options.priority;
  return createEvent(
    AlertReceivedV1,
    {
      alert: alert as never,
      receivedAt: T0.toISOString(),
      receivedVia: 'http',
      sender: 'bench',
      priority: priority ?? 'normal',
    },
    {
      id: `${run}-received-${n}`,
      source: '/soc/ingestion',
      time: T0,
      correlationid: `${run}-corr-${n}`,
      tenantid: tenantId,
      subject: alert.alertId,
      ...(priority === undefined ? {} : { priority }),
    },
  );
}

/** The enrichment step of a journey, caused by `cause`. */
export function sampleAlertEnriched(
  cause: EventOf<typeof AlertReceivedV1>,
  time = T0,
): EventOf<typeof AlertEnrichedV1> {
  return causedBy(
    cause,
    AlertEnrichedV1,
    {
      alert: cause.data.alert,
      enrichment: {
        facts: [
          {
            id: 'fact-1',
            kind: 'threat-intel',
            entityId: 'ip:203.0.113.7',
            source: 'misp',
            observedAt: time.toISOString(),
            confidence: 0.8,
            statement: '203.0.113.7 is listed in 3 MISP events as a C2 server',
            attributes: { events: 3 },
          },
        ],
        missing: [],
      },
    },
    { source: '/soc/enrichment', time },
  );
}

/** The triage step of a journey, caused by `cause`. */
export function sampleAlertTriaged(cause: EventOf<typeof AlertEnrichedV1>, time = T0): EventOf<typeof AlertTriagedV1> {
  return causedBy(
    cause,
    AlertTriagedV1,
    {
      alert: cause.data.alert,
      enrichment: cause.data.enrichment,
      triage: {
        engine: { name: 'deterministic', version: '1' },
        risk: {
          score: 82,
          level: 'high',
          factors: [{ name: 'known-c2', points: 40, evidence: 'MISP hit', factIds: ['fact-1'] }],
        },
        verdict: {
          class: 'true-positive',
          likelihoods: { truePositive: 0.8, benignPositive: 0.1, falsePositive: 0.1 },
        },
        summary: 'Encoded PowerShell reaching a known C2 address.',
        nextSteps: ['Isolate ws-0042'],
        attack: [],
      },
    },
    { source: '/soc/triage', time },
  );
}
