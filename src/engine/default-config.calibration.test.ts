import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DEFAULT_SCORE_CONFIG } from './default-config';
import { normalise } from './normalise';

/**
 * Recomputes, from the RavenStack files the sandbox seeds from, the usage-per-seat distribution
 * that `docs/score-config.md` cites for the default bounds: usage_count summed per account over
 * the 7 days ending 2024-12-01 (2024-11-25 to 2024-12-01), divided by the account's seats.
 */
const DATA_DIR = path.join(__dirname, '../../sandbox/data/ravenstack');
const WEEK_START = '2024-11-25';
const WEEK_END = '2024-12-01';

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(path.join(DATA_DIR, file)), { columns: true }) as Record<
    string,
    string
  >[];
}

function weeklyUsagePerSeat(): number[] {
  const accountOf = new Map(
    readCsv('ravenstack_subscriptions.csv').map((row) => [row.subscription_id, row.account_id]),
  );
  const events = new Map<string, number>();
  for (const row of readCsv('ravenstack_feature_usage.csv')) {
    const day = row.usage_date ?? '';
    if (day < WEEK_START || day > WEEK_END) continue;
    const account = accountOf.get(row.subscription_id ?? '');
    if (account === undefined) throw new Error(`usage row ${row.usage_id} has no subscription`);
    events.set(account, (events.get(account) ?? 0) + Number(row.usage_count));
  }
  return readCsv('ravenstack_accounts.csv')
    .map((row) => (events.get(row.account_id ?? '') ?? 0) / Number(row.seats))
    .sort((a, b) => a - b);
}

/** Returns the value at quantile q, interpolated linearly between order statistics. */
function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? Number.NaN;
  const above = sorted[Math.ceil(position)] ?? Number.NaN;
  return below + (above - below) * (position - Math.floor(position));
}

describe('default usage-per-seat bounds on RavenStack', () => {
  const perSeat = weeklyUsagePerSeat();
  const active = perSeat.filter((value) => value > 0);

  it('matches the distribution the docs cite', () => {
    expect(perSeat).toHaveLength(500);
    expect(active).toHaveLength(175);
    expect(quantile(active, 0.25)).toBeCloseTo(0.373, 3);
    expect(quantile(active, 0.5)).toBeCloseTo(0.81, 3);
    expect(quantile(active, 0.75)).toBeCloseTo(2.194, 3);
    expect(quantile(active, 0.9)).toBeCloseTo(6, 3);
    expect(active.at(-1)).toBe(24);
  });

  it('spreads active accounts over the whole range', () => {
    const usage = DEFAULT_SCORE_CONFIG.metrics.find((metric) => metric.id === 'usage_per_seat');
    if (usage === undefined) throw new Error('the default config has no usage_per_seat metric');
    const bins = [0, 0, 0, 0, 0];
    for (const value of active) {
      const points = normalise(usage.normalisation, usage.direction, value, undefined) ?? 0;
      const bin = Math.min(4, Math.floor(points / 20));
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    // Points 0-19, 20-39, 40-59, 60-79 and 80-100: no fifth of the range contains more than 30%.
    expect(bins).toEqual([45, 49, 24, 20, 37]);
  });
});
