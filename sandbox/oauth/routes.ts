import { createHmac, randomUUID } from 'node:crypto';
import type {
  ApiRoute,
  OpenRoute,
  Reply,
  RouteRequest,
  SandboxPortal,
  SandboxState,
} from '../http/context';
import { json } from '../http/context';
import { correlationId, errorBody, expiredAuthenticationError } from '../http/errors';
import { renderConsentPage, renderErrorPage } from './consent-page';
import type { AccessToken, RefreshToken } from './tokens';

/** HubSpot's token-endpoint status codes, each with the RFC 6749 error code it maps to. */
const TOKEN_ERRORS = {
  BAD_GRANT_TYPE: {
    error: 'unsupported_grant_type',
    message: 'grant_type must be authorization_code or refresh_token',
  },
  BAD_CLIENT_ID: { error: 'invalid_client', message: 'missing or unknown client id' },
  BAD_CLIENT_SECRET: { error: 'invalid_client', message: 'missing or invalid client secret' },
  BAD_AUTH_CODE: { error: 'invalid_grant', message: 'missing or unknown auth code' },
  BAD_REDIRECT_URI: {
    error: 'invalid_grant',
    message: 'redirect URI does not match initial auth code URL',
  },
  BAD_REFRESH_TOKEN: { error: 'invalid_grant', message: 'missing or invalid refresh token' },
} as const;
type TokenErrorStatus = keyof typeof TOKEN_ERRORS;

/**
 * A 400 from the token, introspect and revoke endpoints. HubSpot's changelog entry "New OAuth v3
 * API endpoints and standardized error responses" says v1 and v3 both return the RFC 6749 `error`
 * and `error_description` beside the older `status` and `message`. The specs' Error schema also
 * requires `category`.
 */
function tokenError(status: TokenErrorStatus): Reply {
  const { error, message } = TOKEN_ERRORS[status];
  return json(400, {
    status,
    message,
    correlationId: correlationId(),
    requestId: randomUUID(),
    // TODO: confirm HubSpot's category for token errors. VALIDATION_ERROR is the spec's example.
    category: 'VALIDATION_ERROR',
    error,
    error_description: message,
  });
}

function form(request: RouteRequest): URLSearchParams {
  return new URLSearchParams(request.rawBody.toString('utf8'));
}

function splitScopes(value: string | null): string[] {
  return (value ?? '').split(/[\s+,]+/).filter((scope) => scope !== '');
}

/** Checks a redirect URL: a configured one or any loopback /oauth/callback is allowed. */
export function redirectAllowed(state: SandboxState, redirectUri: string): boolean {
  if (state.app.redirectUrls.includes(redirectUri)) return true;
  try {
    const url = new URL(redirectUri);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
    return url.protocol === 'http:' && loopback && url.pathname === '/oauth/callback';
  } catch {
    return false;
  }
}

function installingUser(portal: SandboxPortal): { userId: number; email: string } {
  const owner = [...portal.store.owners.values()].find((candidate) => !candidate.archived);
  return owner
    ? { userId: owner.userId, email: owner.email }
    : { userId: 1_000_000 + portal.id, email: `admin@portal-${portal.id}.sandbox.test` };
}

export function hubDomain(portalId: number): string {
  return `portal-${portalId}.sandbox.test`;
}

function htmlReply(status: number, html: string): Reply {
  return { status, html };
}

/** Checks the authorize parameters; returns an error page reply when they are invalid. */
function checkAuthorizeRequest(state: SandboxState, params: URLSearchParams): Reply | undefined {
  const clientId = params.get('client_id');
  if (clientId !== state.app.clientId) {
    return htmlReply(
      400,
      renderErrorPage('Unknown app', `No app has client_id ${clientId ?? '(missing)'}.`),
    );
  }
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!redirectAllowed(state, redirectUri)) {
    return htmlReply(
      400,
      renderErrorPage(
        'Redirect URL not allowed',
        `${redirectUri || '(missing)'} is not one of the app's redirect URLs. Use http://127.0.0.1:<port>/oauth/callback or a configured URL.`,
      ),
    );
  }
  const requested = splitScopes(params.get('scope'));
  const missing = state.app.requiredScopes.filter((scope) => !requested.includes(scope));
  if (missing.length > 0) {
    return htmlReply(
      400,
      renderErrorPage(
        'Scope mismatch',
        `The install URL's scope parameter must include every required scope of the app. Missing: ${missing.join(' ')}.`,
      ),
    );
  }
  return undefined;
}

function authorizePage(request: RouteRequest): Reply {
  const { state, query } = request;
  const invalid = checkAuthorizeRequest(state, query);
  if (invalid) return invalid;
  const portals = [...state.portals.values()].map((portal) => ({
    id: portal.id,
    label: `Portal ${portal.id}${portal.installed ? ' (installed)' : ''}`,
  }));
  if (portals.length === 0) {
    return htmlReply(
      409,
      renderErrorPage('No sandbox portal', 'Create a portal before installing the app.'),
    );
  }
  const requestedPortal = Number(request.params.portalId ?? query.get('portalId') ?? Number.NaN);
  return htmlReply(
    200,
    renderConsentPage({
      appName: state.app.name,
      clientId: state.app.clientId,
      redirectUri: query.get('redirect_uri') as string,
      scopes: splitScopes(query.get('scope')),
      optionalScopes: splitScopes(query.get('optional_scope')),
      state: query.get('state'),
      portals,
      selectedPortalId: state.portals.has(requestedPortal) ? requestedPortal : portals[0]?.id,
    }),
  );
}

function redirect(location: string): Reply {
  return { status: 302, headers: { location } };
}

function authorizeDecision(request: RouteRequest): Reply {
  const { state } = request;
  const params = form(request);
  const invalid = checkAuthorizeRequest(state, params);
  if (invalid) return invalid;
  const target = new URL(params.get('redirect_uri') as string);
  const clientState = params.get('state');

  if (params.get('decision') !== 'approve') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied the app access to the portal.');
    if (clientState !== null) target.searchParams.set('state', clientState);
    return redirect(target.toString());
  }
  const portal = state.portals.get(Number(params.get('portal_id')));
  if (!portal) {
    return htmlReply(
      400,
      renderErrorPage('Unknown portal', `No sandbox portal has id ${params.get('portal_id')}.`),
    );
  }
  portal.installed = true;
  const code = state.tokens.createCode({
    portalId: portal.id,
    scopes: [...splitScopes(params.get('scope')), ...splitScopes(params.get('optional_scope'))],
    userId: installingUser(portal).userId,
    clientId: state.app.clientId,
    redirectUri: params.get('redirect_uri') as string,
  });
  target.searchParams.set('code', code.code);
  if (clientState !== null) target.searchParams.set('state', clientState);
  return redirect(target.toString());
}

/** Builds the AccessTokenResponse that the v1, v3 and 2026-03 specs share. */
function tokenResponse(access: AccessToken, refresh: RefreshToken, ttlMs: number): Reply {
  return json(200, {
    token_type: 'bearer',
    access_token: access.token,
    refresh_token: refresh.token,
    expires_in: Math.round(ttlMs / 1000),
    hub_id: access.portalId,
    user_id: access.userId,
    scopes: access.scopes,
    token_use: 'access_token',
  });
}

function tokenEndpoint(request: RouteRequest): Reply {
  const { state } = request;
  const params = form(request);
  const grantType = params.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
    return tokenError('BAD_GRANT_TYPE');
  if (params.get('client_id') !== state.app.clientId) return tokenError('BAD_CLIENT_ID');
  if (params.get('client_secret') !== state.app.clientSecret)
    return tokenError('BAD_CLIENT_SECRET');

  if (grantType === 'authorization_code') {
    const code = state.tokens.consumeCode(params.get('code') ?? '');
    if (!code) return tokenError('BAD_AUTH_CODE');
    if (code.redirectUri !== params.get('redirect_uri')) return tokenError('BAD_REDIRECT_URI');
    const portal = state.portals.get(code.portalId);
    if (!portal?.installed) return tokenError('BAD_AUTH_CODE');
    state.counter.countForPortal(request.countKey, portal.id);
    const { access, refresh } = state.tokens.issue(code.portalId, code.scopes, code.userId);
    return tokenResponse(access, refresh, state.tokens.accessTokenTtlMs);
  }

  const known = state.tokens.findRefresh(params.get('refresh_token') ?? '');
  // Token calls carry no bearer token, so the refresh token identifies the portal to count.
  if (known) state.counter.countForPortal(request.countKey, known.portalId);
  const refreshed = state.tokens.useRefreshToken(params.get('refresh_token') ?? '');
  const portal = refreshed ? state.portals.get(refreshed.refresh.portalId) : undefined;
  if (!refreshed || !portal?.installed) return tokenError('BAD_REFRESH_TOKEN');
  return tokenResponse(refreshed.access, refreshed.refresh, state.tokens.accessTokenTtlMs);
}

function accessTokenActive(
  state: SandboxState,
  token: AccessToken | undefined,
): token is AccessToken {
  return (
    token !== undefined &&
    !token.revoked &&
    token.expiresAt > Date.now() &&
    state.portals.get(token.portalId)?.installed === true
  );
}

function refreshTokenActive(
  state: SandboxState,
  token: RefreshToken | undefined,
): token is RefreshToken {
  return (
    token !== undefined && !token.revoked && state.portals.get(token.portalId)?.installed === true
  );
}

function userEmail(state: SandboxState, portalId: number): string {
  const portal = state.portals.get(portalId);
  return portal ? installingUser(portal).email : '';
}

/**
 * Builds the spec's SignedAccessToken block of an access-token introspection, with `expiresAt`
 * in epoch ms.
 * TODO: the spec gives the scope lists and signatures as strings without a format, so these
 * values match the types only.
 */
function signedAccessToken(state: SandboxState, token: AccessToken): Record<string, unknown> {
  const signature = createHmac('sha256', state.app.clientSecret)
    .update(token.token)
    .digest('base64');
  return {
    appId: state.app.appId,
    appInstallId: `${state.app.appId}-${token.portalId}`,
    audience: state.app.clientId,
    expiresAt: token.expiresAt,
    hubId: token.portalId,
    hublet: 'na1',
    installingUserId: token.userId,
    isPrivateDistribution: false,
    isServiceAccount: false,
    isUserLevel: false,
    newSignature: signature,
    scopeToScopeGroupPks: '',
    scopes: token.scopes.join(','),
    signature,
    trialScopeToScopeGroupPks: '',
    trialScopes: '',
    userId: token.userId,
  };
}

/**
 * Introspects a token and returns its metadata in the 2026-03 spec's
 * PublicAccessTokenInfoResponse or PublicRefreshTokenInfoResponse shape. An unknown, expired or revoked token gets the RFC 7662
 * response `{"active": false}`, which the spec does not describe.
 */
function introspect(request: RouteRequest): Reply {
  const { state } = request;
  const params = form(request);
  if (params.get('client_id') !== state.app.clientId) return tokenError('BAD_CLIENT_ID');
  if (params.get('client_secret') !== state.app.clientSecret)
    return tokenError('BAD_CLIENT_SECRET');
  const value = params.get('token') ?? '';
  const hint = params.get('token_type_hint');
  const access = hint === 'refresh_token' ? undefined : state.tokens.findAccess(value);
  const refresh = hint === 'access_token' ? undefined : state.tokens.findRefresh(value);

  const base = (portalId: number, scopes: string[], userId: number) => ({
    active: true,
    app_id: state.app.appId,
    client_id: state.app.clientId,
    hub_domain: hubDomain(portalId),
    hub_id: portalId,
    scopes,
    token: value,
    user: userEmail(state, portalId),
    user_id: userId,
  });

  if (accessTokenActive(state, access)) {
    return json(200, {
      ...base(access.portalId, access.scopes, access.userId),
      expires_in: Math.floor((access.expiresAt - Date.now()) / 1000),
      is_private_distribution: false,
      signed_access_token: signedAccessToken(state, access),
      token_type: 'access',
      token_use: 'access_token',
    });
  }
  if (refreshTokenActive(state, refresh)) {
    return json(200, {
      ...base(refresh.portalId, refresh.scopes, refresh.userId),
      token_type: 'refresh',
      token_use: 'refresh_token',
    });
  }
  return json(200, { active: false });
}

function revoke(request: RouteRequest): Reply {
  const { state } = request;
  const params = form(request);
  if (params.get('client_id') !== state.app.clientId) return tokenError('BAD_CLIENT_ID');
  if (params.get('client_secret') !== state.app.clientSecret)
    return tokenError('BAD_CLIENT_SECRET');
  const value = params.get('token') ?? '';
  // RFC 7009: revoking an unknown token still succeeds.
  if (!state.tokens.revokeRefreshToken(value)) state.tokens.revokeAccessToken(value);
  return { status: 200 };
}

function accessTokenInfo(request: RouteRequest): Reply {
  const { state } = request;
  const token = state.tokens.findAccess(request.params.token as string);
  if (token && !token.revoked && token.expiresAt <= Date.now()) {
    const error = expiredAuthenticationError(Math.floor((Date.now() - token.expiresAt) / 1000));
    return json(error.status, error.body);
  }
  // NOTE: the status HubSpot's v1 endpoint uses for an unknown token is not confirmed; 404 here.
  if (!accessTokenActive(state, token))
    return json(
      404,
      errorBody('OBJECT_NOT_FOUND', 'The access token does not exist or was revoked.'),
    );
  return json(200, {
    token: token.token,
    user: userEmail(state, token.portalId),
    hub_domain: hubDomain(token.portalId),
    scopes: token.scopes,
    hub_id: token.portalId,
    app_id: state.app.appId,
    expires_in: Math.floor((token.expiresAt - Date.now()) / 1000),
    user_id: token.userId,
    token_type: 'access',
    is_private_distribution: false,
  });
}

function refreshTokenInfo(request: RouteRequest): Reply {
  const { state } = request;
  const token = state.tokens.findRefresh(request.params.token as string);
  if (!refreshTokenActive(state, token))
    return json(
      404,
      errorBody('OBJECT_NOT_FOUND', 'The refresh token does not exist or was revoked.'),
    );
  return json(200, {
    token: token.token,
    user: userEmail(state, token.portalId),
    hub_id: token.portalId,
    scopes: token.scopes,
    token_type: 'refresh',
    client_id: state.app.clientId,
    hub_domain: hubDomain(token.portalId),
    user_id: token.userId,
  });
}

function deleteRefreshToken(request: RouteRequest): Reply {
  const revoked = request.state.tokens.revokeRefreshToken(request.params.token as string);
  if (!revoked)
    return json(404, errorBody('OBJECT_NOT_FOUND', 'The refresh token does not exist.'));
  return { status: 204 };
}

export function oauthRoutes(): OpenRoute[] {
  const route = (method: string, template: string, handler: OpenRoute['handler']): OpenRoute => ({
    method,
    template,
    kind: 'oauth',
    handler,
  });
  return [
    route('GET', '/oauth/authorize', authorizePage),
    route('GET', '/oauth/{portalId}/authorize', authorizePage),
    route('POST', '/oauth/authorize/decision', authorizeDecision),
    route('POST', '/oauth/v1/token', tokenEndpoint),
    route('POST', '/oauth/v3/token', tokenEndpoint),
    route('POST', '/oauth/2026-03/token', tokenEndpoint),
    route('POST', '/oauth/2026-03/token/introspect', introspect),
    route('POST', '/oauth/2026-03/token/revoke', revoke),
    route('GET', '/oauth/v1/access-tokens/{token}', accessTokenInfo),
    route('GET', '/oauth/v1/refresh-tokens/{token}', refreshTokenInfo),
    route('DELETE', '/oauth/v1/refresh-tokens/{token}', deleteRefreshToken),
  ];
}

/** Serves the app's own uninstall call, which marks the portal uninstalled and revokes its tokens. */
export function uninstallRoutes(): ApiRoute[] {
  return ['v3', '2026-03', '2026-09'].map((version) => ({
    method: 'DELETE',
    template: `/appinstalls/${version}/external-install`,
    kind: 'api' as const,
    scopes: () => [['oauth']],
    handler: (request) => {
      request.portal.installed = false;
      request.state.tokens.revokeAll(request.portal.id);
      return { status: 204 };
    },
  }));
}
