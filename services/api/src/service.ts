import { readFileSync } from 'node:fs';
import express from 'express';
import { auditConfigChange } from '@soc/audit';
import { StateFreezeSwitch, StateRequestLog } from '@soc/containment-requests';
import { ALL_SUBSCRIPTIONS, SUBSCRIPTIONS } from '@soc/contracts';
import { sharedHuntThread } from '@soc/hunt';
import { kqlPolicyOf, openKqlExecutor } from '@soc/log-analytics';
import { type ServiceModule, describePrincipals } from '@soc/platform';
import { StateTriageTuningStore } from '@soc/triage-tuning';
import { StateCaseGroupStore } from './adapters/state-case-group-store.ts';
import { StateCaseIndex } from './adapters/state-case-index.ts';
import { StateCaseStore } from './adapters/state-case-store.ts';
import { StateCaseworkStore } from './adapters/state-casework-store.ts';
import { StateQuarantineCounter } from './adapters/state-quarantine-counter.ts';
import { StateRecentCaseEvents } from './adapters/state-recent-case-events.ts';
import { ApiConfig } from './config.ts';
import { caseHuntRoutes } from './case-hunt-routes.ts';
import { caseworkRoutes } from './casework-routes.ts';
import { consoleRoutes } from './console-routes.ts';
import { containmentRoutes } from './containment-routes.ts';
import { deadLetterRoutes } from './dead-letter-routes.ts';
import { huntRoutes } from './hunt-routes.ts';
import { startJourneyWatchdog } from './journey-watchdog.ts';
import { type KpiGauges, startKpiGauges } from './kpi-reader.ts';
import { kpiRoutes } from './kpi-routes.ts';
import { startCaseChangeFeed } from './live/change-feed.ts';
import { eventStreamRoutes } from './live/event-stream-routes.ts';
import { makeCaseProjector } from './projector.ts';
import { questionRoutes } from './question-routes.ts';
import { buildOpenApiDocument } from './openapi/document.ts';
import { openApiRoutes } from './openapi/routes.ts';
import { apiRoutes } from './routes.ts';
import { signInRoutes } from './sign-in.ts';
import { slackInteractionsRoutes } from './slack/interactions-routes.ts';
import { searchRoutes } from './search-routes.ts';
import { stalledRoutes } from './stalled-routes.ts';
import { BotFrameworkKeys } from './teams/bot-auth.ts';
import { teamsBotRoutes } from './teams/bot-routes.ts';
import { tuningRoutes } from './tuning-routes.ts';

/**
 * Composition of the analyst API: the case-view consumer, the HTTP routes, the journey watchdog, and hunting
 * (validate-only by default, Log Analytics when LOG_ANALYTICS_WORKSPACE_ID is set).
 */
export const apiService: ServiceModule<ApiConfig> = {
  name: 'api',
  config: ApiConfig,
  async start(platform, config) {
    // Who may post, approve and hunt is configuration too: a change of names or roles goes on the record (names only).
    const principals = JSON.stringify(describePrincipals(platform));
    await auditConfigChange(platform.audit, { subject: 'principals', content: principals, actor: 'api', data: { description: JSON.parse(principals) as unknown } });
    const retention = config.CASE_RETENTION_DAYS > 0 ? { retentionDays: config.CASE_RETENTION_DAYS } : {};
    const cases = new StateCaseStore(platform.state, retention);
    const groups = new StateCaseGroupStore(platform.state, { windowMinutes: config.CASE_GROUP_WINDOW_MINUTES, ...retention });
    const index = new StateCaseIndex(platform.state, { ...retention, receivedAtOf: async (alertId) => (await cases.summary(alertId))?.receivedAt });
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.caseView.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeCaseProjector(cases, groups, index),
    );
    // Cases stored before the index existed: indexed once (the newest 1,000 of each indexed event type), in the background.
    const rebuild = index.rebuild().then(
      (r) => { if (r.rebuilt) platform.log.info({ events: r.events }, 'case index rebuilt from stored case events'); },
      (error: unknown) => platform.log.warn({ err: error }, 'case index rebuild failed; it is retried at the next start'),
    );
    // One guard for both hunting routes, on a worker thread: a check must not stall the API and the case view.
    const guard = sharedHuntThread(kqlPolicyOf(config));
    guard.warmUp(); // an analyst's first hunt list should not wait a second for Kusto.Language to load
    const hunting = openKqlExecutor(config, { state: platform.state, log: platform.log, clock: platform.clock, guard, trail: platform.audit });
    const watchdog = startJourneyWatchdog({
      cases,
      clock: platform.clock,
      log: platform.log,
      registry: platform.metrics.registry,
      stallAfterMs: config.SOC_STALL_AFTER_SECONDS * 1000,
    });
    const quarantine = new StateQuarantineCounter(platform.state);
    const kpiConfig = { shiftHours: config.SOC_SHIFT_HOURS, slaMinutes: config.SOC_SLA_MINUTES, maxCases: config.SOC_KPI_MAX_CASES };
    const kpiGauges: KpiGauges | undefined =
      config.SOC_KPI_REFRESH_SECONDS > 0
        ? startKpiGauges({ cases, quarantine, config: kpiConfig, clock: platform.clock, log: platform.log, registry: platform.metrics.registry, windowMs: config.SOC_KPI_WINDOW_HOURS * 3_600_000, intervalMs: config.SOC_KPI_REFRESH_SECONDS * 1000 })
        : undefined;
    const routes = express.Router();
    routes.use(kpiRoutes({ cases, quarantine, clock: platform.clock, config: kpiConfig, tenantId: platform.env.SOC_TENANT_ID }));
    // Before apiRoutes: its /api/v1/alerts/:alertId would take `stalled` for an alert id.
    routes.use(searchRoutes({ index, cases, tenantId: platform.env.SOC_TENANT_ID }));
    routes.use(stalledRoutes({ cases, clock: platform.clock, stallAfterSeconds: config.SOC_STALL_AFTER_SECONDS, tenantId: platform.env.SOC_TENANT_ID }));
    // Containment's record, read only: the API shows and checks request status there and keeps no copy.
    const requests = new StateRequestLog(platform.state);
    routes.use(apiRoutes({ cases, groups, bus: platform.bus, clock: platform.clock, audit: platform.audit, requests, tenantId: platform.env.SOC_TENANT_ID, slaMinutes: config.SOC_SLA_MINUTES }));
    // Assignment, status and notes (casework); a case is assigned only to a configured analyst who sees its tenant.
    routes.use(caseworkRoutes({
      cases,
      casework: new StateCaseworkStore(platform.state, retention),
      bus: platform.bus,
      clock: platform.clock,
      audit: platform.audit,
      principals: { rolesOf: (p) => platform.apiRoles.get(p) ?? [], tenantsOf: (p) => platform.apiTenants.get(p) },
      tenantId: platform.env.SOC_TENANT_ID,
    }));
    const decisions = {
      requests,
      freeze: new StateFreezeSwitch(platform.state),
      audit: platform.audit,
      cases,
      bus: platform.bus,
      clock: platform.clock,
      tenantId: platform.env.SOC_TENANT_ID,
    };
    // Every tenant the configuration names: the freeze, which spans them all, needs an administrator of each.
    const knownTenants = [...new Set([platform.env.SOC_TENANT_ID, ...[...platform.apiTenants.values()].flatMap((g) => (g === '*' ? [] : g))])];
    routes.use(containmentRoutes({ ...decisions, knownTenants }));
    routes.use(tuningRoutes({ tuning: new StateTriageTuningStore(platform.state, platform.audit), clock: platform.clock, tenantId: platform.env.SOC_TENANT_ID }));
    routes.use(huntRoutes(hunting));
    routes.use(deadLetterRoutes({ deadLetters: platform.bus.deadLetters, audit: platform.audit, subscriptions: ALL_SUBSCRIPTIONS.map((s) => s.name) }));
    routes.use(caseHuntRoutes({ cases, hunts: guard, tenantId: platform.env.SOC_TENANT_ID }));
    // Live updates: hints read from the shared case store (every replica sees every change), ended before the server closes.
    const feed = startCaseChangeFeed({ events: new StateRecentCaseEvents(platform.state), groups, intervalMs: config.SOC_SSE_POLL_MS, warn: (message, err) => platform.log.warn({ err }, message) });
    const live = eventStreamRoutes({
      feed,
      clock: platform.clock,
      tenantId: platform.env.SOC_TENANT_ID,
      limits: { total: config.SOC_SSE_MAX_STREAMS, perPrincipal: config.SOC_SSE_MAX_STREAMS_PER_PRINCIPAL, heartbeatMs: config.SOC_SSE_HEARTBEAT_SECONDS * 1000, retryMs: 5000 },
    });
    routes.use(live.router);
    routes.use(questionRoutes({ cases, bus: platform.bus, clock: platform.clock, audit: platform.audit, state: platform.state, questionsPerHour: config.SOC_CHAT_QUESTIONS_PER_HOUR, tenantId: platform.env.SOC_TENANT_ID }));
    // The OpenAPI 3.1 document of these routes, generated once from their zod schemas.
    routes.use(openApiRoutes(buildOpenApiDocument()));
    // Slack users who may decide are configuration too: the mapping goes on the record (ids and names, no secret).
    const slackApprovers = Object.fromEntries(config.SLACK_APPROVERS);
    const slackMapping = JSON.stringify({ teamId: config.SLACK_TEAM_ID ?? null, approvers: slackApprovers });
    await auditConfigChange(platform.audit, { subject: 'slack-approvers', content: slackMapping, actor: 'api', data: { teamId: config.SLACK_TEAM_ID ?? null, approvers: slackApprovers } });
    const withoutRole = [...config.SLACK_APPROVERS.values()].filter((p) => !(platform.apiRoles.get(p) ?? []).includes('approver'));
    if (withoutRole.length > 0) platform.log.warn({ principals: withoutRole }, 'SLACK_APPROVERS maps Slack users to principals without the approver role in SOC_API_ROLES: their clicks are refused');
    // Teams users who may decide, likewise (object ids and names, no secret).
    const teamsApprovers = Object.fromEntries(config.TEAMS_APPROVERS);
    const teamsMapping = JSON.stringify({ appId: config.TEAMS_BOT_APP_ID ?? null, tenantId: config.TEAMS_TENANT_ID ?? null, approvers: teamsApprovers });
    await auditConfigChange(platform.audit, { subject: 'teams-approvers', content: teamsMapping, actor: 'api', data: JSON.parse(teamsMapping) as Record<string, unknown> });
    const teamsWithoutRole = [...config.TEAMS_APPROVERS.values()].filter((p) => !(platform.apiRoles.get(p) ?? []).includes('approver'));
    if (teamsWithoutRole.length > 0) platform.log.warn({ principals: teamsWithoutRole }, 'TEAMS_APPROVERS maps Teams users to principals without the approver role in SOC_API_ROLES: their clicks are refused');
    // Slack signs its callbacks and the Bot Connector sends a JWT: these routes authenticate them, before the /api bearer check.
    const publicRoutes = express.Router();
    // The web console's static shell at / (no data in it: the page calls /api/v1 with the analyst's token).
    publicRoutes.use(consoleRoutes());
    // The console's session: a local API token exchanged for a cookie (/auth/session), accepted by the /api chain too.
    publicRoutes.use(signInRoutes(platform, config));
    publicRoutes.use(teamsBotRoutes({
      ...decisions,
      appId: config.TEAMS_BOT_APP_ID,
      aadTenantId: config.TEAMS_TENANT_ID,
      approvers: config.TEAMS_APPROVERS,
      rolesOf: (principal) => platform.apiRoles.get(principal) ?? [],
      tenantsOf: (principal) => platform.apiTenants.get(principal) ?? [],
      keys: new BotFrameworkKeys({ metadataUrl: config.TEAMS_OPENID_METADATA_URL }),
    }));
    publicRoutes.use(slackInteractionsRoutes({
      ...decisions,
      signingSecret: slackSigningSecretOf(config),
      teamId: config.SLACK_TEAM_ID,
      approvers: config.SLACK_APPROVERS,
      rolesOf: (principal) => platform.apiRoles.get(principal) ?? [],
      tenantsOf: (principal) => platform.apiTenants.get(principal) ?? [],
      responseUrlPrefix: config.SLACK_RESPONSE_URL_PREFIX,
      warn: (message) => platform.log.warn(message),
    }));
    return {
      routes,
      publicRoutes,
      drain: () => live.drain(),
      close: async () => {
        await live.drain();
        await feed.close();
        await watchdog.close();
        await rebuild;
        await kpiGauges?.close();
        await consumer.close();
        await guard.close();
      },
    };
  },
};

/** The Slack signing secret: SLACK_SIGNING_SECRET, or the content of SLACK_SIGNING_SECRET_FILE (trimmed); undefined when neither is set. */
function slackSigningSecretOf(config: ApiConfig): string | undefined {
  if (config.SLACK_SIGNING_SECRET !== undefined) return config.SLACK_SIGNING_SECRET;
  if (config.SLACK_SIGNING_SECRET_FILE === undefined) return undefined;
  const secret = readFileSync(config.SLACK_SIGNING_SECRET_FILE, 'utf8').trim();
  if (secret === '') throw new Error('SLACK_SIGNING_SECRET_FILE is empty');
  return secret;
}
