// The case chat panel: ask the copilot about this case (POST /api/v1/alerts/{id}/questions, role analyst), then poll
// the case until triage's answer is folded in. Answers, citations and hunt queries are shown as text only; a hunt
// query can be copied or run through the hunt API (POST /api/v1/hunt/queries, role hunter).
import { api } from './api.js';
import { el, notice, problemBox, replace } from './dom.js';
import { citationAnchor, factLink } from './facts.js';
import { huntCard } from './hunts.js';

const POLL_MS = 1000;
const POLL_FOR_MS = 30_000;

/** The chat section of the case page `c` (GET /api/v1/alerts/{id}). */
export function chatSection(c) {
  const log = el('div', { id: 'chat-log', 'aria-live': 'polite' });
  const messages = el('div', { id: 'chat-messages' });
  const text = el('textarea', { id: 'chat-question', name: 'text', maxlength: '2000', rows: '2', required: true });
  const button = el('button', { type: 'submit', text: 'Ask' });
  const draw = (questions) => replace(log, questions.length ? questions.map((q) => questionCard(q, c)) : el('p', { class: 'muted', text: 'No questions yet.' }));
  draw(c.questions ?? []);
  const form = el(
    'form',
    {
      id: 'chat-form',
      onsubmit: async (event) => {
        event.preventDefault();
        if (!text.value.trim()) return;
        button.disabled = true;
        replace(messages);
        try {
          const asked = await api(`/api/v1/alerts/${encodeURIComponent(c.alertId)}/questions`, { body: { text: text.value } });
          text.value = '';
          replace(messages, notice('Asked; waiting for the answer…'));
          const questions = await answered(c.alertId, asked.questionId, draw);
          replace(messages, questions ? notice('Answered.') : notice('No answer yet; it will show here when the case is reopened.'));
        } catch (error) {
          replace(messages, problemBox(error));
        } finally {
          button.disabled = false;
        }
      },
    },
    el('p', {}, el('label', { for: 'chat-question', text: 'Ask about this case (e.g. “write a hunt for …”)' }), el('br'), text),
    button,
  );
  return el('section', { id: 'chat', 'aria-labelledby': 'chat-h' }, el('h2', { id: 'chat-h', text: 'Ask the copilot' }), log, messages, form);
}

/** Polls the case until the question has its answer; redraws the log on each read. Resolves to the questions, or undefined on time-out. */
async function answered(alertId, questionId, draw) {
  const deadline = Date.now() + POLL_FOR_MS;
  for (;;) {
    const c = await api(`/api/v1/alerts/${encodeURIComponent(alertId)}`);
    const questions = c.questions ?? [];
    draw(questions);
    if (questions.find((q) => q.questionId === questionId)?.answer) return questions;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function questionCard(q, c) {
  const a = q.answer;
  return el(
    'article',
    { class: 'chat-turn', 'data-question-id': q.questionId },
    el('p', { class: 'chat-question' }, el('strong', { text: `${q.askedBy}: ` }), q.text, el('span', { class: 'muted', text: ` (${q.at})` })),
    a ? answerBlock(a, c) : el('p', { class: 'muted chat-pending', text: 'Waiting for the answer…' }),
  );
}

function answerBlock(a, c) {
  const mode = a.mode === 'llm' ? `Copilot${a.model ? ` (${a.model})` : ''}` : 'Facts and vetted hunt templates (no language model)';
  return el(
    'div',
    { class: 'chat-answer' },
    el('p', { class: 'chat-mode muted', text: mode }),
    el('p', { class: 'chat-text', text: a.answer }),
    a.citations?.length
      ? el('div', {}, el('h3', { text: 'Cites' }), el('ul', { class: 'chat-citations' }, a.citations.map((x) => el('li', { 'data-cites': x.id }, el('span', { class: 'muted', text: `${x.kind}: ` }), factLink(c.alertId, [citationAnchor(x)], x.label), ' ', el('code', { text: x.id })))))
      : null,
    a.hunts?.length ? el('div', {}, el('h3', { text: 'Hunt queries (passed the guard)' }), a.hunts.map((h, i) => huntCard(h, String(i), { purpose: `case chat: ${c.alertId}`, correlationId: c.correlationId }))) : null,
    a.removed?.length ? el('details', { class: 'chat-removed' }, el('summary', { text: `${a.removed.length} item(s) cut by the output checks` }), el('ul', {}, a.removed.map((r) => el('li', { text: `${r.path}: ${r.reason}` })))) : null,
  );
}
