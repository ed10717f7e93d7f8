import { createHash } from 'node:crypto';
import { type Fact, clipText } from '@soc/contracts';
import type { AllowlistMatch, AssetRecord, UserRecord } from './ports.ts';

const digest = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

/**
 * An asset record as a fact (`kind: 'asset'`); the id is stable for the same source, record and entity, so a
 * redelivered alert yields the same ids. Pure.
 */
export function assetFact(entityId: string, a: AssetRecord): Fact {
  const p = a.provenance;
  const name = a.fqdn ?? a.hostname ?? a.ips[0] ?? entityId;
  const parts = [
    a.criticality ? `criticality ${a.criticality}` : 'criticality not recorded',
    ...(a.owner ? [`owner ${a.owner}`] : []),
    ...(a.location ? [`location ${a.location}`] : []),
    ...(a.tags.length > 0 ? [`tags: ${a.tags.join(', ')}`] : []),
  ];
  return {
    id: `asset:${clipText(p.source, 64)}:${digest(p.source, p.reference, entityId)}`,
    kind: 'asset',
    entityId,
    source: clipText(p.source, 128),
    observedAt: p.fetchedAt,
    confidence: 1,
    cacheHit: p.cacheHit,
    statement: clipText(`Asset ${name} per ${p.source}: ${parts.join('; ')}`, 2048),
    attributes: {
      criticality: a.criticality ?? null,
      owner: a.owner ?? null,
      location: a.location ?? null,
      tags: clipText(a.tags.join(', '), 1024),
      hostname: a.hostname ?? null,
      fqdn: a.fqdn ?? null,
      ips: clipText(a.ips.join(', '), 1024),
      reference: clipText(p.reference, 2048),
    },
  };
}

/** A user record as a fact (`kind: 'user'`). Pure. */
export function userFact(entityId: string, u: UserRecord): Fact {
  const p = u.provenance;
  const name = u.upn ?? u.account ?? u.objectId ?? entityId;
  const parts = [
    ...(u.department ? [`department ${u.department}`] : []),
    ...(u.jobTitle ? [`role ${u.jobTitle}`] : []),
    ...(u.manager ? [`manager ${u.manager}`] : []),
    u.privileged
      ? `privileged${u.privilegedGroups.length > 0 ? ` (${u.privilegedGroups.join(', ')})` : ''}`
      : 'not privileged',
    ...(u.riskLevel ? [`risk level ${u.riskLevel}`] : []),
    ...(u.accountEnabled === false ? ['account disabled'] : []),
  ];
  return {
    id: `user:${clipText(p.source, 64)}:${digest(p.source, p.reference, entityId)}`,
    kind: 'user',
    entityId,
    source: clipText(p.source, 128),
    observedAt: p.fetchedAt,
    confidence: 1,
    cacheHit: p.cacheHit,
    statement: clipText(`User ${name} per ${p.source}: ${parts.join('; ')}`, 2048),
    attributes: {
      upn: u.upn ?? null,
      objectId: u.objectId ?? null,
      department: u.department ?? null,
      role: u.jobTitle ?? null,
      manager: u.manager ?? null,
      privileged: u.privileged,
      privilegedGroups: clipText(u.privilegedGroups.join(', '), 1024),
      riskLevel: u.riskLevel ?? null,
      riskState: u.riskState ?? null,
      accountEnabled: u.accountEnabled ?? null,
      reference: clipText(p.reference, 2048),
    },
  };
}

/** An allowlist match as a fact (`kind: 'allowlist'`), carrying the reason, expiry and owner. Pure. */
export function allowlistFact(m: AllowlistMatch): Fact {
  const { entry: e, provenance: p } = m;
  const scope = e.rule === undefined ? '' : ` for rule "${e.rule}"`;
  return {
    id: `allowlist:${clipText(p.source, 64)}:${digest(p.source, e.id, m.entityId)}`,
    kind: 'allowlist',
    entityId: m.entityId,
    source: clipText(p.source, 128),
    observedAt: p.fetchedAt,
    confidence: 1,
    cacheHit: false,
    statement: clipText(
      `${m.entityId} is allowlisted${scope} until ${e.expiresAt}: ${e.reason}${e.owner ? ` (owner ${e.owner})` : ''}`,
      2048,
    ),
    attributes: {
      entryId: clipText(e.id, 256),
      reason: clipText(e.reason, 1024),
      expiresAt: e.expiresAt,
      owner: e.owner ?? null,
      rule: e.rule ?? null,
      match: e.cidr ?? e.value ?? null,
      reference: clipText(p.reference, 2048),
    },
  };
}
