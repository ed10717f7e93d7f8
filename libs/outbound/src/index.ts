export { defang, defangHtml, escapeHtml } from './defang.ts';
export type { DefangOptions } from './defang.ts';
export { caseLink, containmentLink } from './links.ts';
export { ENTRA_AUTHORITY_HOST, EntraClientSecretCredential, bearerToken, httpsOrLoopbackUrl, isEntraTenant, isLoopbackHost } from './client-secret-credential.ts';
export type { EntraAccessToken, EntraClientSecretCredentialOptions, TokenSource } from './client-secret-credential.ts';
