/**
 * Lua scripts over one portal's dirty sets. Each runs as one atomic step in Redis, which is what
 * makes "one job per portal" and "exactly one follow-up" hold across processes.
 *
 * Every script takes the same keys, in this order:
 *   1 hot          ZSET company id -> epoch ms first marked (webhook work)
 *   2 cold         ZSET company id -> epoch ms first marked (backfill and sweep work)
 *   3 coldReason   HASH company id -> 'backfill' | 'sweep'
 *   4 refs         ZSET 'type/id' -> epoch ms first marked (objects to resolve to companies)
 *   5 refsDeleted  SET  'type/id' of refs whose object was deleted
 *   6 drops        SET  company ids to forget (deleted or merged away)
 *   7 inflight     HASH company id -> reason, claimed by the running job
 *   8 inflightRefs HASH 'type/id' -> 'd' (deleted) or 'c' (changed), claimed by the running job
 *   9 inflightDrops SET company ids claimed by the running job
 *  10 sched        HASH job (BullMQ job id), prio ('hot' | 'cold'), state ('queued' | 'active'), at
 *  11 seq          counter for job ids
 *  12 portals      SET of portal ids with any queue state (global, not per portal)
 *  13 failedRefs   HASH 'type/id' -> 'd' | 'c', refs of jobs that failed for good
 * ARGV[1] is always the portal id and ARGV[2] the current epoch ms.
 *
 * The `sched` hash is the portal's "scheduled" flag. The caller that creates it adds the BullMQ
 * job it names, and only that job may claim work. When the job finishes, the same step that
 * checks for waiting work either names a follow-up job or deletes the flag.
 */
export const KEY_NAMES = [
  'hot',
  'cold',
  'coldReason',
  'refs',
  'refsDeleted',
  'drops',
  'inflight',
  'inflightRefs',
  'inflightDrops',
  'sched',
  'seq',
  'portals',
  'failedRefs',
] as const;

const HELPERS = `
local rcall = redis.call
local portal = ARGV[1]
local now = tonumber(ARGV[2])

local function pendingKind()
  if rcall('ZCARD', KEYS[1]) > 0 or rcall('ZCARD', KEYS[4]) > 0 or rcall('SCARD', KEYS[6]) > 0 then
    return 'hot'
  end
  if rcall('ZCARD', KEYS[2]) > 0 then return 'cold' end
  return false
end

local function newJob(kind)
  local seq = rcall('INCR', KEYS[11])
  -- The time part keeps ids unique even if the counter is ever lost, so a retained finished job
  -- with the same id can never swallow the add.
  local jobId = 'rc-' .. portal .. '-' .. seq .. '-' .. ARGV[2]
  rcall('HSET', KEYS[10], 'job', jobId, 'prio', kind, 'state', 'queued', 'at', now)
  return jobId
end

local function addCold(id, reason)
  if rcall('ZSCORE', KEYS[1], id) then return end
  rcall('ZADD', KEYS[2], 'NX', now, id)
  if reason == 'backfill' or rcall('HGET', KEYS[3], id) ~= 'backfill' then
    rcall('HSET', KEYS[3], id, reason)
  end
end

local function addHot(id)
  local coldSince = rcall('ZSCORE', KEYS[2], id)
  if coldSince then
    -- Webhook work overtakes backfill work; the wait counts from the first mark.
    rcall('ZREM', KEYS[2], id)
    rcall('HDEL', KEYS[3], id)
    rcall('ZADD', KEYS[1], 'NX', coldSince, id)
  else
    rcall('ZADD', KEYS[1], 'NX', now, id)
  end
end

local function addRef(member, deleted)
  rcall('ZADD', KEYS[4], 'NX', now, member)
  -- A deletion sticks: a deleted object can only be resolved through the stored reverse index.
  if deleted then rcall('SADD', KEYS[5], member) end
end

-- Puts whatever the running job had claimed back where it came from.
local function restoreInflight()
  local claimed = rcall('HGETALL', KEYS[7])
  for i = 1, #claimed, 2 do
    local id, reason = claimed[i], claimed[i + 1]
    if rcall('SISMEMBER', KEYS[6], id) == 0 then
      if reason == 'webhook' then addHot(id) else addCold(id, reason) end
    end
  end
  local refs = rcall('HGETALL', KEYS[8])
  for i = 1, #refs, 2 do addRef(refs[i], refs[i + 1] == 'd') end
  local drops = rcall('SMEMBERS', KEYS[9])
  for _, id in ipairs(drops) do rcall('SADD', KEYS[6], id) end
  rcall('DEL', KEYS[7], KEYS[8], KEYS[9])
end

-- Names the follow-up job when work is waiting, else clears the flag. Returns the reply.
local function handOff()
  local kind = pendingKind()
  if kind then
    return {'next', newJob(kind), kind}
  end
  rcall('DEL', KEYS[10])
  if rcall('HLEN', KEYS[13]) == 0 then rcall('SREM', KEYS[12], portal) end
  return {'done'}
end

local function isCurrent(jobId)
  return rcall('HGET', KEYS[10], 'job') == jobId
end
`;

/**
 * Marks work. ARGV[3] reason ('webhook' | 'backfill' | 'sweep'), then a count and that many
 * company ids, a count and that many (ref, '1' if deleted else '0') pairs, a count and that many
 * dropped company ids. Returns {'add', jobId, prio} when the caller must add the job,
 * {'upgrade', jobId, 'hot'} when a queued backfill job now carries webhook work, else {'none'}.
 */
export const MARK = `${HELPERS}
local reason = ARGV[3]
local i = 4
local companies = tonumber(ARGV[i]); i = i + 1
for _ = 1, companies do
  local id = ARGV[i]; i = i + 1
  rcall('SREM', KEYS[6], id)
  if reason == 'webhook' then addHot(id) else addCold(id, reason) end
end
local refs = tonumber(ARGV[i]); i = i + 1
for _ = 1, refs do
  addRef(ARGV[i], ARGV[i + 1] == '1'); i = i + 2
end
local drops = tonumber(ARGV[i]); i = i + 1
for _ = 1, drops do
  local id = ARGV[i]; i = i + 1
  rcall('ZREM', KEYS[1], id)
  rcall('ZREM', KEYS[2], id)
  rcall('HDEL', KEYS[3], id)
  rcall('SADD', KEYS[6], id)
end

local kind = pendingKind()
if not kind then return {'none'} end
rcall('SADD', KEYS[12], portal)
local job = rcall('HGET', KEYS[10], 'job')
if not job then
  return {'add', newJob(kind), kind}
end
if kind == 'hot' and rcall('HGET', KEYS[10], 'prio') == 'cold' and rcall('HGET', KEYS[10], 'state') == 'queued' then
  rcall('HSET', KEYS[10], 'prio', 'hot')
  return {'upgrade', job, 'hot'}
end
return {'none'}
`;

/**
 * Starts (or restarts) the job named in ARGV[3]: returns {'stale'} when the flag names another
 * job, else puts back what an earlier attempt of this job had claimed and returns {'ok'}.
 */
export const BEGIN = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
restoreInflight()
rcall('HSET', KEYS[10], 'state', 'active', 'at', now)
return {'ok'}
`;

/**
 * Claims every dropped company (at most ARGV[4]) and at most ARGV[5] refs for job ARGV[3].
 * Returns {'ok', nDrops, drop..., nRefs, ref, flag, ...} or {'stale'}.
 */
export const CLAIM_REFS = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
local reply = {'ok'}
local drops = rcall('SPOP', KEYS[6], tonumber(ARGV[4]))
table.insert(reply, #drops)
for _, id in ipairs(drops) do
  rcall('SADD', KEYS[9], id)
  table.insert(reply, id)
end
local refs = rcall('ZRANGE', KEYS[4], 0, tonumber(ARGV[5]) - 1)
table.insert(reply, #refs)
for _, member in ipairs(refs) do
  local flag = 'c'
  if rcall('SISMEMBER', KEYS[5], member) == 1 then flag = 'd' end
  rcall('HSET', KEYS[8], member, flag)
  rcall('ZREM', KEYS[4], member)
  rcall('SREM', KEYS[5], member)
  table.insert(reply, member)
  table.insert(reply, flag)
end
return reply
`;

/**
 * Claims up to ARGV[4] companies for job ARGV[3], webhook work first, oldest first. Returns
 * {'ok', id, reason, ...} or {'stale'}.
 */
export const CLAIM_COMPANIES = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
local max = tonumber(ARGV[4])
local coldMax = tonumber(ARGV[5] or ARGV[4])
local reply = {'ok'}
local hot = rcall('ZRANGE', KEYS[1], 0, max - 1)
for _, id in ipairs(hot) do
  rcall('HSET', KEYS[7], id, 'webhook')
  rcall('ZREM', KEYS[1], id)
  table.insert(reply, id)
  table.insert(reply, 'webhook')
end
-- A job with no webhook work takes a larger share of backfill work, so association reads
-- fill their 1,000 inputs; a job with webhook work stays small and fast.
local room = max - #hot
if #hot == 0 then room = coldMax end
if room > 0 then
  local cold = rcall('ZRANGE', KEYS[2], 0, room - 1)
  for _, id in ipairs(cold) do
    local reason = rcall('HGET', KEYS[3], id) or 'sweep'
    rcall('HSET', KEYS[7], id, reason)
    rcall('ZREM', KEYS[2], id)
    rcall('HDEL', KEYS[3], id)
    table.insert(reply, id)
    table.insert(reply, reason)
  end
end
return reply
`;

/**
 * Ends job ARGV[3] after its work is done: clears its claims and hands off (see handOff).
 * Returns {'stale'} when the flag names another job.
 */
export const FINISH = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
rcall('DEL', KEYS[7], KEYS[8], KEYS[9])
return handOff()
`;

/**
 * Gives the worker slot back without finishing job ARGV[3] (rate-limit delay): claims return to
 * their sets and the job counts as queued again, so webhook work can raise its priority.
 * Returns {'ok', kind} with the kind of work now waiting, or {'stale'}.
 */
export const SUSPEND = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
restoreInflight()
local kind = pendingKind() or 'cold'
rcall('HSET', KEYS[10], 'state', 'queued', 'prio', kind, 'at', now)
return {'ok', kind}
`;

/**
 * Ends job ARGV[3] that failed for good. Claimed companies are returned, so the caller can record
 * them for the nightly sweep, and claimed refs move to failedRefs, which the nightly sweep puts
 * back. Claimed drops are discarded rather than put back, because a failing drop would otherwise
 * run again at once, forever. A leftover result is dropped later, when a recompute finds the
 * company missing in HubSpot. Then hands off. Returns {'next'|'done', ..., '|', company...} or
 * {'stale'}.
 */
export const FAIL = `${HELPERS}
if not isCurrent(ARGV[3]) then return {'stale'} end
local companies = rcall('HKEYS', KEYS[7])
local refs = rcall('HGETALL', KEYS[8])
for i = 1, #refs, 2 do
  if refs[i + 1] == 'd' or not rcall('HGET', KEYS[13], refs[i]) then
    rcall('HSET', KEYS[13], refs[i], refs[i + 1])
  end
end
rcall('DEL', KEYS[7], KEYS[8], KEYS[9])
local reply = handOff()
table.insert(reply, '|')
for _, id in ipairs(companies) do table.insert(reply, id) end
return reply
`;

/**
 * Repairs a flag whose job is gone (ARGV[3] the job id seen, ARGV[4] 'restore' to put claims
 * back): used when the job was removed, or its process died between setting the flag and adding
 * the job. With no flag at all but work waiting, names a new job. Returns like FINISH, or
 * {'stale'} when the flag changed meanwhile.
 */
export const REPAIR = `${HELPERS}
local current = rcall('HGET', KEYS[10], 'job')
if current and current ~= ARGV[3] then return {'stale'} end
if not current and ARGV[3] ~= '' then return {'stale'} end
restoreInflight()
return handOff()
`;

/** Puts failedRefs back into refs and schedules like MARK. */
export const REQUEUE_FAILED_REFS = `${HELPERS}
local refs = rcall('HGETALL', KEYS[13])
for i = 1, #refs, 2 do addRef(refs[i], refs[i + 1] == 'd') end
rcall('DEL', KEYS[13])
local kind = pendingKind()
if not kind then return {'none', #refs / 2} end
rcall('SADD', KEYS[12], portal)
if not rcall('HGET', KEYS[10], 'job') then
  return {'add', newJob(kind), kind, #refs / 2}
end
return {'none', #refs / 2}
`;

/** Deletes every queue key of the portal (uninstall or disconnect); a running job turns stale. */
export const PURGE = `${HELPERS}
rcall('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[13])
rcall('SREM', KEYS[12], portal)
return {'ok'}
`;
