import type IORedis from 'ioredis';
import type { ExpansionSignal, ScoreResult } from '../../src/engine';
import type { HealthStatus } from './properties';

/** One point of a company's score history: epoch milliseconds and the score then. */
export type ScorePoint = [number, number];

/** The recompute's record of a company, kept between runs. */
export interface StoredCompanyResult {
  companyId: string;
  score: number;
  status: HealthStatus;
  /** Epoch ms of the computation that produced this result. */
  computedAt: number;
  /** Epoch ms of the last successful property write, if any. */
  writtenAt?: number;
  /** Epoch ms at which `status` was first reached. */
  statusChangedAt?: number;
  previousStatus?: HealthStatus;
  workspace: string;
  configVersion: number;
  /** The engine's full result, passed back as `previous` for hysteresis and change causes. */
  result: ScoreResult;
  /** At most one point per UTC day, oldest first, for the 7- and 30-day score changes. */
  history: ScorePoint[];
  /** Associated records seen at this computation; the reverse index is kept in step with them. */
  ticketIds: string[];
  contactIds: string[];
  feedbackIds: string[];
  /** The At-risk task created for this company, checked for being open before another is made. */
  openTaskId?: string;
  /** Set while an At-risk task is owed but could not be created yet. */
  taskPending?: boolean;
  /** The expansion signals on at this computation; absent in results stored before signals existed. */
  expansionSignals?: ExpansionSignal[];
  /** The expansion task created for the account executive, checked for being open before another. */
  openExpansionTaskId?: string;
  /** Set while an expansion task is owed but could not be created yet. */
  expansionTaskPending?: boolean;
}

/** Object types whose changes reach companies through the reverse index. */
export type ReverseIndexedType = 'tickets' | 'contacts' | 'feedback_submissions';

/** Record types the recompute caches between runs. */
export type CachedRecordType = 'tickets' | 'feedback_submissions';

/** Counters kept per portal for the demo, the admin endpoint and the metrics. */
export interface RecomputeStats {
  recomputes: number;
  writes: number;
  unchanged: number;
  failures: number;
  statusChanges: number;
  tasksCreated: number;
  expansionTasksCreated: number;
  apiCalls: number;
}

const STAT_FIELDS: (keyof RecomputeStats)[] = [
  'recomputes',
  'writes',
  'unchanged',
  'failures',
  'statusChanges',
  'tasksCreated',
  'expansionTasksCreated',
  'apiCalls',
];

const DAY_MS = 86_400_000;

/**
 * Adds and removes one company id in the JSON arrays stored as fields of a reverse-index hash.
 * KEYS[1] is the hash; ARGV[1] the company id, ARGV[2] the number of fields to add it to, then
 * those fields, then the fields to remove it from. Runs as one step, so two workers updating
 * companies that share a ticket never lose each other's entries.
 */
const UPDATE_REVERSE_INDEX = `
local key = KEYS[1]
local company = ARGV[1]
local addCount = tonumber(ARGV[2])
for i = 3, #ARGV do
  local field = ARGV[i]
  local raw = redis.call('HGET', key, field)
  local list = {}
  if raw then list = cjson.decode(raw) end
  local kept = {}
  local present = false
  for _, id in ipairs(list) do
    if id == company then present = true end
    if id ~= company or i - 2 <= addCount then table.insert(kept, id) end
  end
  if i - 2 <= addCount and not present then table.insert(kept, company) end
  if #kept == 0 then
    redis.call('HDEL', key, field)
  else
    redis.call('HSET', key, field, cjson.encode(kept))
  end
end
return 1
`;

/**
 * The recompute's data in Redis, per portal: the last result per company, the score history,
 * the reverse index from tickets, contacts and feedback to companies, failures and counters.
 */
export class RecomputeStore {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('cshUpdateReverseIndex', {
      numberOfKeys: 1,
      lua: UPDATE_REVERSE_INDEX,
    });
  }

  private key(portalId: number, name: string): string {
    return `${this.prefix}:rc:${portalId}:${name}`;
  }

  reverseKey(portalId: number, type: ReverseIndexedType): string {
    return this.key(portalId, `rev:${type}`);
  }

  async getResults(
    portalId: number,
    companyIds: string[],
  ): Promise<Map<string, StoredCompanyResult>> {
    const found = new Map<string, StoredCompanyResult>();
    if (companyIds.length === 0) return found;
    const values = await this.redis.hmget(this.key(portalId, 'last'), ...companyIds);
    values.forEach((raw, index) => {
      const id = companyIds[index];
      if (raw && id) found.set(id, JSON.parse(raw) as StoredCompanyResult);
    });
    return found;
  }

  async getResult(portalId: number, companyId: string): Promise<StoredCompanyResult | undefined> {
    return (await this.getResults(portalId, [companyId])).get(companyId);
  }

  /**
   * Stores new results, moves their reverse-index entries from the old associations to the new
   * ones, and clears any failure recorded for those companies.
   */
  async saveResults(
    portalId: number,
    results: StoredCompanyResult[],
    previous: Map<string, StoredCompanyResult>,
  ): Promise<void> {
    if (results.length === 0) return;
    const pipeline = this.redis.pipeline();
    const lastKey = this.key(portalId, 'last');
    const scoredKey = this.key(portalId, 'scored');
    const failedKey = this.key(portalId, 'failed');
    for (const result of results) {
      pipeline.hset(lastKey, result.companyId, JSON.stringify(result));
      pipeline.zadd(scoredKey, result.computedAt, result.companyId);
      pipeline.hdel(failedKey, result.companyId);
      const old = previous.get(result.companyId);
      this.queueReverseUpdate(
        pipeline,
        portalId,
        'tickets',
        result.companyId,
        old?.ticketIds ?? [],
        result.ticketIds,
      );
      this.queueReverseUpdate(
        pipeline,
        portalId,
        'contacts',
        result.companyId,
        old?.contactIds ?? [],
        result.contactIds,
      );
      this.queueReverseUpdate(
        pipeline,
        portalId,
        'feedback_submissions',
        result.companyId,
        old?.feedbackIds ?? [],
        result.feedbackIds,
      );
    }
    await pipeline.exec();
  }

  private queueReverseUpdate(
    pipeline: ReturnType<IORedis['pipeline']>,
    portalId: number,
    type: ReverseIndexedType,
    companyId: string,
    before: string[],
    after: string[],
  ): void {
    const kept = new Set(after);
    const removed = before.filter((id) => !kept.has(id));
    const added = after.filter((id) => !before.includes(id));
    if (added.length === 0 && removed.length === 0) return;
    const args = [companyId, String(added.length), ...added, ...removed];
    (pipeline as unknown as ReverseIndexPipeline).cshUpdateReverseIndex(
      this.reverseKey(portalId, type),
      ...args,
    );
  }

  /** Records companies that could not be scored or written, so the nightly sweep retries them. */
  async recordFailures(
    portalId: number,
    failures: { companyId: string; message: string; category: string }[],
    now: Date,
  ): Promise<void> {
    if (failures.length === 0) return;
    const fields: string[] = [];
    for (const failure of failures) {
      fields.push(
        failure.companyId,
        JSON.stringify({ message: failure.message, category: failure.category, at: now.getTime() }),
      );
    }
    await this.redis.hset(this.key(portalId, 'failed'), ...fields);
  }

  async failedCompanies(
    portalId: number,
  ): Promise<Map<string, { message: string; category: string; at: number }>> {
    const raw = await this.redis.hgetall(this.key(portalId, 'failed'));
    const failures = new Map<string, { message: string; category: string; at: number }>();
    for (const [id, text] of Object.entries(raw)) failures.set(id, JSON.parse(text));
    return failures;
  }

  /**
   * Forgets deleted or merged-away companies: their results, history, failures and their
   * entries in the reverse index.
   */
  async dropCompanies(portalId: number, companyIds: string[]): Promise<void> {
    if (companyIds.length === 0) return;
    const previous = await this.getResults(portalId, companyIds);
    const pipeline = this.redis.pipeline();
    pipeline.hdel(this.key(portalId, 'last'), ...companyIds);
    pipeline.zrem(this.key(portalId, 'scored'), ...companyIds);
    pipeline.hdel(this.key(portalId, 'failed'), ...companyIds);
    for (const [companyId, old] of previous) {
      this.queueReverseUpdate(pipeline, portalId, 'tickets', companyId, old.ticketIds, []);
      this.queueReverseUpdate(pipeline, portalId, 'contacts', companyId, old.contactIds, []);
      this.queueReverseUpdate(
        pipeline,
        portalId,
        'feedback_submissions',
        companyId,
        old.feedbackIds,
        [],
      );
    }
    await pipeline.exec();
  }

  /** Returns the companies the last recomputes saw associated with the given records. */
  async companiesForObjects(
    portalId: number,
    type: ReverseIndexedType,
    objectIds: string[],
  ): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (objectIds.length === 0) return found;
    const values = await this.redis.hmget(this.reverseKey(portalId, type), ...objectIds);
    values.forEach((raw, index) => {
      const id = objectIds[index];
      if (raw && id) found.set(id, JSON.parse(raw) as string[]);
    });
    return found;
  }

  /** Companies whose last computation is older than `maxAgeMs` at `now`. */
  async staleCompanies(portalId: number, now: Date, maxAgeMs = DAY_MS): Promise<string[]> {
    return this.redis.zrangebyscore(
      this.key(portalId, 'scored'),
      '-inf',
      `(${now.getTime() - maxAgeMs}`,
    );
  }

  /** Number of companies computed at or after `since` (epoch ms). */
  async countComputedSince(portalId: number, since: number): Promise<number> {
    return this.redis.zcount(this.key(portalId, 'scored'), since, '+inf');
  }

  async countStored(portalId: number): Promise<number> {
    return this.redis.hlen(this.key(portalId, 'last'));
  }

  /**
   * Returns cached records of `type` that were cached less than `maxAgeMs` before `now`. The
   * recompute caches only records that rarely change (feedback submissions, closed tickets).
   */
  async cachedRecords(
    portalId: number,
    type: CachedRecordType,
    ids: string[],
    now: Date,
    maxAgeMs: number,
  ): Promise<Map<string, Record<string, string | null>>> {
    const found = new Map<string, Record<string, string | null>>();
    if (ids.length === 0) return found;
    const values = await this.redis.hmget(this.key(portalId, `cache:${type}`), ...ids);
    values.forEach((raw, index) => {
      const id = ids[index];
      if (!raw || !id) return;
      const entry = JSON.parse(raw) as { at: number; properties: Record<string, string | null> };
      if (now.getTime() - entry.at < maxAgeMs) found.set(id, entry.properties);
    });
    return found;
  }

  async cacheRecords(
    portalId: number,
    type: CachedRecordType,
    records: { id: string; properties: Record<string, string | null> }[],
    now: Date,
  ): Promise<void> {
    if (records.length === 0) return;
    const fields: string[] = [];
    for (const record of records) {
      fields.push(record.id, JSON.stringify({ at: now.getTime(), properties: record.properties }));
    }
    await this.redis.hset(this.key(portalId, `cache:${type}`), ...fields);
  }

  /** Drops cached records, e.g. when a webhook says they changed or were deleted. */
  async forgetRecords(portalId: number, type: CachedRecordType, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.hdel(this.key(portalId, `cache:${type}`), ...ids);
  }

  async addStats(portalId: number, delta: Partial<RecomputeStats>): Promise<void> {
    const pipeline = this.redis.pipeline();
    let any = false;
    for (const field of STAT_FIELDS) {
      const value = delta[field];
      if (value) {
        pipeline.hincrby(this.key(portalId, 'stats'), field, value);
        any = true;
      }
    }
    if (any) await pipeline.exec();
  }

  async readStats(portalId: number): Promise<RecomputeStats> {
    const raw = await this.redis.hgetall(this.key(portalId, 'stats'));
    const stats = {} as RecomputeStats;
    for (const field of STAT_FIELDS) stats[field] = Number(raw[field] ?? 0);
    return stats;
  }
}

interface ReverseIndexPipeline {
  cshUpdateReverseIndex(key: string, ...args: string[]): unknown;
}

/**
 * Appends a score to a history of at most one point per UTC day (a later score the same day
 * replaces the earlier one) and drops points no longer needed for a 30-day change.
 */
export function appendScoreHistory(history: ScorePoint[], at: number, score: number): ScorePoint[] {
  const next = history.filter(([time]) => time <= at);
  const last = next[next.length - 1];
  if (last && Math.floor(last[0] / DAY_MS) === Math.floor(at / DAY_MS)) next.pop();
  next.push([at, score]);
  // Keep the newest point at or before 30 days ago (the 30-day baseline) and everything after it.
  const cutoff = at - 30 * DAY_MS;
  let firstKept = 0;
  for (let i = 0; i < next.length; i += 1) {
    const point = next[i];
    if (point && point[0] <= cutoff) firstKept = i;
  }
  return next.slice(firstKept);
}

/** Returns the score recorded at or before `at`, or undefined when the history is younger. */
export function scoreAsOf(history: ScorePoint[], at: number): number | undefined {
  let found: number | undefined;
  for (const [time, score] of history) {
    if (time <= at) found = score;
  }
  return found;
}
