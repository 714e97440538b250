import { buildRavenstackPortal } from './index';
import type { BuiltPortal, ScenarioChange, SeedRecord } from './types';

const NOW = new Date('2026-03-10T15:30:00.000Z');

const base = buildRavenstackPortal({ now: NOW });
const large = buildRavenstackPortal({ now: NOW, companies: 10_000 });

function shares(records: SeedRecord[], name: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    const value = record.properties[name] ?? '(none)';
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return new Map([...counts].map(([value, count]) => [value, count / records.length]));
}

function mean(records: SeedRecord[], name: string): number {
  return records.reduce((sum, r) => sum + Number(r.properties[name] ?? 0), 0) / records.length;
}

function ticketCreates(portal: BuiltPortal): ScenarioChange[] {
  return portal.scenario
    .flatMap((day) => day.changes)
    .filter((change) => change.kind === 'create' && change.objectType === 'tickets');
}

describe('resampling to 10,000 companies', () => {
  test('clones get new ids and names', () => {
    const { companies } = large.seed;
    expect(companies).toHaveLength(10_000);
    expect(new Set(companies.map((c) => c.id)).size).toBe(10_000);
    expect(new Set(companies.map((c) => c.properties.name)).size).toBe(10_000);
    expect(new Set(companies.map((c) => c.properties.external_account_id)).size).toBe(10_000);
    expect(new Set(companies.map((c) => c.properties.domain)).size).toBe(10_000);
  });

  test('keeps the originals as they are', () => {
    const originals = new Map(
      base.seed.companies.map((c) => [c.properties.external_account_id, c]),
    );
    const kept = large.seed.companies.filter((c) =>
      originals.has(c.properties.external_account_id),
    );
    expect(kept).toHaveLength(500);
    for (const company of kept) {
      const original = originals.get(company.properties.external_account_id) as SeedRecord;
      expect(company.properties).toEqual({ ...original.properties });
    }
  });

  test.each(['plan_tier', 'vertical', 'is_trial', 'acquisition_channel', 'country'])(
    'keeps the shares of %s',
    (name) => {
      const expected = shares(base.seed.companies, name);
      const actual = shares(large.seed.companies, name);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [value, share] of expected) {
        expect(Math.abs((actual.get(value) ?? 0) - share)).toBeLessThan(0.03);
      }
    },
  );

  test.each(['licensed_seats', 'mrr', 'usage_events_7d', 'active_features_30d'])(
    'keeps the mean of %s within 10%%',
    (name) => {
      const expected = mean(base.seed.companies, name);
      expect(expected).toBeGreaterThan(0);
      expect(Math.abs(mean(large.seed.companies, name) / expected - 1)).toBeLessThan(0.1);
    },
  );

  test('keeps open tickets and scenario tickets per company', () => {
    const open = (portal: BuiltPortal) =>
      portal.seed.tickets.filter((t) => t.properties.hs_pipeline_stage !== '4').length;
    // 10,000 companies are every account 20 times.
    expect(open(large)).toBe(open(base) * 20);
    expect(ticketCreates(large)).toHaveLength(ticketCreates(base).length * 20);
  });

  test('keeps the share of companies with NPS and notes', () => {
    const withScore = (portal: BuiltPortal) =>
      portal.seed.companies.filter((c) => c.properties.nps_score !== undefined).length /
      portal.seed.companies.length;
    expect(Math.abs(withScore(large) - withScore(base))).toBeLessThan(0.05);
    const withNotes = (portal: BuiltPortal) =>
      new Set(
        portal.seed.associations
          .filter((a) => a.fromType === 'notes' && a.toType === 'companies')
          .map((a) => a.toId),
      ).size / portal.seed.companies.length;
    expect(Math.abs(withNotes(large) - withNotes(base))).toBeLessThan(0.05);
  });

  test('clone tickets belong to the clone', () => {
    const companyOfTicket = new Map(
      large.seed.associations
        .filter((a) => a.fromType === 'tickets' && a.toType === 'companies')
        .map((a) => [a.fromId, a.toId]),
    );
    const accountOfCompany = new Map(
      large.seed.companies.map((c) => [c.id, c.properties.external_account_id as string]),
    );
    const mismatched = large.seed.tickets.filter((ticket) => {
      const account = accountOfCompany.get(companyOfTicket.get(ticket.id) as string) as string;
      const suffix = account.includes('~') ? account.slice(account.indexOf('~')) : '';
      return !(ticket.properties.external_ticket_id as string).endsWith(suffix);
    });
    expect(large.seed.tickets.length).toBeGreaterThan(1000);
    expect(mismatched).toEqual([]);
  });

  test('light history keeps 26 weeks of usage', () => {
    const clone = large.seed.companies.find((c) =>
      (c.properties.external_account_id as string).includes('~'),
    ) as SeedRecord;
    expect(clone.history?.usage_events_7d).toHaveLength(27);
    expect(clone.history?.usage_events_7d?.at(-1)?.value).toBe(clone.properties.usage_events_7d);
  });
});

describe('sampling fewer companies', () => {
  test('picks distinct accounts by seed', () => {
    const first = buildRavenstackPortal({ now: NOW, companies: 50, randomSeed: 4 });
    const again = buildRavenstackPortal({ now: NOW, companies: 50, randomSeed: 4 });
    const other = buildRavenstackPortal({ now: NOW, companies: 50, randomSeed: 5 });
    const accounts = (portal: BuiltPortal) =>
      portal.seed.companies.map((c) => c.properties.external_account_id);
    expect(new Set(accounts(first)).size).toBe(50);
    expect(accounts(again)).toEqual(accounts(first));
    expect(accounts(other)).not.toEqual(accounts(first));
    const known = new Set(base.seed.companies.map((c) => c.properties.external_account_id));
    expect(accounts(first).filter((id) => !known.has(id))).toEqual([]);
  });
});
