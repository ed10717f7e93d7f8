import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { keyValueRecord, parseKeyValues } from '../src/sources/key-values.ts';
import { normalize } from '../src/sources/normalize.ts';
import { splunkParser } from '../src/sources/splunk/index.ts';

type Json = Record<string, unknown>;
const fixture = <T = Json>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/splunk/${name}`, import.meta.url), 'utf8')) as T;
// Splunk documentation's webhook example; an ES notable and a two-notable search response from demisto/content.
const webhook = fixture('webhook-alert-action-example.json');
const notable = fixture('es-notable-event.json');
const notables = fixture<Json[]>('es-notables-search-results.json');

const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z') };

function accept(body: unknown): { alerts: Alert[]; pointers: string[] } {
  const outcome = normalize(splunkParser, body, ctx);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return { alerts: outcome.alerts, pointers: outcome.drafts.map((d) => d.rawPointer) };
}
const only = (body: unknown): Alert => {
  const { alerts } = accept(body);
  expect(alerts).toHaveLength(1);
  return alerts[0] as Alert;
};
const sourceIds = (a: Alert): string[] => a.entities.filter((e) => e.origin === 'source').map((e) => e.id);
const entity = (a: Alert, id: string) => a.entities.find((e) => e.id === id);

describe('key=value parsing of _raw', () => {
  it('reads the real notable _raw: double-quoted values with spaces, repeated keys, tag:: keys, the leading timestamp skipped', () => {
    const kv = keyValueRecord(notable._raw as string);
    expect(kv.search_name).toBe('Identity - Root sucess - Rule');
    expect(kv.orig_tag).toEqual(['alert', 'authentication', 'default', 'local', 'privileged', 'success']);
    expect(kv['orig_tag::app']).toEqual(['local', 'privileged']);
    expect(kv.target_user).toBe('root');
    expect(kv.vendor).toBe('Open Source Security');
    expect(kv.orig_raw).toMatch(
      /^Jun 04 09:30:10 xxx\.xxx\.x\.x Jun 04 09:30:10 {2}ossec: Alert Level: 3; Rule: 5304 .* root:xxx\n$/,
    );
    expect(Object.keys(kv)).not.toContain('1111111111');
  });

  it('reads single-quoted values and skips a malformed token without losing the pairs around it', () => {
    const [first, second] = notables.map((n) => keyValueRecord(n._raw as string));
    expect(first).toMatchObject({
      search_name: 'Endpoint - Recurring Malware Infection - Rule',
      count: '17',
      dest: 'ACME-workstation-012',
      info_min_time: '1595939700.000000000',
    });
    expect(first).not.toHaveProperty('signature');
    expect(second?.signature).toBe('Trojan.Gen.2');
  });

  it('unescapes \\" and \\\\ inside quotes, keeps other backslashes, and reads bare and empty values', () => {
    const pairs = parseKeyValues(
      'msg="say \\"hi\\" now", path="C:\\\\Temp\\\\a b.exe" raw="C:\\Temp" n=42,empty="" last=x',
    );
    expect(pairs).toEqual([
      { key: 'msg', value: 'say "hi" now' },
      { key: 'path', value: 'C:\\Temp\\a b.exe' },
      { key: 'raw', value: 'C:\\Temp' },
      { key: 'n', value: '42' },
      { key: 'empty', value: '' },
      { key: 'last', value: 'x' },
    ]);
  });

  it('runs an unterminated quote to the end and keeps a __proto__ key as data', () => {
    expect(parseKeyValues('a=1 b="never closed, c=3')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: 'never closed, c=3' },
    ]);
    const kv = keyValueRecord('__proto__=x');
    expect(Object.getPrototypeOf(kv)).toBe(Object.prototype);
    expect(Object.hasOwn(kv, '__proto__')).toBe(true);
  });

  it('reads back any value written as key="escaped value"', () => {
    const key = fc.stringMatching(/^[A-Za-z_][\w.:]{0,12}$/);
    const escape = (v: string) => v.replace(/[\\"]/g, (c) => `\\${c}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.string()), { minLength: 1, maxLength: 5 }), (pairs) => {
        const textBody = `1700000000, ${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(', ')}`;
        expect(parseKeyValues(textBody)).toEqual(pairs.map(([k, v]) => ({ key: k, value: v })));
      }),
    );
  });
});

describe('splunkParser: webhook alert action', () => {
  it('normalises the documented webhook body: the sid as id, results_link as url, the default severity', () => {
    const { alerts, pointers } = accept(webhook);
    const alert = alerts[0] as Alert;
    expect(pointers).toEqual(['']);
    expect(alert.source).toMatchObject({
      name: 'splunk',
      product: 'Splunk',
      vendor: 'Splunk',
      url: 'http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132',
    });
    expect(alert.source.vendorAlertId.startsWith('scheduler_admin_search_W2_at_14232356_132#')).toBe(true);
    // search_name is null in the documented example: the title names the search run instead.
    expect(alert.title).toBe('Splunk alert scheduler_admin_search_W2_at_14232356_132');
    expect(alert.severity).toBe('medium');
    expect(alert.description).toBe('sourcetype=mongod\ncount=8');
    expect(alert.labels).toEqual(['splunk_app:search']);
    // The documented result (sourcetype, count) names no host, user, address or file.
    expect(sourceIds(alert)).toEqual([]);
  });

  it('keeps the alert id of a re-sent result and gives another result of the same search its own id', () => {
    const first = only(webhook);
    const again = only(JSON.parse(JSON.stringify(webhook)));
    const reordered = only({ ...webhook, result: { count: '8', sourcetype: 'mongod' } });
    const other = only({ ...webhook, result: { sourcetype: 'mongod', count: '9' } });
    expect(again.alertId).toBe(first.alertId);
    expect(reordered.alertId).toBe(first.alertId);
    expect(other.alertId).not.toBe(first.alertId);
  });

  it('maps the CIM fields of a notable row sent by the webhook, and its urgency and time', () => {
    const alert = only({ ...webhook, result: notables[0] });
    expect(alert.source.vendorAlertId).toBe(
      'scheduler_admin_search_W2_at_14232356_132#notable~668~66D21DF4-F4FD-4886-A986-82E72ADCBFE9|668:17198|2020-08-24T12:10:17.000-07:00',
    );
    expect(alert.title).toBe('Endpoint - Recurring Malware Infection - Rule');
    expect(alert.severity).toBe('low');
    expect(alert.detectedAt).toBe('2020-08-24T19:10:17.000Z');
    expect(sourceIds(alert)).toEqual(['host:acme-workstation-012', 'ip:192.168.3.12']);
    expect(entity(alert, 'host:acme-workstation-012')).toMatchObject({
      role: 'target',
      hostname: 'ACME-workstation-012',
    });
    expect(entity(alert, 'ip:192.168.3.12')).toMatchObject({ role: 'target', isInternal: true });
  });

  it('uses the search name for title and rule, and epoch _time from a raw-event result', () => {
    const alert = only({
      ...webhook,
      search_name: 'Brute force from one source',
      result: {
        _time: '1717578924',
        src: '203.0.113.7',
        user: 'CORP\\alice',
        host: 'dc01',
        urgency: 'high',
        count: '57',
      },
    });
    expect(alert.title).toBe('Brute force from one source');
    expect(alert.rule).toEqual({ id: 'Brute force from one source', name: 'Brute force from one source' });
    expect(alert.severity).toBe('high');
    expect(alert.detectedAt).toBe('2024-06-05T09:15:24.000Z');
    expect(sourceIds(alert)).toEqual(['ip:203.0.113.7', 'host:dc01', 'user:corp\\alice']);
    expect(entity(alert, 'user:corp\\alice')).toMatchObject({ domain: 'CORP', name: 'alice' });
  });

  it('takes firstTime/lastTime only when they say their zone (security_content_ctime output does not)', () => {
    const alert = only({
      ...webhook,
      result: { firstTime: '1717493410', lastTime: '2024-06-05T09:15:24', count: '2' },
    });
    expect(alert.firstSeenAt).toBe('2024-06-04T09:30:10.000Z');
    expect(alert.lastSeenAt).toBeUndefined();
  });
});

describe('splunkParser: ES notable events and search exports', () => {
  it('maps a notable event: event_id, rule title, description, urgency, review status, security domain, identities', () => {
    const { alerts, pointers } = accept(notable);
    const alert = alerts[0] as Alert;
    expect(pointers).toEqual(['']);
    expect(alert.source).toMatchObject({
      product: 'Splunk Enterprise Security',
      vendorAlertId: '5E6DE97D-B137-47AB-8905-8C4F42998937@@notable@@e4f07602f507975e9f7ba47c4ae0c417',
    });
    expect(alert.title).toBe('Root user use');
    expect(alert.description).toBe('user=root AND (action=success OR action=failure)');
    expect(alert.rule).toEqual({ id: 'Identity - Root sucess - Rule', name: 'Root sucess' });
    expect(alert.severity).toBe('informational');
    expect(alert.status).toBe('new');
    expect(alert.detectedAt).toBe('2024-06-05T09:15:24.000Z');
    expect(alert.labels).toEqual(['security_domain:identity']);
    expect(entity(alert, 'user:root')).toMatchObject({ role: 'target', name: 'root' });
    expect(entity(alert, 'user:xxx')).toMatchObject({ role: 'actor' });
  });

  it('reads a {"results": […]} response: one alert per row, distinct ids, pointers into results', () => {
    const { alerts, pointers } = accept({ results: notables });
    expect(pointers).toEqual(['/results/0', '/results/1']);
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(2);
    expect(alerts.map((a) => a.detectedAt)).toEqual(['2020-08-24T19:10:17.000Z', '2020-08-24T20:30:17.000Z']);
    for (const a of alerts) {
      expect(a.severity).toBe('low');
      expect(a.title).toBe('Endpoint - Recurring Malware Infection - Rule');
      // `host` of a notable is the search head that wrote it, not an entity of the alert.
      expect(sourceIds(a)).toEqual(['host:acme-workstation-012', 'ip:192.168.3.12']);
    }
  });

  it('reads export rows ({"result": …}) and arrays of bodies with pointers to each record', () => {
    expect(accept({ preview: false, offset: 0, result: notable }).pointers).toEqual(['/result']);
    const { alerts, pointers } = accept([notable, { ...webhook }]);
    expect(pointers).toEqual(['/0', '/1']);
    expect(alerts.map((a) => a.title)).toEqual([
      'Root user use',
      'Splunk alert scheduler_admin_search_W2_at_14232356_132',
    ]);
  });

  it('maps ATT&CK annotations, resolves $field$ tokens, and reads urgency and an end status', () => {
    // The real notable with the fields a security_content correlation search adds (values chosen for the test).
    const alert = only({
      ...notable,
      rule_title: 'Root use on $dest_dns$ by $user$ ($missing$)',
      'annotations.mitre_attack.mitre_technique_id': ['T1078', 'T1078.003'],
      'annotations.mitre_attack.mitre_technique': ['Valid Accounts', 'Local Accounts'],
      'annotations.mitre_attack.mitre_tactic': 'Privilege Escalation',
      urgency: 'critical',
      status_label: 'Closed',
      status_end: 'true',
    });
    expect(alert.title).toBe('Root use on xx by root ($missing$)');
    expect(alert.severity).toBe('critical');
    expect(alert.status).toBe('resolved');
    expect(alert.attack).toEqual([
      { tactic: 'Privilege Escalation' },
      { techniqueId: 'T1078', techniqueName: 'Valid Accounts' },
      { techniqueId: 'T1078.003', techniqueName: 'Local Accounts' },
    ]);
    const nested = only({
      ...notable,
      annotations: '{"mitre_attack":["T1003.001"],"kill_chain_phases":["Exploitation"]}',
    });
    expect(nested.attack).toEqual([{ techniqueId: 'T1003.001' }]);
  });

  it.each([
    [{ status_label: 'In Progress' }, 'in_progress'],
    [{ status_label: 'Pending' }, 'in_progress'],
    [{ status_label: 'Resolved' }, 'resolved'],
    [{ status_label: 'Escalated to IR', status_end: 'false' }, 'unknown'],
    [{ status_label: undefined, status: '2' }, 'in_progress'],
    [{ status_label: undefined, status: '5' }, 'resolved'],
  ])('maps the review status %o to %s', (change, status) => {
    expect(only({ ...notable, ...change }).status).toBe(status);
  });

  it('maps the CIM process, file, registry, web, DNS and email fields of a result row', () => {
    const alert = only({
      ...webhook,
      result: {
        process_path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        process: 'powershell.exe -nop -w hidden -enc SQBFAFgA',
        process_id: '4312',
        parent_process_name: 'winword.exe',
        parent_process: '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n invoice.docm',
        file_path: 'C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.docm',
        file_hash: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
        registry_path: 'HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater',
        registry_value_data: 'C:\\Users\\alice\\updater.exe',
        url: 'http://malware.example.com/stage2.ps1',
        query: 'malware.example.com',
        sender: 'billing@invoices.example.net',
        recipient: ['alice@contoso.example', 'bob@contoso.example'],
        src_user: 'alice@contoso.example',
        dest: '10.1.2.3',
      },
    });
    expect(sourceIds(alert)).toEqual([
      'ip:10.1.2.3',
      'user:alice@contoso.example',
      'mailbox:billing@invoices.example.net',
      'mailbox:alice@contoso.example',
      'mailbox:bob@contoso.example',
      'process:C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      'process:winword.exe',
      'hash:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'file:C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.docm',
      'registry:HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater',
      'url:http://malware.example.com/stage2.ps1',
      'domain:malware.example.com',
    ]);
    expect(entity(alert, 'process:C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')).toMatchObject({
      name: 'powershell.exe',
      commandLine: 'powershell.exe -nop -w hidden -enc SQBFAFgA',
      pid: 4312,
      parentName: 'winword.exe',
    });
    expect(entity(alert, 'file:C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.docm')).toMatchObject({
      name: 'invoice.docm',
      hashes: [{ algorithm: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }],
    });
    expect(entity(alert, 'user:alice@contoso.example')).toMatchObject({ role: 'actor', upn: 'alice@contoso.example' });
    expect(
      entity(alert, 'registry:HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater'),
    ).toMatchObject({ data: 'C:\\Users\\alice\\updater.exe' });
  });
});

describe('splunkParser: refusals', () => {
  const errorsOf = (body: unknown) => {
    const parsed = splunkParser.parse(body, { receivedAt: ctx.receivedAt });
    if (parsed.ok) throw new Error('accepted');
    return parsed.errors;
  };

  it.each([null, 'a string', 42, {}, { hello: 'world' }])(
    'refuses %j at (root), naming the accepted shapes',
    (body) => {
      const errors = errorsOf(body);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ index: 0, path: '(root)' });
      expect(errors[0]?.message).toContain('webhook alert action');
    },
  );

  it('names the fields that are wrong, with the record index in a batch', () => {
    expect(errorsOf({ sid: 5, result: 'x', results_link: 'http://x' }).map((e) => e.path)).toEqual(['sid', 'result']);
    expect(errorsOf({ results: 'rows' })).toEqual([expect.objectContaining({ path: 'results' })]);
    expect(errorsOf({ results: [notable, 7] })).toEqual([expect.objectContaining({ index: 0, path: 'results.1' })]);
    expect(errorsOf({ result: [] })).toEqual([expect.objectContaining({ path: 'result' })]);
    expect(errorsOf([notable, { ...webhook, result: { _time: 'yesterday' } }])).toEqual([
      expect.objectContaining({ index: 1, path: 'result._time' }),
    ]);
    const untitled = errorsOf({ _time: '2024-06-05T09:15:24.000+00:00', count: '3' });
    expect(untitled[0]?.message).toContain('rule_title, rule_name or search_name');
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ sid: fc.anything(), result: fc.anything() }),
          fc.record({ results: fc.array(fc.anything()) }),
        ),
        (body) => {
          expect(() => normalize(splunkParser, body, ctx)).not.toThrow();
        },
      ),
    );
  });
});
