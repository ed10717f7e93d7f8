import { describe, expect, it } from 'vitest';
import { siemVerdictOf } from '../src/siem-classification.ts';

describe('our dispositions in the SIEMs\' vocabularies', () => {
  it('benign and false positives close the Sentinel incident and resolve the Graph alert with the documented values', () => {
    expect(siemVerdictOf('benign-positive')).toEqual({
      sentinel: { status: 'Closed', classification: 'BenignPositive', classificationReason: 'SuspiciousButExpected' },
      graph: { status: 'resolved', classification: 'informationalExpectedActivity', determination: 'confirmedActivity' },
    });
    expect(siemVerdictOf('false-positive')).toEqual({
      sentinel: { status: 'Closed', classification: 'FalsePositive', classificationReason: 'IncorrectAlertLogic' },
      graph: { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' },
    });
  });

  it('a true positive closes nothing: the Sentinel incident is left as it is, the Graph alert is classified and keeps its status', () => {
    const tp = siemVerdictOf('true-positive');
    expect(tp.sentinel).toBeUndefined();
    expect(tp.graph).toEqual({ classification: 'truePositive', determination: 'other' });
    expect('status' in tp.graph).toBe(false);
  });
});
