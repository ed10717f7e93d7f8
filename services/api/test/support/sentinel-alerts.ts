import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AlertReceivedV1,
  DecisionMadeV2,
  type Alert,
  type Entity,
  type VerdictClass,
  causedBy,
  createEvent,
} from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';

/** A row of the repo's real Sentinel SecurityAlert fixture in the generic alert format. */
interface GenericRow {
  id: string;
  title: string;
  description: string;
  severity: Alert['severity'];
  detectedAt: string;
  product: string;
  rule: { name: string };
  entities: { type: Entity['type']; value: string }[];
}

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/generic-alerts.jsonl', import.meta.url));

/**
 * The 95 real Sentinel alerts of `test/fixtures/generic-alerts.jsonl` (microsoft/msticpy @ cb71514, demo workspace
 * SecurityAlert rows; MIT), as the normalised alerts ingestion would make of them.
 */
export function sentinelAlerts(): Alert[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const row = JSON.parse(line) as GenericRow;
      // Entity ids as ingestion makes them (`type:canonical value`); only hosts, users and IPs matter for grouping here.
      const entities = row.entities
        .filter((e) => e.type === 'host' || e.type === 'user' || e.type === 'ip')
        .map((e) => ({ id: `${e.type}:${e.value.toLowerCase()}`, type: e.type, value: e.value.toLowerCase(), origin: 'source' }) as Entity);
      const unique = [...new Map(entities.map((e) => [e.id, e])).values()];
      return sampleAlert({
        alertId: `alt-sentinel-${i}`,
        source: { name: 'generic', product: row.product, vendorAlertId: row.id },
        title: row.title,
        description: row.description,
        severity: row.severity,
        detectedAt: new Date(row.detectedAt).toISOString(),
        rule: { name: row.rule.name },
        entities: unique,
      });
    });
}

/** The same alert re-raised under a new id: what a storm of one detection looks like. */
export function stormCopy(alert: Alert, n: number): Alert {
  return { ...alert, alertId: `${alert.alertId}-storm-${n}`, source: { ...alert.source, vendorAlertId: `${alert.source.vendorAlertId}-${n}` } };
}

/** The `soc.alert.received.v1` of an alert received at `receivedAt`; its id is stable per alert, as a redelivery's is. */
export function receivedEvent(alert: Alert, receivedAt: Date) {
  return createEvent(
    AlertReceivedV1,
    { alert, receivedAt: receivedAt.toISOString(), receivedVia: 'http', sender: 'sentinel', priority: 'normal' },
    { id: `rcv-${alert.alertId}`, source: '/soc/ingestion', time: receivedAt, correlationid: `corr-${alert.alertId}`, tenantid: alert.tenantId, subject: alert.alertId },
  );
}

/** A decision on an alert with the given triage score and verdict. */
export function decisionEvent(alert: Alert, receivedAt: Date, score: number, verdict: VerdictClass) {
  const level = score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 40 ? 'medium' : 'low';
  const triage = {
    engine: { name: 'deterministic' as const, version: 't' },
    risk: { score, level: level as 'critical' | 'high' | 'medium' | 'low', factors: [] },
    verdict: { class: verdict, likelihoods: { truePositive: 0.5, benignPositive: 0.25, falsePositive: 0.25 } },
    summary: 's',
    nextSteps: [],
    attack: [],
  };
  return causedBy(receivedEvent(alert, receivedAt), DecisionMadeV2, { alert, triage, policy: { id: 'p', version: '1' }, actions: [], rejected: [] }, { source: '/soc/decision', time: new Date(receivedAt.getTime() + 2000) });
}
