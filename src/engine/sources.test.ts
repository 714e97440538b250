import type { MetricConfig } from './config-schema';
import type { MetricBreakdown, ScoreResult } from './result-types';
import { scoreCompany } from './score';
import type { CompanySnapshot } from './snapshot';
import { configOf, surveyResponse, snapshotOf, ticket } from './test-builders';

/** Every case scores at noon UTC on 2024-12-01. */
const AS_OF = new Date('2024-12-01T12:00:00Z');

function scoreOne(metric: Partial<MetricConfig>, snapshot: CompanySnapshot): ScoreResult {
  return scoreCompany(snapshot, configOf([metric]), AS_OF);
}

function onlyEntry(result: ScoreResult): MetricBreakdown {
  const [entry] = result.breakdown;
  if (entry === undefined) throw new Error('expected one breakdown entry');
  return entry;
}

interface SourceCase {
  name: string;
  metric: Partial<MetricConfig>;
  snapshot: CompanySnapshot;
  raw: number | null;
  missing?: string;
  description: string;
}

/** Seven tickets covering each open/closed rule; the comments give each one's state at AS_OF. */
const TICKETS = [
  // Open: no closed_date and an open stage. Age 11.5 days.
  ticket('t1', { createdate: '2024-11-20T00:00:00Z', hs_ticket_priority: 'HIGH' }),
  // Open at AS_OF: closed later (2024-12-05), although its stage is closed now. Age 1.5 days.
  ticket(
    't2',
    { createdate: '2024-11-30', closed_date: '2024-12-05T00:00:00Z', hs_ticket_priority: 'URGENT' },
    true,
  ),
  // Closed on 2024-11-15.
  ticket('t3', { createdate: '2024-11-01', closed_date: '2024-11-15', hs_ticket_priority: 'LOW' }),
  // Closed: no closed_date, but a closed stage.
  ticket('t4', { createdate: '2024-11-25', closed_date: '', hs_ticket_priority: 'MEDIUM' }, true),
  // Created after AS_OF.
  ticket('t5', { createdate: '2024-12-10', hs_ticket_priority: 'HIGH' }),
  // Unreadable createdate: reported and left out.
  ticket('t6', { createdate: 'soon', hs_ticket_priority: 'HIGH' }),
  // Open for 61.5 days, in lower case.
  ticket('t7', { createdate: '2024-10-01T00:00:00Z', hs_ticket_priority: 'low' }),
];

const FEEDBACK = [
  surveyResponse('f1', '9', '2024-06-01T00:00:00Z'),
  surveyResponse('f2', '4', '2024-11-15T00:00:00Z'),
  surveyResponse('f3', '5', '2024-11-20T00:00:00Z', 'CSAT'),
  // A skipped question: no value, not unreadable.
  surveyResponse('f4', '', '2024-11-25T00:00:00Z'),
  // Submitted after AS_OF.
  surveyResponse('f5', '8', '2025-01-01T00:00:00Z'),
  // 427 days before AS_OF, outside a 365-day window; survey type in lower case.
  surveyResponse('f6', '7', '2023-10-01T00:00:00Z', 'nps'),
  surveyResponse('f7', 'ten', '2024-11-28T00:00:00Z'),
];

const NPS_HISTORY = {
  nps_score: [
    { value: '3', timestamp: '2024-11-20T00:00:00Z' },
    { value: '8', timestamp: '2024-08-01T00:00:00Z' },
    { value: '10', timestamp: '2023-01-01T00:00:00Z' },
  ],
};

const USAGE_HISTORY = {
  usage_events_7d: [
    { value: '40', timestamp: '2024-11-28T00:00:00Z' },
    { value: '60', timestamp: '2024-11-01T00:00:00Z' },
    { value: '55', timestamp: '2024-10-01T00:00:00Z' },
  ],
};

const cases: SourceCase[] = [
  {
    name: 'number property in decimal notation',
    metric: { label: 'MRR', source: { type: 'number_property', property: 'mrr' } },
    snapshot: snapshotOf({ properties: { mrr: '1200.0' } }),
    raw: 1200,
    description: 'MRR 1200',
  },
  {
    name: 'number property in exponent notation',
    metric: { label: 'MRR', source: { type: 'number_property', property: 'mrr' } },
    snapshot: snapshotOf({ properties: { mrr: '1.2e3' } }),
    raw: 1200,
    description: 'MRR 1200',
  },
  {
    name: 'number property cleared',
    metric: { label: 'MRR', source: { type: 'number_property', property: 'mrr' } },
    snapshot: snapshotOf({ properties: { mrr: '' } }),
    raw: null,
    missing: 'no_value',
    description: 'MRR: mrr has no value',
  },
  {
    name: 'number property unreadable',
    metric: { label: 'MRR', source: { type: 'number_property', property: 'mrr' } },
    snapshot: snapshotOf({ properties: { mrr: '12k' } }),
    raw: null,
    missing: 'unparseable',
    description: 'MRR: mrr value "12k" is not a number',
  },
  {
    // 2024-11-21T00:00Z to AS_OF is 10.5 days, rounded down.
    name: 'date property as days since',
    metric: { label: 'Renewal', source: { type: 'date_property', property: 'renewal' } },
    snapshot: snapshotOf({ properties: { renewal: '2024-11-21' } }),
    raw: 10,
    description: 'Renewal 10 days ago',
  },
  {
    // 2024-12-31T00:00Z is 29.5 days after AS_OF: -29.5 rounds down to -30.
    name: 'date property in the future',
    metric: { label: 'Renewal', source: { type: 'date_property', property: 'renewal' } },
    snapshot: snapshotOf({ properties: { renewal: '2024-12-31' } }),
    raw: -30,
    description: 'Renewal in 30 days',
  },
  {
    // 1732968000000 is 2024-11-30T12:00:00Z, exactly one day before AS_OF.
    name: 'date property as epoch ms',
    metric: { label: 'Renewal', source: { type: 'date_property', property: 'renewal' } },
    snapshot: snapshotOf({ properties: { renewal: '1732968000000' } }),
    raw: 1,
    description: 'Renewal 1 day ago',
  },
  {
    name: 'enumeration mapped to points',
    metric: {
      label: 'Plan',
      source: {
        type: 'enumeration_property',
        property: 'plan_tier',
        points: { basic: 20, pro: 60, enterprise: 100 },
      },
    },
    snapshot: snapshotOf({ properties: { plan_tier: 'pro' } }),
    raw: 60,
    description: 'Plan: pro',
  },
  {
    name: 'enumeration matched regardless of case',
    metric: {
      label: 'Plan',
      source: { type: 'enumeration_property', property: 'plan_tier', points: { enterprise: 100 } },
    },
    snapshot: snapshotOf({ properties: { plan_tier: 'Enterprise' } }),
    raw: 100,
    description: 'Plan: Enterprise',
  },
  {
    name: 'enumeration option without points',
    metric: {
      label: 'Plan',
      source: { type: 'enumeration_property', property: 'plan_tier', points: { basic: 20 } },
    },
    snapshot: snapshotOf({ properties: { plan_tier: 'gold' } }),
    raw: null,
    missing: 'unknown_option',
    description: 'Plan: plan_tier option "gold" has no points in the config',
  },
  {
    name: 'bool true',
    metric: {
      label: 'Auto renew',
      source: { type: 'bool_property', property: 'auto_renew' },
      normalisation: { type: 'linear', worst: 0, best: 1 },
    },
    snapshot: snapshotOf({ properties: { auto_renew: 'true' } }),
    raw: 1,
    description: 'Auto renew: yes',
  },
  {
    name: 'bool false',
    metric: {
      label: 'Auto renew',
      source: { type: 'bool_property', property: 'auto_renew' },
      normalisation: { type: 'linear', worst: 0, best: 1 },
    },
    snapshot: snapshotOf({ properties: { auto_renew: 'FALSE' } }),
    raw: 0,
    description: 'Auto renew: no',
  },
  {
    name: 'open tickets, all priorities',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'open_tickets' },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    // t1, t2 and t7; t1 is HIGH and t2 URGENT.
    raw: 3,
    description: '3 open tickets (2 high priority)',
  },
  {
    name: 'open tickets, high priorities only',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'open_tickets', priorities: ['HIGH', 'URGENT'] },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    raw: 2,
    description: '2 open high/urgent priority tickets',
  },
  {
    name: 'open tickets older than 7 days',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'open_tickets', minAgeDays: 7 },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    // t1 (11.5 days) and t7 (61.5 days).
    raw: 2,
    description: '2 open tickets older than 7 days (1 high priority)',
  },
  {
    name: 'open tickets at most 30 days old',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'open_tickets', maxAgeDays: 30 },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    // t1 (11.5 days) and t2 (1.5 days).
    raw: 2,
    description: '2 open tickets (2 high priority)',
  },
  {
    name: 'no tickets at all',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'open_tickets' },
      normalisation: { type: 'linear', worst: 5, best: 0 },
    },
    snapshot: snapshotOf(),
    raw: 0,
    description: 'No open tickets',
  },
  {
    name: 'tickets opened in 30 days',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'tickets_opened', days: 30 },
      normalisation: { type: 'linear', worst: 10, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    // The window is (2024-11-01T12:00Z, AS_OF]: t1, t2 and t4. t3 (2024-11-01T00:00Z) is just outside.
    raw: 3,
    description: '3 tickets opened in the last 30 days',
  },
  {
    name: 'tickets opened in 90 days',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'tickets_opened', days: 90 },
      normalisation: { type: 'linear', worst: 10, best: 0 },
    },
    snapshot: snapshotOf({ tickets: TICKETS }),
    // t1, t2, t3, t4 and t7; t5 is after AS_OF and t6 unreadable.
    raw: 5,
    description: '5 tickets opened in the last 90 days',
  },
  {
    name: 'latest NPS in a year',
    metric: {
      source: { type: 'feedback', surveyType: 'NPS', aggregate: 'latest', windowDays: 365 },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ feedback: FEEDBACK }),
    // f2 (4 on 2024-11-15); f4 is empty, f5 after AS_OF, f7 unreadable.
    raw: 4,
    description: 'NPS 4 (detractor)',
  },
  {
    name: 'mean NPS in a year',
    metric: {
      source: { type: 'feedback', surveyType: 'NPS', aggregate: 'mean', windowDays: 365 },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ feedback: FEEDBACK }),
    // (9 + 4) / 2; f6 is outside the window.
    raw: 6.5,
    description: 'NPS 6.5 on average (2 answers)',
  },
  {
    name: 'mean NPS without a window',
    metric: {
      source: { type: 'feedback', surveyType: 'NPS', aggregate: 'mean' },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ feedback: FEEDBACK }),
    // (9 + 4 + 7) / 3
    raw: 20 / 3,
    description: 'NPS 6.7 on average (3 answers)',
  },
  {
    name: 'NPS window without responses',
    metric: {
      label: 'NPS',
      source: { type: 'feedback', surveyType: 'NPS', aggregate: 'latest', windowDays: 7 },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ feedback: FEEDBACK }),
    raw: null,
    missing: 'no_feedback',
    description: 'NPS: no NPS answer in the last 7 days as of 2024-12-01',
  },
  {
    name: 'latest CSAT',
    metric: {
      source: { type: 'feedback', surveyType: 'CSAT', aggregate: 'latest' },
      normalisation: { type: 'linear', worst: 1, best: 5 },
    },
    snapshot: snapshotOf({ feedback: FEEDBACK }),
    raw: 5,
    description: 'CSAT 5',
  },
  {
    name: 'NPS property from history',
    metric: {
      source: {
        type: 'feedback_property',
        property: 'nps_score',
        surveyType: 'NPS',
        aggregate: 'latest',
        windowDays: 365,
      },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ properties: { nps_score: '3' }, propertyHistory: NPS_HISTORY }),
    raw: 3,
    description: 'NPS 3 (detractor)',
  },
  {
    name: 'NPS property mean from history',
    metric: {
      source: {
        type: 'feedback_property',
        property: 'nps_score',
        surveyType: 'NPS',
        aggregate: 'mean',
        windowDays: 365,
      },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ properties: { nps_score: '3' }, propertyHistory: NPS_HISTORY }),
    // (3 + 8) / 2; the 2023 response is outside the window.
    raw: 5.5,
    description: 'NPS 5.5 on average (2 answers)',
  },
  {
    name: 'NPS property without history',
    metric: {
      source: {
        type: 'feedback_property',
        property: 'nps_score',
        surveyType: 'NPS',
        aggregate: 'latest',
      },
      normalisation: { type: 'linear', worst: 0, best: 10 },
    },
    snapshot: snapshotOf({ properties: { nps_score: '9' } }),
    raw: 9,
    description: 'NPS 9 (promoter)',
  },
  {
    // 2024-10-17T12:00Z is 45 days before AS_OF.
    name: 'last contact overdue',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'last_contact', property: 'notes_last_contacted' },
      normalisation: { type: 'linear', worst: 90, best: 30 },
    },
    snapshot: snapshotOf({ properties: { notes_last_contacted: '2024-10-17T12:00:00Z' } }),
    raw: 45,
    description: 'No contact for 45 days (target 30)',
  },
  {
    name: 'last contact within target',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'last_contact', property: 'notes_last_contacted' },
      normalisation: { type: 'linear', worst: 90, best: 30 },
    },
    snapshot: snapshotOf({ properties: { notes_last_contacted: '1732622400000' } }),
    // 1732622400000 is 2024-11-26T12:00Z.
    raw: 5,
    description: 'Last contact 5 days ago (target 30)',
  },
  {
    name: 'last contact after asOf',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'last_contact', property: 'notes_last_contacted' },
      normalisation: { type: 'linear', worst: 90, best: 30 },
    },
    snapshot: snapshotOf({ properties: { notes_last_contacted: '2024-12-03T00:00:00Z' } }),
    raw: 0,
    description: 'Contacted today (target 30)',
  },
  {
    name: 'never contacted',
    metric: {
      direction: 'lower_is_better',
      source: { type: 'last_contact', property: 'notes_last_contacted' },
      normalisation: { type: 'linear', worst: 90, best: 30 },
      missing: 'worst',
    },
    snapshot: snapshotOf({ properties: { notes_last_contacted: null } }),
    raw: null,
    missing: 'no_value',
    description: 'No contact on record (target 30 days)',
  },
  {
    name: 'ratio of two properties',
    metric: {
      source: { type: 'ratio', numerator: 'usage_events_7d', denominator: 'licensed_seats' },
      normalisation: { type: 'log_linear', worst: 0, best: 4 },
      driverTemplate: 'Usage {value} events per seat this week',
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '12', licensed_seats: '15' } }),
    raw: 0.8,
    description: 'Usage 0.8 events per seat this week',
  },
  {
    name: 'ratio over zero seats',
    metric: {
      label: 'Usage',
      source: { type: 'ratio', numerator: 'usage_events_7d', denominator: 'licensed_seats' },
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '12', licensed_seats: '0' } }),
    raw: null,
    missing: 'zero_denominator',
    description: 'Usage: licensed_seats is 0',
  },
  {
    name: 'ratio with a missing numerator',
    metric: {
      label: 'Usage',
      source: { type: 'ratio', numerator: 'usage_events_7d', denominator: 'licensed_seats' },
    },
    snapshot: snapshotOf({ properties: { licensed_seats: '15' } }),
    raw: null,
    missing: 'no_value',
    description: 'Usage: usage_events_7d has no value',
  },
  {
    // Value at AS_OF is 40 (2024-11-28); 28 days earlier (2024-11-03T12:00Z) it was 60.
    name: 'change over 28 days',
    metric: {
      label: 'Usage',
      source: { type: 'change', property: 'usage_events_7d', days: 28, mode: 'absolute' },
      normalisation: { type: 'linear', worst: -50, best: 50 },
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: USAGE_HISTORY }),
    raw: -20,
    description: 'Usage down 20 in 28 days',
  },
  {
    name: 'change over 28 days in percent',
    metric: {
      label: 'Usage',
      source: { type: 'change', property: 'usage_events_7d', days: 28, mode: 'percent' },
      normalisation: { type: 'linear', worst: -50, best: 50 },
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: USAGE_HISTORY }),
    // 100 * (40 - 60) / 60
    raw: -100 / 3,
    description: 'Usage down 33.3% in 28 days',
  },
  {
    name: 'change reaching before the history',
    metric: {
      label: 'Usage',
      source: { type: 'change', property: 'usage_events_7d', days: 90, mode: 'absolute' },
      normalisation: { type: 'linear', worst: -50, best: 50 },
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: USAGE_HISTORY }),
    raw: null,
    missing: 'no_history',
    description: 'Usage: usage_events_7d has no value 90 days before',
  },
  {
    name: 'change without history',
    metric: {
      label: 'Usage',
      source: { type: 'change', property: 'usage_events_7d', days: 28, mode: 'absolute' },
      normalisation: { type: 'linear', worst: -50, best: 50 },
    },
    snapshot: snapshotOf({ properties: { usage_events_7d: '40' } }),
    raw: null,
    missing: 'no_history',
    description: 'Usage: usage_events_7d has no property history',
  },
];

describe('metric sources', () => {
  it.each(cases)('$name', ({ metric, snapshot, raw, missing, description }) => {
    const entry = onlyEntry(scoreOne(metric, snapshot));
    if (raw === null) expect(entry.raw).toBeNull();
    else expect(entry.raw).toBeCloseTo(raw, 9);
    expect(entry.missing?.reason).toBe(missing);
    expect(entry.description).toBe(description);
  });

  it('reports unreadable ticket and feedback values with their object ids', () => {
    const result = scoreCompany(
      snapshotOf({ tickets: TICKETS, feedback: FEEDBACK }),
      configOf([
        {
          id: 'tickets',
          direction: 'lower_is_better',
          source: { type: 'open_tickets' },
          normalisation: { type: 'linear', worst: 5, best: 0 },
        },
        {
          id: 'nps',
          source: { type: 'feedback', surveyType: 'NPS', aggregate: 'latest' },
          normalisation: { type: 'linear', worst: 0, best: 10 },
        },
      ]),
      AS_OF,
    );
    expect(result.unparseable).toEqual([
      { metricId: 'tickets', property: 'createdate', value: 'soon', objectId: 't6' },
      { metricId: 'nps', property: 'hs_value', value: 'ten', objectId: 'f7' },
    ]);
  });

  it('reports an unreadable company property', () => {
    const result = scoreOne(
      { source: { type: 'number_property', property: 'mrr' } },
      snapshotOf({ properties: { mrr: 'n/a' } }),
    );
    expect(result.unparseable).toEqual([{ metricId: 'm0', property: 'mrr', value: 'n/a' }]);
  });

  it('takes a property value as it was at asOf from history', () => {
    // A backtest on 2024-11-10 must see 60 (set 2024-11-01), not today's 40.
    const result = scoreCompany(
      snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: USAGE_HISTORY }),
      configOf([{ source: { type: 'number_property', property: 'usage_events_7d' } }]),
      new Date('2024-11-10T00:00:00Z'),
    );
    expect(onlyEntry(result).raw).toBe(60);
  });

  it('reads no value before the first history entry', () => {
    const result = scoreCompany(
      snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: USAGE_HISTORY }),
      configOf([{ source: { type: 'number_property', property: 'usage_events_7d' } }]),
      new Date('2024-09-01T00:00:00Z'),
    );
    expect(onlyEntry(result).missing?.reason).toBe('no_value');
  });

  it('ignores the order of history entries', () => {
    const shuffled = { usage_events_7d: [...USAGE_HISTORY.usage_events_7d].reverse() };
    const result = scoreCompany(
      snapshotOf({ properties: { usage_events_7d: '40' }, propertyHistory: shuffled }),
      configOf([{ source: { type: 'number_property', property: 'usage_events_7d' } }]),
      new Date('2024-11-10T00:00:00Z'),
    );
    expect(onlyEntry(result).raw).toBe(60);
  });
});
