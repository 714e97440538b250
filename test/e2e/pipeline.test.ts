import { defaultTicketPipeline } from '../../sandbox/store/pipelines';
import { parseDemoArgs } from '../../src/demo/args';
import { compareWithSandbox } from '../../src/demo/expected';
import { runDemo, type DemoRun } from '../../src/demo/run';
import { DEFAULT_SCORE_CONFIG } from '../../src/engine';
import { testRedisUrl } from '../setup/redis';

/**
 * The whole pipeline against the sandbox, as `npm run demo` runs it: the web and worker
 * processes, the OAuth install, the backfill, then scenario days whose changes reach the app
 * only as webhooks. Every company's written properties are then checked against scores
 * computed straight from the sandbox's data.
 */
const COMPANIES = 60;
const DAYS = 4;
const CLOSED_STAGES = new Set(
  defaultTicketPipeline('')
    .stages.filter((stage) => stage.metadata.isClosed === 'true')
    .map((stage) => stage.id),
);

let run: DemoRun;

/** Expansion tasks carry this subject prefix; At-risk tasks name the company first. */
function isExpansionTask(task: { properties: Record<string, string | null> }): boolean {
  return (task.properties.hs_task_subject ?? '').startsWith('Expansion opportunity at ');
}
const output: string[] = [];

beforeAll(async () => {
  process.env.REDIS_URL = testRedisUrl();
  const options = parseDemoArgs([
    '--exit',
    '--companies',
    String(COMPANIES),
    '--days',
    String(DAYS),
  ]);
  run = await runDemo(options, (line) => output.push(line));
}, 240_000);

afterAll(async () => {
  await run?.stop();
  delete process.env.REDIS_URL;
});

describe('pipeline end to end', () => {
  test('report lists no errors', () => {
    expect(run.report.errors).toEqual([]);
    expect(run.report.companies).toBe(COMPANIES);
    expect(run.report.scored).toBe(COMPANIES);
    expect(run.report.verified).toBe(COMPANIES);
    expect(run.report.scenario.days).toBe(DAYS);
  });

  test('webhooks drove the rescoring', () => {
    expect(run.report.scenario.changes).toBeGreaterThan(0);
    expect(run.report.webhookEvents).toBeGreaterThan(0);
    // The backfill scores each company once; everything above that came from webhooks.
    expect(run.report.recomputes).toBeGreaterThan(COMPANIES);
    const { byStatus } = run.report;
    expect(byStatus.healthy + byStatus.needs_attention + byStatus.at_risk).toBe(COMPANIES);
  });

  test('every company matches its data', async () => {
    const context = run.context!;
    const ids = context.portal.listObjects('companies').map((company) => company.id);
    const stored = await context.results.getResults(context.portal.id, ids);
    expect(stored.size).toBe(COMPANIES);
    for (const id of ids) {
      const record = stored.get(id)!;
      const check = compareWithSandbox(
        context.portal,
        id,
        DEFAULT_SCORE_CONFIG,
        CLOSED_STAGES,
        new Date(record.computedAt),
      );
      expect(check.mismatches).toEqual([]);
      const properties = context.portal.getObject('companies', id)!.properties;
      expect(properties.cs_health_workspace).toBe('default');
      expect(properties.cs_health_config_version).toBe('1');
      expect(Date.parse(properties.cs_health_computed_at ?? '')).toBeGreaterThan(0);
      expect(Date.parse(properties.cs_health_status_changed_at ?? '')).toBeGreaterThan(0);
    }
  });

  test('status changes carry the previous status', () => {
    const { portal } = run.context!;
    let transitions = 0;
    for (const { id } of portal.listObjects('companies')) {
      // Newest first; the oldest entry is the first score, which is not a change.
      const statuses = portal.propertyHistory('companies', id, 'cs_health_status');
      if (statuses.length < 2) continue;
      transitions += statuses.length - 1;
      const properties = portal.getObject('companies', id)!.properties;
      expect(properties.cs_health_previous_status).toBe(statuses[1]?.value);
      // The change time is when the app computed the new status, just before writing it.
      const changedAt = Date.parse(properties.cs_health_status_changed_at ?? '');
      expect(changedAt).toBeLessThanOrEqual(Date.parse(statuses[0]!.timestamp));
      expect(changedAt).toBeGreaterThan(Date.parse(statuses[1]!.timestamp));
    }
    expect(transitions).toBe(run.report.statusChanges);
    // The seeded scenario moves some companies across a threshold within these days.
    expect(transitions).toBeGreaterThan(0);
  });

  test('one open task per at-risk company', () => {
    const { portal } = run.context!;
    const tasks = portal.listObjects('tasks').filter((task) => !isExpansionTask(task));
    expect(tasks).toHaveLength(run.report.tasksCreated);
    expect(tasks.length).toBeGreaterThan(0);
    const openByCompany = new Map<string, number>();
    for (const task of tasks) {
      const [companyId] = portal.associatedIds('tasks', task.id, 'companies');
      expect(companyId).toBeDefined();
      const statuses = portal.propertyHistory('companies', companyId!, 'cs_health_status');
      expect(statuses.map((entry) => entry.value)).toContain('at_risk');
      if (task.properties.hs_task_status !== 'COMPLETED') {
        openByCompany.set(companyId!, (openByCompany.get(companyId!) ?? 0) + 1);
      }
    }
    for (const count of openByCompany.values()) expect(count).toBe(1);
  });

  test('expansion signals counted', () => {
    const { portal } = run.context!;
    const counts = { seat_limit: 0, premium_features: 0, renewal_high_health: 0, team_growth: 0 };
    for (const company of portal.listObjects('companies')) {
      const written = company.properties.cs_expansion_signals ?? '';
      for (const kind of written.split(';').filter(Boolean)) {
        expect(Object.keys(counts)).toContain(kind);
        counts[kind as keyof typeof counts] += 1;
      }
      if (written !== '') {
        expect(Date.parse(company.properties.cs_expansion_signal_at ?? '')).toBeGreaterThan(0);
      }
    }
    expect(run.report.expansionSignals).toEqual(counts);
    // The seeded data gives accounts near their seat limit and using premium features.
    expect(counts.seat_limit).toBeGreaterThan(0);
    expect(counts.premium_features).toBeGreaterThan(0);
  });

  test('one open expansion task per company', () => {
    const { portal } = run.context!;
    const tasks = portal.listObjects('tasks').filter(isExpansionTask);
    expect(tasks).toHaveLength(run.report.expansionTasksCreated);
    const openByCompany = new Map<string, number>();
    for (const task of tasks) {
      const [companyId] = portal.associatedIds('tasks', task.id, 'companies');
      expect(companyId).toBeDefined();
      const company = portal.getObject('companies', companyId!)!.properties;
      const signals = portal.propertyHistory('companies', companyId!, 'cs_expansion_signals');
      expect(signals.some((entry) => entry.value !== '')).toBe(true);
      const owner = company.account_executive_owner_id || company.hubspot_owner_id;
      expect(task.properties.hubspot_owner_id).toBe(owner);
      expect(task.properties.hs_task_body).toContain('may be ready to expand');
      if (task.properties.hs_task_status !== 'COMPLETED') {
        openByCompany.set(companyId!, (openByCompany.get(companyId!) ?? 0) + 1);
      }
    }
    for (const count of openByCompany.values()) expect(count).toBe(1);
  });

  test('summary printed', () => {
    const text = output.join('\n');
    expect(text).toContain('CS Health demo summary');
    expect(text).toContain(`Scored by the app:         ${COMPANIES}`);
    expect(text).toContain('No errors.');
    expect(text).toContain(`Expansion tasks created:   ${run.report.expansionTasksCreated}`);
  });
});
