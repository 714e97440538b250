import type IORedis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import {
  BEGIN,
  CLAIM_COMPANIES,
  CLAIM_REFS,
  FAIL,
  FINISH,
  KEY_NAMES,
  MARK,
  PURGE,
  REPAIR,
  REQUEUE_FAILED_REFS,
  SUSPEND,
} from './scripts';
import type { MarkReason, ObjectRef, PortalMarks, RefObjectType } from './types';

/** Priority class of a portal's recompute job: webhook work runs ahead of backfill work. */
export type WorkClass = 'hot' | 'cold';

/** The BullMQ step a mark leaves to its caller. */
export type ScheduleAction =
  | { action: 'add'; portalId: number; jobId: string; workClass: WorkClass }
  | { action: 'upgrade'; portalId: number; jobId: string; workClass: 'hot' }
  | { action: 'none'; portalId: number };

/** The result of ending a job: the follow-up job to add, if work is waiting. */
export type HandOff =
  { kind: 'next'; jobId: string; workClass: WorkClass } | { kind: 'done' } | { kind: 'stale' };

export interface ClaimedCompany {
  companyId: string;
  reason: MarkReason;
}

/** Ids per Lua call, so a large sweep does not block Redis with one long script. */
const MARK_CHUNK = 1000;

const REF_TYPES = new Set<RefObjectType>(['contacts', 'deals', 'tickets', 'feedback_submissions']);

type ScriptReply = (string | number)[];

interface MarkCommands {
  cshQueueMark(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueBegin(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueClaimRefs(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueClaimCompanies(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueFinish(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueSuspend(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueFail(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueRepair(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueueRequeueFailedRefs(...args: (string | number)[]): Promise<ScriptReply>;
  cshQueuePurge(...args: (string | number)[]): Promise<ScriptReply>;
}

const COMMANDS: Record<keyof MarkCommands, string> = {
  cshQueueMark: MARK,
  cshQueueBegin: BEGIN,
  cshQueueClaimRefs: CLAIM_REFS,
  cshQueueClaimCompanies: CLAIM_COMPANIES,
  cshQueueFinish: FINISH,
  cshQueueSuspend: SUSPEND,
  cshQueueFail: FAIL,
  cshQueueRepair: REPAIR,
  cshQueueRequeueFailedRefs: REQUEUE_FAILED_REFS,
  cshQueuePurge: PURGE,
};

function encodeRef(ref: ObjectRef): string {
  return `${ref.objectType}/${ref.objectId}`;
}

function decodeRef(member: string, flag: string): ObjectRef {
  const slash = member.indexOf('/');
  const objectType = member.slice(0, slash) as RefObjectType;
  if (slash < 0 || !REF_TYPES.has(objectType)) {
    throw new Error(`invalid object ref "${member}" in the recompute queue`);
  }
  return { objectType, objectId: member.slice(slash + 1), deleted: flag === 'd' };
}

function parseHandOff(reply: ScriptReply): HandOff {
  if (reply[0] === 'next') {
    return { kind: 'next', jobId: String(reply[1]), workClass: reply[2] as WorkClass };
  }
  return reply[0] === 'done' ? { kind: 'done' } : { kind: 'stale' };
}

/** Waiting work of one portal, for metrics and the admin view. */
export interface PortalDepth {
  portalId: number;
  hot: number;
  cold: number;
  refs: number;
  drops: number;
  inflight: number;
  failedRefs: number;
  /** Age in ms of the oldest waiting mark, 0 when nothing waits. */
  lagMs: number;
  /** The BullMQ job that owns the portal's work, if any. */
  jobId?: string;
  jobState?: string;
  jobClass?: WorkClass;
  /** Epoch ms when the job was named or last started. */
  jobSince?: number;
}

/**
 * The per-portal dirty sets in Redis: which companies and objects wait for a recompute, which
 * are being computed, and which job owns the portal. See `scripts.ts` for the key layout.
 */
export class DirtyMarks {
  private readonly redis: IORedis & MarkCommands;

  constructor(
    redis: IORedis,
    private readonly prefix: string,
  ) {
    for (const [name, lua] of Object.entries(COMMANDS)) {
      redis.defineCommand(name, { numberOfKeys: KEY_NAMES.length, lua });
    }
    this.redis = redis as IORedis & MarkCommands;
  }

  portalsKey(): string {
    return `${this.prefix}:rq:portals`;
  }

  keys(portalId: number): string[] {
    return KEY_NAMES.map((name) =>
      name === 'portals' ? this.portalsKey() : `${this.prefix}:rq:${portalId}:${name}`,
    );
  }

  private args(portalId: number, now: number, ...rest: (string | number)[]): (string | number)[] {
    return [...this.keys(portalId), String(portalId), String(now), ...rest];
  }

  /** Builds the MARK calls for one portal, split so no call carries more than MARK_CHUNK ids. */
  private markCalls(marks: PortalMarks, reason: MarkReason, now: number): (string | number)[][] {
    const calls: (string | number)[][] = [];
    const companies = [...marks.companies];
    const refs = [...marks.objectRefs];
    const drops = [...marks.droppedCompanies];
    do {
      const chunkCompanies = companies.splice(0, MARK_CHUNK);
      const chunkRefs = refs.splice(0, MARK_CHUNK);
      const chunkDrops = drops.splice(0, MARK_CHUNK);
      calls.push(
        this.args(
          marks.portalId,
          now,
          reason,
          chunkCompanies.length,
          ...chunkCompanies,
          chunkRefs.length,
          ...chunkRefs.flatMap((ref) => [encodeRef(ref), ref.deleted ? '1' : '0']),
          chunkDrops.length,
          ...chunkDrops,
        ),
      );
    } while (companies.length + refs.length + drops.length > 0);
    return calls;
  }

  /**
   * Marks work for several portals in one pipeline (one round trip), and returns per portal
   * what the caller must do with BullMQ.
   */
  async mark(
    batch: PortalMarks[],
    reason: MarkReason,
    now = Date.now(),
  ): Promise<ScheduleAction[]> {
    if (batch.length === 0) return [];
    const pipeline = this.redis.pipeline() as ChainableCommander & {
      cshQueueMark(...args: (string | number)[]): ChainableCommander;
    };
    const owners: number[] = [];
    for (const marks of batch) {
      for (const call of this.markCalls(marks, reason, now)) {
        pipeline.cshQueueMark(...call);
        owners.push(marks.portalId);
      }
    }
    const replies = await pipeline.exec();
    if (!replies) throw new Error('Redis returned no replies for the mark pipeline');

    const actions = new Map<number, ScheduleAction>();
    replies.forEach(([error, reply], index) => {
      if (error) throw error;
      const portalId = owners[index] as number;
      const [action, jobId, workClass] = reply as ScriptReply;
      const known = actions.get(portalId);
      if (action === 'add') {
        actions.set(portalId, {
          action: 'add',
          portalId,
          jobId: String(jobId),
          workClass: workClass as WorkClass,
        });
      } else if (action === 'upgrade' && known?.action !== 'add') {
        actions.set(portalId, {
          action: 'upgrade',
          portalId,
          jobId: String(jobId),
          workClass: 'hot',
        });
      } else if (!known) {
        actions.set(portalId, { action: 'none', portalId });
      } else if (known.action === 'add' && action === 'upgrade') {
        known.workClass = 'hot';
      }
    });
    return [...actions.values()];
  }

  /** Starts job `jobId`; false when another job owns the portal now. */
  async begin(portalId: number, jobId: string, now = Date.now()): Promise<boolean> {
    const reply = await this.redis.cshQueueBegin(...this.args(portalId, now, jobId));
    return reply[0] === 'ok';
  }

  async claimRefs(
    portalId: number,
    jobId: string,
    limits: { drops: number; refs: number },
    now = Date.now(),
  ): Promise<{ drops: string[]; refs: ObjectRef[] } | undefined> {
    const reply = await this.redis.cshQueueClaimRefs(
      ...this.args(portalId, now, jobId, limits.drops, limits.refs),
    );
    if (reply[0] !== 'ok') return undefined;
    let index = 1;
    const dropCount = Number(reply[index++]);
    const drops = reply.slice(index, index + dropCount).map(String);
    index += dropCount;
    const refCount = Number(reply[index++]);
    const refs: ObjectRef[] = [];
    for (let i = 0; i < refCount; i += 1) {
      refs.push(decodeRef(String(reply[index]), String(reply[index + 1])));
      index += 2;
    }
    return { drops, refs };
  }

  async claimCompanies(
    portalId: number,
    jobId: string,
    max: number,
    now = Date.now(),
    coldMax = max,
  ): Promise<ClaimedCompany[] | undefined> {
    const reply = await this.redis.cshQueueClaimCompanies(
      ...this.args(portalId, now, jobId, max, coldMax),
    );
    if (reply[0] !== 'ok') return undefined;
    const claimed: ClaimedCompany[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      claimed.push({ companyId: String(reply[i]), reason: reply[i + 1] as MarkReason });
    }
    return claimed;
  }

  async finish(portalId: number, jobId: string, now = Date.now()): Promise<HandOff> {
    return parseHandOff(await this.redis.cshQueueFinish(...this.args(portalId, now, jobId)));
  }

  /** Returns claims to wait before a rate-limit delay; the class of the work now waiting. */
  async suspend(portalId: number, jobId: string, now = Date.now()): Promise<WorkClass | undefined> {
    const reply = await this.redis.cshQueueSuspend(...this.args(portalId, now, jobId));
    return reply[0] === 'ok' ? (reply[1] as WorkClass) : undefined;
  }

  /** Ends a job that failed for good; returns the hand-off and the companies it had claimed. */
  async fail(
    portalId: number,
    jobId: string,
    now = Date.now(),
  ): Promise<{ handOff: HandOff; companies: string[] }> {
    const reply = await this.redis.cshQueueFail(...this.args(portalId, now, jobId));
    const bar = reply.indexOf('|');
    if (bar < 0) return { handOff: { kind: 'stale' }, companies: [] };
    return {
      handOff: parseHandOff(reply.slice(0, bar)),
      companies: reply.slice(bar + 1).map(String),
    };
  }

  /** Repairs the flag of a portal whose job `seenJobId` is gone ('' when there was no flag). */
  async repair(portalId: number, seenJobId: string, now = Date.now()): Promise<HandOff> {
    return parseHandOff(await this.redis.cshQueueRepair(...this.args(portalId, now, seenJobId)));
  }

  async requeueFailedRefs(
    portalId: number,
    now = Date.now(),
  ): Promise<{ requeued: number; action: ScheduleAction }> {
    const reply = await this.redis.cshQueueRequeueFailedRefs(...this.args(portalId, now));
    if (reply[0] === 'add') {
      return {
        requeued: Number(reply[3]),
        action: {
          action: 'add',
          portalId,
          jobId: String(reply[1]),
          workClass: reply[2] as WorkClass,
        },
      };
    }
    return { requeued: Number(reply[1]), action: { action: 'none', portalId } };
  }

  async purge(portalId: number, now = Date.now()): Promise<void> {
    await this.redis.cshQueuePurge(...this.args(portalId, now));
  }

  async portals(): Promise<number[]> {
    const ids = await this.redis.smembers(this.portalsKey());
    return ids.map(Number).sort((a, b) => a - b);
  }

  /** Reads the owner of a portal's work: job id, class, state and since when. */
  async schedule(
    portalId: number,
  ): Promise<{ jobId: string; workClass: WorkClass; state: string; since: number } | undefined> {
    const sched = await this.redis.hgetall(`${this.prefix}:rq:${portalId}:sched`);
    if (!sched.job) return undefined;
    return {
      jobId: sched.job,
      workClass: sched.prio === 'hot' ? 'hot' : 'cold',
      state: sched.state ?? 'queued',
      since: Number(sched.at ?? 0),
    };
  }

  /** Depth and lag of every portal with queue state, in one pipeline. */
  async depths(now = Date.now()): Promise<PortalDepth[]> {
    const portals = await this.portals();
    if (portals.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const portalId of portals) {
      const base = `${this.prefix}:rq:${portalId}`;
      pipeline.zcard(`${base}:hot`);
      pipeline.zcard(`${base}:cold`);
      pipeline.zcard(`${base}:refs`);
      pipeline.scard(`${base}:drops`);
      pipeline.hlen(`${base}:inflight`);
      pipeline.hlen(`${base}:failedRefs`);
      pipeline.zrange(`${base}:hot`, 0, 0, 'WITHSCORES');
      pipeline.zrange(`${base}:cold`, 0, 0, 'WITHSCORES');
      pipeline.zrange(`${base}:refs`, 0, 0, 'WITHSCORES');
      pipeline.hgetall(`${base}:sched`);
    }
    const replies = (await pipeline.exec()) ?? [];
    const perPortal = 10;
    return portals.map((portalId, index) => {
      const at = (offset: number): unknown => {
        const entry = replies[index * perPortal + offset];
        if (!entry) return undefined;
        if (entry[0]) throw entry[0];
        return entry[1];
      };
      const oldest = [6, 7, 8]
        .map((offset) => at(offset) as string[])
        .filter((pair) => pair.length === 2)
        .map((pair) => Number(pair[1]));
      const sched = at(9) as Record<string, string>;
      const depth: PortalDepth = {
        portalId,
        hot: Number(at(0)),
        cold: Number(at(1)),
        refs: Number(at(2)),
        drops: Number(at(3)),
        inflight: Number(at(4)),
        failedRefs: Number(at(5)),
        lagMs: oldest.length === 0 ? 0 : Math.max(0, now - Math.min(...oldest)),
      };
      if (sched.job) {
        depth.jobId = sched.job;
        depth.jobState = sched.state;
        depth.jobClass = sched.prio === 'hot' ? 'hot' : 'cold';
        depth.jobSince = Number(sched.at ?? 0);
      }
      return depth;
    });
  }
}
