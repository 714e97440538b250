import { DEFAULT_SCORE_CONFIG } from './default-config';
import { detectExpansionSignals, type ExpansionSignal } from './expansion';
import { requiredInputs } from './inputs';
import { parseScoreConfig, ScoreConfigError } from './parse-config';
import type { CompanySnapshot } from './snapshot';
import { configOf, snapshotOf } from './test-builders';

const AS_OF = new Date('2024-12-01T12:00:00.000Z');
const HEALTHY = { status: 'healthy', score: 82 } as const;
const AT_RISK = { status: 'at_risk', score: 31 } as const;

type Properties = Record<string, string | null>;
type History = CompanySnapshot['propertyHistory'];

function detect(
  properties: Properties,
  options: { history?: History; result?: typeof HEALTHY | typeof AT_RISK; asOf?: Date } = {},
  config = DEFAULT_SCORE_CONFIG,
): ExpansionSignal[] {
  const snapshot = snapshotOf({ properties, propertyHistory: options.history ?? {} });
  return detectExpansionSignals(snapshot, options.result ?? HEALTHY, config, options.asOf ?? AS_OF);
}

function kinds(signals: ExpansionSignal[]): string[] {
  return signals.map((signal) => signal.kind);
}

describe('detectExpansionSignals seat_limit', () => {
  const cases: { name: string; properties: Properties; reason?: string }[] = [
    {
      name: '45 of 50 is exactly 0.9',
      properties: { seats_used: '45', licensed_seats: '50' },
      reason: 'Uses 45 of 50 licensed seats (90%)',
    },
    {
      name: 'overage above 1',
      properties: { seats_used: '12', licensed_seats: '10' },
      reason: 'Uses 12 of 10 licensed seats (120%)',
    },
    { name: '44 of 50 is 0.88', properties: { seats_used: '44', licensed_seats: '50' } },
    { name: 'zero licensed seats', properties: { seats_used: '3', licensed_seats: '0' } },
    { name: 'seats used missing', properties: { licensed_seats: '50' } },
    { name: 'seats used empty', properties: { seats_used: '', licensed_seats: '50' } },
    { name: 'licensed seats unparseable', properties: { seats_used: '9', licensed_seats: 'ten' } },
  ];
  test.each(cases)('$name', ({ properties, reason }) => {
    const signal = detect(properties).find((entry) => entry.kind === 'seat_limit');
    expect(signal?.reason).toBe(reason);
  });
});

describe('detectExpansionSignals premium_features', () => {
  const cases: { name: string; value: string | null; reason?: string }[] = [
    { name: 'two features', value: '2', reason: 'Uses 2 premium features' },
    { name: 'five features', value: '5.0', reason: 'Uses 5 premium features' },
    { name: 'one feature', value: '1' },
    { name: 'null value', value: null },
    { name: 'unparseable value', value: 'many' },
  ];
  test.each(cases)('$name', ({ value, reason }) => {
    const signal = detect({ premium_features_used: value }).find(
      (entry) => entry.kind === 'premium_features',
    );
    expect(signal?.reason).toBe(reason);
  });
});

describe('detectExpansionSignals renewal_high_health', () => {
  // AS_OF is 2024-12-01 12:00 UTC, so a date property (midnight UTC) N days later is N days away.
  const cases: {
    name: string;
    renewal: string | null;
    result?: typeof HEALTHY | typeof AT_RISK;
    reason?: string;
  }[] = [
    {
      name: 'renewal in 90 days',
      renewal: '2025-03-01',
      reason: 'Renews on 2025-03-01 (in 90 days) with a Healthy score of 82',
    },
    {
      name: 'renewal tomorrow',
      renewal: '2024-12-02',
      reason: 'Renews on 2024-12-02 (in 1 day) with a Healthy score of 82',
    },
    {
      name: 'renewal later today',
      renewal: '2024-12-01T18:00:00.000Z',
      reason: 'Renews on 2024-12-01 (today) with a Healthy score of 82',
    },
    { name: 'renewal in 91 days', renewal: '2025-03-02' },
    { name: 'renewal already passed', renewal: '2024-11-30' },
    { name: 'account at risk', renewal: '2025-01-15', result: AT_RISK },
    { name: 'no renewal date', renewal: '' },
    { name: 'unparseable date', renewal: 'next spring' },
  ];
  test.each(cases)('$name', ({ renewal, result, reason }) => {
    const signal = detect(
      { contract_renewal_date: renewal },
      { ...(result ? { result } : {}) },
    ).find((entry) => entry.kind === 'renewal_high_health');
    expect(signal?.reason).toBe(reason);
  });
});

describe('detectExpansionSignals team_growth', () => {
  const point = (value: string, timestamp: string) => ({ value, timestamp });
  const cases: { name: string; history: History; reason?: string }[] = [
    {
      name: '40 to 50 is 25%',
      history: {
        seats_used: [point('50', '2024-11-20T00:00:00Z'), point('40', '2024-10-15T00:00:00Z')],
      },
      reason: 'Team grew 25% in 30 days (seats_used from 40 to 50)',
    },
    {
      name: '40 to 48 is exactly 20%',
      history: {
        seats_used: [point('48', '2024-11-20T00:00:00Z'), point('40', '2024-10-15T00:00:00Z')],
      },
      reason: 'Team grew 20% in 30 days (seats_used from 40 to 48)',
    },
    {
      name: '40 to 47 is 17.5%',
      history: {
        seats_used: [point('47', '2024-11-20T00:00:00Z'), point('40', '2024-10-15T00:00:00Z')],
      },
    },
    {
      // The 60 was recorded after asOf, so the value at asOf is 44: 10% growth, no signal.
      name: 'later entries ignored',
      history: {
        seats_used: [
          point('60', '2024-12-05T00:00:00Z'),
          point('44', '2024-11-20T00:00:00Z'),
          point('40', '2024-10-15T00:00:00Z'),
        ],
      },
    },
    {
      // The baseline is the newest value at or before 2024-11-01 12:00: 50, not the older 20.
      name: 'baseline is newest before window',
      history: {
        seats_used: [
          point('55', '2024-11-25T00:00:00Z'),
          point('50', '2024-10-31T00:00:00Z'),
          point('20', '2024-09-01T00:00:00Z'),
        ],
      },
    },
    {
      name: 'history younger than window',
      history: { seats_used: [point('90', '2024-11-20T00:00:00Z')] },
    },
    {
      name: 'zero baseline',
      history: {
        seats_used: [point('9', '2024-11-20T00:00:00Z'), point('0', '2024-10-01T00:00:00Z')],
      },
    },
    {
      name: 'unparseable current value',
      history: {
        seats_used: [point('lots', '2024-11-20T00:00:00Z'), point('10', '2024-10-01T00:00:00Z')],
      },
    },
    {
      name: 'unparseable timestamp skipped',
      history: {
        seats_used: [point('30', 'yesterday'), point('10', '2024-10-01T00:00:00Z')],
      },
    },
    { name: 'no history', history: {} },
  ];
  test.each(cases)('$name', ({ history, reason }) => {
    const signal = detect({ seats_used: '999' }, { history }).find(
      (entry) => entry.kind === 'team_growth',
    );
    expect(signal?.reason).toBe(reason);
  });

  test('seat_limit reads history as of asOf', () => {
    const history: History = {
      seats_used: [point('50', '2024-12-10T00:00:00Z'), point('30', '2024-11-01T00:00:00Z')],
    };
    const signals = detect({ seats_used: '50', licensed_seats: '50' }, { history });
    expect(kinds(signals)).not.toContain('seat_limit');
    const later = detect(
      { seats_used: '50', licensed_seats: '50' },
      { history, asOf: new Date('2024-12-11T00:00:00Z') },
    );
    expect(kinds(later)).toContain('seat_limit');
  });
});

describe('detectExpansionSignals config', () => {
  test('reports signals in fixed order', () => {
    const history: History = {
      seats_used: [
        { value: '50', timestamp: '2024-11-20T00:00:00Z' },
        { value: '25', timestamp: '2024-10-01T00:00:00Z' },
      ],
    };
    expect(kinds(detect(busy(), { history }))).toEqual([
      'seat_limit',
      'premium_features',
      'renewal_high_health',
      'team_growth',
    ]);
  });

  test('no values gives no signals', () => {
    expect(detect({})).toEqual([]);
  });

  test('custom thresholds and properties', () => {
    const config = configOf([{ source: { type: 'number_property', property: 'mrr' } }], {
      expansion: {
        ownerProperty: 'hubspot_owner_id',
        seatLimit: {
          enabled: true,
          seatsUsedProperty: 'active_users',
          licensedSeatsProperty: 'seat_cap',
          minUtilisation: 0.5,
        },
        premiumFeatures: { enabled: false, property: 'premium_features_used', minFeatures: 2 },
        renewalHighHealth: { enabled: true, property: 'renewal_on', withinDays: 10 },
        teamGrowth: { enabled: false, property: 'seats_used', minGrowthPercent: 20, days: 30 },
      },
    });
    const signals = detect(
      { ...busy(), active_users: '5', seat_cap: '10', renewal_on: '2024-12-11' },
      {},
      config,
    );
    expect(signals).toEqual([
      { kind: 'seat_limit', reason: 'Uses 5 of 10 licensed seats (50%)' },
      {
        kind: 'renewal_high_health',
        reason: 'Renews on 2024-12-11 (in 10 days) with a Healthy score of 82',
      },
    ]);
  });
});

describe('expansion config', () => {
  const base = {
    status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
    metrics: [
      {
        id: 'mrr',
        label: 'MRR',
        weight: 100,
        direction: 'higher_is_better',
        source: { type: 'number_property', property: 'mrr' },
        normalisation: { type: 'linear', worst: 0, best: 100 },
        missing: 'ignore',
      },
    ],
  };

  test('defaults fill a missing section', () => {
    const { config } = parseScoreConfig(base);
    expect(config.expansion).toEqual({
      ownerProperty: 'account_executive_owner_id',
      seatLimit: {
        enabled: true,
        seatsUsedProperty: 'seats_used',
        licensedSeatsProperty: 'licensed_seats',
        minUtilisation: 0.9,
      },
      premiumFeatures: { enabled: true, property: 'premium_features_used', minFeatures: 2 },
      renewalHighHealth: { enabled: true, property: 'contract_renewal_date', withinDays: 90 },
      teamGrowth: { enabled: true, property: 'seats_used', minGrowthPercent: 20, days: 30 },
    });
  });

  test('invalid values name their field', () => {
    const invalid = {
      ...base,
      expansion: {
        ownerProperty: 'AE owner',
        seatLimit: { minUtilisation: 0 },
        premiumFeatures: { enabled: 'yes' },
        renewalHighHealth: { withinDays: 0 },
        teamGrowth: { days: 2.5, minGrowthPercent: -5 },
        sizing: {},
      },
    };
    let problems: string[] = [];
    try {
      parseScoreConfig(invalid);
    } catch (error) {
      expect(error).toBeInstanceOf(ScoreConfigError);
      problems = (error as ScoreConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^expansion\.ownerProperty: must be a HubSpot internal property/),
        'expansion.seatLimit.minUtilisation: must be above 0 and at most 10 (got 0)',
        'expansion.premiumFeatures.enabled: must be true or false (got "yes")',
        'expansion.renewalHighHealth.withinDays: must be from 1 to 3650 days (got 0)',
        'expansion.teamGrowth.days: must be a whole number of days (got 2.5)',
        'expansion.teamGrowth.minGrowthPercent: must be above 0 and at most 10000 percent (got -5)',
        expect.stringMatching(/^expansion: unknown field "sizing"/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  test('requiredInputs reads history only for team growth', () => {
    const withGrowth = requiredInputs(DEFAULT_SCORE_CONFIG);
    expect(withGrowth.companyProperties).toEqual(
      expect.arrayContaining([
        'contract_renewal_date',
        'licensed_seats',
        'premium_features_used',
        'seats_used',
      ]),
    );
    expect(withGrowth.historyProperties).toEqual(['seats_used']);

    const { config } = parseScoreConfig({ ...base, expansion: { teamGrowth: { enabled: false } } });
    const withoutGrowth = requiredInputs(config);
    expect(withoutGrowth.historyProperties).toEqual([]);
    expect(withoutGrowth.companyProperties).toContain('seats_used');
  });

  test('all signals off reads nothing extra', () => {
    const off = { enabled: false };
    const { config } = parseScoreConfig({
      ...base,
      expansion: { seatLimit: off, premiumFeatures: off, renewalHighHealth: off, teamGrowth: off },
    });
    expect(requiredInputs(config).companyProperties).toEqual(['mrr']);
    expect(detect(busy(), {}, config)).toEqual([]);
  });
});

function busy(): Properties {
  return {
    seats_used: '50',
    licensed_seats: '50',
    premium_features_used: '4',
    contract_renewal_date: '2025-01-01',
  };
}
