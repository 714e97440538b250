import { z } from 'zod';
import type { Env } from '../config/env';
import { OAuthError } from './errors';

/** A token endpoint response, with `expires_in` turned into an absolute time. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  /** Epoch ms: the time the token request was sent + `expires_in`, so it errs on the early side. */
  expiresAt: number;
  hubId?: number;
  scopes?: string[];
}

export interface TokenIntrospection {
  active: boolean;
  hubId?: number;
  userId?: number;
  hubDomain?: string;
  clientId?: string;
  appId?: number;
  scopes: string[];
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().int().positive(),
  hub_id: z.coerce.number().int().positive().optional(),
  scopes: z.array(z.string()).optional(),
});

const introspectionSchema = z.object({
  active: z.boolean(),
  hub_id: z.coerce.number().int().positive().optional(),
  user_id: z.coerce.number().int().optional(),
  hub_domain: z.string().optional(),
  client_id: z.string().optional(),
  app_id: z.coerce.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});

/** Paths of the date-versioned OAuth API; the v1 paths are deprecated (sunset 2027-02-16). */
export const OAUTH_TOKEN_PATH = '/oauth/2026-03/token';
export const OAUTH_INTROSPECT_PATH = '/oauth/2026-03/token/introspect';

/**
 * Calls HubSpot's token endpoints with form-encoded bodies. `@hubspot/api-client` 13.5 only
 * knows the v1 token API, so these requests use fetch directly. Tokens and the client secret go
 * in request bodies only; no error message built here contains them.
 */
export class HubSpotOAuthClient {
  private readonly env: Pick<
    Env,
    'HUBSPOT_API_BASE' | 'HUBSPOT_CLIENT_ID' | 'HUBSPOT_CLIENT_SECRET' | 'OAUTH_REDIRECT_URI'
  >;
  private readonly timeoutMs: number;

  constructor(deps: {
    env: Pick<
      Env,
      'HUBSPOT_API_BASE' | 'HUBSPOT_CLIENT_ID' | 'HUBSPOT_CLIENT_SECRET' | 'OAUTH_REDIRECT_URI'
    >;
    /** @defaultValue 10000 */
    timeoutMs?: number;
  }) {
    this.env = deps.env;
    this.timeoutMs = deps.timeoutMs ?? 10_000;
  }

  async exchangeCode(code: string): Promise<IssuedTokens> {
    return this.requestTokens('authorization_code', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.env.OAUTH_REDIRECT_URI,
    });
  }

  /** HubSpot keeps the refresh token unchanged; a missing one in the response means the old one. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const tokens = await this.requestTokens('refresh_token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return { ...tokens, refreshToken: tokens.refreshToken || refreshToken };
  }

  async introspect(accessToken: string): Promise<TokenIntrospection> {
    const { status, body } = await this.post('introspect', OAUTH_INTROSPECT_PATH, {
      token: accessToken,
      token_type_hint: 'access_token',
    });
    if (status !== 200) throw errorFromBody('introspect', status, body);
    const parsed = introspectionSchema.safeParse(body);
    if (!parsed.success) {
      throw new OAuthError(
        'introspect',
        status,
        'invalid_response',
        'introspection response has no "active" flag',
        false,
      );
    }
    const result: TokenIntrospection = {
      active: parsed.data.active,
      scopes: parsed.data.scopes ?? [],
    };
    if (parsed.data.hub_id !== undefined) result.hubId = parsed.data.hub_id;
    if (parsed.data.user_id !== undefined) result.userId = parsed.data.user_id;
    if (parsed.data.hub_domain !== undefined) result.hubDomain = parsed.data.hub_domain;
    if (parsed.data.client_id !== undefined) result.clientId = parsed.data.client_id;
    if (parsed.data.app_id !== undefined) result.appId = parsed.data.app_id;
    return result;
  }

  private async requestTokens(
    operation: 'authorization_code' | 'refresh_token',
    fields: Record<string, string>,
  ): Promise<IssuedTokens> {
    const sentAt = Date.now();
    const { status, body } = await this.post(operation, OAUTH_TOKEN_PATH, fields);
    if (status !== 200) throw errorFromBody(operation, status, body);
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new OAuthError(
        operation,
        status,
        'invalid_response',
        'token response lacks access_token or expires_in',
        true,
      );
    }
    const tokens: IssuedTokens = {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token ?? '',
      expiresInSeconds: parsed.data.expires_in,
      expiresAt: sentAt + parsed.data.expires_in * 1000,
    };
    if (parsed.data.hub_id !== undefined) tokens.hubId = parsed.data.hub_id;
    if (parsed.data.scopes !== undefined) tokens.scopes = parsed.data.scopes;
    return tokens;
  }

  private async post(
    operation: OAuthError['operation'],
    path: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; body: unknown }> {
    const form = new URLSearchParams({
      ...fields,
      client_id: this.env.HUBSPOT_CLIENT_ID,
      client_secret: this.env.HUBSPOT_CLIENT_SECRET,
    });
    let response: Response;
    try {
      response = await fetch(`${this.env.HUBSPOT_API_BASE.replace(/\/$/, '')}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `timed out after ${this.timeoutMs} ms`
          : describeNetworkError(error);
      throw new OAuthError(operation, 0, 'network_error', reason, true);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The connection closed before the whole body arrived.
      throw new OAuthError(operation, 0, 'network_error', describeNetworkError(error), true);
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // A non-JSON response (an HTML error page from a proxy) is reported by status only.
    }
    return { status: response.status, body };
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'request failed';
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

function errorFromBody(
  operation: OAuthError['operation'],
  status: number,
  body: unknown,
): OAuthError {
  const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const rfcCode = typeof fields.error === 'string' ? fields.error : undefined;
  const hubspotCode =
    typeof fields.status === 'string' && fields.status !== 'error' ? fields.status : undefined;
  const code = rfcCode ?? hubspotCode ?? `HTTP_${status}`;
  const description =
    (typeof fields.error_description === 'string' && fields.error_description) ||
    (typeof fields.message === 'string' && fields.message) ||
    'no description';
  const retryable = status === 0 || status === 429 || status >= 500;
  // The v1 endpoint returns only HubSpot's status (BAD_REFRESH_TOKEN); the 2026-03 endpoint adds
  // the RFC 6749 code (invalid_grant). OAuthError.isInvalidGrant accepts either.
  return new OAuthError(operation, status, code, description.slice(0, 300), retryable);
}
