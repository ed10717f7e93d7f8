import { createHash } from 'node:crypto';
import { type Entity, type Fact, clipText } from '@soc/contracts';
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
    id: `threat-intel:${clipText(p.source, 64)}:${indicator.type}:${digest}`,
    kind: 'threat-intel',
    ...(entityId ? { entityId } : {}),
    source: clipText(p.source, 128),
    observedAt: p.fetchedAt,
    confidence: p.confidence / 100,
    cacheHit: p.cacheHit,
    statement: clipText(
      `${indicator.value} is ${finding.verdict} according to ${p.source}${names}; confidence ${p.confidence}/100`,
      2048,
    ),
    attributes: {
      ...finding.attributes,
      verdict: finding.verdict,
      reference: clipText(finding.reference, 2048),
      threatNames: clipText(finding.threatNames.join(', '), 1024),
      tags: clipText(finding.tags.join(', '), 1024),
      firstSeen: finding.firstSeen ?? null,
      lastSeen: finding.lastSeen ?? null,
    },
  };
}
