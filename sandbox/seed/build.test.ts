import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { defaultProperties } from '../store/property-definitions';
import { buildEmptyPortal, buildRavenstackPortal } from './index';
import type { CrmObjectType, ScenarioChange, SeedPortal, SeedRecord } from './types';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-03-10T15:30:00.000Z');
const START_REAL_MS = Date.UTC(2026, 2, 10);
const OFFSET_MS = START_REAL_MS - Date.UTC(2024, 11, 1);
const DATA_DIR = path.join(__dirname, '../data/ravenstack');

function readCsv(name: string): Record<string, string>[] {
  const text = readFileSync(path.join(DATA_DIR, `ravenstack_${name}.csv`), 'utf8');
  return parse(text, { columns: true }) as Record<string, string>[];
}

const accountsCsv = readCsv('accounts');
const subscriptionsCsv = readCsv('subscriptions');
const usageCsv = readCsv('feature_usage');
const ticketsCsv = readCsv('support_tickets');

const built = buildRavenstackPortal({ now: NOW });
const { seed } = built;
const scenarioChanges: ScenarioChange[] = built.scenario.flatMap((day) => day.changes);
const creates = (type: CrmObjectType) =>
  scenarioChanges.filter(
    (change): change is Extract<ScenarioChange, { kind: 'create' }> =>
      change.kind === 'create' && change.objectType === type,
  );
const updatesOf = (type: CrmObjectType) =>
  scenarioChanges.filter(
    (change): change is Extract<ScenarioChange, { kind: 'update' }> =>
      change.kind === 'update' && change.objectType === type,
  );

function byId(records: SeedRecord[]): Map<string, SeedRecord> {
  return new Map(records.map((record) => [record.id, record]));
}
const contacts = byId(seed.contacts);
const tickets = byId(seed.tickets);

/** Association targets by `fromType/fromId/toType`, in both directions. */
const associationIndex = new Map<string, string[]>();
for (const a of seed.associations) {
  for (const [key, target] of [
    [`${a.fromType}/${a.fromId}/${a.toType}`, a.toId],
    [`${a.toType}/${a.toId}/${a.fromType}`, a.fromId],
  ] as const) {
    const list = associationIndex.get(key);
    if (list) list.push(target);
    else associationIndex.set(key, [target]);
  }
}

function associated(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): string[] {
  return associationIndex.get(`${fromType}/${fromId}/${toType}`) ?? [];
}

function companyOfAccount(accountId: string): SeedRecord {
  const company = seed.companies.find((c) => c.properties.external_account_id === accountId);
  if (!company) throw new Error(`no company for ${accountId}`);
  return company;
}

/** Sum of usage_count of the account's rows in the 7 data-set days ending on `day`. */
const accountOfSubscription = new Map(
  subscriptionsCsv.map((row) => [row.subscription_id, row.account_id]),
);

const usageByAccount = new Map<string, Record<string, string>[]>();
for (const row of usageCsv) {
  const accountId = accountOfSubscription.get(row.subscription_id as string) as string;
  usageByAccount.set(accountId, [...(usageByAccount.get(accountId) ?? []), row]);
}

function usageSum(accountId: string, day: string): number {
  const end = Date.parse(day);
  return (usageByAccount.get(accountId) ?? [])
    .filter((row) => {
      const at = Date.parse(row.usage_date as string);
      return at <= end && at > end - 7 * DAY_MS;
    })
    .reduce((sum, row) => sum + Number(row.usage_count), 0);
}

describe('buildRavenstackPortal time mapping', () => {
  test('starts 30 days before the data ends', () => {
    expect(seed.dataSetStart).toBe('2024-12-01');
    expect(seed.offsetMs).toBe(OFFSET_MS);
    expect(seed.offsetMs % DAY_MS).toBe(0);
  });

  test('scenario has one day per data-set day', () => {
    expect(built.scenario).toHaveLength(30);
    built.scenario.forEach((day, index) => {
      expect(day.day).toBe(new Date(Date.UTC(2024, 11, 2 + index)).toISOString().slice(0, 10));
    });
  });

  test('seed holds no time after now', () => {
    const limit = NOW.getTime();
    const timeProperties = ['hs_timestamp', 'hs_submission_timestamp', 'closed_date'];
    const lists: SeedRecord[][] = [
      seed.companies,
      seed.contacts,
      seed.deals,
      seed.tickets,
      seed.notes,
      seed.feedbackSubmissions,
    ];
    const late: string[] = [];
    let checked = 0;
    for (const record of lists.flat()) {
      const times = [record.createdAt];
      for (const name of timeProperties) {
        const value = record.properties[name];
        if (value !== undefined) times.push(value);
      }
      for (const entries of Object.values(record.history ?? {})) {
        for (const entry of entries) times.push(entry.timestamp);
      }
      checked += times.length;
      for (const time of times) if (!(Date.parse(time) <= limit)) late.push(`${record.id} ${time}`);
    }
    expect(checked).toBeGreaterThan(100_000);
    expect(late).toEqual([]);
  });

  test('date properties are midnight UTC dates', () => {
    const dateNames = seed.properties.filter((p) => p.type === 'date').map((p) => p.name);
    expect(dateNames).toEqual(
      expect.arrayContaining(['contract_renewal_date', 'last_product_activity_date', 'churn_date']),
    );
    const values: string[] = [];
    for (const company of seed.companies) {
      for (const name of dateNames) {
        const value = company.properties[name];
        if (value !== undefined) values.push(value);
        for (const entry of company.history?.[name] ?? []) {
          if (entry.value !== '') values.push(entry.value);
        }
      }
    }
    for (const change of updatesOf('companies')) {
      for (const name of dateNames) {
        const value = change.properties[name];
        if (value) values.push(value);
      }
    }
    expect(values.length).toBeGreaterThan(1000);
    const notDates = values.filter((value) => !/^\d{4}-\d{2}-\d{2}$/.test(value));
    expect(notDates).toEqual([]);
    const notMidnight = values.filter((value) => Date.parse(value) % DAY_MS !== 0);
    expect(notMidnight).toEqual([]);
    const closeDates = seed.deals.map((deal) => deal.properties.closedate as string);
    expect(closeDates.filter((value) => Date.parse(value) % DAY_MS !== 0)).toEqual([]);
  });
});

describe('buildRavenstackPortal records', () => {
  test('seeds one company per account', () => {
    expect(seed.companies).toHaveLength(500);
    const ids = seed.companies.map((c) => c.properties.external_account_id);
    expect(new Set(ids)).toEqual(new Set(accountsCsv.map((row) => row.account_id)));
    const account = accountsCsv[0] as Record<string, string>;
    const company = companyOfAccount(account.account_id as string);
    expect(company.properties.name).toBe(account.account_name);
    expect(company.properties.vertical).toBe(account.industry);
    expect(company.properties.acquisition_channel).toBe(account.referral_source);
    expect(company.properties.is_trial).toBe(account.is_trial === 'True' ? 'true' : 'false');
  });

  test('tickets in seed and scenario cover the file', () => {
    const created = creates('tickets');
    expect(seed.tickets.length + created.length).toBe(2000);
    expect(created).toHaveLength(
      ticketsCsv.filter((row) => (row.submitted_at as string) > '2024-12-01').length,
    );
    const externalIds = [
      ...seed.tickets.map((t) => t.properties),
      ...created.map((c) => c.properties),
    ].map((properties) => properties.external_ticket_id);
    expect(new Set(externalIds)).toEqual(new Set(ticketsCsv.map((row) => row.ticket_id)));
  });

  test('ticket priority maps to HubSpot values', () => {
    const priorityOf = new Map(ticketsCsv.map((row) => [row.ticket_id, row.priority]));
    const all = [
      ...seed.tickets.map((t) => t.properties),
      ...creates('tickets').map((c) => c.properties),
    ];
    for (const properties of all) {
      const expected = (
        priorityOf.get(properties.external_ticket_id as string) as string
      ).toUpperCase();
      expect(properties.hs_ticket_priority).toBe(expected);
      expect(['LOW', 'MEDIUM', 'HIGH', 'URGENT']).toContain(properties.hs_ticket_priority);
      expect(properties.hs_pipeline).toBe('0');
    }
  });

  test('open tickets at start are open and close later', () => {
    const expectedOpen = ticketsCsv.filter(
      (row) =>
        (row.submitted_at as string) <= '2024-12-01' &&
        (row.closed_at as string).slice(0, 10) > '2024-12-01',
    );
    const open = seed.tickets.filter((t) => t.properties.hs_pipeline_stage !== '4');
    expect(expectedOpen.length).toBeGreaterThan(0);
    expect(open).toHaveLength(expectedOpen.length);
    for (const ticket of open) {
      expect(['1', '2', '3']).toContain(ticket.properties.hs_pipeline_stage);
      expect(ticket.properties.closed_date).toBeUndefined();
      const close = updatesOf('tickets').find(
        (change) => change.id === ticket.id && change.properties.hs_pipeline_stage === '4',
      );
      expect(close?.properties.closed_date).toBeDefined();
      expect(Date.parse(close?.properties.closed_date as string)).toBeGreaterThan(NOW.getTime());
    }
  });

  test('closed seed tickets carry their close date', () => {
    const closedOf = new Map(ticketsCsv.map((row) => [row.ticket_id, row.closed_at as string]));
    const closed = seed.tickets.filter((t) => t.properties.hs_pipeline_stage === '4');
    expect(closed.length).toBeGreaterThan(1800);
    for (const ticket of closed) {
      const dataSetClose = closedOf.get(ticket.properties.external_ticket_id as string) as string;
      const realClose = Date.parse(`${dataSetClose.replace(' ', 'T')}Z`) + OFFSET_MS;
      expect(Date.parse(ticket.properties.closed_date as string)).toBe(
        Math.min(realClose, NOW.getTime()),
      );
    }
  });

  test('one CSAT response per rated ticket', () => {
    const scoreOf = new Map(ticketsCsv.map((row) => [row.ticket_id, row.satisfaction_score]));
    const rated = ticketsCsv.filter((row) => row.satisfaction_score !== '');
    const csat = [
      ...seed.feedbackSubmissions.map((f) => ({ id: f.id, properties: f.properties })),
      ...creates('feedback_submissions'),
    ].filter((f) => f.properties.hs_survey_type === 'CSAT');
    expect(csat).toHaveLength(rated.length);

    const seedCsat = seed.feedbackSubmissions.filter((f) => f.properties.hs_survey_type === 'CSAT');
    for (const feedback of seedCsat) {
      const [ticketId] = associated('feedback_submissions', feedback.id, 'tickets');
      const ticket = tickets.get(ticketId as string) as SeedRecord;
      const score = Number(scoreOf.get(ticket.properties.external_ticket_id as string));
      expect(feedback.properties.hs_value).toBe(String(score));
      const ticketContacts = associated('tickets', ticket.id, 'contacts');
      expect(associated('feedback_submissions', feedback.id, 'contacts')).toEqual(ticketContacts);
      expect(feedback.properties.hs_contact_id).toBe(ticketContacts[0]);
    }
  });

  test('each company has contacts and a CSM', () => {
    const owners = new Map(seed.owners.map((owner) => [owner.id, owner]));
    const archived = seed.owners.filter((owner) => owner.archived);
    expect(archived).toHaveLength(1);
    expect(seed.owners.filter((o) => o.role === 'csm').length).toBeGreaterThanOrEqual(4);
    expect(seed.owners.filter((o) => o.role === 'ae').length).toBeGreaterThanOrEqual(2);
    for (const company of seed.companies) {
      expect(owners.get(company.properties.hubspot_owner_id as string)?.role).toBe('csm');
      expect(owners.get(company.properties.account_executive_owner_id as string)?.role).toBe('ae');
      expect(associated('companies', company.id, 'contacts').length).toBeGreaterThanOrEqual(1);
    }
    const ownedByArchived = seed.companies.filter(
      (c) => c.properties.hubspot_owner_id === archived[0]?.id,
    );
    expect(ownedByArchived.length).toBeGreaterThan(0);
  });

  test('company plan follows the latest active subscription', () => {
    const start = '2024-12-01';
    for (const account of accountsCsv.slice(0, 100)) {
      const active = subscriptionsCsv.filter(
        (row) =>
          row.account_id === account.account_id &&
          (row.start_date as string) <= start &&
          (row.end_date === '' || (row.end_date as string) > start),
      );
      // Stable sort by start date: the last of the latest day wins, as in the file.
      const current = [...active].sort((a, b) =>
        (a.start_date as string).localeCompare(b.start_date as string),
      )[active.length - 1];
      const company = companyOfAccount(account.account_id as string);
      expect(company.properties.plan_tier).toBe(
        (current?.plan_tier ?? (account.plan_tier as string)).toLowerCase(),
      );
      expect(company.properties.licensed_seats).toBe(current?.seats ?? account.seats);
      expect(company.properties.mrr).toBe(current?.mrr_amount ?? '0');
      expect(company.properties.arr).toBe(current?.arr_amount ?? '0');
      expect(company.properties.contract_renewal_date === undefined).toBe(current === undefined);
    }
  });

  test('seats used stay near licensed seats', () => {
    for (const company of seed.companies) {
      const licensed = Number(company.properties.licensed_seats);
      const used = Number(company.properties.seats_used);
      expect(used).toBeGreaterThanOrEqual(1);
      expect(used).toBeLessThanOrEqual(Math.ceil(licensed * 1.1));
    }
  });

  test('one renewal deal per active subscription', () => {
    const start = '2024-12-01';
    const active = subscriptionsCsv.filter(
      (row) =>
        (row.start_date as string) <= start &&
        (row.end_date === '' || (row.end_date as string) > start),
    );
    expect(seed.deals).toHaveLength(active.length);
    const arrOf = new Map(subscriptionsCsv.map((row) => [row.subscription_id, row.arr_amount]));
    for (const deal of seed.deals) {
      expect(deal.properties.amount).toBe(
        arrOf.get(deal.properties.external_subscription_id as string),
      );
      expect(deal.properties.pipeline).toBe('default');
      expect(Date.parse(deal.properties.closedate as string)).toBeGreaterThan(NOW.getTime());
      expect(associated('deals', deal.id, 'companies')).toHaveLength(1);
    }
  });
});

describe('buildRavenstackPortal usage', () => {
  test('usage history holds the weekly values', () => {
    for (const account of accountsCsv.slice(0, 25)) {
      const company = companyOfAccount(account.account_id as string);
      const history = company.history?.usage_events_7d ?? [];
      expect(history.length).toBeGreaterThanOrEqual(27);
      const last = history[history.length - 1];
      expect(last?.timestamp).toBe(new Date(START_REAL_MS).toISOString());
      expect(last?.value).toBe(company.properties.usage_events_7d);
      history.forEach((entry, index) => {
        const realMs = Date.parse(entry.timestamp);
        expect(realMs).toBe(START_REAL_MS - (history.length - 1 - index) * 7 * DAY_MS);
        const day = new Date(realMs - OFFSET_MS).toISOString().slice(0, 10);
        expect(entry.value).toBe(String(usageSum(account.account_id as string, day)));
      });
    }
  });

  test('scenario updates keep the 7-day sum', () => {
    for (const account of accountsCsv.slice(0, 40)) {
      const company = companyOfAccount(account.account_id as string);
      let value = company.properties.usage_events_7d;
      for (const change of updatesOf('companies')) {
        if (change.id === company.id && change.properties.usage_events_7d !== undefined) {
          value = change.properties.usage_events_7d;
        }
      }
      expect(value).toBe(String(usageSum(account.account_id as string, '2024-12-31')));
    }
  });

  test('history ends with the current value', () => {
    for (const company of seed.companies) {
      for (const [name, entries] of Object.entries(company.history ?? {})) {
        expect(entries.length).toBeGreaterThan(0);
        expect(entries[entries.length - 1]?.value).toBe(company.properties[name] ?? '');
      }
    }
  });
});

describe('buildRavenstackPortal generated activity', () => {
  test('notes set last contact from days to months', () => {
    expect(seed.companies.some((c) => c.properties.notes_last_contacted !== undefined)).toBe(false);
    const lastNote = new Map<string, number>();
    for (const note of seed.notes) {
      const [companyId] = associated('notes', note.id, 'companies');
      const at = Date.parse(note.properties.hs_timestamp as string);
      lastNote.set(companyId as string, Math.max(lastNote.get(companyId as string) ?? 0, at));
      expect(associated('notes', note.id, 'contacts')).toHaveLength(1);
    }
    const daysSince = [...lastNote.values()].map((at) => (NOW.getTime() - at) / DAY_MS);
    expect(lastNote.size).toBeGreaterThan(450);
    expect(Math.min(...daysSince)).toBeLessThan(3);
    expect(Math.max(...daysSince)).toBeGreaterThan(60);
  });

  test('nps_score mirrors the latest response', () => {
    const npsByContact = new Map<string, SeedRecord[]>();
    for (const feedback of seed.feedbackSubmissions) {
      if (feedback.properties.hs_survey_type !== 'NPS') continue;
      const value = Number(feedback.properties.hs_value);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(10);
      let group = 'DETRACTOR';
      if (value >= 7) group = 'PASSIVE';
      if (value >= 9) group = 'PROMOTER';
      expect(feedback.properties.hs_response_group).toBe(group);
      const contactId = feedback.properties.hs_contact_id as string;
      expect(contacts.has(contactId)).toBe(true);
      npsByContact.set(contactId, [...(npsByContact.get(contactId) ?? []), feedback]);
    }
    let withScore = 0;
    for (const company of seed.companies) {
      const contactIds = associated('companies', company.id, 'contacts');
      const responses = contactIds.flatMap((id) => npsByContact.get(id) ?? []);
      const latest = responses.sort(
        (a, b) =>
          Date.parse(a.properties.hs_submission_timestamp as string) -
          Date.parse(b.properties.hs_submission_timestamp as string),
      )[responses.length - 1];
      expect(company.properties.nps_score).toBe(latest?.properties.hs_value);
      if (latest) withScore++;
    }
    expect(withScore).toBeGreaterThan(300);
  });

  test('scenario adds notes and NPS responses', () => {
    expect(creates('notes').length).toBeGreaterThan(100);
    const nps = creates('feedback_submissions').filter(
      (c) => c.properties.hs_survey_type === 'NPS',
    );
    expect(nps.length).toBeGreaterThan(10);
    const scoreUpdates = updatesOf('companies').filter((c) => c.properties.nps_score !== undefined);
    expect(scoreUpdates.length).toBeGreaterThan(0);
  });
});

describe('buildRavenstackPortal ids and definitions', () => {
  const lists: [CrmObjectType, keyof SeedPortal, number][] = [
    ['companies', 'companies', 18_000_000_001],
    ['contacts', 'contacts', 51_000_000_001],
    ['deals', 'deals', 21_000_000_001],
    ['tickets', 'tickets', 32_000_000_001],
    ['notes', 'notes', 61_000_000_001],
    ['feedback_submissions', 'feedbackSubmissions', 71_000_000_001],
  ];

  test.each(lists)('%s ids increase in creation order', (type, key, firstId) => {
    const records = seed[key] as SeedRecord[];
    expect(records.length).toBeGreaterThan(0);
    const misnumbered = records.filter((record, index) => record.id !== String(firstId + index));
    expect(misnumbered).toEqual([]);
    const outOfOrder = records.filter(
      (record, index) =>
        index > 0 &&
        Date.parse(record.createdAt) < Date.parse((records[index - 1] as SeedRecord).createdAt),
    );
    expect(outOfOrder).toEqual([]);
    const created = creates(type).map((change) => Number(change.id));
    expect(created).toEqual(created.map((_, index) => firstId + records.length + index));
  });

  test('associations name existing records', () => {
    const known = new Set<string>();
    for (const [type, key] of lists) {
      for (const record of seed[key] as SeedRecord[]) known.add(`${type}/${record.id}`);
    }
    const missing: string[] = [];
    const check = (ref: string) => {
      if (!known.has(ref)) missing.push(ref);
    };
    for (const association of seed.associations) {
      check(`${association.fromType}/${association.fromId}`);
      check(`${association.toType}/${association.toId}`);
    }
    for (const change of scenarioChanges) {
      if (change.kind === 'create') {
        for (const link of change.associations ?? []) check(`${link.toType}/${link.toId}`);
        known.add(`${change.objectType}/${change.id}`);
      } else if (change.kind === 'update') {
        check(`${change.objectType}/${change.id}`);
      }
    }
    expect(seed.associations.length).toBeGreaterThan(10_000);
    expect(missing).toEqual([]);
  });

  test('every custom property is defined', () => {
    const defined = new Map(seed.properties.map((p) => [`${p.objectType}.${p.name}`, p]));
    for (const [type, key] of lists) {
      const defaults = new Set(defaultProperties(type, NOW.toISOString()).map((p) => p.name));
      for (const record of seed[key] as SeedRecord[]) {
        for (const [name, value] of Object.entries(record.properties)) {
          if (defaults.has(name)) continue;
          const definition = defined.get(`${type}.${name}`);
          expect(definition?.groupName).toBe('product_data');
          if (definition?.options && definition.options.length > 0) {
            expect(definition.options.map((option) => option.value)).toContain(value);
          }
        }
      }
    }
  });
});

describe('buildRavenstackPortal options', () => {
  test('same seed and now give the same portal', () => {
    const again = buildRavenstackPortal({ now: NOW });
    // JSON text compares 30,000 records much faster than a deep equality check.
    expect(JSON.stringify(again.seed)).toBe(JSON.stringify(seed));
    expect(JSON.stringify(again.scenario)).toBe(JSON.stringify(built.scenario));
  });

  test('another seed changes generated fields only', () => {
    const other = buildRavenstackPortal({ now: NOW, randomSeed: 2 });
    expect(other.seed.tickets.length).toBe(seed.tickets.length);
    const npsOf = (portal: SeedPortal) => portal.companies.map((c) => c.properties.nps_score);
    expect(npsOf(other.seed)).not.toEqual(npsOf(seed));
    const mrrOf = (portal: SeedPortal) =>
      new Map(portal.companies.map((c) => [c.properties.external_account_id, c.properties.mrr]));
    expect(mrrOf(other.seed)).toEqual(mrrOf(seed));
  });

  test('invalid options are rejected', () => {
    expect(() => buildRavenstackPortal({ now: NOW, companies: 0 })).toThrow(/companies must be/);
    expect(() => buildRavenstackPortal({ now: NOW, companies: 2.5 })).toThrow(/got 2.5/);
    expect(() => buildRavenstackPortal({ now: new Date('nope') })).toThrow(/valid Date/);
    expect(() => buildRavenstackPortal({ now: NOW, dataDir: '/nonexistent' })).toThrow(
      /Cannot read \/nonexistent\/ravenstack_accounts.csv/,
    );
  });

  test('empty portal has owners and no records', () => {
    const empty = buildEmptyPortal({ now: NOW });
    expect(empty.scenario).toEqual([]);
    expect(empty.seed.companies).toEqual([]);
    expect(empty.seed.associations).toEqual([]);
    expect(empty.seed.owners).toHaveLength(seed.owners.length);
    expect(empty.seed.properties.length).toBeGreaterThan(10);
    expect(empty.seed.offsetMs).toBe(0);
    expect(empty.seed.dataSetStart).toBe('2026-03-10');
  });
});
