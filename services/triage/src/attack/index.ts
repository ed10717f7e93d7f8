export {
  AttackCatalogFile,
  AttackConfidence,
  AttackKeywordsFile,
  AttackRevokedFile,
  DEFAULT_ATTACK_DATA_DIR,
  buildAttackCatalog,
  loadAttackCatalog,
} from './catalog.ts';
export type { AttackCatalog, AttackTactic, AttackTechnique, RetiredTechnique } from './catalog.ts';
export { ATTACK_CONFIDENCE_SCORE, mapAttack } from './map-attack.ts';
export type { AttackBasis, AttackMappable, AttackMapping, MapAttackOptions } from './map-attack.ts';
