import type { ChangeEvent, PortalHandle, Sandbox } from '../../../sandbox';
import { sleep } from '../common/stats';

/** The property whose write shows a recompute landed: the score, which each change moves. */
const SCORE_PROPERTY = 'cs_health_score';

/**
 * Measures change-to-property latency: the time from a CRM change in the sandbox to the app's
 * write of the company's score that follows it, both stamped by the sandbox's store.
 */
export class ScoreWriteTracker {
  private readonly pending = new Map<string, number>();
  private readonly unsubscribe: () => void;
  readonly latenciesMs: number[] = [];
  /** Companies of a portal whose score the app has written since the tracker started. */
  readonly written = new Map<number, Set<string>>();

  constructor(sandbox: Sandbox) {
    this.unsubscribe = sandbox.changes.subscribe((event) => this.onChange(event));
  }

  private onChange(event: ChangeEvent): void {
    if (event.objectType !== 'companies' || event.kind !== 'propertyChange') return;
    if (event.propertyName !== SCORE_PROPERTY || event.changeSource !== 'API') return;
    let companies = this.written.get(event.portalId);
    if (!companies) {
      companies = new Set();
      this.written.set(event.portalId, companies);
    }
    companies.add(event.objectId);
    const key = `${event.portalId}/${event.objectId}`;
    const changedAt = this.pending.get(key);
    if (changedAt !== undefined && event.occurredAt >= changedAt) {
      this.latenciesMs.push(event.occurredAt - changedAt);
      this.pending.delete(key);
    }
  }

  /** Records that the company's data changed at `changedAt` and a score write should follow. */
  expect(portalId: number, companyId: string, changedAt: number): void {
    const key = `${portalId}/${companyId}`;
    if (!this.pending.has(key)) this.pending.set(key, changedAt);
  }

  waiting(): number {
    return this.pending.size;
  }

  /** Returns the measured latencies and how many changes still wait, and clears both. */
  drain(): { latenciesMs: number[]; unmatched: number } {
    const taken = this.latenciesMs.splice(0);
    const unmatched = this.pending.size;
    this.pending.clear();
    return { latenciesMs: taken, unmatched };
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** Companies whose score a usage change moves: those with licensed seats, as the usage-per-seat metric needs. */
export function scoreMovableCompanies(portal: PortalHandle): string[] {
  return portal
    .listObjects('companies')
    .filter((company) => Number(company.properties.licensed_seats ?? 0) > 0)
    .map((company) => company.id);
}

/**
 * Changes a company's weekly usage between none and 20 events per seat. The default config
 * weighs usage per seat at 45% on a log scale that is full at 4 per seat, so every such change
 * moves the score and makes the app write it. Returns the store's time of the change.
 */
export function flipUsage(portal: PortalHandle, companyId: string): number {
  const company = portal.getObject('companies', companyId);
  const seats = Number(company?.properties.licensed_seats ?? 0);
  const usage = Number(company?.properties.usage_events_7d ?? 0);
  const next = usage > 0 ? 0 : Math.max(1, seats) * 20;
  const before = Date.now();
  portal.updateObject('companies', companyId, { usage_events_7d: String(next) }, 'CRM_UI');
  return before;
}

/**
 * Changes `rate` companies per second for `durationMs`, each change on a company not changed
 * before in this run, and registers every change with the tracker. Returns the companies used.
 */
export async function steadyChanges(
  portal: PortalHandle,
  tracker: ScoreWriteTracker,
  companies: string[],
  rate: number,
  durationMs: number,
): Promise<number> {
  const total = Math.round((rate * durationMs) / 1000);
  if (companies.length < total)
    throw new Error(
      `a steady run of ${total} changes needs as many companies, the portal has ${companies.length}`,
    );
  const started = Date.now();
  let made = 0;
  while (made < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) * rate) / 1000) + 1);
    while (made < due) {
      const companyId = companies.shift() as string;
      tracker.expect(portal.id, companyId, flipUsage(portal, companyId));
      made += 1;
    }
    await sleep(5);
  }
  return made;
}
