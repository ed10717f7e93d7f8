import { createHash } from 'node:crypto';
import type { Entity, Fact } from '@soc/contracts';
import type { Indicator, IntelFinding } from './port.ts';

/** An indicator to look up and the alert entity it came from. */
export interface EntityIndicator {
  entityId: string;
  indicator: Indicator;
}

/**
 * The indicators of an alert's entities: IPs (internal ones left out), domains, URLs, hashes, and the
 * hashes of file entities.
 */
export function indicatorsFromEntities(entities: readonly Entity[]): EntityIndicator[] {
  const out: EntityIndicator[] = [];
  for (const e of entities) {
    switch (e.type) {
      case 'ip':
        if (e.isInternal !== true) out.push({ entityId: e.id, indicator: { type: 'ip', value: e.value } });
        break;
      case 'domain':
      case 'url':
      case 'hash':
        out.push({ entityId: e.id, indicator: { type: e.type, value: e.value } });
        break;
      case 'file':
        for (const h of e.hashes ?? []) out.push({ entityId: e.id, indicator: { type: 'hash', value: h.value } });
        break;
      case 'host':
      case 'user':
      case 'process':
      case 'mailbox':
      case 'registry':
      case 'cloud-resource':
        break;
    }
  }
  return out;
}

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * A finding as an enrichment fact (`kind: 'threat-intel'`). The id is stable for the same source, indicator
 * and reference, so a redelivered alert yields the same fact ids. Pure.
 */
export function intelFact(finding: IntelFinding, entityId?: string): Fact {
  const { indicator, provenance: p } = finding;
  const digest = createHash('sha256')
    .update(`${p.source}\n${indicator.key}\n${finding.reference}`)
    .digest('hex')
    .slice(0, 16);
  const names = finding.threatNames.length > 0 ? ` (${finding.threatNames.join(', ')})` : '';
  return {
    id: `threat-intel:${clip(p.source, 64)}:${indicator.type}:${digest}`,
    kind: 'threat-intel',
    ...(entityId ? { entityId } : {}),
    source: clip(p.source, 128),
    observedAt: p.fetchedAt,
    confidence: p.confidence / 100,
    cacheHit: p.cacheHit,
    statement: clip(
      `${indicator.value} is ${finding.verdict} according to ${p.source}${names}; confidence ${p.confidence}/100`,
      2048,
    ),
    attributes: {
      ...finding.attributes,
      verdict: finding.verdict,
      reference: clip(finding.reference, 2048),
      threatNames: clip(finding.threatNames.join(', '), 1024),
      tags: clip(finding.tags.join(', '), 1024),
      firstSeen: finding.firstSeen ?? null,
      lastSeen: finding.lastSeen ?? null,
    },
  };
}
