/**
 * Block Kit → HTML, for the docs' picture of a Slack card only (Slack renders the real one): header, section (text,
 * fields), context, actions (buttons) and divider, styled after Slack's desktop client. Every string — text, ids,
 * URLs — is HTML-escaped, and nothing becomes a live link: the page shows what a message says, it never acts on it.
 */

type Json = Record<string, unknown>;

/** Options of {@link slackBlocksHtml}. */
export interface SlackHtmlOptions {
  /** The bot's display name above the message. */
  botName: string;
  /** The time shown beside the name (`09:00`). */
  time: string;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** HTML-escapes text for element content and quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const obj = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);

/**
 * A mrkdwn string as Slack shows it, on text escaped first: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, and
 * `<url|label>` / `<url>` as link-styled text (Slack's own escaping, `&lt;` `&gt;` `&amp;`, is honoured).
 */
function mrkdwn(text: string): string {
  // Slack's control sequences are `<…>` in the raw text; pick them out before escaping, then escape every piece.
  const parts = text.split(/(<[^<>]*>)/g).map((part) => {
    const link = /^<([^<>|]*)(?:\|([^<>]*))?>$/.exec(part);
    if (!link) return escapeHtml(part.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    const label = link[2] ?? link[1] ?? '';
    return `<span class="link">${escapeHtml(label)}</span>`;
  });
  return parts
    .join('')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, '$1<s>$2</s>');
}

/** A text object: plain_text shown as written (escaped), mrkdwn formatted. Newlines are kept by CSS. */
function textObject(value: unknown): string {
  const text = obj(value);
  return text.type === 'mrkdwn' ? mrkdwn(str(text.text)) : escapeHtml(str(text.text));
}

function button(element: Json): string {
  const style = str(element.style);
  const cls = style === 'primary' ? 'button primary' : style === 'danger' ? 'button danger' : 'button';
  return `<span class="${cls}" data-action-id="${escapeHtml(str(element.action_id))}">${textObject(element.text)}</span>`;
}

function block(b: Json): string {
  switch (str(b.type)) {
    case 'header':
      return `<div class="header">${textObject(b.text)}</div>`;
    case 'section': {
      const text = b.text === undefined ? '' : `<div class="text">${textObject(b.text)}</div>`;
      const fields = list(b.fields);
      const grid =
        fields.length > 0
          ? `<div class="fields">${fields.map((f) => `<div class="field">${textObject(f)}</div>`).join('')}</div>`
          : '';
      return `<div class="section">${text}${grid}</div>`;
    }
    case 'context':
      return `<div class="context">${list(b.elements)
        .map((e) => `<span>${e.type === 'image' ? '' : textObject(e)}</span>`)
        .join('')}</div>`;
    case 'actions':
      return `<div class="actions">${list(b.elements)
        .map((e) => (e.type === 'button' ? button(e) : ''))
        .join('')}</div>`;
    case 'divider':
      return '<hr class="divider">';
    default:
      return `<div class="unsupported">[unsupported block: ${escapeHtml(str(b.type))}]</div>`;
  }
}

const CSS = `
body { margin: 0; background: #fff; font-family: 'Liberation Sans', Arial, sans-serif; font-size: 15px; color: #1d1c1d; }
.message { display: flex; gap: 8px; padding: 16px 20px; width: 680px; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 700; font-size: 14px; display: flex; align-items: center; justify-content: center; }
.meta { margin-bottom: 4px; } .name { font-weight: 900; } .app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px; margin: 0 4px; } .time { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0 8px; }
.section, .context, .actions { margin: 4px 0 8px; white-space: pre-wrap; line-height: 1.45; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 4px; }
.context { color: #616061; font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.button { border: 1px solid #bbbabb; border-radius: 4px; padding: 3px 12px; font-size: 13px; font-weight: 700; line-height: 24px; background: #fff; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { color: #e01e5a; }
.link { color: #1264a3; }
code { font-family: 'Liberation Mono', monospace; font-size: 12px; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; color: #e01e5a; }
.divider { border: none; border-top: 1px solid #ddd; }
`;

/** A Slack message (Block Kit blocks) as a standalone HTML page. */
export function slackBlocksHtml(blocks: readonly Json[], options: SlackHtmlOptions): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Slack card</title><style>${CSS}</style></head>
<body><div class="message" id="message"><div class="avatar">SC</div><div class="body">
<div class="meta"><span class="name">${escapeHtml(options.botName)}</span><span class="app">APP</span><span class="time">${escapeHtml(options.time)}</span></div>
${blocks.map(block).join('\n')}
</div></div></body></html>`;
}
