import type { Disposition } from '@soc/contracts';

/** Sentinel incident classification (SecurityInsights `IncidentClassification`). */
export type SentinelClassification = 'TruePositive' | 'BenignPositive' | 'FalsePositive' | 'Undetermined';
/** Sentinel incident classification reason (`IncidentClassificationReason`). */
export type SentinelClassificationReason = 'SuspiciousActivity' | 'SuspiciousButExpected' | 'IncorrectAlertLogic' | 'InaccurateData';

/** What a Sentinel incident is closed with. */
export interface SentinelClosure {
  status: 'Closed';
  classification: SentinelClassification;
  classificationReason: SentinelClassificationReason;
}

/** Graph `alertClassification`. */
export type GraphClassification = 'truePositive' | 'falsePositive' | 'informationalExpectedActivity';
/** Graph `alertDetermination` (the documented values we use; each pairs with its classification in Defender). */
export type GraphDetermination = 'other' | 'confirmedActivity' | 'notMalicious';

/** What a Graph `alerts_v2` alert is PATCHed with; no `status` leaves the alert's status as it is. */
export interface GraphAlertVerdict {
  status?: 'resolved';
  classification: GraphClassification;
  determination: GraphDetermination;
}

/** What an analyst's disposition writes back to each SIEM. */
export interface SiemVerdict {
  /** Undefined: the Sentinel incident's status and classification are left as they are. */
  sentinel: SentinelClosure | undefined;
  graph: GraphAlertVerdict;
}

/**
 * Our disposition in the SIEMs' vocabularies. Benign positive: Sentinel `Closed` / `BenignPositive` /
 * `SuspiciousButExpected` (Sentinel refuses BenignPositive without a reason), Graph `resolved` /
 * `informationalExpectedActivity` / `confirmedActivity`. False positive: `Closed` / `FalsePositive` /
 * `IncorrectAlertLogic`, Graph `resolved` / `falsePositive` / `notMalicious`. True positive: the incident is not
 * closed — Sentinel documents `classification` as the reason an incident was closed, so an open incident gets none and
 * keeps its status (the handler reopens one that SOC Copilot itself closed on an earlier disposition); the Graph alert is classified `truePositive` (determination `other`: we do not know which kind
 * of attack) and keeps its status, as Defender lets an open alert be classified. Pure.
 */
export function siemVerdictOf(disposition: Disposition): SiemVerdict {
  switch (disposition) {
    case 'benign-positive':
      return {
        sentinel: { status: 'Closed', classification: 'BenignPositive', classificationReason: 'SuspiciousButExpected' },
        graph: { status: 'resolved', classification: 'informationalExpectedActivity', determination: 'confirmedActivity' },
      };
    case 'false-positive':
      return {
        sentinel: { status: 'Closed', classification: 'FalsePositive', classificationReason: 'IncorrectAlertLogic' },
        graph: { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' },
      };
    case 'true-positive':
      return { sentinel: undefined, graph: { classification: 'truePositive', determination: 'other' } };
  }
}
