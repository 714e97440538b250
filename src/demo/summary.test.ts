import { DEFAULT_SCORE_CONFIG, scoreCompany, type ScoreResult } from '../engine';
import { snapshotOf } from '../engine/test-builders';
import { countByRateLimit, rateLimitClassOf } from './rate-sampler';
import { biggestDrops } from './summary';

const AS_OF = new Date('2024-12-01T12:00:00Z');

/** Scores a company with the default config from its usage, seats and last contact. */
function scoreOf(id: string, usage: string, lastContacted: string): ScoreResult {
  return scoreCompany(
    snapshotOf({
      id,
      properties: {
        usage_events_7d: usage,
        licensed_seats: '10',
        notes_last_contacted: lastContacted,
      },
    }),
    DEFAULT_SCORE_CONFIG,
    AS_OF,
  );
}

describe('biggestDrops', () => {
  const before = new Map([
    ['1', scoreOf('1', '40', '2024-11-30T12:00:00Z')],
    ['2', scoreOf('2', '40', '2024-11-30T12:00:00Z')],
    ['3', scoreOf('3', '5', '2024-11-30T12:00:00Z')],
  ]);
  // Company 1 loses its usage, company 2 only its recent contact, company 3 gains usage.
  const after = new Map([
    ['1', scoreOf('1', '0', '2024-11-30T12:00:00Z')],
    ['2', scoreOf('2', '40', '2024-09-01T12:00:00Z')],
    ['3', scoreOf('3', '40', '2024-11-30T12:00:00Z')],
  ]);
  const drops = biggestDrops(before, after, (id) => `Company ${id}`);

  it('lists only falling scores, largest first', () => {
    expect(drops.map((drop) => drop.companyId)).toEqual(['1', '2']);
    expect(drops[0]?.before).toBe(before.get('1')?.score);
    expect(drops[0]?.after).toBe(after.get('1')?.score);
    expect(drops[0]?.name).toBe('Company 1');
  });

  it('names the metrics that lost points', () => {
    // NPS has no data and is ignored, so usage weighs 45 / 80 and contact 15 / 80 of 100 points.
    expect(drops[0]?.causes).toEqual([
      'Usage per licensed seat: Usage 4 events per seat this week → ' +
        'Usage 0 events per seat this week (-56.3 points)',
    ]);
    expect(drops[1]?.causes).toEqual([
      'Days since last contact: Last contact 1 day ago (target 30) → ' +
        'No contact for 91 days (target 30) (-18.8 points)',
    ]);
  });

  it('leaves out unchanged metrics', () => {
    const causes = drops.flatMap((drop) => drop.causes);

    expect(causes.some((cause) => cause.includes('tickets'))).toBe(false);
  });
});

describe('rateLimitClassOf', () => {
  it.each([
    ['POST /crm/v3/objects/companies/search', 'search'],
    ['POST /crm/v3/objects/companies/batch/read', 'general'],
    ['GET /crm/v3/objects/companies/{objectId}', 'general'],
    ['POST /oauth/v1/token', 'none'],
    ['POST /oauth/2026-03/token', 'none'],
  ])('classifies %s as %s', (routeKey, expected) => {
    expect(rateLimitClassOf(routeKey)).toBe(expected);
  });
});

describe('countByRateLimit', () => {
  it('sums per limit without total', () => {
    const sums = countByRateLimit({
      total: 19,
      'POST /oauth/v1/token': 2,
      'POST /crm/v3/objects/companies/search': 5,
      'POST /crm/v3/objects/companies/batch/update': 7,
      'GET /crm/v3/objects/companies/{objectId}': 5,
    });

    expect(sums).toEqual({ general: 12, search: 5 });
  });
});
