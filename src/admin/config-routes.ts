import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { parseScoreConfig, ScoreConfigError, WORKSPACE_NAME_PATTERN } from '../engine';
import type { Logger } from '../log';
import type { ConfigStore } from '../store/configs';
import { MAX_CONFIG_VERSIONS } from '../store/configs';

export interface ConfigAdminDeps {
  store: ConfigStore;
  logger?: Logger;
  /**
   * Requests a full rescoring of a portal, e.g. the queue's `requestSweep(portalId, 'backfill')`.
   * Called after every stored config; without it a new config applies only to later recomputes.
   */
  requestRescore?: (portalId: number) => Promise<void>;
}

/** Score configs are a few kilobytes; this leaves room for 10 metrics with long labels. */
const MAX_BODY = '64kb';

/**
 * Score-config admin routes. The admin auth is added by the app that mounts the router.
 *
 * - `GET /portals/:portalId/configs`: the portal's workspaces.
 * - `GET /portals/:portalId/configs/:workspace`: the current config (the default when none is
 *   stored).
 * - `PUT /portals/:portalId/configs/:workspace`: validate a JSON config, store it as the next
 *   version and request a rescoring of the portal (`rescoreRequested` in the response); 400
 *   with every problem and nothing stored when it is invalid.
 * - `POST /portals/:portalId/configs/:workspace/validate`: validate without storing.
 * - `GET /portals/:portalId/configs/:workspace/history?limit=N`: stored versions, newest first.
 */
export function configAdminRouter(deps: ConfigAdminDeps): Router {
  const router = Router();
  const json = express.json({ limit: MAX_BODY });

  router.get('/portals/:portalId/configs', async (req: Request, res: Response) => {
    const portalId = portalIdOf(req, res);
    if (portalId === undefined) return;
    res.json({ portalId, workspaces: await deps.store.listWorkspaces(portalId) });
  });

  router.get('/portals/:portalId/configs/:workspace', async (req: Request, res: Response) => {
    const ids = idsOf(req, res);
    if (ids === undefined) return;
    const stored = await deps.store.getStored(ids.portalId, ids.workspace);
    const config = stored?.config ?? (await deps.store.get(ids.portalId, ids.workspace));
    res.json({
      ...ids,
      version: config.version,
      stored: stored !== undefined,
      storedAt: stored?.storedAt ?? null,
      config,
    });
  });

  router.put('/portals/:portalId/configs/:workspace', json, async (req: Request, res: Response) => {
    const ids = idsOf(req, res);
    if (ids === undefined || !hasJsonBody(req, res)) return;
    try {
      const result = await deps.store.put(ids.portalId, ids.workspace, req.body);
      deps.logger?.info(
        { portalId: ids.portalId, workspace: ids.workspace, version: result.version },
        'score config stored',
      );
      const rescore = await requestRescore(deps, ids.portalId, result.version);
      res.json({ ...ids, ...result, ...rescore });
    } catch (error) {
      if (!(error instanceof ScoreConfigError)) throw error;
      deps.logger?.info(
        { portalId: ids.portalId, workspace: ids.workspace, problems: error.problems.length },
        'score config rejected',
      );
      invalidConfig(res, error);
    }
  });

  router.post(
    '/portals/:portalId/configs/:workspace/validate',
    json,
    async (req: Request, res: Response) => {
      const ids = idsOf(req, res);
      if (ids === undefined || !hasJsonBody(req, res)) return;
      try {
        const { warnings } = parseScoreConfig(req.body);
        res.json({ ...ids, valid: true, problems: [], warnings });
      } catch (error) {
        if (!(error instanceof ScoreConfigError)) throw error;
        res.json({ ...ids, valid: false, problems: error.problems, warnings: [] });
      }
    },
  );

  router.get(
    '/portals/:portalId/configs/:workspace/history',
    async (req: Request, res: Response) => {
      const ids = idsOf(req, res);
      if (ids === undefined) return;
      const limit = limitOf(req, res);
      if (limit === undefined) return;
      res.json({ ...ids, versions: await deps.store.history(ids.portalId, ids.workspace, limit) });
    },
  );

  router.use(jsonErrors);
  return router;
}

/**
 * Requests the rescoring after a stored config. A failed request does not undo the stored
 * config, so it is logged and reported in the response instead of failing it.
 */
async function requestRescore(
  deps: ConfigAdminDeps,
  portalId: number,
  version: number,
): Promise<{ rescoreRequested: boolean; rescoreError?: string }> {
  if (!deps.requestRescore) return { rescoreRequested: false };
  try {
    await deps.requestRescore(portalId);
    deps.logger?.info({ portalId, version }, 'requested a rescoring after the config change');
    return { rescoreRequested: true };
  } catch (error) {
    deps.logger?.error(
      { err: error, portalId, version },
      'requesting a rescoring after the config change failed',
    );
    return {
      rescoreRequested: false,
      rescoreError: `the config is stored, but requesting the rescoring failed: ${(error as Error).message}`,
    };
  }
}

/** Responds to a malformed or oversized JSON body with this router's error shape. */
const jsonErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    res.status(400).json({
      error: { code: 'invalid_json', message: 'the request body is not valid JSON' },
    });
    return;
  }
  if (type === 'entity.too.large') {
    res.status(413).json({
      error: { code: 'body_too_large', message: `a score config must be at most ${MAX_BODY}` },
    });
    return;
  }
  next(error);
};

function invalidConfig(res: Response, error: ScoreConfigError): void {
  res.status(400).json({
    error: {
      code: 'invalid_config',
      message: `invalid score config (${error.problems.length} problem(s)); nothing was stored`,
      errors: error.problems,
    },
  });
}

function hasJsonBody(req: Request, res: Response): boolean {
  if (req.is('application/json') && req.body !== undefined) return true;
  res.status(415).json({
    error: {
      code: 'unsupported_media_type',
      message: 'send the score config as a JSON body with Content-Type: application/json',
    },
  });
  return false;
}

function idsOf(req: Request, res: Response): { portalId: number; workspace: string } | undefined {
  const portalId = portalIdOf(req, res);
  if (portalId === undefined) return undefined;
  const workspace = String(req.params.workspace);
  if (WORKSPACE_NAME_PATTERN.test(workspace)) return { portalId, workspace };
  res.status(400).json({
    error: {
      code: 'invalid_workspace',
      message:
        'workspace must be 1-64 lowercase letters, digits, "-" or "_", ' +
        `got "${workspace.slice(0, 80)}"`,
    },
  });
  return undefined;
}

function portalIdOf(req: Request, res: Response): number | undefined {
  const raw = String(req.params.portalId);
  const portalId = Number(raw);
  if (/^\d{1,15}$/.test(raw) && Number.isSafeInteger(portalId) && portalId > 0) return portalId;
  res.status(400).json({
    error: {
      code: 'invalid_portal_id',
      message: `portal id must be a positive integer, got "${raw.slice(0, 40)}"`,
    },
  });
  return undefined;
}

function limitOf(req: Request, res: Response): number | undefined {
  const raw = req.query.limit;
  if (raw === undefined) return MAX_CONFIG_VERSIONS;
  const limit = Number(raw);
  if (
    typeof raw === 'string' &&
    Number.isInteger(limit) &&
    limit >= 1 &&
    limit <= MAX_CONFIG_VERSIONS
  ) {
    return limit;
  }
  res.status(400).json({
    error: {
      code: 'invalid_limit',
      message: `limit must be a whole number from 1 to ${MAX_CONFIG_VERSIONS}, got ${JSON.stringify(raw)}`,
    },
  });
  return undefined;
}
