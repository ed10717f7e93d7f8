export { defang, defangHtml, escapeHtml } from './defang.ts';
export type { DefangOptions } from './defang.ts';
export { caseLink, containmentLink } from './links.ts';
