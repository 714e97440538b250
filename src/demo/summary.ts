import type { PortalHandle } from '../../sandbox';
import {
  describeChange,
  EXPANSION_SIGNAL_KINDS,
  type ExpansionSignalKind,
  type ScoreResult,
} from '../engine';
import { splitMultiCheckbox } from '../../webhooks/recompute/properties';

/** The JSON report of `npm run demo -- --report FILE`. */
export interface DemoReport {
  portalId: number;
  /** Companies in the sandbox portal at the end. */
  companies: number;
  /** Companies whose `cs_health_score` the app wrote, read back from the sandbox. */
  scored: number;
  byStatus: { healthy: number; needs_attention: number; at_risk: number };
  /** Counts per status once the backfill was done, before the scenario replay. */
  byStatusAfterBackfill: { healthy: number; needs_attention: number; at_risk: number };
  /** Webhook events the sandbox delivered to the app and the app acknowledged. */
  webhookEvents: number;
  /** Company scorings the workers ran (including those that wrote nothing). */
  recomputes: number;
  /** HubSpot API requests the app made, counted by the sandbox. */
  apiCalls: number;
  apiCallsPerCompany: number;
  /** The same requests by route, e.g. `POST /crm/v3/objects/companies/batch/update`. */
  apiCallsByRoute: Record<string, number>;
  /** At-risk tasks created for CSMs. */
  tasksCreated: number;
  /** Expansion tasks created for account executives. */
  expansionTasksCreated: number;
  /** Companies per expansion signal in the written `cs_expansion_signals`, at the end. */
  expansionSignals: Record<ExpansionSignalKind, number>;
  statusChanges: number;
  scenario: { days: number; changes: number };
  /** Companies whose written score, status, drivers and coverage were checked against the data. */
  verified: number;
  /**
   * Use of HubSpot's 10-second limit, which counts every API request except CRM searches and
   * OAuth token calls. The peak includes requests the sandbox rejected with 429.
   */
  rateLimit: RateLimitUse & {
    /** CRM search requests, which HubSpot limits per second and apart from the rest. */
    search: RateLimitUse;
  };
  seconds: { install: number; backfill: number; scenario: number; total: number };
  biggestDrops: {
    companyId: string;
    name: string;
    before: number;
    after: number;
    /** The engine's change causes from the score after the backfill to the final one. */
    causes: string[];
  }[];
  errors: string[];
}

/** The app's use of one HubSpot rate limit during the demo. */
export interface RateLimitUse {
  /** Requests HubSpot allows per portal in one rolling window. */
  limit: number;
  windowSeconds: number;
  /** Requests per window that the app's own limiter allows. */
  appBudget: number;
  /** Max requests seen in one window while the demo ran, sampled, so possibly an underestimate. */
  peak: number;
  /** `limit` minus `peak`. */
  headroom: number;
}

export interface CompanyScore {
  score: number;
  status: string;
}

/** Reads the score and status the app wrote on every company of the portal. */
export function readWrittenScores(portal: PortalHandle): Map<string, CompanyScore> {
  const scores = new Map<string, CompanyScore>();
  for (const company of portal.listObjects('companies')) {
    const text = company.properties.cs_health_score;
    if (text === null || text === undefined || text === '') continue;
    scores.set(company.id, {
      score: Number(text),
      status: company.properties.cs_health_status ?? '',
    });
  }
  return scores;
}

/** Counts companies per written status; unknown values are left out. */
export function countByStatus(scores: Map<string, CompanyScore>): DemoReport['byStatus'] {
  const counts = { healthy: 0, needs_attention: 0, at_risk: 0 };
  for (const { status } of scores.values()) {
    if (status === 'healthy' || status === 'needs_attention' || status === 'at_risk')
      counts[status] += 1;
  }
  return counts;
}

/** Counts companies per expansion signal written in `cs_expansion_signals`. */
export function countExpansionSignals(portal: PortalHandle): DemoReport['expansionSignals'] {
  const counts = emptySignalCounts();
  for (const company of portal.listObjects('companies')) {
    for (const kind of new Set(splitMultiCheckbox(company.properties.cs_expansion_signals))) {
      if ((EXPANSION_SIGNAL_KINDS as readonly string[]).includes(kind)) {
        counts[kind as ExpansionSignalKind] += 1;
      }
    }
  }
  return counts;
}

export function emptySignalCounts(): DemoReport['expansionSignals'] {
  return { seat_limit: 0, premium_features: 0, renewal_high_health: 0, team_growth: 0 };
}

/**
 * Finds the companies whose score fell most between two engine results. Each drop lists the
 * engine's change causes between the two: the metrics whose points moved most, with the points
 * each gained or lost.
 */
export function biggestDrops(
  before: Map<string, ScoreResult>,
  after: Map<string, ScoreResult>,
  nameOf: (companyId: string) => string,
  count = 5,
): DemoReport['biggestDrops'] {
  const drops: DemoReport['biggestDrops'] = [];
  for (const [companyId, now] of after) {
    const then = before.get(companyId);
    if (!then || now.score >= then.score) continue;
    drops.push({
      companyId,
      name: nameOf(companyId),
      before: then.score,
      after: now.score,
      causes: describeChange(now, then).causes,
    });
  }
  return drops.sort((a, b) => b.before - b.after - (a.before - a.after)).slice(0, count);
}

/** Renders the report as the text summary the demo prints. */
export function formatSummary(report: DemoReport, urls: Record<string, string>): string {
  const lines: string[] = [];
  const { byStatus } = report;
  lines.push('');
  lines.push('CS Health demo summary');
  lines.push('======================');
  lines.push(`Companies in the portal:   ${report.companies}`);
  lines.push(`Scored by the app:         ${report.scored}`);
  const statusLine = (counts: DemoReport['byStatus']): string =>
    `${counts.healthy} healthy, ${counts.needs_attention} needs attention, ${counts.at_risk} at risk`;
  lines.push(`After the backfill:        ${statusLine(report.byStatusAfterBackfill)}`);
  lines.push(`After the scenario:        ${statusLine(byStatus)}`);
  lines.push(
    `Scenario replayed:         ${report.scenario.days} days, ${report.scenario.changes} CRM changes`,
  );
  lines.push(`Webhook events received:   ${report.webhookEvents}`);
  lines.push(`Recomputes:                ${report.recomputes}`);
  lines.push(`Status changes:            ${report.statusChanges}`);
  lines.push(`At-risk tasks created:     ${report.tasksCreated}`);
  const signals = report.expansionSignals;
  lines.push(
    `Expansion signals:         ${signals.seat_limit} near seat limit, ${signals.premium_features} premium features, ${signals.renewal_high_health} renewal with high health, ${signals.team_growth} team growth`,
  );
  lines.push(`Expansion tasks created:   ${report.expansionTasksCreated}`);
  lines.push(
    `HubSpot API calls:         ${report.apiCalls} (${report.apiCallsPerCompany.toFixed(2)} per company)`,
  );

  const rate = report.rateLimit;
  lines.push(
    `Rate limit, non-search:    peak ${plural(rate.peak, 'request')} in ${rate.windowSeconds} s (app budget ${rate.appBudget}, HubSpot's limit ${rate.limit} per portal, ${rate.headroom} to spare); OAuth token calls not counted`,
  );
  lines.push(
    `Rate limit, CRM search:    peak ${plural(rate.search.peak, 'search', 'searches')} in ${rate.search.windowSeconds} s (app budget ${rate.search.appBudget}, HubSpot's limit ${rate.search.limit} per portal, ${rate.search.headroom} to spare)`,
  );
  lines.push(
    `Verified against the data: ${report.verified} companies (score, status, drivers, coverage, expansion signals)`,
  );
  lines.push(
    `Time:                      install ${report.seconds.install.toFixed(1)} s, backfill ${report.seconds.backfill.toFixed(1)} s, scenario ${report.seconds.scenario.toFixed(1)} s, total ${report.seconds.total.toFixed(1)} s`,
  );
  if (report.biggestDrops.length > 0) {
    lines.push('');
    lines.push('Biggest drops during the scenario:');
    for (const drop of report.biggestDrops) {
      lines.push(`  ${drop.name} (${drop.companyId}): ${drop.before} -> ${drop.after}`);
      for (const cause of drop.causes) lines.push(`      ${cause}`);
    }
  }
  lines.push('');
  if (report.errors.length === 0) {
    lines.push('No errors.');
  } else {
    lines.push(`${report.errors.length} error(s):`);
    for (const error of report.errors) lines.push(`  - ${error}`);
  }
  if (Object.keys(urls).length > 0) {
    lines.push('');
    for (const [label, url] of Object.entries(urls)) lines.push(`${label.padEnd(26)} ${url}`);
  }
  return lines.join('\n');
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
