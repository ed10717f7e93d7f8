export { ENGINE_VERSION, nextSteps, scoreFactors, triageAlert } from './engine.ts';
export { makeTriageHandler, triage } from './handler.ts';
export type { TriageContext } from './handler.ts';
export { DEFAULT_WEIGHTS_PATH, TriageWeights, loadWeights } from './weights.ts';
export { triageService } from './service.ts';
export { TriageConfig } from './config.ts';
