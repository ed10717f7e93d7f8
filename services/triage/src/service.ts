import { SUBSCRIPTIONS } from '@soc/contracts';
import { sharedHuntThread } from '@soc/hunt';
import { defaultKqlPolicy, loadKqlPolicy } from '@soc/kql';
import { CachedTuningReader, StateTriageTuningStore } from '@soc/triage-tuning';
import type { ServiceModule } from '@soc/platform';
import { makeCaseChatHandler } from './case-chat.ts';
import { TriageConfig } from './config.ts';
import { countChatAnswers, countLlmCalls } from './copilot-metrics.ts';
import { CopilotStep } from './copilot-step.ts';
import { huntQueryGrounder } from './hunt-grounder.ts';
import { loadTriageKnowledge } from './engine.ts';
import { makeTriageHandler } from './handler.ts';
import { openCopilot } from './open-copilot.ts';
import { openPlaybookRetriever } from './open-playbook-retriever.ts';
import { loadWeights } from './weights.ts';

/** Composition of the triage service. */
export const triageService: ServiceModule<TriageConfig> = {
  name: 'triage',
  config: TriageConfig,
  async start(platform, config) {
    const weights = loadWeights(config.TRIAGE_WEIGHTS_FILE);
    const knowledge = loadTriageKnowledge();
    platform.log.info({ weightsVersion: weights.version, playbooks: knowledge.playbooks.size }, 'triage weights, ATT&CK catalog and playbooks loaded');
    const playbooks = openPlaybookRetriever(config, knowledge.playbooks, platform.log);
    if (playbooks) platform.log.info({ retriever: playbooks.name, index: config.PLAYBOOK_SEARCH_INDEX }, 'playbooks come from Azure AI Search');
    const model = openCopilot(config);
    const grounding = model === undefined ? undefined : huntQueryGrounder(config.KQL_POLICY_FILE);
    const copilot = model === undefined ? undefined : new CopilotStep({
      copilot: model,
      state: platform.state,
      clock: platform.clock,
      cacheTtlSeconds: config.LLM_CACHE_TTL_MINUTES * 60,
      tokensPerHour: config.LLM_TOKENS_PER_HOUR,
      groundHuntQuery: grounding?.ground,
      log: platform.log,
      onOutcome: countLlmCalls(platform.metrics.registry),
    });
    if (model) platform.log.info({ provider: config.LLM_PROVIDER, model: model.model }, 'LLM copilot on: it advises on top of the deterministic triage');
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.triage.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTriageHandler({ weights, knowledge, clock: platform.clock, copilot, playbooks, tuning: new CachedTuningReader(new StateTriageTuningStore(platform.state, platform.audit), platform.clock, config.TRIAGE_TUNING_REFRESH_SECONDS * 1000) }),
    );
    // Case chat: the analysts' questions, on their own subscription so an answer never holds up an alert's triage.
    const templates = sharedHuntThread(config.KQL_POLICY_FILE === undefined ? defaultKqlPolicy : loadKqlPolicy(config.KQL_POLICY_FILE));
    const chat = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.caseChat.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeCaseChatHandler({
        hunts: templates,
        clock: platform.clock,
        model: model === undefined ? undefined : { copilot: model, state: platform.state, tokensPerHour: config.LLM_TOKENS_PER_HOUR, groundHuntQuery: grounding?.ground },
        onOutcome: countChatAnswers(platform.metrics.registry),
      }),
    );
    return {
      close: async () => {
        await chat.close();
        await templates.close();
        await consumer.close();
        model?.close();
        playbooks?.close();
        await grounding?.close();
      },
    };
  },
};
