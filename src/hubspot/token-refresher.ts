import { randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import type { Logger } from '../log';
import { portalsDisconnectedTotal, tokenRefreshTotal } from '../metrics';
import type { InstallationStore } from '../store/installations';
import type { PortalTokens, TokenStore } from '../store/tokens';
import { HubSpotApiError, OAuthError, PortalDisconnectedError } from './errors';
import type { HubSpotOAuthClient } from './oauth';
import { sleep } from './rate-limiter';

export interface TokenRefresherOptions {
  redis: IORedis;
  prefix: string;
  tokens: TokenStore;
  installations: InstallationStore;
  oauth: Pick<HubSpotOAuthClient, 'refresh'>;
  logger: Logger;
  /** Refresh when less than this is left. @defaultValue 300000 (5 minutes) */
  refreshMarginMs?: number;
  /** Longer than the token request timeout, so the lock never lapses mid-refresh. @defaultValue 30000 */
  lockTtlMs?: number;
  /** How long a caller waits for another process's refresh. @defaultValue 25000 */
  waitTimeoutMs?: number;
}

/**
 * Hands out valid access tokens and refreshes them single-flight: one promise per portal inside
 * the process, and a Redis lock (`SET NX PX`) across processes. Whoever holds the lock re-reads
 * the stored tokens first, so a refresh finished by another process is reused, not repeated.
 */
export class TokenRefresher {
  private readonly options: Required<Omit<TokenRefresherOptions, 'logger'>> & { logger: Logger };
  private readonly inFlight = new Map<number, Promise<string>>();

  constructor(options: TokenRefresherOptions) {
    this.options = {
      refreshMarginMs: 5 * 60_000,
      lockTtlMs: 30_000,
      waitTimeoutMs: 25_000,
      ...options,
    };
  }

  /** Returns the stored access token, refreshing it first when under the margin is left. */
  async getAccessToken(portalId: number): Promise<string> {
    const tokens = await this.readTokens(portalId);
    if (!this.isDue(tokens)) return tokens.accessToken;
    return this.singleFlight(portalId, (current) => this.isDue(current));
  }

  /**
   * Refreshes after HubSpot rejected `rejectedToken` with a 401, unless another caller already
   * replaced it; then the replacement is returned without a token call.
   */
  async refreshAfterRejection(portalId: number, rejectedToken: string): Promise<string> {
    return this.singleFlight(
      portalId,
      (current) => current.accessToken === rejectedToken || this.isDue(current),
    );
  }

  private isDue(tokens: PortalTokens): boolean {
    return tokens.expiresAt - Date.now() < this.options.refreshMarginMs;
  }

  private singleFlight(
    portalId: number,
    stillNeeded: (tokens: PortalTokens) => boolean,
  ): Promise<string> {
    const running = this.inFlight.get(portalId);
    if (running) return running;
    const refresh = this.refreshWithLock(portalId, stillNeeded).finally(() => {
      this.inFlight.delete(portalId);
    });
    this.inFlight.set(portalId, refresh);
    return refresh;
  }

  private async refreshWithLock(
    portalId: number,
    stillNeeded: (tokens: PortalTokens) => boolean,
  ): Promise<string> {
    const { redis, prefix, lockTtlMs, waitTimeoutMs } = this.options;
    const lockKey = `${prefix}:lock:token-refresh:${portalId}`;
    const deadline = Date.now() + waitTimeoutMs;
    while (Date.now() < deadline) {
      const lockValue = randomUUID();
      const locked = await redis.set(lockKey, lockValue, 'PX', lockTtlMs, 'NX');
      if (locked === 'OK') {
        try {
          const current = await this.readTokens(portalId);
          if (!stillNeeded(current)) return current.accessToken;
          return await this.refreshNow(portalId, current);
        } finally {
          await redis.eval(RELEASE_LOCK, 1, lockKey, lockValue);
        }
      }
      // Another process is refreshing: wait, then take its result if it has landed.
      await sleep(40 + Math.floor(Math.random() * 40));
      const current = await this.readTokens(portalId);
      if (!stillNeeded(current)) return current.accessToken;
    }
    throw new HubSpotApiError({
      status: 0,
      category: 'TOKEN_REFRESH_TIMEOUT',
      retryable: true,
      endpoint: 'oauth.refresh',
      portalId,
      detail: `no refreshed token appeared within ${waitTimeoutMs} ms while another process held the refresh lock`,
    });
  }

  private async refreshNow(portalId: number, current: PortalTokens): Promise<string> {
    const { tokens, installations, oauth, logger } = this.options;
    try {
      const issued = await oauth.refresh(current.refreshToken);
      await tokens.save(portalId, {
        accessToken: issued.accessToken,
        refreshToken: issued.refreshToken,
        expiresAt: issued.expiresAt,
      });
      tokenRefreshTotal.inc({ result: 'ok' });
      logger.info(
        { portalId, expiresAt: new Date(issued.expiresAt).toISOString() },
        'access token refreshed',
      );
      return issued.accessToken;
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.isInvalidGrant) {
        tokenRefreshTotal.inc({ result: 'revoked' });
        if (await installations.markDisconnected(portalId, 'refresh_token_revoked')) {
          portalsDisconnectedTotal.inc();
          logger.warn(
            { portalId, code: error.code },
            'refresh token rejected: portal marked disconnected',
          );
        }
        throw new PortalDisconnectedError(portalId, 'refresh_token_revoked');
      }
      tokenRefreshTotal.inc({ result: 'failed' });
      logger.error({ portalId, err: error }, 'access token refresh failed');
      throw new HubSpotApiError({
        status: error.status,
        category: error.code === 'invalid_client' ? 'INVALID_CLIENT' : 'TOKEN_REFRESH_FAILED',
        retryable: error.retryable,
        endpoint: 'oauth.refresh',
        portalId,
        detail:
          error.code === 'invalid_client'
            ? 'HubSpot rejected the client credentials: check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET'
            : error.message,
      });
    }
  }

  /** Reads the tokens, failing with PortalDisconnectedError when the portal cannot be called. */
  private async readTokens(portalId: number): Promise<PortalTokens> {
    const status = await this.options.installations.status(portalId);
    if (status === 'disconnected')
      throw new PortalDisconnectedError(portalId, 'refresh_token_revoked');
    if (status === 'uninstalled') throw new PortalDisconnectedError(portalId, 'uninstalled');
    const tokens = status === undefined ? undefined : await this.options.tokens.get(portalId);
    if (!tokens) throw new PortalDisconnectedError(portalId, 'not_installed');
    return tokens;
  }
}

/** Deletes the lock only while it still holds this caller's value. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
