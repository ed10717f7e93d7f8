import { NetworkSet } from './networks.ts';

/**
 * Domains never blocked, whoever proposes it: identity providers (blocking their sign-in page locks every user
 * out) and services the organisation runs on. Each entry covers the domain and all its subdomains
 * (`windows.net` covers `login.windows.net` and `*.blob.core.windows.net`); a URL is matched by its host. Extend
 * it with `containment.protected.domains` in the decision policy (your own domains first).
 */
export const BUILTIN_PROTECTED_DOMAINS: readonly string[] = [
  // Identity providers
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.live.com',
  'microsoftonline.com',
  'accounts.google.com',
  'okta.com',
  'oktapreview.com',
  'okta-emea.com',
  'auth0.com',
  'onelogin.com',
  'duosecurity.com',
  'pingidentity.com',
  // Microsoft
  'microsoft.com',
  'windows.net',
  'windows.com',
  'windowsupdate.com',
  'office.com',
  'office.net',
  'office365.com',
  'outlook.com',
  'live.com',
  'sharepoint.com',
  'azure.com',
  'azure.net',
  'azureedge.net',
  'msftauth.net',
  'msauth.net',
  // Google, Apple, Amazon, GitHub, Cloudflare
  'google.com',
  'googleapis.com',
  'gstatic.com',
  'gmail.com',
  'apple.com',
  'icloud.com',
  'amazon.com',
  'amazonaws.com',
  'github.com',
  'githubusercontent.com',
  'cloudflare.com',
];

/**
 * Addresses never blocked, whoever proposes it: public DNS resolvers (Google, Cloudflare, Quad9, OpenDNS), which
 * attackers name in alerts precisely because blocking them breaks name resolution. Extend it with
 * `containment.protected.networks` in the decision policy (your own public ranges first).
 */
export const BUILTIN_PROTECTED_NETWORKS: readonly string[] = [
  '8.8.8.8',
  '8.8.4.4',
  '1.1.1.1',
  '1.0.0.1',
  '9.9.9.9',
  '149.112.112.112',
  '208.67.222.222',
  '208.67.220.220',
  '2001:4860:4860::8888',
  '2001:4860:4860::8844',
  '2606:4700:4700::1111',
  '2606:4700:4700::1001',
  '2620:fe::fe',
  '2620:fe::9',
];

/** The built-in protected addresses as a set. */
export const builtinProtectedNetworks: NetworkSet = NetworkSet.of(BUILTIN_PROTECTED_NETWORKS);

const canonicalDomain = (d: string): string => d.trim().toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');

/** The first of `domains` that `host` is or is a subdomain of (case- and trailing-dot-insensitive), if any. */
export function protectedDomainOf(host: string, domains: readonly string[]): string | undefined {
  const h = canonicalDomain(host);
  return domains.find((d) => {
    const c = canonicalDomain(d);
    return c !== '' && (h === c || h.endsWith(`.${c}`));
  });
}
