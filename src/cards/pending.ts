import type IORedis from 'ioredis';
import type { DirtyMarks } from '../../webhooks/queue/marks';
import { KEY_NAMES } from '../../webhooks/queue/scripts';

function keyOf(marks: DirtyMarks, portalId: number, name: (typeof KEY_NAMES)[number]): string {
  const key = marks.keys(portalId)[KEY_NAMES.indexOf(name)];
  if (key === undefined) throw new Error(`the recompute queue has no "${name}" key`);
  return key;
}

/**
 * Returns true while the company waits for a recompute or is being computed: it is in the
 * portal's hot or cold set, or claimed by the running job. Changed tickets or contacts that are
 * not yet resolved to this company do not count, because only the worker can resolve them.
 */
export async function isRecomputePending(
  redis: IORedis,
  marks: DirtyMarks,
  portalId: number,
  companyId: string,
): Promise<boolean> {
  const replies = await redis
    .pipeline()
    .zscore(keyOf(marks, portalId, 'hot'), companyId)
    .zscore(keyOf(marks, portalId, 'cold'), companyId)
    .hexists(keyOf(marks, portalId, 'inflight'), companyId)
    .exec();
  if (!replies) throw new Error('Redis returned no replies for the pending-recompute read');
  for (const [error] of replies) if (error) throw error;
  const [hot, cold, inflight] = replies.map(([, value]) => value);
  return hot !== null || cold !== null || inflight === 1;
}
