import { auditConfigChange } from '@soc/audit';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { openKqlExecutor } from '@soc/log-analytics';
import type { ServiceModule } from '@soc/platform';
import { StateAlertHistory } from './adapters/state-alert-history.ts';
import { EnrichmentConfig } from './config.ts';
import { openContextSources } from './context-sources.ts';
import { makeEnrichmentHandler } from './handler.ts';
import type { IntelSource } from './intel-lookup.ts';
import { CachingThreatIntel, LocalFeedThreatIntel, MispRestThreatIntel, VirusTotalThreatIntel, withBreaker } from './threat-intel/index.ts';

/** Composition of the enrichment service. */
export const enrichmentService: ServiceModule<EnrichmentConfig> = {
  name: 'enrichment',
  config: EnrichmentConfig,
  async start(platform, config) {
    const history = new StateAlertHistory(platform.state, { retentionDays: config.HISTORY_RETENTION_DAYS, halfLifeDays: config.HISTORY_HALF_LIFE_DAYS, poolRulesAcrossTenants: config.HISTORY_POOL_RULES_ACROSS_TENANTS });
    const intel: IntelSource[] = [];
    const closers: (() => void)[] = [];
    if (config.TI_FEEDS.length > 0) {
      const feeds = await LocalFeedThreatIntel.load(config.TI_FEEDS.map((path) => ({ path })), { clock: platform.clock });
      platform.log.info({ feeds: feeds.report }, 'threat-intel feeds loaded');
      intel.push({ name: 'local-feeds', intel: feeds });
    }
    if (config.VIRUSTOTAL_API_KEY !== undefined) {
      // The cache sits outside the breaker: hits never touch it, and each breaker call is one request.
      const guarded = withBreaker(new VirusTotalThreatIntel({ apiKey: config.VIRUSTOTAL_API_KEY, baseUrl: config.VIRUSTOTAL_BASE_URL, clock: platform.clock, exclude: { domains: config.VIRUSTOTAL_EXCLUDE_DOMAINS, networks: config.VIRUSTOTAL_EXCLUDE_NETWORKS, internal: platform.env.SOC_INTERNAL_NETWORKS } }), { name: 'virustotal', timeoutMs: 12_000 });
      closers.push(() => guarded.breaker.shutdown());
      const cached = new CachingThreatIntel(guarded, { clock: platform.clock, ttlMs: config.TI_CACHE_TTL_MINUTES * 60_000, negativeTtlMs: config.TI_NEGATIVE_TTL_MINUTES * 60_000 });
      intel.push({ name: 'virustotal', intel: cached, maxIndicatorsPerAlert: config.VIRUSTOTAL_MAX_INDICATORS });
    }
    if (config.MISP_URL !== undefined && config.MISP_API_KEY !== undefined) {
      const guarded = withBreaker(new MispRestThreatIntel({ baseUrl: config.MISP_URL, apiKey: config.MISP_API_KEY, clock: platform.clock }), { name: 'misp', timeoutMs: 12_000 });
      closers.push(() => guarded.breaker.shutdown());
      const cached = new CachingThreatIntel(guarded, { clock: platform.clock, ttlMs: config.TI_CACHE_TTL_MINUTES * 60_000, negativeTtlMs: config.TI_NEGATIVE_TTL_MINUTES * 60_000 });
      intel.push({ name: 'misp', intel: cached });
    }
    const context = await openContextSources(config, { clock: platform.clock, log: platform.log });
    closers.push(context.close);
    // Allowlists lower scores: a change of them goes on the audit record (file names and hashes, never entries); an
    // enrichment that cannot record it does not start.
    await auditConfigChange(platform.audit, {
      subject: 'allowlists',
      content: JSON.stringify(context.allowlistFiles),
      actor: 'enrichment',
      data: { files: context.allowlistFiles.map((f) => ({ ...f })) },
    });
    // Every fetch passes the KQL guard and is audited (chained into the audit log), as an analyst's hunt is.
    const events = config.ENRICHMENT_FETCH_EVENTS
      ? {
          executor: openKqlExecutor(config, { state: platform.state, log: platform.log, clock: platform.clock, trail: platform.audit }).executor,
          windowMinutes: config.ENRICHMENT_FETCH_WINDOW_MINUTES,
          timeoutMs: config.ENRICHMENT_FETCH_TIMEOUT_SECONDS * 1000,
        }
      : undefined;
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.enrichment.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeEnrichmentHandler({ history, intel, context: context.sources, events, clock: platform.clock }),
    );
    return {
      close: async () => {
        await consumer.close();
        for (const close of closers) close();
      },
    };
  },
};
