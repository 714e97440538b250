import type { MissingPolicy } from './config-schema';
import { DEFAULT_SCORE_CONFIG } from './default-config';
import { buildReferenceDistributions } from './reference';
import type { MetricBreakdown, ScoreResult } from './result-types';
import { scoreCompany } from './score';
import { configOf, surveyResponse, snapshotOf, ticket } from './test-builders';

const AS_OF = new Date('2024-12-01T12:00:00Z');

function entry(result: ScoreResult, metricId: string): MetricBreakdown {
  const found = result.breakdown.find((item) => item.metricId === metricId);
  if (found === undefined) throw new Error(`no breakdown entry for ${metricId}`);
  return found;
}

/**
 * The hand-worked company: 12 usage events this week on 15 seats, a latest NPS response of 6,
 * two open tickets (one HIGH) and one closed, last contacted 45 days before AS_OF.
 */
const WORKED_COMPANY = snapshotOf({
  id: '1001',
  properties: {
    usage_events_7d: '12',
    licensed_seats: '15.0',
    notes_last_contacted: '2024-10-17T12:00:00.000Z',
  },
  tickets: [
    ticket('501', { createdate: '2024-11-20T09:00:00Z', hs_ticket_priority: 'HIGH' }),
    ticket('502', { createdate: '2024-11-28T09:00:00Z', hs_ticket_priority: 'LOW' }),
    ticket('503', { createdate: '2024-11-02', closed_date: '2024-11-04' }, true),
  ],
  feedback: [
    surveyResponse('701', '9', '2024-03-01T10:00:00Z'),
    surveyResponse('702', '6', '2024-09-10T10:00:00Z'),
  ],
});

describe('scoreCompany with the default config', () => {
  const result = scoreCompany(WORKED_COMPANY, DEFAULT_SCORE_CONFIG, AS_OF);

  it('scores the hand-worked company 46, needs attention', () => {
    // usage_per_seat: 12 / 15 = 0.8 events per seat.
    //   log-linear 0..4: ln(1.8) / ln(5) = 0.587787 / 1.609438 = 0.365212 -> 36.5212 points.
    //   weight 45: 36.5212 * 0.45 = 16.4346 earned.
    // nps: latest response in 365 days is 6 (2024-09-10); band from 5 -> 30 points.
    //   weight 20: 30 * 0.20 = 6 earned.
    // open_tickets: 501 and 502 are open, 503 closed on 2024-11-04 -> 2.
    //   linear worst 5, best 0: (2 - 5) / (0 - 5) = 0.6 -> 60 points; weight 20: 12 earned.
    // last_contact: 2024-10-17T12:00Z to 2024-12-01T12:00Z = 45 days.
    //   linear worst 90, best 30: (45 - 90) / (30 - 90) = 0.75 -> 75 points; weight 15: 11.25.
    // Sum: 16.4346 + 6 + 12 + 11.25 = 45.6846 -> 46. 40 <= 46 < 70: needs attention.
    expect(result.rawScore).toBeCloseTo(45.684557, 5);
    expect(result.score).toBe(46);
    expect(result.status).toBe('needs_attention');
    expect(result.coverage).toBe(100);
    expect(result.noData).toBe(false);
    expect(result.unparseable).toEqual([]);
    expect(result.workspace).toBe('default');
    expect(result.configVersion).toBe(1);
    expect(result.asOf).toBe('2024-12-01T12:00:00.000Z');
  });

  it('shows each metric of the worked example', () => {
    const usage = entry(result, 'usage_per_seat');
    expect(usage.raw).toBeCloseTo(0.8, 12);
    expect(usage.normalised).toBeCloseTo(36.521239, 5);
    expect(usage.effectiveWeight).toBe(45);
    expect(usage.pointsEarned).toBeCloseTo(16.434558, 5);
    expect(usage.pointsLost).toBeCloseTo(28.565442, 5);

    expect(entry(result, 'nps')).toMatchObject({ raw: 6, normalised: 30, pointsEarned: 6 });
    expect(entry(result, 'open_tickets')).toMatchObject({ raw: 2, normalised: 60 });
    expect(entry(result, 'open_tickets').pointsEarned).toBeCloseTo(12, 12);
    expect(entry(result, 'last_contact')).toMatchObject({ raw: 45, normalised: 75 });
    expect(entry(result, 'last_contact').pointsEarned).toBeCloseTo(11.25, 12);
  });

  it('names the drivers furthest from neutral', () => {
    // Points minus half the weight: usage 16.43 - 22.5 = -6.07, nps 6 - 10 = -4,
    // last_contact 11.25 - 7.5 = +3.75, open_tickets 12 - 10 = +2 (fourth, left out).
    expect(result.drivers).toEqual([
      'Usage 0.8 events per seat this week',
      'NPS 6 (detractor)',
      'No contact for 45 days (target 30)',
    ]);
    expect(result.driverDetails.map((driver) => driver.impact)).toEqual([
      expect.closeTo(-6.065442, 5),
      expect.closeTo(-4, 9),
      expect.closeTo(3.75, 9),
    ]);
  });

  it('explains the change from the previous result', () => {
    // Earlier the same company had a promoter response (9 -> 100 points -> 20 earned) and no open
    // tickets (100 points -> 20 earned): 16.4346 + 20 + 20 + 11.25 = 67.68 -> 68.
    const earlier = snapshotOf({
      ...WORKED_COMPANY,
      tickets: [],
      feedback: [surveyResponse('701', '9', '2024-03-01T10:00:00Z')],
    });
    const previous = scoreCompany(earlier, DEFAULT_SCORE_CONFIG, new Date('2024-11-01T12:00:00Z'));
    // On 2024-11-01 the last contact was 15 days old: within target, 100 points, 15 earned.
    expect(previous.score).toBe(71);
    expect(previous.status).toBe('healthy');

    const now = scoreCompany(WORKED_COMPANY, DEFAULT_SCORE_CONFIG, AS_OF, { previous });
    expect(now.change).toEqual({
      delta: 46 - 71,
      causes: [
        'NPS: NPS 9 (promoter) → NPS 6 (detractor) (-14 points)',
        'Open tickets: No open tickets → 2 open tickets (1 high priority) (-8 points)',
        'Days since last contact: Last contact 15 days ago (target 30) → No contact for 45 ' +
          'days (target 30) (-3.8 points)',
      ],
    });
  });
});

describe('missing-data policies', () => {
  // a = 80 (weight 50), b = 50 (weight 30), c missing (weight 20); all linear 0..100.
  function scoreWithPolicy(policy: MissingPolicy): ScoreResult {
    const config = configOf([
      { id: 'a', weight: 50, source: { type: 'number_property', property: 'a' } },
      { id: 'b', weight: 30, source: { type: 'number_property', property: 'b' } },
      { id: 'c', weight: 20, source: { type: 'number_property', property: 'c' }, missing: policy },
    ]);
    return scoreCompany(snapshotOf({ properties: { a: '80', b: '50', c: '' } }), config, AS_OF);
  }

  it('ignore spreads the weight over the others', () => {
    // a: 50 * 100 / 80 = 62.5% -> 0.8 * 62.5 = 50; b: 37.5% -> 0.5 * 37.5 = 18.75; 68.75 -> 69.
    const result = scoreWithPolicy('ignore');
    expect(entry(result, 'a').effectiveWeight).toBe(62.5);
    expect(entry(result, 'b').effectiveWeight).toBe(37.5);
    expect(entry(result, 'c')).toMatchObject({ effectiveWeight: 0, normalised: null });
    expect(entry(result, 'c').missing).toEqual({
      reason: 'no_value',
      policy: 'ignore',
      detail: 'c has no value',
    });
    expect(result.rawScore).toBe(68.75);
    expect(result.score).toBe(69);
    expect(result.coverage).toBe(80);
  });

  it('neutral gives 50 points', () => {
    // 0.8 * 50 + 0.5 * 30 + 0.5 * 20 = 40 + 15 + 10 = 65
    const result = scoreWithPolicy('neutral');
    expect(entry(result, 'c')).toMatchObject({
      normalised: 50,
      effectiveWeight: 20,
      pointsEarned: 10,
    });
    expect(result.rawScore).toBe(65);
    expect(result.coverage).toBe(80);
  });

  it('worst gives 0 points', () => {
    // 40 + 15 + 0 = 55
    const result = scoreWithPolicy('worst');
    expect(entry(result, 'c')).toMatchObject({ normalised: 0, pointsEarned: 0, pointsLost: 20 });
    expect(result.rawScore).toBe(55);
    expect(result.score).toBe(55);
  });

  it('falls back to 50 when every metric is missing and ignored', () => {
    const config = configOf([
      { id: 'a', source: { type: 'number_property', property: 'a' } },
      { id: 'b', source: { type: 'number_property', property: 'b' } },
    ]);
    const result = scoreCompany(snapshotOf(), config, AS_OF);
    expect(result.score).toBe(50);
    expect(result.noData).toBe(true);
    expect(result.coverage).toBe(0);
    expect(result.drivers).toEqual(['No data for any metric']);
    expect(result.breakdown.map((item) => item.effectiveWeight)).toEqual([0, 0]);
  });
});

describe('blank and null values (HubSpot returns "" for a cleared value)', () => {
  // NPS mirrored in a company property, annual revenue and open tickets.
  const config = configOf([
    {
      id: 'nps',
      label: 'NPS',
      weight: 20,
      source: {
        type: 'feedback_property',
        property: 'nps_score',
        surveyType: 'NPS',
        aggregate: 'latest',
      },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    {
      id: 'revenue',
      weight: 30,
      source: { type: 'number_property', property: 'annualrevenue' },
      normalisation: { type: 'linear', worst: 0, best: 100000 },
    },
    {
      id: 'tickets',
      weight: 50,
      direction: 'lower_is_better',
      source: { type: 'open_tickets' },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
  ]);

  it('reads "" and null as missing, not 0', () => {
    const result = scoreCompany(
      snapshotOf({ properties: { nps_score: '', annualrevenue: null } }),
      config,
      AS_OF,
    );
    // NPS and revenue are dropped and their weight goes to tickets: 0 open -> 100 points at 100%.
    expect(entry(result, 'nps')).toMatchObject({ raw: null, normalised: null, effectiveWeight: 0 });
    expect(entry(result, 'nps').missing?.reason).toBe('no_value');
    expect(entry(result, 'revenue')).toMatchObject({ raw: null, effectiveWeight: 0 });
    expect(entry(result, 'tickets').effectiveWeight).toBe(100);
    expect(result.score).toBe(100);
    expect(result.coverage).toBe(50);
    expect(result.unparseable).toEqual([]);
  });

  it('scores differently from an NPS of 0', () => {
    // With NPS 0 the weights are nps 20 / 70 = 28.6% (0 points) and tickets 71.4% -> 71.
    const zero = scoreCompany(
      snapshotOf({ properties: { nps_score: '0', annualrevenue: null } }),
      config,
      AS_OF,
    );
    expect(zero.score).toBe(71);
  });

  it('excludes a blank NPS response in the default config', () => {
    const snapshot = snapshotOf({
      ...WORKED_COMPANY,
      feedback: [surveyResponse('703', '', '2024-11-30T10:00:00Z')],
    });
    const result = scoreCompany(snapshot, DEFAULT_SCORE_CONFIG, AS_OF);
    // The remaining weights 45 + 20 + 15 = 80 are scaled to 100: 16.4346 / 0.8 + 12 / 0.8 +
    // 11.25 / 0.8 = 20.5432 + 15 + 14.0625 = 49.6057 -> 50.
    expect(entry(result, 'nps').missing?.reason).toBe('no_feedback');
    expect(entry(result, 'usage_per_seat').effectiveWeight).toBe(56.25);
    expect(result.rawScore).toBeCloseTo(49.605697, 5);
    expect(result.score).toBe(50);
    expect(result.coverage).toBe(80);
  });
});

describe('status thresholds', () => {
  const withHysteresis = (hysteresis: number) =>
    configOf([{ id: 'a', source: { type: 'number_property', property: 'a' } }], {
      status: { healthyAtOrAbove: 70, atRiskBelow: 40, hysteresis },
    });
  const score = (value: number, hysteresis: number, previous?: ScoreResult) =>
    scoreCompany(
      snapshotOf({ properties: { a: String(value) } }),
      withHysteresis(hysteresis),
      AS_OF,
      previous === undefined ? {} : { previous },
    );

  it.each([
    [70, 'healthy'],
    [69.4, 'needs_attention'],
    [69.5, 'healthy'],
    [40, 'needs_attention'],
    [39.4, 'at_risk'],
  ])('classifies %d as %s', (value, status) => {
    expect(score(value, 0).status).toBe(status);
  });

  it('keeps healthy within the hysteresis', () => {
    const previous = score(75, 3);
    expect(score(67, 3, previous).status).toBe('healthy');
    expect(score(66, 3, previous).status).toBe('needs_attention');
  });

  it('keeps at risk until the score clears the boundary', () => {
    const previous = score(30, 3);
    expect(score(42, 3, previous).status).toBe('at_risk');
    expect(score(43, 3, previous).status).toBe('needs_attention');
  });

  it('moves from needs attention only past the margin', () => {
    const previous = score(55, 3);
    expect(score(72, 3, previous).status).toBe('needs_attention');
    expect(score(73, 3, previous).status).toBe('healthy');
    expect(score(38, 3, previous).status).toBe('needs_attention');
    expect(score(36, 3, previous).status).toBe('at_risk');
  });

  it('ignores the previous status without hysteresis', () => {
    expect(score(69, 0, score(75, 0)).status).toBe('needs_attention');
  });
});

describe('percentile metrics', () => {
  const config = configOf([
    {
      id: 'mrr',
      source: { type: 'number_property', property: 'mrr' },
      normalisation: { type: 'percentile' },
      missing: 'neutral',
    },
  ]);
  const workspace = [100, 200, 200, 300, 1000].map((mrr, index) =>
    snapshotOf({ id: String(index), properties: { mrr: String(mrr) } }),
  );
  const reference = buildReferenceDistributions({ snapshots: workspace, asOf: AS_OF }, config);

  it('ranks against the reference distribution', () => {
    expect(reference.metrics).toEqual({ mrr: [100, 200, 200, 300, 1000] });
    const result = scoreCompany(snapshotOf({ properties: { mrr: '200' } }), config, AS_OF, {
      reference,
    });
    // One value below 200, two equal: (1 + 1) / 5 = 40%.
    expect(result.score).toBe(40);
  });

  it('builds the same reference from results', () => {
    const results = workspace.map((snapshot) =>
      scoreCompany(snapshot, config, AS_OF, { reference }),
    );
    expect(buildReferenceDistributions({ results }, config)).toEqual(reference);
  });

  it('applies the missing policy without a reference', () => {
    const result = scoreCompany(snapshotOf({ properties: { mrr: '200' } }), config, AS_OF);
    expect(result.breakdown[0]?.missing).toEqual({
      reason: 'no_reference',
      policy: 'neutral',
      detail: 'no reference distribution was given',
    });
    expect(result.breakdown[0]?.raw).toBe(200);
    expect(result.score).toBe(50);
  });

  it('rejects a reference from another config version', () => {
    const newer = { ...config, version: 2 };
    const result = scoreCompany(snapshotOf({ properties: { mrr: '200' } }), newer, AS_OF, {
      reference,
    });
    expect(result.breakdown[0]?.missing?.detail).toBe(
      'the reference distribution is for default version 1, not default version 2',
    );
  });

  it('refuses results from another config version', () => {
    const results = [scoreCompany(workspace[0] ?? snapshotOf(), config, AS_OF)];
    expect(() => buildReferenceDistributions({ results }, { ...config, version: 3 })).toThrow(
      'result for company 0 was computed with default version 1, not default version 3; ' +
        'rescore it before building the reference',
    );
  });
});

describe('scoreCompany input checks', () => {
  it('rejects an invalid asOf', () => {
    expect(() => scoreCompany(WORKED_COMPANY, DEFAULT_SCORE_CONFIG, new Date('x'))).toThrow(
      'asOf must be a valid Date',
    );
  });

  it('returns the same result for the same inputs', () => {
    const first = scoreCompany(WORKED_COMPANY, DEFAULT_SCORE_CONFIG, AS_OF);
    const second = scoreCompany(structuredClone(WORKED_COMPANY), DEFAULT_SCORE_CONFIG, AS_OF);
    expect(second).toEqual(first);
  });
});
