import { randomBytes, randomUUID } from 'node:crypto';

export interface AccessToken {
  token: string;
  portalId: number;
  scopes: string[];
  userId: number;
  issuedAt: number;
  /** Epoch ms after which requests with the token get 401 EXPIRED_AUTHENTICATION. */
  expiresAt: number;
  refreshToken: string;
  revoked: boolean;
}

export interface RefreshToken {
  token: string;
  portalId: number;
  scopes: string[];
  userId: number;
  issuedAt: number;
  revoked: boolean;
}

export interface AuthorizationCode {
  code: string;
  portalId: number;
  scopes: string[];
  userId: number;
  clientId: string;
  redirectUri: string;
  expiresAt: number;
}

/** How long an authorization code stays valid. HubSpot's own codes are short-lived. */
export const AUTHORIZATION_CODE_TTL_MS = 10 * 60_000;

/**
 * Tokens and codes of the sandbox's one app. Access tokens expire after the configured TTL;
 * refresh tokens stay valid until revoked, as HubSpot's do.
 */
export class TokenStore {
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(
    readonly accessTokenTtlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Issues a new refresh token and an access token bound to it. */
  issue(
    portalId: number,
    scopes: string[],
    userId: number,
  ): { access: AccessToken; refresh: RefreshToken } {
    const refresh: RefreshToken = {
      token: `na1-${randomUUID()}`,
      portalId,
      scopes: [...scopes],
      userId,
      issuedAt: this.clock(),
      revoked: false,
    };
    this.refresh.set(refresh.token, refresh);
    return { access: this.issueAccess(refresh), refresh };
  }

  /** Issues a new access token for a valid refresh token; undefined when it is unknown or revoked. */
  useRefreshToken(token: string): { access: AccessToken; refresh: RefreshToken } | undefined {
    const refresh = this.refresh.get(token);
    if (!refresh || refresh.revoked) return undefined;
    return { access: this.issueAccess(refresh), refresh };
  }

  findAccess(token: string): AccessToken | undefined {
    return this.access.get(token);
  }

  findRefresh(token: string): RefreshToken | undefined {
    return this.refresh.get(token);
  }

  createCode(input: Omit<AuthorizationCode, 'code' | 'expiresAt'>): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      code: randomUUID(),
      expiresAt: this.clock() + AUTHORIZATION_CODE_TTL_MS,
    };
    this.codes.set(code.code, code);
    return code;
  }

  /** Returns a valid code and deletes it, because codes are single-use. */
  consumeCode(code: string): AuthorizationCode | undefined {
    const found = this.codes.get(code);
    if (!found) return undefined;
    this.codes.delete(code);
    return found.expiresAt > this.clock() ? found : undefined;
  }

  /** Makes every access token of the portal expired from now on. */
  expireAccessTokens(portalId: number): void {
    const now = this.clock();
    for (const token of this.access.values()) {
      if (token.portalId === portalId && token.expiresAt > now) token.expiresAt = now;
    }
  }

  revokeRefreshTokens(portalId: number): void {
    for (const token of this.refresh.values())
      if (token.portalId === portalId) token.revoked = true;
  }

  /** Revokes one refresh token and the access tokens issued from it. */
  revokeRefreshToken(token: string): boolean {
    const refresh = this.refresh.get(token);
    if (!refresh) return false;
    refresh.revoked = true;
    for (const access of this.access.values())
      if (access.refreshToken === token) access.revoked = true;
    return true;
  }

  revokeAccessToken(token: string): boolean {
    const access = this.access.get(token);
    if (!access) return false;
    access.revoked = true;
    return true;
  }

  /** Revokes everything the portal holds, as an uninstall does. */
  revokeAll(portalId: number): void {
    this.revokeRefreshTokens(portalId);
    for (const token of this.access.values()) if (token.portalId === portalId) token.revoked = true;
  }

  private issueAccess(refresh: RefreshToken): AccessToken {
    const now = this.clock();
    const access: AccessToken = {
      // HubSpot access tokens are opaque strings; the sandbox's are random and carry no data.
      token: `CN${randomBytes(30).toString('base64url')}`,
      portalId: refresh.portalId,
      scopes: refresh.scopes,
      userId: refresh.userId,
      issuedAt: now,
      expiresAt: now + this.accessTokenTtlMs,
      refreshToken: refresh.token,
      revoked: false,
    };
    this.access.set(access.token, access);
    return access;
  }
}
