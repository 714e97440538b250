import { DEFAULT_SCORE_CONFIG } from './default-config';
import { requiredInputs } from './inputs';
import { parseScoreConfig } from './parse-config';
import { configOf } from './test-builders';

const NO_EXPANSION = parseScoreConfig({
  status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
  expansion: Object.fromEntries(
    ['seatLimit', 'premiumFeatures', 'renewalHighHealth', 'teamGrowth'].map((name) => [
      name,
      { enabled: false },
    ]),
  ),
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
}).config.expansion;

describe('requiredInputs', () => {
  it('lists what the default config reads', () => {
    expect(requiredInputs(DEFAULT_SCORE_CONFIG)).toEqual({
      companyProperties: [
        'contract_renewal_date',
        'licensed_seats',
        'notes_last_contacted',
        'premium_features_used',
        'seats_used',
        'usage_events_7d',
      ],
      // The default expansion section's team growth signal reads the seat history.
      historyProperties: ['seats_used'],
      tickets: {
        properties: [
          'closed_date',
          'createdate',
          'hs_pipeline',
          'hs_pipeline_stage',
          'hs_ticket_priority',
        ],
      },
      feedback: {
        properties: ['hs_survey_type', 'hs_value', 'hs_submission_timestamp'],
        surveyTypes: ['NPS'],
      },
    });
  });

  it('asks for history where a source needs dates', () => {
    const config = configOf(
      [
        { source: { type: 'change', property: 'usage_events_7d', days: 28, mode: 'absolute' } },
        {
          source: {
            type: 'feedback_property',
            property: 'nps_score',
            surveyType: 'NPS',
            aggregate: 'mean',
          },
        },
        { source: { type: 'number_property', property: 'mrr' } },
      ],
      { expansion: NO_EXPANSION },
    );
    const inputs = requiredInputs(config);
    expect(inputs.companyProperties).toEqual(['mrr', 'nps_score', 'usage_events_7d']);
    expect(inputs.historyProperties).toEqual(['nps_score', 'usage_events_7d']);
    expect(inputs.tickets).toBe(false);
    expect(inputs.feedback).toBe(false);
  });

  it('reads every company property with history for a backtest', () => {
    const inputs = requiredInputs(DEFAULT_SCORE_CONFIG, { backtest: true });
    expect(inputs.historyProperties).toEqual([
      'contract_renewal_date',
      'licensed_seats',
      'notes_last_contacted',
      'premium_features_used',
      'seats_used',
      'usage_events_7d',
    ]);
  });
});
