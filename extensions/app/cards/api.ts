import { hubspot } from '@hubspot/ui-extensions';
import type { ErrorBody, HealthResponse, RecomputeResponse } from './types';

/**
 * Every `hubspot.fetch` call of the card lives in this module, so component tests replace this
 * module and never the SDK.
 *
 * The origin must be listed in `permittedUrls.fetch` of `app-hsmeta.json`; HubSpot rejects any
 * other URL. For `hs project dev`, `local.json` can proxy this origin to a local server.
 */
export const BACKEND_ORIGIN = 'https://app.cs-health.example';

/** The backend responds from its own store within milliseconds, and HubSpot's default is 15 s. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A failed backend call, with a message the card can show as it is. */
export class CardApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or null when no response arrived. */
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'CardApiError';
  }
}

export function healthUrl(portalId: number, companyId: string): string {
  const query = `portalId=${encodeURIComponent(String(portalId))}&companyId=${encodeURIComponent(companyId)}`;
  return `${BACKEND_ORIGIN}/cards/health?${query}`;
}

export function recomputeUrl(): string {
  return `${BACKEND_ORIGIN}/cards/health/recompute`;
}

/** Reads the company's stored health result. Throws {@link CardApiError}. */
export async function fetchHealth(portalId: number, companyId: string): Promise<HealthResponse> {
  const response = await send(healthUrl(portalId, companyId), { method: 'GET' });
  if (response.status === 200) return readStateBody<HealthResponse>(response);
  throw await errorFromResponse(response);
}

/**
 * Marks the company for a hot recompute. Marking is idempotent on the backend, so HubSpot's
 * single retry after a 5xx cannot queue it twice. Throws {@link CardApiError}.
 */
export async function requestRecompute(
  portalId: number,
  companyId: string,
): Promise<RecomputeResponse> {
  const response = await send(recomputeUrl(), {
    method: 'POST',
    body: { portalId, companyId },
  });
  // 409 carries the disconnected state, which the card shows like the GET's.
  if (response.status === 202 || response.status === 409) {
    return readStateBody<RecomputeResponse>(response);
  }
  throw await errorFromResponse(response);
}

async function send(url: string, options: Parameters<typeof hubspot.fetch>[1]): Promise<Response> {
  try {
    return await hubspot.fetch(url, { timeout: REQUEST_TIMEOUT_MS, ...options });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CardApiError(`CS Health could not be reached (${detail}).`, null);
  }
}

async function readStateBody<T extends { state: string }>(response: Response): Promise<T> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new CardApiError(
      `CS Health sent a response that is not JSON (HTTP ${response.status}).`,
      response.status,
    );
  }
  if (typeof body !== 'object' || body === null || typeof (body as T).state !== 'string') {
    throw new CardApiError(
      `CS Health sent a response without a state (HTTP ${response.status}).`,
      response.status,
    );
  }
  return body as T;
}

async function errorFromResponse(response: Response): Promise<CardApiError> {
  let message: string | undefined;
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message !== '') message = body.message;
  } catch {
    // No JSON body: fall back to the status text below.
  }
  if (response.status === 429) {
    message ??= 'Too many requests reached CS Health at once. Try again in a few seconds.';
  }
  return new CardApiError(
    message ?? `CS Health answered with HTTP ${response.status}.`,
    response.status,
  );
}
