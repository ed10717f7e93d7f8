import { readFileSync } from 'node:fs';
import { Alert, Severity, type AlertInput, type Enrichment, type Entity, type Fact } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../../src/engine.ts';
import { loadWeights } from '../../src/weights.ts';
import type { CopilotFacts } from '../../src/llm/index.ts';

/** A row of the Log Analytics SecurityAlert table as the msticpy sample has it (JSON-decoded). */
export interface SecurityAlertRow {
  SystemAlertId: string;
  ProviderAlertId: string;
  AlertDisplayName: string;
  Description: string;
  Severity: string;
  TimeGenerated: string;
  ExtendedProperties: Record<string, string>;
  ExtendedLinks: string;
  Entities: Record<string, unknown>[];
}

const FIXTURES = new URL('../../../../test/fixtures/llm/', import.meta.url);

/** The three real SecurityAlert rows of `test/fixtures/llm/securityalert-rows.jsonl`, by display name. */
export function securityAlertRows(): Map<string, SecurityAlertRow> {
  const rows = readFileSync(new URL('securityalert-rows.jsonl', FIXTURES), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SecurityAlertRow);
  return new Map(rows.map((r) => [r.AlertDisplayName, r]));
}

/** The real Microsoft Graph alerts_v2 example, as text. */
export function graphAlertExample(): string {
  return readFileSync(new URL('graph_alert_v2_get_example.json', FIXTURES), 'utf8');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Maps the row's entity graph to contract entities (host, account, ip, file, process). */
function entitiesOf(row: SecurityAlertRow): AlertInput['entities'] {
  const out: NonNullable<AlertInput['entities']> = [];
  for (const e of row.Entities) {
    switch (e['Type']) {
      case 'host': {
        const host = str(e['HostName']) ?? '';
        out.push({ id: `host:${host.toLowerCase()}`, type: 'host', value: host, hostname: host });
        break;
      }
      case 'account': {
        const name = str(e['Name']) ?? '';
        const upn = str(e['UPNSuffix']) === undefined ? undefined : `${name}@${String(e['UPNSuffix'])}`;
        const domain = str(e['NTDomain']);
        const value = upn ?? (domain === undefined ? name : `${domain}\\${name}`);
        out.push({ id: `user:${value.toLowerCase()}`, type: 'user', value, name, upn, domain, sid: str(e['Sid']) });
        break;
      }
      case 'ip': {
        const ip = String(e['Address']);
        out.push({ id: `ip:${ip}`, type: 'ip', value: ip, isInternal: false });
        break;
      }
      case 'file': {
        const value = `${String(e['Directory'])}\\${String(e['Name'])}`;
        out.push({ id: `file:${value.toLowerCase()}`, type: 'file', value, name: str(e['Name']) });
        break;
      }
      case 'process': {
        const cmd = str(e['CommandLine']);
        if (cmd !== undefined) out.push({ id: `process:${cmd.toLowerCase()}`, type: 'process', value: cmd, commandLine: cmd });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** The row as a contract alert (defaults applied), the way the Sentinel normaliser would give it. */
export function alertOf(row: SecurityAlertRow, extra: { description?: string; entities?: Entity[] } = {}): Alert {
  return Alert.parse({
    schemaVersion: 1,
    alertId: row.SystemAlertId.slice(0, 128),
    tenantId: 'contoso',
    source: { name: 'sentinel', product: 'Azure Security Center', vendorAlertId: row.ProviderAlertId },
    title: row.AlertDisplayName,
    description: extra.description ?? row.Description,
    severity: Severity.parse(row.Severity.toLowerCase()),
    detectedAt: `${row.TimeGenerated.replace(' ', 'T')}Z`,
    entities: [...(entitiesOf(row) ?? []), ...(extra.entities ?? [])],
  } satisfies AlertInput);
}

/** A fact as enrichment would record it. */
export function fact(id: string, kind: Fact['kind'], statement: string, attributes: Fact['attributes'] = {}, entityId?: string): Fact {
  return { id, kind, source: 'test-enrichment', observedAt: '2019-01-15T05:16:00Z', statement, attributes, ...(entityId === undefined ? {} : { entityId }) };
}

const knowledge = loadTriageKnowledge();

/** Alert + enrichment + the deterministic engine's triage: what the copilot gets. */
export function caseOf(alert: Alert, facts: Fact[] = []): CopilotFacts {
  const enrichment: Enrichment = { facts, missing: [] };
  return { alert, enrichment, triage: triageAlert(alert, enrichment, loadWeights(), knowledge) };
}

/** The SAS-signed threat report link of a row ("Report: BORON" in ExtendedProperties, or the first ExtendedLinks href). */
export function reportLinkOf(row: SecurityAlertRow): string {
  const reports = row.ExtendedProperties['enrichment_tas_threat__reports'];
  if (reports !== undefined) {
    const links = (JSON.parse(reports) as { DisplayValueToUrlDictionary: Record<string, string> }).DisplayValueToUrlDictionary;
    return Object.values(links)[0] ?? '';
  }
  return (JSON.parse(row.ExtendedLinks) as { Href: string }[])[0]?.Href ?? '';
}
