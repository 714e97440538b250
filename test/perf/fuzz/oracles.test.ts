import { writtenValueProblem } from './recompute';
import { batchProblem } from './webhooks';

const event = { portalId: 1, subscriptionType: 'company.creation', occurredAt: 5, objectId: 7 };

describe('batchProblem', () => {
  it('accepts a minimal batch', () => {
    expect(batchProblem([event])).toBeUndefined();
    expect(batchProblem([{ ...event, objectId: '7', unknownField: { a: 1 } }])).toBeUndefined();
  });

  it.each([
    ['not an array', { ...event }],
    ['empty', []],
    ['101 events', Array.from({ length: 101 }, () => event)],
    ['portalId 0', [{ ...event, portalId: 0 }]],
    ['portalId text', [{ ...event, portalId: '1' }]],
    ['unsafe occurredAt', [{ ...event, occurredAt: 2 ** 53 + 2 }]],
    ['empty subscriptionType', [{ ...event, subscriptionType: '' }]],
    ['fractional objectId', [{ ...event, objectId: 7.5 }]],
    ['mergedObjectIds with text', [{ ...event, mergedObjectIds: ['x'] }]],
    ['null event', [null]],
  ])('rejects %s', (_name, batch) => {
    expect(batchProblem(batch)).toEqual(expect.any(String));
  });
});

describe('writtenValueProblem', () => {
  it.each([
    ['cs_health_score', '0'],
    ['cs_health_score', '100'],
    ['cs_health_status', 'at_risk'],
    ['cs_health_previous_status', ''],
    ['cs_health_score_change_7d', '-12'],
    ['cs_health_computed_at', '2026-12-04T10:00:00.000Z'],
    ['cs_expansion_signals', 'seat_limit;team_growth'],
    ['cs_health_drivers', 'Usage 3 events per seat\nNPS 9'],
  ])('accepts %s = %j', (name, value) => {
    expect(writtenValueProblem(name, value)).toBeUndefined();
  });

  it.each([
    ['cs_health_score', '101'],
    ['cs_health_score', '50.5'],
    ['cs_health_score', 'NaN'],
    ['cs_health_status', 'fine'],
    ['cs_health_computed_at', 'yesterday'],
    ['cs_expansion_signals', 'seat_limit;unknown'],
    ['cs_health_drivers', 'bell\u0007'],
    ['name', 'Acme'],
  ])('rejects %s = %j', (name, value) => {
    expect(writtenValueProblem(name, value)).toEqual(expect.any(String));
  });
});
