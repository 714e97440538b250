import { randomUUID } from 'node:crypto';

/** An error answered with HubSpot's status code and JSON error body. */
export class HubSpotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.name = 'HubSpotHttpError';
  }
}

export function correlationId(): string {
  return randomUUID();
}

/** HubSpot's standard error body: status, message, correlationId, category and extras. */
export function errorBody(
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { status: 'error', message, correlationId: correlationId(), category, ...extra };
}

/**
 * One entry of a batch response's `errors` array, in HubSpot's StandardError shape. The spec
 * requires `status`, `category`, `message`, `context`, `errors` and `links` on every entry.
 */
export function standardError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { status: 'error', category, message, context, errors: [], links: {}, ...extra };
}

export function validationError(
  message: string,
  extra: Record<string, unknown> = {},
): HubSpotHttpError {
  return new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', message, extra));
}

export function notFoundError(
  message: string,
  extra: Record<string, unknown> = {},
): HubSpotHttpError {
  return new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', message, extra));
}

export function conflictError(message: string): HubSpotHttpError {
  return new HubSpotHttpError(409, errorBody('OBJECT_ALREADY_EXISTS', message));
}

export function invalidAuthenticationError(message: string): HubSpotHttpError {
  return new HubSpotHttpError(401, errorBody('INVALID_AUTHENTICATION', message));
}

export function expiredAuthenticationError(secondsAgo: number): HubSpotHttpError {
  return new HubSpotHttpError(
    401,
    errorBody(
      'EXPIRED_AUTHENTICATION',
      `The OAuth token used to make this call expired ${secondsAgo} second(s) ago.`,
    ),
  );
}

/** HubSpot's 403 for a token without the scopes an endpoint needs (any one of `required`). */
export function missingScopesError(required: string[]): HubSpotHttpError {
  return new HubSpotHttpError(
    403,
    errorBody(
      'MISSING_SCOPES',
      "This app hasn't been granted all required scopes to make this call.",
      {
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: required },
          },
        ],
      },
    ),
  );
}

/**
 * HubSpot's 429 bodies. `@hubspot/api-client` 13.x retries a 429 only when `policyName` is
 * TEN_SECONDLY_ROLLING or the message is exactly "You have reached your secondly limit.".
 */
export function rateLimitError(
  policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY',
  headers: Record<string, string> = {},
): HubSpotHttpError {
  const message =
    policy === 'SECONDLY'
      ? 'You have reached your secondly limit.'
      : 'You have reached your ten_secondly_rolling limit.';
  return new HubSpotHttpError(
    429,
    {
      status: 'error',
      message,
      errorType: 'RATE_LIMIT',
      correlationId: correlationId(),
      policyName: policy,
      requestId: randomUUID(),
    },
    headers,
  );
}

export function methodNotAllowedError(method: string, path: string): HubSpotHttpError {
  return new HubSpotHttpError(
    405,
    errorBody('VALIDATION_ERROR', `${method} is not supported on ${path}.`),
  );
}
