import { scrubSecrets } from '../log';

/**
 * Raised when a portal can no longer be called: its refresh token was revoked (the customer
 * uninstalled the app in HubSpot) or an operator uninstalled it here. Retrying cannot help, so
 * queue workers turn it into an unrecoverable job failure.
 */
export class PortalDisconnectedError extends Error {
  override readonly name = 'PortalDisconnectedError';

  constructor(
    readonly portalId: number,
    readonly reason: 'refresh_token_revoked' | 'uninstalled' | 'not_installed',
  ) {
    super(
      reason === 'not_installed'
        ? `portal ${portalId} is not installed: install CS Health from /oauth/install first`
        : `portal ${portalId} is disconnected (${reason}): a HubSpot super admin must reinstall ` +
            'CS Health from /oauth/install',
    );
  }
}

/**
 * A failed HubSpot request, built from the status and the parsed error body only. The SDK's own
 * `ApiException` message embeds the request headers, so it is never passed on.
 */
export class HubSpotApiError extends Error {
  override readonly name = 'HubSpotApiError';
  readonly status: number;
  readonly category: string;
  readonly retryable: boolean;
  /** How long to wait before the next attempt, when HubSpot or the limiter says so. */
  readonly retryAfterMs?: number;
  readonly body: unknown;
  readonly endpoint: string;
  readonly portalId: number;
  readonly correlationId?: string;

  constructor(fields: {
    status: number;
    category: string;
    retryable: boolean;
    retryAfterMs?: number;
    body?: unknown;
    endpoint: string;
    portalId: number;
    detail?: string;
  }) {
    const detail = fields.detail ?? describeBody(fields.body);
    super(
      scrubSecrets(
        `HubSpot ${fields.endpoint} failed for portal ${fields.portalId}: ` +
          `${fields.status === 0 ? 'network error' : `HTTP ${fields.status}`} ${fields.category}` +
          (detail ? `: ${detail}` : ''),
      ),
    );
    this.status = fields.status;
    this.category = fields.category;
    this.retryable = fields.retryable;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    this.body = scrubBody(fields.body);
    this.endpoint = fields.endpoint;
    this.portalId = fields.portalId;
    const correlationId = readString(fields.body, 'correlationId');
    if (correlationId !== undefined) this.correlationId = correlationId;
  }
}

/** Raised by the OAuth token endpoint calls (code exchange, refresh, introspection). */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';

  constructor(
    readonly operation: 'authorization_code' | 'refresh_token' | 'introspect' | 'uninstall',
    readonly status: number,
    /** RFC 6749 `error` (e.g. `invalid_grant`) or HubSpot's `status` (e.g. `BAD_REFRESH_TOKEN`). */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(scrubSecrets(`HubSpot OAuth ${operation} failed: HTTP ${status} ${code}: ${message}`));
  }

  /** True when the grant itself is dead: a revoked refresh token or a used or expired code. */
  get isInvalidGrant(): boolean {
    return (
      this.code === 'invalid_grant' ||
      this.code === 'BAD_REFRESH_TOKEN' ||
      this.code === 'BAD_AUTH_CODE'
    );
  }
}

function readString(body: unknown, key: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function describeBody(body: unknown): string {
  const message = readString(body, 'message');
  if (message !== undefined) return message.slice(0, 500);
  if (typeof body === 'string') return body.slice(0, 200);
  return '';
}

/** Copies a parsed error body with every string scrubbed of anything that looks like a token. */
function scrubBody(body: unknown, depth = 0): unknown {
  if (typeof body === 'string') return scrubSecrets(body);
  if (body === null || typeof body !== 'object' || depth > 5) return body;
  if (Array.isArray(body)) return body.map((item) => scrubBody(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) copy[key] = scrubBody(value, depth + 1);
  return copy;
}
