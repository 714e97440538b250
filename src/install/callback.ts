import type { Env } from '../config/env';
import { HubSpotApiError, OAuthError } from '../hubspot/errors';
import type { HubSpotGateway } from '../hubspot/gateway';
import type { Logger } from '../log';
import { installationsTotal } from '../metrics';
import type { InstallationStore } from '../store/installations';
import type { TokenStore } from '../store/tokens';
import type { OAuthStateStore } from './oauth-state';
import type { InstallFailure } from './pages';
import { provisionProperties, type ProvisioningResult } from './provision';

export interface CallbackDeps {
  env: Env;
  logger: Logger;
  states: OAuthStateStore;
  installations: InstallationStore;
  tokens: TokenStore;
  gateway: HubSpotGateway;
  /** Starts the first full scoring of the portal (enqueues the backfill). */
  onInstalled?: (portalId: number) => Promise<void>;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}

export type CallbackOutcome =
  | { ok: true; portalId: number; hubDomain?: string; provisioning: ProvisioningResult }
  | { ok: false; failure: InstallFailure; httpStatus: number; detail?: string; portalId?: number };

/**
 * Completes an install: checks the state against this browser's cookie, exchanges the code,
 * reads the portal id by introspection, stores tokens and installation, provisions properties
 * and starts the first scoring. Every failure before the token exchange succeeds stores nothing.
 */
export async function completeInstall(
  deps: CallbackDeps,
  query: CallbackQuery,
  browserBinding: string | undefined,
): Promise<CallbackOutcome> {
  const stateProblem = await checkState(deps, query.state, browserBinding);
  if (stateProblem) return fail(stateProblem, 400);

  if (query.error) {
    const failure = query.error === 'access_denied' ? 'access_denied' : 'consent_error';
    return fail(
      failure,
      400,
      `${query.error}${query.errorDescription ? `: ${query.errorDescription}` : ''}`,
    );
  }
  if (!query.code) return fail('missing_code', 400);

  let issued;
  try {
    issued = await deps.gateway.oauth.exchangeCode(query.code);
  } catch (error) {
    if (error instanceof OAuthError && error.isInvalidGrant)
      return fail('code_rejected', 400, error.code);
    deps.logger.error({ err: error }, 'authorization code exchange failed');
    return fail('token_exchange_failed', 502, error instanceof OAuthError ? error.code : undefined);
  }

  let introspection;
  try {
    introspection = await deps.gateway.oauth.introspect(issued.accessToken);
  } catch (error) {
    deps.logger.error({ err: error }, 'token introspection failed');
    return fail('introspection_failed', 502);
  }
  const portalId = introspection.hubId;
  if (!introspection.active || portalId === undefined)
    return fail('introspection_failed', 502, 'token not active or no hub_id');
  if (
    introspection.clientId !== undefined &&
    introspection.clientId !== deps.env.HUBSPOT_CLIENT_ID
  ) {
    return fail('introspection_failed', 502, 'token was issued to another app');
  }

  await deps.tokens.save(portalId, issued);
  await deps.installations.markInstalled(portalId, {
    scopes: introspection.scopes.length > 0 ? introspection.scopes : (issued.scopes ?? []),
    ...(introspection.hubDomain ? { hubDomain: introspection.hubDomain } : {}),
    ...(introspection.userId !== undefined ? { installedByUserId: introspection.userId } : {}),
  });
  const log = deps.logger.child({ portalId });
  log.info({ scopes: introspection.scopes.length }, 'portal installed');

  let provisioning: ProvisioningResult;
  try {
    provisioning = await provisionProperties(await deps.gateway.forPortal(portalId), log);
  } catch (error) {
    const detail =
      error instanceof HubSpotApiError ? `${error.status} ${error.category}` : undefined;
    await deps.installations.markProvisioned(
      portalId,
      error instanceof Error ? error.message : String(error),
    );
    log.error({ err: error }, 'property provisioning failed');
    return fail('provisioning_failed', 502, detail, portalId);
  }
  if (provisioning.conflicts.length > 0) {
    const detail = provisioning.conflicts.map((item) => `${item.name}: ${item.reason}`).join('; ');
    await deps.installations.markProvisioned(portalId, detail);
    log.error(
      { conflicts: provisioning.conflicts },
      'property provisioning found properties owned by others',
    );
    return fail(
      'provisioning_failed',
      409,
      `${detail}. Rename or delete those properties in HubSpot, then install again`,
      portalId,
    );
  }
  await deps.installations.markProvisioned(portalId);

  if (deps.onInstalled) {
    try {
      await deps.onInstalled(portalId);
    } catch (error) {
      log.error({ err: error }, 'first scoring could not be started');
      return fail('scoring_not_started', 500, undefined, portalId);
    }
  }
  installationsTotal.inc({ outcome: 'installed' });
  return {
    ok: true,
    portalId,
    provisioning,
    ...(introspection.hubDomain ? { hubDomain: introspection.hubDomain } : {}),
  };
}

async function checkState(
  deps: CallbackDeps,
  state: string | undefined,
  browserBinding: string | undefined,
): Promise<InstallFailure | undefined> {
  if (!state) return 'missing_state';
  if (!browserBinding) return 'missing_browser_cookie';
  const check = await deps.states.consume(state, browserBinding);
  if (check === 'unknown') return 'state_expired_or_used';
  if (check === 'browser_mismatch') return 'state_from_other_browser';
  return undefined;
}

function fail(
  failure: InstallFailure,
  httpStatus: number,
  detail?: string,
  portalId?: number,
): CallbackOutcome {
  installationsTotal.inc({ outcome: failure });
  return {
    ok: false,
    failure,
    httpStatus,
    ...(detail !== undefined ? { detail } : {}),
    ...(portalId !== undefined ? { portalId } : {}),
  };
}
