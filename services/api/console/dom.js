// Builds elements without ever parsing HTML: every string becomes a text node or an attribute value (alert text is
// written by whoever sent the alert). Links may only point inside the console (`#/…`).

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [props] `text` sets textContent, `on<event>` adds a listener, others are attributes
 * @param {...(Node|string|number|null|undefined|Array<Node|string|null|undefined>)} children
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === 'href' && !String(value).startsWith('#/')) throw new Error('the console links only to its own pages');
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/** A problem details box (RFC 9457 title and detail), announced to screen readers. */
export function problemBox(error) {
  const p = error && typeof error === 'object' && 'problem' in error ? error.problem : { title: String(error?.message ?? error) };
  const status = error && typeof error === 'object' && 'status' in error ? ` (${error.status})` : '';
  return el('div', { class: 'problem', role: 'alert' }, el('strong', { text: `${p.title ?? 'Request failed'}${status}` }), p.detail ? el('p', { text: p.detail }) : null);
}

/** A success notice, announced to screen readers. */
export function notice(text) {
  return el('div', { class: 'notice', role: 'status', text });
}

/** How long ago `iso` was, coarsely ("4 min", "3 h", "2 d"). */
export function age(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min} min`;
  if (min < 48 * 60) return `${Math.floor(min / 60)} h`;
  return `${Math.floor(min / 1440)} d`;
}
