import { randomUUID } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Router,
} from 'express';
import helmet from 'helmet';
import type IORedis from 'ioredis';
import { pinoHttp } from 'pino-http';
import type { Env } from '../config/env';
import { PortalDisconnectedError } from '../hubspot/errors';
import type { HubSpotGateway } from '../hubspot/gateway';
import { OAuthStateStore } from '../install/oauth-state';
import { createInstallRouter } from '../install/routes';
import { scrubSecrets, type Logger } from '../log';
import type { InstallationStore } from '../store/installations';
import type { TokenStore } from '../store/tokens';
import { requireAdminToken } from './admin-auth';
import { createPortalAdminRouter } from './admin-routes';
import { renderHomePage, renderPage } from './html';

/** A router another module mounts in the web process, e.g. webhook intake or the card API. */
export interface MountedRouter {
  path: string;
  router: Router;
}

export interface AppDeps {
  env: Env;
  logger: Logger;
  redis: IORedis;
  prefix: string;
  installations: InstallationStore;
  tokens: TokenStore;
  gateway: HubSpotGateway;
  /** Called after a successful install; starts the first full scoring of the portal. */
  onInstalled?: (portalId: number) => Promise<void>;
  /** Called during an uninstall, after tokens and `<prefix>:<area>:<portalId>` keys are gone. */
  onUninstalled?: ((portalId: number) => Promise<void>)[];
  /** Public routers (no admin auth). Each parses its own body; there is no global parser. */
  routers?: MountedRouter[];
  /** Routers mounted under `/admin`, after the admin token check. */
  adminRouters?: Router[];
}

/**
 * Builds the web app without listening, so tests can drive it on a free port. Order: security
 * headers, request logging, cookies, the mounted routers, the home page, install routes,
 * `/admin`, then the 404 and error handlers.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The app sits behind one TLS-terminating proxy in production; the redirect URI never depends
  // on it because it comes from config.
  app.set('trust proxy', deps.env.NODE_ENV === 'production' ? 1 : false);

  app.use(securityHeaders(deps.env));
  app.use(requestLogger(deps.logger));
  app.use(cookieParser());

  for (const { path, router } of deps.routers ?? []) app.use(path, router);

  app.get('/', (_req, res) => {
    res.type('html').send(renderHomePage());
  });

  app.use(
    createInstallRouter({
      env: deps.env,
      logger: deps.logger,
      states: new OAuthStateStore({ redis: deps.redis, prefix: deps.prefix }),
      installations: deps.installations,
      tokens: deps.tokens,
      gateway: deps.gateway,
      ...(deps.onInstalled ? { onInstalled: deps.onInstalled } : {}),
    }),
  );

  const admin = express.Router();
  admin.use(requireAdminToken(deps.env.ADMIN_TOKEN));
  admin.use(
    createPortalAdminRouter({
      redis: deps.redis,
      prefix: deps.prefix,
      logger: deps.logger,
      installations: deps.installations,
      tokens: deps.tokens,
      gateway: deps.gateway,
      ...(deps.onUninstalled ? { onUninstalled: deps.onUninstalled } : {}),
    }),
  );
  for (const router of deps.adminRouters ?? []) admin.use(router);
  app.use('/admin', admin);

  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function securityHeaders(env: Env) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    // No Referer leaves the callback page, so the OAuth code in its URL is never passed on.
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: env.SECURE_COOKIES ? { maxAge: 31_536_000 } : false,
  });
}

function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming)
          ? incoming
          : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    autoLogging: {
      ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
    },
    serializers: {
      // Query strings carry OAuth codes and states: log the path with those values removed.
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: scrubSecrets(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof PortalDisconnectedError) {
      res.status(409).json({ error: { code: 'portal_disconnected', message: error.message } });
      return;
    }
    const status = httpStatusOf(error);
    const requestId = String(req.id ?? '');
    if (status >= 500) logger.error({ err: error, requestId }, 'request failed');
    const message =
      status >= 500
        ? `internal error; the server log has details under request id ${requestId}`
        : 'invalid request';
    if (req.path.startsWith('/oauth')) {
      res
        .status(status)
        .type('html')
        .send(
          renderPage(
            'Something went wrong',
            `<main class="error"><h1>Something went wrong</h1><p>${message}. <a href="/oauth/install">Start the install again</a>.</p></main>`,
          ),
        );
      return;
    }
    res
      .status(status)
      .json({ error: { code: status >= 500 ? 'internal_error' : 'bad_request', message } });
  };
}

/** Honours the status of body-parser and http-errors style errors (400, 413, 415). */
function httpStatusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
