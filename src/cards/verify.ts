import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log';
import { checkRequestSignature, type SignatureRejection } from '../../webhooks/intake/signature';
import { cardRequestsTotal, routeLabel } from './metrics';

export interface SignatureOptions {
  clientSecret: string;
  /** `PUBLIC_ORIGIN`, the scheme and host HubSpot calls; a proxy in front hides them from express. */
  publicOrigin: string;
  logger: Logger;
  now: () => number;
  /** Minimum time between two log lines for the same rejection reason. */
  logIntervalMs?: number;
}

/**
 * Logs at most one line per rejection reason per interval, with the number of rejections left
 * out since the last line, so a flood of forged requests cannot flood the log.
 */
class RejectionLog {
  private readonly lastLoggedAt = new Map<SignatureRejection, number>();
  private readonly suppressed = new Map<SignatureRejection, number>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  record(reason: SignatureRejection, request: Request, now: number): void {
    const last = this.lastLoggedAt.get(reason);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(reason) ?? 0;
    this.lastLoggedAt.set(reason, now);
    this.suppressed.delete(reason);
    this.logger.warn(
      { reason, method: request.method, path: request.path, suppressed },
      'rejected a card request with an invalid HubSpot signature',
    );
  }
}

/**
 * Returns the body bytes that `express.raw` kept, an empty buffer when the request had no body,
 * or undefined when another body parser consumed the bytes first.
 */
export function rawBodyOf(request: Request): Buffer | undefined {
  if (request.body === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(request.body) ? request.body : undefined;
}

/**
 * Express middleware that rejects a request with 401 unless its `X-HubSpot-Signature-v3` matches.
 * The signed URI is the public origin plus `req.originalUrl` exactly as received, and the body is
 * the raw bytes, so it must run after `express.raw` and before any JSON parsing.
 */
export function requireHubSpotSignature(options: SignatureOptions): RequestHandler {
  const rejections = new RejectionLog(options.logger, options.logIntervalMs ?? 60_000);
  return (request: Request, response: Response, next: NextFunction) => {
    const rawBody = rawBodyOf(request);
    if (rawBody === undefined) {
      options.logger.error(
        { path: request.path, bodyType: typeof request.body },
        'card request body was parsed before the signature check; mount the cards router before any body parser',
      );
      cardRequestsTotal.inc({ route: routeLabel(request), outcome: 'error' });
      response.status(500).json({
        error: 'misconfigured',
        message: 'CS Health cannot verify this request because of a server configuration error.',
      });
      return;
    }
    const now = options.now();
    const check = checkRequestSignature(request, rawBody, {
      clientSecret: options.clientSecret,
      publicOrigin: options.publicOrigin,
      now: () => now,
    });
    if (check.valid) {
      next();
      return;
    }
    rejections.record(check.reason, request, now);
    cardRequestsTotal.inc({ route: routeLabel(request), outcome: 'invalid_signature' });
    response.status(401).json({
      error: 'invalid_signature',
      message: `CS Health rejected the request signature (${check.reason}). Reload the record page to retry.`,
    });
  };
}
