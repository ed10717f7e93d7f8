import { describe, expect, it } from 'vitest';
import type { Alert, Entity } from '@soc/contracts';
import { buildPrompt, redact, type CopilotFacts } from '../src/llm/index.ts';
import { alertOf, caseOf, fact, securityAlertRows } from './support/llm-cases.ts';

/** Each attacker-controlled field of a case carries its own marker, so a leak names the field. */
const mark = (field: string): string => `inject-${field}-mark`;

const NONCE = '0f1e2d3c4b5a69788796a5b4';
const FENCE = new RegExp(`<<<UNTRUSTED-${NONCE}\\n[\\s\\S]*?\\nUNTRUSTED-${NONCE}>>>`, 'g');
const fencedOf = (content: string): string => [...content.matchAll(FENCE)].map((m) => m[0]).join('\n');
const outsideOf = (content: string): string => content.replace(FENCE, '');

/** The real credentials alert with a marker in every string the sender writes and enrichment quotes. */
function hostileCase(): CopilotFacts {
  const row = securityAlertRows().get('Detected suspicious credentials in commandline')!;
  const base = alertOf(row);
  const entities: Entity[] = [
    { id: 'host:ws9', type: 'host', value: 'ws9', hostname: mark('hostname'), fqdn: mark('fqdn'), os: `Windows ${mark('os')}`, deviceId: mark('deviceid'), origin: 'source' },
    { id: `domain:${mark('domain')}.example`, type: 'domain', value: `${mark('domain')}.example`, origin: 'source' },
    { id: `url:https://x.example/${mark('url')}`, type: 'url', value: `https://x.example/${mark('url')}`, origin: 'extracted' },
    { id: `cloud-resource:/subscriptions/1/${mark('cloud')}`, type: 'cloud-resource', value: `/subscriptions/1/${mark('cloud')}`, provider: mark('provider'), resourceType: mark('resourcetype'), origin: 'source' },
    { id: `hash:${mark('hash')}`, type: 'hash', value: mark('hash'), algorithm: 'sha256', origin: 'source' },
    { id: `ip:${mark('ip')}`, type: 'ip', value: mark('ip'), isInternal: false, origin: 'source' },
  ];
  const alert: Alert = {
    ...base,
    source: { ...base.source, product: `Defender ${mark('product')}`, vendor: mark('vendor'), url: `https://portal.example/${mark('sourceurl')}` },
    rule: { id: mark('ruleid'), name: mark('rulename') },
    labels: [mark('label')],
    entities: [...base.entities, ...entities],
  };
  const facts = [
    fact('ti:domain', 'threat-intel', `${mark('domain')}.example is listed by the feed: ${mark('statement')}`, { verdict: 'malicious', indicator: `${mark('domain')}.example`, comment: mark('attribute') }, entities[1]!.id),
    fact('asset:ws9', 'asset', `Asset ws9 per cmdb: owner ${mark('owner')}`, { criticality: 'high', owner: mark('owner'), tags: mark('tags') }, 'host:ws9'),
  ];
  return caseOf(alert, facts);
}

describe('buildPrompt fences every string that comes from the alert', () => {
  it('puts each attacker-controlled value only inside the untrusted-text fences', () => {
    const facts = hostileCase();
    // The engine's factor evidence quotes entity values and fact statements (external-ip, threat-intel, asset).
    expect(facts.triage.risk.factors.map((f) => f.evidence).join('\n')).toContain(mark('ip'));
    expect(facts.triage.risk.factors.map((f) => f.evidence).join('\n')).toContain(mark('statement'));
    const { redacted } = redact(facts, { ips: 'keep', hostnames: 'keep' });
    const prompt = buildPrompt(redacted, { nonce: NONCE, budgetTokens: 100_000 });
    const [system, user] = prompt.messages.map((m) => m.content);
    const outside = outsideOf(user ?? '');
    const fenced = fencedOf(user ?? '');
    const fields = ['product', 'os', 'domain', 'url', 'cloud', 'provider', 'resourcetype', 'hash', 'ip', 'statement', 'attribute', 'owner', 'tags', 'rulename', 'label'];
    for (const field of fields) {
      expect(outside, field).not.toContain(mark(field));
      expect(fenced, field).toContain(mark(field));
    }
    expect(system).not.toContain('inject-');
    // Nothing of the alert is rendered outside a fence, whatever the field: the only `inject-` text is fenced.
    expect(outside).not.toContain('inject-');
  });

  it('redacts where the redaction table says, and fences what stays', () => {
    const facts = hostileCase();
    const withUser: CopilotFacts = caseOf(
      { ...facts.alert, entities: [...facts.alert.entities, { id: 'user:mallory', type: 'user', value: 'mallory', name: 'mallory', upn: `${mark('upn')}@contoso.com`, origin: 'source' }] },
      facts.enrichment.facts,
    );
    const prompt = buildPrompt(redact(withUser).redacted, { nonce: NONCE, budgetTokens: 100_000 });
    const user = prompt.messages[1]?.content ?? '';
    // Users, e-mail addresses, IPs and hostnames are placeholders (non-production defaults); nothing else leaks.
    expect(user).not.toContain(mark('upn'));
    expect(user).not.toContain('mallory');
    expect(outsideOf(user)).not.toContain('inject-');
    expect(fencedOf(user)).toContain(mark('os'));
    expect(fencedOf(user)).toContain(mark('product'));
  });
});
