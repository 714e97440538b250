import { Client } from '@hubspot/api-client';
import type { Logger } from '../log';
import { hubspotRequestDuration, hubspotRequestsTotal } from '../metrics';
import type { InstallationStore } from '../store/installations';
import { HubSpotApiError, PortalDisconnectedError } from './errors';
import {
  RequestTimeoutError,
  describeFailure,
  retryAfterMs,
  type RequestFailure,
  type ResponseCapture,
  invalidResponse,
} from './failure';
import { sleep, type RateLimitSlot } from './rate-limiter';
import type { TokenRefresher } from './token-refresher';
import type { CallOptions, PortalRateLimiter, RequestKind, SdkCallOptions } from './types';

/** Retry and timeout settings of the gateway; every field has a production default. */
export interface RequestSettings {
  /** @defaultValue 3 */
  serverErrorRetries: number;
  /** First backoff after a 5xx or network error; doubles each time, plus jitter. @defaultValue 250 */
  retryBaseMs: number;
  /** @defaultValue 2 */
  rateLimitRetries: number;
  /**
   * A 429 whose wait is longer than this is surfaced (retryable, with `retryAfterMs`) instead of
   * slept through, so a queue job can move to the delayed set. @defaultValue 10000
   */
  maxInlineRateLimitWaitMs: number;
  /** Maximum wait for a local rate-limiter slot before the wait is surfaced. @defaultValue 30000 */
  maxLimiterWaitMs: number;
  /** @defaultValue 30000 */
  requestTimeoutMs: number;
  /** Scales HubSpot's rate-limit windows, for a sandbox with a shorter clock. @defaultValue 1 */
  rateLimitWindowScale: number;
}

export const DEFAULT_REQUEST_SETTINGS: RequestSettings = {
  serverErrorRetries: 3,
  retryBaseMs: 250,
  rateLimitRetries: 2,
  maxInlineRateLimitWaitMs: 10_000,
  maxLimiterWaitMs: 30_000,
  requestTimeoutMs: 30_000,
  rateLimitWindowScale: 1,
};

export interface RequestRunnerDeps {
  portalId: number;
  basePath: string;
  installations: InstallationStore;
  refresher: TokenRefresher;
  limiter?: PortalRateLimiter & {
    block?(portalId: number, kind: RequestKind, ms: number): Promise<void>;
  };
  logger: Logger;
  settings: RequestSettings;
}

/**
 * Runs one logical HubSpot request for a portal: limiter slot, valid token, a fresh SDK client,
 * and the retry rules. Each attempt builds its own `Client` with the same options, because the
 * SDK keeps its retry and limiter decorators in a process-wide singleton that the last
 * constructed client configures.
 */
export async function runRequest<T>(
  deps: RequestRunnerDeps,
  endpoint: string,
  kind: RequestKind,
  fn: (client: Client, sdkOptions: SdkCallOptions) => Promise<T>,
  options: CallOptions = {},
): Promise<T> {
  const { portalId, settings, logger } = deps;
  const idempotent = options.idempotent ?? true;
  let refreshedAfter401 = false;
  let serverRetries = 0;
  let rateLimitRetries = 0;

  for (;;) {
    await assertPortalActive(deps.installations, portalId);
    const accessToken = await deps.refresher.getAccessToken(portalId);
    const slot = await takeSlot(deps.limiter, portalId, kind, settings.maxLimiterWaitMs);

    const capture: ResponseCapture = {};
    const client = buildClient(accessToken, deps.basePath);
    const stopTimer = hubspotRequestDuration.startTimer({ endpoint });
    let failure: RequestFailure | undefined;
    try {
      const result = await withTimeout(
        fn(client, captureOptions(capture)),
        settings.requestTimeoutMs,
      );
      stopTimer();
      hubspotRequestsTotal.inc({ endpoint, outcome: 'ok' });
      return result;
    } catch (error) {
      stopTimer();
      if (error instanceof HubSpotApiError || error instanceof PortalDisconnectedError) throw error;
      failure = (await describeFailure(error, capture)) ?? invalidResponse(error, capture);
    } finally {
      await slot?.settle();
    }
    hubspotRequestsTotal.inc({ endpoint, outcome: outcomeLabel(failure) });
    const log = { portalId, endpoint, status: failure.status, category: failure.category };

    if (failure.status === 401 && !refreshedAfter401) {
      // One refresh and one retry per request: an expired token (EXPIRED_AUTHENTICATION) or a
      // revoked one, which the refresh detects as invalid_grant and turns into a disconnect.
      refreshedAfter401 = true;
      logger.info(log, 'HubSpot rejected the access token; refreshing once');
      await deps.refresher.refreshAfterRejection(portalId, accessToken);
      continue;
    }

    if (failure.status === 429) {
      const wait = retryAfterMs(failure, settings.rateLimitWindowScale) ?? 10_000;
      if (deps.limiter?.block) await deps.limiter.block(portalId, kind, wait);
      if (
        rateLimitRetries < settings.rateLimitRetries &&
        wait <= settings.maxInlineRateLimitWaitMs
      ) {
        rateLimitRetries += 1;
        logger.warn({ ...log, waitMs: wait }, 'HubSpot rate limit hit; retrying after its window');
        await sleep(wait);
        continue;
      }
      throw toApiError(failure, endpoint, portalId, true, wait);
    }

    const transient =
      failure.status === 0 ||
      failure.status >= 500 ||
      failure.status === 423 ||
      failure.category === 'INVALID_RESPONSE';
    if (transient) {
      // A refused connection never reached HubSpot, so even a create is safe to resend.
      const safeToResend = idempotent || failure.network?.requestSent === false;
      const serverWait = retryAfterMs(failure, settings.rateLimitWindowScale);
      // A long Retry-After (HubSpot sends it with 477 and some 503s) is not slept through here:
      // the error carries the wait, and the job's retry backoff takes over.
      const waitTooLong =
        serverWait !== undefined && serverWait > settings.maxInlineRateLimitWaitMs;
      if (safeToResend && !waitTooLong && serverRetries < settings.serverErrorRetries) {
        serverRetries += 1;
        const backoff =
          serverWait ?? backoffMs(settings.retryBaseMs, serverRetries, failure.status === 423);
        logger.warn(
          { ...log, attempt: serverRetries, waitMs: backoff, network: failure.network?.code },
          'HubSpot request failed; retrying',
        );
        await sleep(backoff);
        continue;
      }
      throw toApiError(failure, endpoint, portalId, true, serverWait);
    }

    throw toApiError(failure, endpoint, portalId, false);
  }
}

/**
 * The limiter the gateway uses: any PortalRateLimiter, plus the optional extras of
 * RedisRateLimiter (settling a slot at the finish time, blocking after a 429).
 */
export type GatewayRateLimiter = PortalRateLimiter & {
  acquireSlot?(portalId: number, kind: RequestKind, maxWaitMs?: number): Promise<RateLimitSlot>;
  block?(portalId: number, kind: RequestKind, ms: number): Promise<void>;
};

async function takeSlot(
  limiter: GatewayRateLimiter | undefined,
  portalId: number,
  kind: RequestKind,
  maxWaitMs: number,
): Promise<RateLimitSlot | undefined> {
  if (!limiter) return undefined;
  if (limiter.acquireSlot) return limiter.acquireSlot(portalId, kind, maxWaitMs);
  await limiter.acquire(portalId, kind, maxWaitMs);
  return undefined;
}

async function assertPortalActive(
  installations: InstallationStore,
  portalId: number,
): Promise<void> {
  const status = await installations.status(portalId);
  if (status === 'active') return;
  if (status === 'disconnected')
    throw new PortalDisconnectedError(portalId, 'refresh_token_revoked');
  if (status === 'uninstalled') throw new PortalDisconnectedError(portalId, 'uninstalled');
  throw new PortalDisconnectedError(portalId, 'not_installed');
}

function buildClient(accessToken: string, basePath: string): Client {
  return new Client({ accessToken, basePath, numberOfApiCallRetries: 1 });
}

/**
 * Per-call options for a generated SDK method (its last `_options` argument). `@hubspot/api-client`
 * 13.5 applies only middleware passed this way; middleware given to the Client constructor is
 * ignored by the generated APIs.
 */
function captureOptions(capture: ResponseCapture): SdkCallOptions {
  const middleware = {
    pre: async (context: unknown) => context,
    post: async (context: unknown) => keepErrorBody(context, capture),
  };
  return {
    middleware: [middleware],
    middlewareMergeStrategy: 'append',
  } as unknown as SdkCallOptions;
}

/**
 * Keeps the raw text of an error response. The SDK parses error bodies into its own model, which
 * drops `policyName`, `status` and `error`; the gateway needs those to classify the failure.
 */
function keepErrorBody(context: unknown, capture: ResponseCapture): unknown {
  const response = context as {
    httpStatusCode: number;
    headers: Record<string, string>;
    body: { text(): Promise<string>; binary(): Promise<Buffer> };
  };
  if (response.httpStatusCode < 400) return context;
  const text = response.body.text();
  capture.status = response.httpStatusCode;
  capture.headers = response.headers;
  capture.bodyText = text.catch(() => '');
  response.body = { text: () => text, binary: async () => Buffer.from(await text) };
  return context;
}

// NOTE: the SDK takes no abort signal, so a timed-out request keeps its socket until HubSpot
// responds or the connection drops; only the caller stops waiting.
function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function backoffMs(baseMs: number, attempt: number, locked: boolean): number {
  const exponential = baseMs * 2 ** (attempt - 1);
  const jitter = Math.random() * exponential * 0.5;
  // 423 Locked responses ask for at least 2 s before the next write.
  return Math.round(Math.max(exponential + jitter, locked ? 2_000 : 0));
}

function outcomeLabel(failure: RequestFailure): string {
  if (failure.category === 'INVALID_RESPONSE') return 'invalid_response';
  if (failure.status === 0) return 'network';
  if (failure.status === 429) return '429';
  if (failure.status >= 500) return '5xx';
  return String(failure.status);
}

function toApiError(
  failure: RequestFailure,
  endpoint: string,
  portalId: number,
  retryable: boolean,
  wait?: number,
): HubSpotApiError {
  return new HubSpotApiError({
    status: failure.status,
    category: failure.category,
    retryable,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    body: failure.body,
    endpoint,
    portalId,
    ...(failure.network ? { detail: failure.network.code } : {}),
    ...(failure.detail ? { detail: failure.detail } : {}),
  });
}
