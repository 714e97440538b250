import { Router, type Request, type Response } from 'express';
import type { HubSpotGateway } from '../hubspot/gateway';
import { provisionProperties } from '../install/provision';
import { PortalNotInstalledError, uninstallPortal, type UninstallDeps } from '../install/uninstall';
import type { Logger } from '../log';
import type { InstallationStore } from '../store/installations';
import type { TokenStore } from '../store/tokens';

export interface PortalAdminDeps extends UninstallDeps {
  installations: InstallationStore;
  tokens: TokenStore;
  gateway: HubSpotGateway;
  logger: Logger;
}

/**
 * Installation admin, mounted under `/admin` behind the admin token:
 * `GET /portals`, `GET /portals/:portalId`, `POST /portals/:portalId/uninstall` and
 * `POST /portals/:portalId/provision`. Responses never contain tokens, only their expiry.
 */
export function createPortalAdminRouter(deps: PortalAdminDeps): Router {
  const router = Router();

  router.get('/portals', async (_req: Request, res: Response) => {
    res.json({ portals: await deps.installations.list() });
  });

  router.get('/portals/:portalId', async (req: Request, res: Response) => {
    const portalId = parsePortalId(req, res);
    if (portalId === undefined) return;
    const installation = await deps.installations.get(portalId);
    if (!installation) {
      notInstalled(res, portalId);
      return;
    }
    const tokens = await deps.tokens.get(portalId);
    res.json({
      installation,
      accessTokenExpiresAt: tokens ? new Date(tokens.expiresAt).toISOString() : null,
    });
  });

  router.post('/portals/:portalId/uninstall', async (req: Request, res: Response) => {
    const portalId = parsePortalId(req, res);
    if (portalId === undefined) return;
    try {
      res.json(await uninstallPortal(deps, portalId));
    } catch (error) {
      if (error instanceof PortalNotInstalledError) {
        notInstalled(res, portalId);
        return;
      }
      throw error;
    }
  });

  router.post('/portals/:portalId/provision', async (req: Request, res: Response) => {
    const portalId = parsePortalId(req, res);
    if (portalId === undefined) return;
    const client = await deps.gateway.forPortal(portalId);
    const result = await provisionProperties(client, deps.logger.child({ portalId }));
    await deps.installations.markProvisioned(
      portalId,
      result.conflicts.length > 0
        ? result.conflicts.map((c) => `${c.name}: ${c.reason}`).join('; ')
        : undefined,
    );
    res.status(result.conflicts.length > 0 ? 409 : 200).json(result);
  });

  return router;
}

function parsePortalId(req: Request, res: Response): number | undefined {
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

function notInstalled(res: Response, portalId: number): void {
  res.status(404).json({
    error: { code: 'portal_not_installed', message: `portal ${portalId} has no installation` },
  });
}
