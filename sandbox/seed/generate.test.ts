import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCompany, generateSeatsUsed, type GeneratorInput } from './generate';
import { buildRavenstackPortal } from './index';
import { RAVENSTACK_FILES } from './ravenstack';
import type { BuiltPortal, ScenarioChange, SeedPortal, SeedRecord } from './types';

const NOW = new Date('2026-03-10T15:30:00.000Z');
const DATA_DIR = path.join(__dirname, '../data/ravenstack');

/** Rewrites one CSV file cell by cell (the RavenStack files have CRLF lines and no quotes). */
function rewriteCsv(
  from: string,
  to: string,
  file: string,
  edit: (cells: Record<string, string>, index: number) => Record<string, string> | null,
): void {
  const [header, ...lines] = readFileSync(path.join(from, file), 'utf8').trimEnd().split(/\r?\n/);
  const columns = (header as string).split(',');
  const out = [header as string];
  lines.forEach((line, index) => {
    const values = line.split(',');
    const cells = Object.fromEntries(columns.map((column, i) => [column, values[i] ?? '']));
    const edited = edit(cells, index);
    if (edited) out.push(columns.map((column) => edited[column]).join(','));
  });
  writeFileSync(path.join(to, file), `${out.join('\r\n')}\r\n`);
}

const flip = (value: string | undefined) => (value === 'True' ? 'False' : 'True');
const REASONS = ['pricing', 'support', 'budget', 'features', 'competitor', 'unknown'];

/**
 * Writes a copy of the data set in which every churn column changes: both churn flags are
 * flipped, and the churn events move by ten days, change reason and flags, and lose every third
 * row.
 */
function writeFlippedChurn(dir: string): void {
  rewriteCsv(DATA_DIR, dir, RAVENSTACK_FILES.accounts, (cells) => ({
    ...cells,
    churn_flag: flip(cells.churn_flag),
  }));
  rewriteCsv(DATA_DIR, dir, RAVENSTACK_FILES.subscriptions, (cells) => ({
    ...cells,
    churn_flag: flip(cells.churn_flag),
  }));
  rewriteCsv(DATA_DIR, dir, RAVENSTACK_FILES.churnEvents, (cells, index) => {
    if (index % 3 === 0) return null;
    const day = new Date(Date.parse(cells.churn_date as string) - 10 * 86_400_000);
    return {
      ...cells,
      churn_date: day.toISOString().slice(0, 10),
      reason_code: REASONS[
        (REASONS.indexOf(cells.reason_code as string) + 1) % REASONS.length
      ] as string,
      refund_amount_usd: '12.5',
      preceding_upgrade_flag: flip(cells.preceding_upgrade_flag),
      preceding_downgrade_flag: flip(cells.preceding_downgrade_flag),
      is_reactivation: flip(cells.is_reactivation),
      feedback_text: 'changed',
    };
  });
  for (const file of [RAVENSTACK_FILES.usage, RAVENSTACK_FILES.tickets]) {
    rewriteCsv(DATA_DIR, dir, file, (cells) => cells);
  }
}

/** Properties of company records that the generator sets. */
const GENERATED_COMPANY_PROPERTIES = [
  'hubspot_owner_id',
  'account_executive_owner_id',
  'nps_score',
  'seats_used',
];
const GENERATED_TICKET_PROPERTIES = ['subject', 'hs_ticket_category', 'hs_pipeline_stage'];

function pick(record: SeedRecord, names: string[]) {
  return {
    id: record.id,
    properties: Object.fromEntries(names.map((name) => [name, record.properties[name]])),
    history: Object.fromEntries(names.map((name) => [name, record.history?.[name]])),
  };
}

/** Everything the generator produced in a portal, seed and scenario. */
function generatedFields(portal: BuiltPortal) {
  const seed: SeedPortal = portal.seed;
  const changes = portal.scenario.flatMap((day) => day.changes);
  const generatedCreate = (change: ScenarioChange) =>
    change.kind === 'create' &&
    (change.objectType === 'notes' || change.objectType === 'feedback_submissions');
  const generatedUpdate = (change: ScenarioChange) =>
    change.kind === 'update' &&
    change.objectType === 'companies' &&
    (change.properties.nps_score !== undefined || change.properties.seats_used !== undefined);
  return {
    owners: seed.owners,
    contacts: seed.contacts,
    notes: seed.notes,
    feedback: seed.feedbackSubmissions,
    companies: seed.companies.map((company) => pick(company, GENERATED_COMPANY_PROPERTIES)),
    tickets: seed.tickets.map((ticket) => pick(ticket, GENERATED_TICKET_PROPERTIES)),
    associations: seed.associations.filter((a) => a.fromType !== 'deals'),
    scenarioCreates: changes.filter(generatedCreate),
    scenarioUpdates: changes.filter(generatedUpdate).map((change) => {
      const { properties } = change as Extract<ScenarioChange, { kind: 'update' }>;
      return { nps: properties.nps_score, seats: properties.seats_used };
    }),
  };
}

describe('generated fields and churn columns', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ravenstack-flipped-'));
    writeFlippedChurn(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('flipping churn columns changes no generated field', () => {
    const original = buildRavenstackPortal({ now: NOW });
    const flipped = buildRavenstackPortal({ now: NOW, dataDir: dir });

    // The flipped copy must really differ in the churn outcomes, or the check proves nothing.
    const churnOf = (portal: BuiltPortal) =>
      portal.seed.companies.map((c) => `${c.properties.churn_date}/${c.properties.churn_reason}`);
    const differing = churnOf(original).filter((value, i) => value !== churnOf(flipped)[i]);
    expect(differing.length).toBeGreaterThan(100);

    const before = generatedFields(original);
    const after = generatedFields(flipped);
    expect(before.contacts.length).toBeGreaterThan(1000);
    expect(before.scenarioCreates.length).toBeGreaterThan(100);
    for (const key of Object.keys(before) as (keyof typeof before)[]) {
      // JSON text keeps the failure message short and the comparison fast.
      expect(`${key}: ${JSON.stringify(after[key])}`).toBe(
        `${key}: ${JSON.stringify(before[key])}`,
      );
    }
  });
});

describe('generateCompany', () => {
  const input: GeneratorInput = {
    key: 'A-test01',
    domain: 'company-test.example',
    createdDay: 19_500,
    seats: 20,
    lastDay: 20_088,
  };

  test('same seed and key give the same company', () => {
    expect(generateCompany(7, input)).toEqual(generateCompany(7, input));
  });

  test('another key gives another company', () => {
    const first = generateCompany(7, input);
    const second = generateCompany(7, { ...input, key: 'A-test02' });
    expect(second.notes.map((n) => n.timeMs)).not.toEqual(first.notes.map((n) => n.timeMs));
  });

  test('responses and notes lie in the company lifetime', () => {
    const company = generateCompany(3, input);
    const dayOf = (ms: number) => Math.floor(ms / 86_400_000);
    expect(company.contacts.length).toBeGreaterThanOrEqual(1);
    expect(company.contacts.length).toBeLessThanOrEqual(6);
    for (const item of [...company.notes, ...company.npsResponses]) {
      expect(dayOf(item.timeMs)).toBeGreaterThanOrEqual(input.createdDay);
      expect(dayOf(item.timeMs)).toBeLessThanOrEqual(input.lastDay);
    }
    for (const response of company.npsResponses) {
      expect(Number.isInteger(response.value)).toBe(true);
      expect(response.value).toBeGreaterThanOrEqual(0);
      expect(response.value).toBeLessThanOrEqual(10);
    }
  });

  test('recent mode keeps values of the full run', () => {
    const full = generateCompany(5, input);
    const recentFromDay = 20_000;
    const recent = generateCompany(5, { ...input, recentFromDay });
    const fromMs = recentFromDay * 86_400_000;
    const latestBefore = full.notes.filter((note) => note.timeMs < fromMs).at(-1);
    const expected = full.notes.filter((note) => note === latestBefore || note.timeMs >= fromMs);
    expect(recent.notes).toEqual(expected);
    expect(recent.contacts).toEqual(full.contacts);
  });
});

describe('generateSeatsUsed', () => {
  test('stays between one and a tenth over the licence', () => {
    for (const licensed of [1, 3, 10, 57, 200]) {
      for (let week = -30; week < 5; week++) {
        for (const usage of [0, 5, 500]) {
          const used = generateSeatsUsed(1, 'A-x', week, licensed, usage, 0.95);
          expect(used).toBeGreaterThanOrEqual(1);
          expect(used).toBeLessThanOrEqual(Math.ceil(licensed * 1.1));
        }
      }
    }
  });

  test('returns 0 without licensed seats', () => {
    expect(generateSeatsUsed(1, 'A-x', 0, 0, 10, 0.8)).toBe(0);
  });
});
