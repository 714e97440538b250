import {
  changedProperties,
  formatDrivers,
  formatMultiCheckbox,
  formatScoreChange,
  sameValue,
  splitMultiCheckbox,
  toStatusValue,
  validateForHubSpot,
} from './properties';
import { atRiskTaskText, taskDueAt } from './tasks';

const DAY = 86_400_000;

describe('written property values', () => {
  test('drivers: one per line, at most five', () => {
    const drivers = ['a', 'b  with\nnewline', '', 'c', 'd', 'e', 'f'];
    expect(formatDrivers(drivers)).toBe('a\nb with newline\nc\nd\ne');
    expect(formatDrivers([])).toBe('');
  });

  test('score change is cleared without a baseline', () => {
    const now = new Date('2026-02-01T00:00:00Z');
    expect(formatScoreChange([], 60, now, 7)).toBe('');
    const history: [number, number][] = [[now.getTime() - 8 * DAY, 72]];
    expect(formatScoreChange(history, 60, now, 7)).toBe('-12');
    expect(formatScoreChange(history, 60, now, 30)).toBe('');
  });

  test('status labels map to option values', () => {
    expect(toStatusValue('At Risk')).toBe('at_risk');
    expect(toStatusValue('needs_attention')).toBe('needs_attention');
    expect(toStatusValue('Critical')).toBeUndefined();
    expect(toStatusValue('')).toBeUndefined();
  });

  test('numbers and datetimes compare by value', () => {
    expect(sameValue('cs_health_score', '72.0', '72')).toBe(true);
    expect(sameValue('cs_health_score', '', '0')).toBe(false);
    expect(sameValue('cs_health_computed_at', '1767225600000', '2026-01-01T00:00:00.000Z')).toBe(
      true,
    );
    expect(sameValue('cs_health_drivers', 'a', 'a ')).toBe(false);
    expect(sameValue('cs_health_drivers', null, '')).toBe(true);
  });

  test('signals compare as sets', () => {
    const name = 'cs_expansion_signals';
    expect(sameValue(name, 'team_growth;seat_limit', 'seat_limit;team_growth')).toBe(true);
    expect(sameValue(name, ' seat_limit ;', 'seat_limit')).toBe(true);
    expect(sameValue(name, 'seat_limit', 'seat_limit;team_growth')).toBe(false);
    expect(sameValue(name, null, '')).toBe(true);
    expect(sameValue(name, 'seat_limit', '')).toBe(false);
  });

  test('signals are joined with semicolons', () => {
    expect(formatMultiCheckbox(['seat_limit', 'team_growth', 'seat_limit'])).toBe(
      'seat_limit;team_growth',
    );
    expect(formatMultiCheckbox([])).toBe('');
    expect(splitMultiCheckbox('seat_limit;;team_growth')).toEqual(['seat_limit', 'team_growth']);
  });

  test('unknown signal options are rejected', () => {
    const { valid, rejected } = validateForHubSpot({
      cs_expansion_signals: 'seat_limit;upsell',
      cs_expansion_signal_at: 'soon',
    });
    expect(valid).toEqual({});
    expect(rejected).toEqual([
      {
        property: 'cs_expansion_signals',
        value: 'seat_limit;upsell',
        reason:
          'contains values that are not options (upsell); the options are seat_limit, premium_features, renewal_high_health, team_growth',
      },
      { property: 'cs_expansion_signal_at', value: 'soon', reason: 'not an ISO datetime' },
    ]);
  });

  test('changedProperties keeps only differences', () => {
    const current = {
      cs_health_score: '72',
      cs_health_drivers: 'old text',
      cs_health_status: 'healthy',
    };
    const next = { cs_health_score: '72', cs_health_drivers: '', cs_health_status: 'at_risk' };
    expect(changedProperties(current, next)).toEqual({
      cs_health_drivers: '',
      cs_health_status: 'at_risk',
    });
  });

  test('values HubSpot rejects are left out', () => {
    const { valid, rejected } = validateForHubSpot({
      cs_health_score: '5.551115123125783e-17',
      cs_health_status: 'At Risk',
      cs_health_coverage: '85',
      cs_health_drivers: '',
      cs_health_computed_at: 'yesterday',
    });
    expect(valid).toEqual({ cs_health_coverage: '85', cs_health_drivers: '' });
    expect(rejected.map((entry) => entry.property)).toEqual([
      'cs_health_score',
      'cs_health_status',
      'cs_health_computed_at',
    ]);
  });
});

describe('At-risk task', () => {
  const zone = 'America/New_York';

  test('due at the end of the contact window without a last contact', () => {
    // 2026-03-10 15:00 UTC is 11:00 in New York (EDT, UTC-4).
    const due = taskDueAt(new Date('2026-03-10T15:00:00Z'), zone, 30);
    expect(due.toISOString()).toBe('2026-04-09T13:00:00.000Z');
  });

  test('due when the next contact falls due', () => {
    const now = new Date('2026-03-10T15:00:00Z');
    const lastContact = new Date('2026-02-20T12:00:00Z');
    // Last contact on Feb 20 plus 30 days is Mar 22, 09:00 New York time.
    expect(taskDueAt(now, zone, 30, lastContact).toISOString()).toBe('2026-03-22T13:00:00.000Z');
  });

  test('an overdue contact makes the task due tomorrow', () => {
    const now = new Date('2026-03-10T15:00:00Z');
    const lastContact = new Date('2025-12-01T12:00:00Z');
    expect(taskDueAt(now, zone, 30, lastContact).toISOString()).toBe('2026-03-11T13:00:00.000Z');
  });

  test('the local day decides, not the UTC day', () => {
    // 03:00 UTC on Mar 11 is still Mar 10 in New York, so "tomorrow" is Mar 11 there.
    const due = taskDueAt(new Date('2026-03-11T03:00:00Z'), zone, 1);
    expect(due.toISOString()).toBe('2026-03-11T13:00:00.000Z');
  });

  test('text lists the drivers', () => {
    const text = atRiskTaskText('Acme', '42', 31, [
      'No contact for 45 days (target 30)',
      '3 open tickets',
    ]);
    expect(text.subject).toBe('Acme is at risk (health score 31)');
    expect(text.body.split('\n')).toEqual([
      'CS Health scored Acme at 31, which is At risk. Main drivers:',
      '- No contact for 45 days (target 30)',
      '- 3 open tickets',
    ]);
    expect(atRiskTaskText('', '42', 31, []).subject).toBe(
      'Company 42 is at risk (health score 31)',
    );
  });
});
