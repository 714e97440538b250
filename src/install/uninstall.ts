import type IORedis from 'ioredis';
import { HubSpotApiError, PortalDisconnectedError } from '../hubspot/errors';
import type { HubSpotGateway } from '../hubspot/gateway';
import type { Logger } from '../log';
import type { InstallationStore } from '../store/installations';
import type { TokenStore } from '../store/tokens';

export interface UninstallDeps {
  redis: IORedis;
  prefix: string;
  logger: Logger;
  installations: InstallationStore;
  tokens: TokenStore;
  gateway: HubSpotGateway;
  /** Extra clean-up by other modules (queues, caches) that keep portal data elsewhere. */
  onUninstalled?: ((portalId: number) => Promise<void>)[];
}

export interface UninstallResult {
  portalId: number;
  /** False when the portal was already disconnected, so no valid token was left to call with. */
  calledHubSpot: boolean;
  deletedKeys: number;
}

export class PortalNotInstalledError extends Error {
  override readonly name = 'PortalNotInstalledError';

  constructor(readonly portalId: number) {
    super(`portal ${portalId} has no installation: check the id with \`npm run admin -- status\``);
  }
}

/**
 * Uninstalls the app from a portal. While the portal is still connected, it first calls HubSpot's
 * uninstall endpoint. It then deletes the tokens and every key of the form
 * `<prefix>:<area>:<portalId>` or `<prefix>:<area>:<portalId>:…`. A small `uninstalled` record
 * stays, so late webhooks are acknowledged and dropped. If HubSpot fails with a retryable error,
 * nothing is deleted and the command can be run again.
 */
export async function uninstallPortal(
  deps: UninstallDeps,
  portalId: number,
): Promise<UninstallResult> {
  const status = await deps.installations.status(portalId);
  if (status === undefined) throw new PortalNotInstalledError(portalId);

  let calledHubSpot = false;
  if (status === 'active') {
    try {
      const client = await deps.gateway.forPortal(portalId);
      await client.uninstallApp();
      calledHubSpot = true;
    } catch (error) {
      if (error instanceof HubSpotApiError && error.retryable) throw error;
      // A revoked token or a 401/404 means HubSpot no longer has the install: clean up anyway.
      if (!(error instanceof PortalDisconnectedError) && !(error instanceof HubSpotApiError))
        throw error;
      deps.logger.warn(
        { portalId, err: error },
        'HubSpot uninstall call failed; deleting local data anyway',
      );
    }
  }

  await deps.tokens.delete(portalId);
  const deletedKeys = await deletePortalKeys(deps.redis, deps.prefix, portalId);
  for (const hook of deps.onUninstalled ?? []) await hook(portalId);
  await deps.installations.markUninstalled(portalId);
  deps.gateway.forget(portalId);
  deps.logger.info({ portalId, calledHubSpot, deletedKeys }, 'portal uninstalled');
  return { portalId, calledHubSpot, deletedKeys };
}

/** Deletes `<prefix>:<area>:<portalId>[:…]` keys, except the installation record itself. */
export async function deletePortalKeys(
  redis: IORedis,
  prefix: string,
  portalId: number,
): Promise<number> {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}:[A-Za-z0-9_-]+:${portalId}(:|$)`);
  const keep = `${prefix}:installation:${portalId}`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*${portalId}*`, 'COUNT', 500);
    cursor = next;
    const matching = keys.filter((key) => key !== keep && pattern.test(key));
    if (matching.length > 0) deleted += await redis.unlink(...matching);
  } while (cursor !== '0');
  return deleted;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
