/**
 * The automation runbooks (issue 14): `rotate-secret` (Key Vault), `run-logic-app` (Logic Apps HTTP trigger) and
 * `onboard-defender` (Defender for Servers Plan 2). Each factory returns a `Record<runbook, RunbookAdapter>`; each
 * `…FromEnv(env)` reads its zod-validated configuration. There is no `remediate-vulnerability`: see the README.
 */
export { KEY_VAULT_DNS_SUFFIXES, KeyVaultRunbookEnv, keyVaultRunbooksFromEnv } from './keyvault-config.ts';
export { type KeyVaultRunbookOptions, KeyVaultRotateSecretRunbook, keyVaultRunbooks } from './keyvault-rotate-secret.ts';
export { LOGIC_APP_HOST_SUFFIXES, LogicAppRunbookEnv, LogicAppTriggersFile, logicAppRunbooksFromEnv } from './logic-app-config.ts';
export { type LogicAppRunbookOptions, type LogicAppWorkflow, LogicAppRunbook, logicAppRunbooks, redactSignature } from './logic-app-runbook.ts';
export { DefenderForServersEnv, defenderForServersRunbooksFromEnv } from './defender-servers-config.ts';
export { type DefenderForServersOptions, DefenderForServersRunbook, defenderForServersRunbooks } from './defender-servers-runbook.ts';
export { type BearerCredential, HttpsTransport, type HttpsTrust } from './https-client.ts';
