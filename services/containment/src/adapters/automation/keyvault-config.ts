import { DefaultAzureCredential } from '@azure/identity';
import { AppError, ErrorCode } from '@soc/runtime';
import { z } from 'zod';
import type { RunbookAdapter } from '../../ports.ts';
import { DEFAULT_SECRET_BYTES, type KeyVaultCredential, keyVaultRunbooks, normalizeVaultUrl } from './keyvault-rotate-secret.ts';

/** The DNS suffixes of Key Vault vaults (public, China, US Government, Germany): a vault URL must end with one. */
export const KEY_VAULT_DNS_SUFFIXES = ['.vault.azure.net', '.vault.azure.cn', '.vault.usgovcloudapi.net', '.vault.microsoftazure.de'] as const;

const VaultUrl = z.string().transform((value, ctx) => {
  const url = normalizeVaultUrl(value);
  const host = url ? new URL(url).hostname : '';
  if (!url || !KEY_VAULT_DNS_SUFFIXES.some((s) => host.endsWith(s)) || new URL(url).port !== '') {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a Key Vault URL (https://<vault>${KEY_VAULT_DNS_SUFFIXES[0]}, nothing after the host)` });
    return z.NEVER;
  }
  return url;
});

/** The environment of `rotate-secret`. */
export const KeyVaultRunbookEnv = z.object({
  /** Comma-separated vault URLs a request may name. */
  KEYVAULT_URLS: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(VaultUrl).min(1, 'name at least one vault')),
  /** Random bytes in a new value. */
  KEYVAULT_SECRET_BYTES: z.coerce.number().int().min(16).max(512).default(DEFAULT_SECRET_BYTES),
});
export type KeyVaultRunbookEnv = z.infer<typeof KeyVaultRunbookEnv>;

/** Every problem of a zod parse in one refusal. */
export function configRefusal(what: string, error: z.ZodError): AppError {
  const problems = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return new AppError(ErrorCode.CONFIGURATION_INVALID, `${what}: ${problems.join('; ')}`, { retryable: false, details: { problems } });
}

/** `rotate-secret` from the environment; the credential is `DefaultAzureCredential` (workload identity on AKS) unless given. */
export function keyVaultRunbooksFromEnv(env: Record<string, string | undefined>, deps: { credential?: KeyVaultCredential } = {}): { 'rotate-secret': RunbookAdapter } {
  const parsed = KeyVaultRunbookEnv.safeParse(env);
  if (!parsed.success) throw configRefusal('rotate-secret configuration', parsed.error);
  return keyVaultRunbooks({ credential: deps.credential ?? new DefaultAzureCredential(), vaultUrls: parsed.data.KEYVAULT_URLS, secretBytes: parsed.data.KEYVAULT_SECRET_BYTES });
}
