import { Router, type Request, type Response } from 'express';
import type { Env } from '../config/env';
import { completeInstall, type CallbackDeps } from './callback';
import { OAUTH_STATE_TTL_SECONDS } from './oauth-state';
import { renderInstallError, renderInstallSuccess } from './pages';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from './scopes';

/** Cookie that binds an install's OAuth state to the browser that started it. */
export const INSTALL_COOKIE = 'csh_install';

/**
 * `GET /oauth/install` redirects to HubSpot's consent page; `GET /oauth/callback` finishes the
 * install and responds with an HTML page. The redirect URI always comes from config
 * (`OAUTH_REDIRECT_URI`), never from the request's Host header.
 */
export function createInstallRouter(deps: CallbackDeps): Router {
  const router = Router();
  const { env } = deps;

  router.get('/oauth/install', async (_req: Request, res: Response) => {
    const { state, browserBinding } = await deps.states.create();
    res.cookie(INSTALL_COOKIE, browserBinding, cookieOptions(env, OAUTH_STATE_TTL_SECONDS * 1000));
    res.set('Cache-Control', 'no-store');
    res.redirect(302, authorizeUrl(env, state));
  });

  router.get('/oauth/callback', async (req: Request, res: Response) => {
    const query = readQuery(req);
    const binding = (req.cookies as Record<string, string> | undefined)?.[INSTALL_COOKIE];
    const outcome = await completeInstall(deps, query, binding);
    res.clearCookie(INSTALL_COOKIE, cookieOptions(env));
    res.set('Cache-Control', 'no-store');
    res.type('html');
    if (outcome.ok) {
      res.status(200).send(renderInstallSuccess(outcome));
      return;
    }
    deps.logger.info(
      { failure: outcome.failure, portalId: outcome.portalId },
      'install did not complete',
    );
    res.status(outcome.httpStatus).send(renderInstallError(outcome.failure, outcome.detail));
  });

  return router;
}

export function authorizeUrl(env: Env, state: string): string {
  const url = new URL(env.HUBSPOT_AUTHORIZE_URL);
  url.searchParams.set('client_id', env.HUBSPOT_CLIENT_ID);
  url.searchParams.set('redirect_uri', env.OAUTH_REDIRECT_URI);
  url.searchParams.set('scope', REQUIRED_SCOPES.join(' '));
  if (OPTIONAL_SCOPES.length > 0) url.searchParams.set('optional_scope', OPTIONAL_SCOPES.join(' '));
  url.searchParams.set('state', state);
  return url.toString();
}

function cookieOptions(env: Env, maxAge?: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: env.SECURE_COOKIES,
    path: '/oauth',
    ...(maxAge !== undefined ? { maxAge } : {}),
  };
}

function readQuery(req: Request): {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
} {
  const pick = (name: string): string | undefined => {
    const value = req.query[name];
    return typeof value === 'string' && value.length > 0 && value.length <= 2048
      ? value
      : undefined;
  };
  const query: { code?: string; state?: string; error?: string; errorDescription?: string } = {};
  const code = pick('code');
  const state = pick('state');
  // An oversized error is still an error: it is cut short, never dropped, so a denied consent
  // cannot turn into an install.
  const truncate = (name: string): string | undefined => {
    const value = req.query[name];
    return typeof value === 'string' && value.length > 0 ? value.slice(0, 2048) : undefined;
  };
  const error = truncate('error');
  const errorDescription = truncate('error_description');
  if (code) query.code = code;
  if (state) query.state = state;
  if (error) query.error = error;
  if (errorDescription) query.errorDescription = errorDescription;
  return query;
}
