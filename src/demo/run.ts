import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { defaultTicketPipeline } from '../../sandbox/store/pipelines';
import { ProgressStore } from '../../webhooks/backfill/progress';
import { DirtyMarks } from '../../webhooks/queue/marks';
import { RecomputeStore } from '../../webhooks/recompute/store';
import { DEFAULT_WORKSPACE } from '../../webhooks/recompute/config-source';
import type { ScoreResult } from '../engine';
import { ConfigStore } from '../store/configs';
import { freePort } from '../redis/local-server';
import type { DemoOptions } from './args';
import { compareWithSandbox, type ScoreMismatch } from './expected';
import { installThroughOAuth } from './oauth';
import { startAppProcess, waitForHttpOk, type AppProcess } from './processes';
import { countByRateLimit, RateSampler } from './rate-sampler';
import { startDemoRedis } from './redis';
import {
  biggestDrops,
  countByStatus,
  formatSummary,
  readWrittenScores,
  countExpansionSignals,
  emptySignalCounts,
  type CompanyScore,
  type DemoReport,
} from './summary';

/**
 * HubSpot's limits for a public app, per portal: requests other than CRM search per rolling
 * 10 seconds, and CRM searches per second. The sandbox enforces the same two limits.
 */
const HUBSPOT_LIMIT_PER_10S = 110;
const HUBSPOT_SEARCH_LIMIT_PER_S = 5;
/**
 * The app's own budgets under those limits (RATE_LIMIT_PER_10S and SEARCH_RATE_LIMIT_PER_S).
 * The demo sets them explicitly, so a `.env` file cannot change what the report compares with.
 */
const APP_BUDGET_PER_10S = 100;
const APP_SEARCH_BUDGET_PER_S = 4;

/** Generous upper bounds; the demo fails with a clear message instead of hanging. */
const BACKFILL_TIMEOUT_MS = 10 * 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;

export interface DemoRun {
  report: DemoReport;
  urls: Record<string, string>;
  /** Handles to what the demo started, for tests that check more than the report. Undefined when setup failed. */
  context?: DemoContext;
  stop(): Promise<void>;
}

/** Stops what the demo started, last started first. */
class CleanupStack {
  private readonly steps: { label: string; run: () => Promise<void> }[] = [];

  push(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  async run(print: (line: string) => void): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        print(
          `Stopping ${step.label} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}

export interface DemoContext {
  options: DemoOptions;
  print: (line: string) => void;
  sandbox: Sandbox;
  portal: PortalHandle;
  redis: IORedis;
  prefix: string;
  results: RecomputeStore;
  progress: ProgressStore;
  marks: DirtyMarks;
  processes: AppProcess[];
  /** Aborted on Ctrl-C, so the waits below end and everything started is stopped. */
  signal: AbortSignal;
}

/**
 * Runs the demo up to the summary: Redis, the sandbox portal, the web and worker processes, the
 * OAuth install, the backfill, the scenario replay and the checks. Everything it started keeps
 * running until `stop()` is called, so the URLs stay usable.
 */
export async function runDemo(
  options: DemoOptions,
  print: (line: string) => void,
  signal: AbortSignal = new AbortController().signal,
): Promise<DemoRun> {
  const started = Date.now();
  const cleanup = new CleanupStack();
  const errors: string[] = [];
  const urls: Record<string, string> = {};
  const seconds = { install: 0, backfill: 0, scenario: 0, total: 0 };
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-demo-'));
  let report: DemoReport | undefined;
  let context: DemoContext | undefined;
  let samplers: RateSamplers | undefined;

  try {
    const redisServer = await startDemoRedis(print);
    if (redisServer.owned) cleanup.push('Redis', () => redisServer.stop());
    // The sandbox keeps HubSpot's real rate-limit windows, as the app's own limiter does.
    const sandbox = await startSandbox({ logger: false });
    cleanup.push('the sandbox', () => sandbox.stop());
    const portal = await sandbox.createPortal({ seed: 'ravenstack', companies: options.companies });
    print(
      `Sandbox: ${sandbox.baseUrl}, portal ${portal.id} with ${portal.listObjects('companies').length} companies`,
    );
    urls['Sandbox API:'] = sandbox.baseUrl;

    const prefix = `csh-demo-${randomBytes(4).toString('hex')}`;
    const redis = new IORedis(redisServer.url, { maxRetriesPerRequest: null });
    // Ctrl-C also reaches the private redis-server, which may stop before this connection does.
    let redisErrorShown = false;
    redis.on('error', (error: Error) => {
      if (redisErrorShown) return;
      redisErrorShown = true;
      print(`Redis connection error: ${error.message}`);
    });
    cleanup.push('the Redis connection', async () => {
      redis.disconnect();
    });
    const results = new RecomputeStore(redis, prefix);
    context = {
      options,
      print,
      sandbox,
      portal,
      redis,
      prefix,
      results,
      progress: new ProgressStore(redis, prefix, results),
      marks: new DirtyMarks(redis, prefix),
      processes: [],
      signal,
    };

    const origin = await startApp(context, redisServer.url, logDir, cleanup, urls);
    const countsByLimit = () => countByRateLimit(sandbox.requestCountsByPortal(portal.id));
    samplers = {
      general: new RateSampler(() => countsByLimit().general),
      // A shorter interval, because the search window is one second.
      search: new RateSampler(() => countsByLimit().search, 100),
    };
    samplers.general.start();
    samplers.search.start();

    let phase = Date.now();
    const install = await installThroughOAuth(origin);
    print(
      `Install: approved on the sandbox consent page; the callback answered at ${install.finalUrl}`,
    );
    seconds.install = (Date.now() - phase) / 1000;

    phase = Date.now();
    await waitForBackfill(context);
    seconds.backfill = (Date.now() - phase) / 1000;
    const afterBackfill = readWrittenScores(portal);
    const resultsAfterBackfill = await readEngineResults(context);

    phase = Date.now();
    const scenario = await replayScenario(context);
    seconds.scenario = (Date.now() - phase) / 1000;
    stopSamplers(samplers);

    report = await buildReport(
      context,
      { scores: afterBackfill, results: resultsAfterBackfill },
      scenario,
      samplers,
      seconds,
      errors,
    );
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
    if (samplers) stopSamplers(samplers);
    if (context) {
      for (const app of context.processes) {
        if (app.child.exitCode !== null)
          errors.push(`the ${app.name} process ended early; its log is ${app.logFile}`);
      }
    }
  }
  seconds.total = (Date.now() - started) / 1000;
  report ??= emptyReport(context?.portal.id ?? 0, seconds, errors);
  report.seconds = seconds;
  urls['Logs:'] = logDir;
  // main.ts stops everything right after the summary with --exit, after an error or after
  // Ctrl-C, so the summary then lists only the logs, not URLs and a password that no longer work.
  const keepsRunning = !options.exit && report.errors.length === 0 && !signal.aborted;
  print(formatSummary(report, keepsRunning ? urls : { 'Logs:': logDir }));
  return { report, urls, ...(context ? { context } : {}), stop: () => cleanup.run(print) };
}

/** Peak counters of the two HubSpot rate limits, sampled while the demo runs. */
interface RateSamplers {
  general: RateSampler;
  search: RateSampler;
}

function stopSamplers(samplers: RateSamplers): void {
  samplers.general.stop();
  samplers.search.stop();
}

/** Starts the web and worker processes pointed at the sandbox, and waits until both are ready. */
async function startApp(
  context: DemoContext,
  redisUrl: string,
  logDir: string,
  cleanup: CleanupStack,
  urls: Record<string, string>,
): Promise<string> {
  const { sandbox, print } = context;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(24).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: context.options.logLevel,
    PUBLIC_ORIGIN: origin,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: context.prefix,
    TOKEN_ENCRYPTION_KEYS: `demo:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: adminToken,
    RATE_LIMIT_PER_10S: String(APP_BUDGET_PER_10S),
    SEARCH_RATE_LIMIT_PER_S: String(APP_SEARCH_BUDGET_PER_S),
  };

  sandbox.setWebhookTarget(`${origin}/hubspot/webhooks`);
  const web = startAppProcess('web', 'src/main/web.ts', env, path.join(logDir, 'web.log'));
  const worker = startAppProcess(
    'worker',
    'src/main/worker.ts',
    env,
    path.join(logDir, 'worker.log'),
  );
  context.processes.push(web, worker);
  cleanup.push('the web process', () => web.stop());
  cleanup.push('the worker process', () => worker.stop());

  await waitForHttpOk(`${origin}/healthz`, context.processes, 60_000);
  // /readyz turns 200 once a worker has consumed a canary job, so the worker is running too.
  await waitForHttpOk(`${origin}/readyz`, context.processes, 60_000);

  print(`App: web process at ${origin} and one worker process are ready (logs in ${logDir})`);
  urls['App:'] = origin;
  // The token is generated for this run only. The dashboard takes it as a Basic-auth password.
  urls['Queue dashboard:'] = `${origin}/admin/queues (any user name, password ${adminToken})`;
  return origin;
}

function assertProcessesRunning(context: DemoContext): void {
  if (context.signal.aborted) throw new Error('the demo was stopped before it finished');
  for (const app of context.processes) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(
        `the ${app.name} process ended unexpectedly. Its last log lines:\n${app.tail()}`,
      );
    }
  }
}

/** Waits until the install backfill has scored every company, printing progress. */
async function waitForBackfill(context: DemoContext): Promise<void> {
  const { portal, progress, print } = context;
  const deadline = Date.now() + BACKFILL_TIMEOUT_MS;
  let lastLine = '';
  for (;;) {
    assertProcessesRunning(context);
    const state = await progress.read(portal.id);
    const line = state
      ? `Backfill: ${state.state}, ${state.done} of ${state.total || state.listed} scored` +
        (state.failed > 0 ? `, ${state.failed} failed` : '')
      : 'Backfill: waiting for the install to start it';
    if (line !== lastLine) print(line);
    lastLine = line;
    if (state?.state === 'failed')
      throw new Error(`the backfill failed: ${state.error ?? 'no reason recorded'}`);
    if (state?.state === 'done') {
      await waitForDrain(context);
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the backfill did not finish within ${BACKFILL_TIMEOUT_MS / 60_000} minutes (${line})`,
      );
    }
    await sleep(1000);
  }
}

/**
 * Waits until the sandbox has no webhook delivery pending and the portal's recompute queue is
 * empty with no job scheduled, twice in a row a moment apart.
 */
async function waitForDrain(context: DemoContext): Promise<void> {
  const { sandbox, portal, marks } = context;
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let quietChecks = 0;
  while (quietChecks < 2) {
    assertProcessesRunning(context);
    if (Date.now() > deadline) {
      throw new Error(
        `the recompute queue did not drain within ${DRAIN_TIMEOUT_MS / 60_000} minutes`,
      );
    }
    await sandbox.flushWebhooks(30_000);
    const depth = (await marks.depths()).find((entry) => entry.portalId === portal.id);
    const busy =
      depth !== undefined &&
      (depth.hot + depth.cold + depth.refs + depth.drops + depth.inflight > 0 ||
        depth.jobId !== undefined);
    const stats = sandbox.webhookStats();
    quietChecks = busy || stats.pending > 0 || stats.inFlight > 0 ? 0 : quietChecks + 1;
    await sleep(300);
  }
}

/** Replays scenario days one at a time; webhooks from each day drive the rescoring. */
async function replayScenario(context: DemoContext): Promise<{ days: number; changes: number }> {
  const { portal, print, results } = context;
  const available = portal.scenarioDaysLeft();
  const days = Math.min(context.options.days ?? available, available);
  let changes = 0;
  for (let day = 1; day <= days; day += 1) {
    const before = (await results.readStats(portal.id)).recomputes;
    const advanced = await portal.advanceScenario(1);
    changes += advanced.changes;
    await waitForDrain(context);
    const after = (await results.readStats(portal.id)).recomputes;
    print(
      `Scenario day ${day}/${days} (${advanced.days.join(', ')}): ${advanced.changes} CRM changes, ` +
        `${after - before} companies rescored`,
    );
  }
  return { days, changes };
}

/** Reads the engine's last result for every company of the portal that has one. */
async function readEngineResults(context: DemoContext): Promise<Map<string, ScoreResult>> {
  const { portal, results } = context;
  const ids = portal.listObjects('companies').map((company) => company.id);
  const engineResults = new Map<string, ScoreResult>();
  for (const [id, stored] of await results.getResults(portal.id, ids)) {
    engineResults.set(id, stored.result);
  }
  return engineResults;
}

async function buildReport(
  context: DemoContext,
  afterBackfill: { scores: Map<string, CompanyScore>; results: Map<string, ScoreResult> },
  scenario: { days: number; changes: number },
  samplers: RateSamplers,
  seconds: DemoReport['seconds'],
  errors: string[],
): Promise<DemoReport> {
  const { sandbox, portal, results } = context;
  const { total: apiCalls = 0, ...apiCallsByRoute } = sandbox.requestCountsByPortal(portal.id);
  const companies = portal.listObjects('companies').length;
  const written = readWrittenScores(portal);
  const stats = await results.readStats(portal.id);
  const tasks = portal.listObjects('tasks').length;
  if (tasks !== stats.tasksCreated + stats.expansionTasksCreated) {
    errors.push(
      `the portal has ${tasks} tasks, but the app counted ${stats.tasksCreated} At-risk and ` +
        `${stats.expansionTasksCreated} expansion tasks`,
    );
  }

  if (written.size !== companies) {
    const missing = portal
      .listObjects('companies')
      .filter((company) => !written.has(company.id))
      .map((company) => company.id);
    errors.push(
      `${companies - written.size} of ${companies} companies have no cs_health_score, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
  }
  for (const [companyId, failure] of await results.failedCompanies(portal.id)) {
    errors.push(
      `company ${companyId} failed to recompute: ${failure.category}: ${failure.message}`,
    );
  }
  const verified = await verifyScores(context, errors);

  const peak = samplers.general.peak(10_000);
  const searchPeak = samplers.search.peak(1000);
  return {
    portalId: portal.id,
    companies,
    scored: written.size,
    byStatus: countByStatus(written),
    byStatusAfterBackfill: countByStatus(afterBackfill.scores),
    webhookEvents: sandbox.webhookStats().eventsDelivered,
    recomputes: stats.recomputes,
    apiCalls,
    apiCallsPerCompany: companies === 0 ? 0 : apiCalls / companies,
    apiCallsByRoute,
    tasksCreated: stats.tasksCreated,
    expansionTasksCreated: stats.expansionTasksCreated,
    expansionSignals: countExpansionSignals(portal),
    statusChanges: stats.statusChanges,
    scenario,
    verified,
    rateLimit: {
      limit: HUBSPOT_LIMIT_PER_10S,
      windowSeconds: 10,
      appBudget: APP_BUDGET_PER_10S,
      peak,
      headroom: HUBSPOT_LIMIT_PER_10S - peak,
      search: {
        limit: HUBSPOT_SEARCH_LIMIT_PER_S,
        windowSeconds: 1,
        appBudget: APP_SEARCH_BUDGET_PER_S,
        peak: searchPeak,
        headroom: HUBSPOT_SEARCH_LIMIT_PER_S - searchPeak,
      },
    },
    seconds,
    biggestDrops: biggestDrops(
      afterBackfill.results,
      await readEngineResults(context),
      (companyId) =>
        portal.getObject('companies', companyId)?.properties.name ?? `Company ${companyId}`,
    ),
    errors,
  };
}

/**
 * Scores every company straight from the sandbox's data at the time the app last computed it,
 * and compares with what the app wrote. Returns the number of companies checked.
 */
async function verifyScores(context: DemoContext, errors: string[]): Promise<number> {
  const { portal, results, redis, prefix } = context;
  const config = await new ConfigStore(redis, prefix).get(portal.id, DEFAULT_WORKSPACE);
  const closedStageIds = new Set(
    defaultTicketPipeline(new Date().toISOString())
      .stages.filter((stage) => stage.metadata.isClosed === 'true')
      .map((stage) => stage.id),
  );
  const ids = portal.listObjects('companies').map((company) => company.id);
  const stored = await results.getResults(portal.id, ids);
  const mismatches: ScoreMismatch[] = [];
  let verified = 0;
  for (const id of ids) {
    const record = stored.get(id);
    if (!record) continue;
    const check = compareWithSandbox(
      portal,
      id,
      config,
      closedStageIds,
      new Date(record.computedAt),
    );
    mismatches.push(...check.mismatches);
    verified += 1;
  }
  for (const mismatch of mismatches.slice(0, 10)) {
    errors.push(
      `company ${mismatch.companyId}: ${mismatch.property} is ${JSON.stringify(mismatch.written)}, ` +
        `the sandbox's data gives ${JSON.stringify(mismatch.expected)}`,
    );
  }
  if (mismatches.length > 10)
    errors.push(`${mismatches.length - 10} more mismatches between written and expected values`);
  return verified;
}

function emptyReport(
  portalId: number,
  seconds: DemoReport['seconds'],
  errors: string[],
): DemoReport {
  return {
    portalId,
    companies: 0,
    scored: 0,
    byStatus: { healthy: 0, needs_attention: 0, at_risk: 0 },
    byStatusAfterBackfill: { healthy: 0, needs_attention: 0, at_risk: 0 },
    webhookEvents: 0,
    recomputes: 0,
    apiCalls: 0,
    apiCallsPerCompany: 0,
    apiCallsByRoute: {},
    tasksCreated: 0,
    expansionTasksCreated: 0,
    expansionSignals: emptySignalCounts(),
    statusChanges: 0,
    scenario: { days: 0, changes: 0 },
    verified: 0,
    rateLimit: {
      limit: HUBSPOT_LIMIT_PER_10S,
      windowSeconds: 10,
      appBudget: APP_BUDGET_PER_10S,
      peak: 0,
      headroom: HUBSPOT_LIMIT_PER_10S,
      search: {
        limit: HUBSPOT_SEARCH_LIMIT_PER_S,
        windowSeconds: 1,
        appBudget: APP_SEARCH_BUDGET_PER_S,
        peak: 0,
        headroom: HUBSPOT_SEARCH_LIMIT_PER_S,
      },
    },
    seconds,
    biggestDrops: [],
    errors,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
