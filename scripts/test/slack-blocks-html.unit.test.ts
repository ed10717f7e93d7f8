import { describe, expect, it } from 'vitest';
import { slackBlocksHtml } from '../docs/slack-blocks-html.ts';

const EVIL = `<img src=x onerror=alert(1)><script>alert(2)</script>" onmouseover="alert(3)`;
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

describe('slackBlocksHtml (the docs picture of a Slack card)', () => {
  const html = slackBlocksHtml(
    [
      { type: 'header', text: plain(`Header ${EVIL}`) },
      {
        type: 'section',
        text: plain(`Section ${EVIL}`),
        fields: [plain(`Field ${EVIL}`), mrkdwn(`*bold* <https://evil.example/x|click here> &lt;b&gt; ${EVIL}`)],
      },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: `id${EVIL}`,
            style: 'primary',
            text: plain(`Button ${EVIL}`),
            url: `https://evil.example/"><script>alert(4)</script>`,
          },
        ],
      },
      { type: 'context', elements: [plain(`Context ${EVIL}`)] },
      { type: `bogus${EVIL}` },
    ],
    { botName: `Bot ${EVIL}`, time: `09:00${EVIL}` },
  );
  const body = html.slice(html.indexOf('<body>'));

  it('escapes attacker text in every block, field, button, id and the bot name', () => {
    // Every tag in the page is one the renderer writes, with only its own attributes: nothing the text opened.
    const tags = body.match(/<[^>]*>/g) ?? [];
    for (const tag of tags)
      expect(tag).toMatch(
        /^<\/?(html|body|div|span|b|i|s|code|hr)( class="[a-z ]+")?( id="message")?( data-action-id="[^"<>]*")?>$/,
      );
    expect(tags.length).toBeGreaterThan(20);
    for (const where of ['Header', 'Section', 'Field', 'Button', 'Context', 'Bot']) {
      expect(body).toContain(
        `${where} &lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot; onmouseover=&quot;alert(3)`,
      );
    }
    expect(body).toContain('data-action-id="id&lt;img src=x onerror=alert(1)&gt;');
    expect(body).toContain('[unsupported block: bogus&lt;img');
  });

  it('links nothing: a mrkdwn link and a button URL are shown as text, never as an href', () => {
    expect(body).not.toMatch(/href=|src=["']|evil\.example\/"/);
    expect(body).toContain('<span class="link">click here</span> &lt;b&gt;');
    expect(body).toContain('<b>bold</b>');
  });

  it('lays out what Slack shows: header, fields side by side, primary button, divider, context', () => {
    expect(body).toContain('<div class="header">');
    expect(body).toMatch(/<div class="fields"><div class="field">Field [^]*<\/div><div class="field">/);
    expect(body).toContain('<span class="button primary"');
    expect(body).toContain('<hr class="divider">');
    expect(body).toContain('<div class="context">');
  });
});
