/**
 * The facts of one failed HubSpot attempt, taken from the SDK's exception, the raw body the
 * capture middleware kept, or a network error. They never come from a message string, because
 * the SDK's messages embed request headers.
 */
export interface RequestFailure {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  category: string;
  body: unknown;
  headers: Record<string, string>;
  /** Set for network errors; `requestSent` is false only when the connection was refused. */
  network?: { code: string; requestSent: boolean };
  /** Reason a response that arrived could not be read. */
  detail?: string;
}

/**
 * Describes a response the SDK or the gateway could not read: a body that is not JSON, is cut
 * short, or lacks fields the gateway relies on. The gateway retries such responses like a 5xx,
 * because a proxy or an interrupted transfer is the likely cause.
 */
export function invalidResponse(error: unknown, capture: ResponseCapture): RequestFailure {
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: capture.status ?? 200,
    category: 'INVALID_RESPONSE',
    body: undefined,
    headers: {},
    detail: `HubSpot sent a response that could not be read (${message.slice(0, 200)})`,
  };
}

/** Returns `response.results` when it is an array, else throws, so the caller sees INVALID_RESPONSE. */
export function resultsOf<T>(response: { results?: T[] } | null | undefined): T[] {
  if (!response || !Array.isArray(response.results)) {
    throw new Error('the response has no "results" array');
  }
  return response.results;
}

/** A non-2xx response to `client.apiRequest`, which resolves instead of throwing. */
export class RawHttpError extends Error {
  override readonly name = 'RawHttpError';

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: unknown,
  ) {
    super(`HubSpot responded with HTTP ${status}`);
  }
}

/** The request took longer than the gateway's timeout; HubSpot may still have applied it. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
  }
}

/** Raw error bodies kept by the capture middleware, since the SDK drops unknown fields. */
export interface ResponseCapture {
  status?: number;
  headers?: Record<string, string>;
  bodyText?: Promise<string>;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Returns undefined for errors that are not about the HTTP exchange (bugs in caller code). */
export async function describeFailure(
  error: unknown,
  capture: ResponseCapture,
): Promise<RequestFailure | undefined> {
  if (error instanceof RawHttpError) {
    return {
      status: error.status,
      category: categoryOf(error.status, error.body),
      body: error.body,
      headers: error.headers,
    };
  }
  if (error instanceof RequestTimeoutError) {
    return {
      status: 0,
      category: 'TIMEOUT',
      body: undefined,
      headers: {},
      network: { code: 'ETIMEDOUT', requestSent: true },
    };
  }
  if (isApiException(error)) {
    const body =
      capture.status === error.code && capture.bodyText
        ? parseJson(await capture.bodyText)
        : error.body;
    return {
      status: error.code,
      category: categoryOf(error.code, body),
      body,
      headers: lowerCaseKeys(error.headers),
    };
  }
  if (capture.status !== undefined && capture.bodyText) {
    // The SDK throws a plain Error when an error response is not JSON (a proxy's HTML page).
    const body = parseJson(await capture.bodyText);
    return {
      status: capture.status,
      category: categoryOf(capture.status, body),
      body,
      headers: lowerCaseKeys(capture.headers),
    };
  }
  const code = networkCode(error);
  if (code !== undefined) {
    return {
      status: 0,
      category: 'NETWORK_ERROR',
      body: undefined,
      headers: {},
      network: { code, requestSent: !CONNECT_ERRORS.has(code) },
    };
  }
  return undefined;
}

/**
 * Computes the ms to wait before retrying a 429 or 503 from `Retry-After` (seconds or an HTTP
 * date) first, then HubSpot's rate-limit interval header for the ten-secondly policy, then the
 * policy name or message.
 */
export function retryAfterMs(
  failure: RequestFailure,
  windowScale: number,
  now = Date.now(),
): number | undefined {
  const header = failure.headers['retry-after'];
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  if (failure.status !== 429) return undefined;
  const policy = readField(failure.body, 'policyName');
  const message = readField(failure.body, 'message');
  // Without the raw body (a call that did not pass sdkOptions) only the message is left.
  const secondly = policy === 'SECONDLY' || /\bsecondly limit/i.test(message ?? '');
  const daily = policy === 'DAILY' || /\bdaily limit/i.test(message ?? '');
  if (secondly) {
    return Math.round(1000 * windowScale);
  }
  const interval = Number(failure.headers['x-hubspot-ratelimit-interval-milliseconds']);
  if (policy === 'TEN_SECONDLY_ROLLING' && Number.isFinite(interval) && interval > 0) {
    return Math.round(interval * windowScale);
  }
  if (daily) return 60 * 60_000;
  return Math.round(10_000 * windowScale);
}

function isApiException(
  error: unknown,
): error is { code: number; body: unknown; headers: Record<string, string> } {
  if (error === null || typeof error !== 'object') return false;
  const candidate = error as Record<string, unknown>;
  return (
    typeof candidate.code === 'number' &&
    'body' in candidate &&
    typeof candidate.headers === 'object'
  );
}

function networkCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    type?: unknown;
    cause?: { code?: unknown };
  };
  if (candidate.name === 'FetchError' || candidate.type === 'system') {
    return typeof candidate.code === 'string' ? candidate.code : 'ECONNRESET';
  }
  if (typeof candidate.cause?.code === 'string') return candidate.cause.code;
  if (typeof candidate.code === 'string' && /^E[A-Z]+$/.test(candidate.code)) return candidate.code;
  return undefined;
}

function categoryOf(status: number, body: unknown): string {
  return (
    readField(body, 'category') ??
    readField(body, 'errorType') ??
    (readField(body, 'status') !== 'error' ? readField(body, 'status') : undefined) ??
    `HTTP_${status}`
  );
}

function readField(body: unknown, key: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {}))
    result[key.toLowerCase()] = String(value);
  return result;
}
