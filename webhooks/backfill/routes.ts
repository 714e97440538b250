import { Router, type Request, type Response } from 'express';
import type { Logger } from '../../src/log';
import type { RecomputeStore } from '../recompute/store';
import type { ProgressStore } from './progress';

/**
 * Builds the admin routes for scoring progress. Mount it behind the admin token:
 * `GET /portals/:portalId/scoring` returns the latest full scoring run (done and total), the
 * recompute counters and the companies whose recompute failed.
 */
export function scoringAdminRouter(deps: {
  progress: ProgressStore;
  results: RecomputeStore;
  logger: Logger;
}): Router {
  const router = Router();
  router.get('/portals/:portalId/scoring', async (req: Request, res: Response) => {
    const text = String(req.params.portalId);
    const portalId = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(portalId) || portalId <= 0) {
      res.status(400).json({
        status: 'error',
        message: `invalid portal id "${text}": expected a positive integer`,
      });
      return;
    }
    try {
      const [progress, stats, failures] = await Promise.all([
        deps.progress.read(portalId),
        deps.results.readStats(portalId),
        deps.results.failedCompanies(portalId),
      ]);
      res.json({
        portalId,
        progress: progress ?? null,
        stats,
        failed: [...failures]
          .slice(0, 100)
          .map(([companyId, failure]) => ({ companyId, ...failure })),
        failedCount: failures.size,
      });
    } catch (error) {
      deps.logger.error({ err: error, portalId }, 'reading the scoring progress failed');
      res.status(503).json({
        status: 'error',
        message: 'reading the scoring progress from Redis failed; retry',
      });
    }
  });
  return router;
}
