import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { WebhookEvent } from '../payload';
import { hmacSha256Base64 } from './hmac';

export interface ReceivedRequest {
  /** 0-based position in arrival order. */
  index: number;
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Raw body text, never re-serialized. */
  body: string;
  events: WebhookEvent[];
}

/**
 * The receiver's response to one request: a status code, a status after a delay, or `reset` to
 * destroy the socket without a response.
 */
export type ReceiverReply = number | { status: number; delayMs: number } | 'reset';

export interface WebhookReceiver {
  readonly requests: ReceivedRequest[];
  /** Most requests open at once, counted per portal (the portalId of the first event). */
  readonly maxConcurrentByPortal: Map<number, number>;
  /** `http://127.0.0.1:<port><pathAndQuery>`. */
  url(pathAndQuery?: string): string;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 that records every webhook request and responds with `reply`. */
export async function startReceiver(
  reply: (request: ReceivedRequest) => ReceiverReply = () => 200,
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const open = new Map<number, number>();
  const maxConcurrentByPortal = new Map<number, number>();
  const replyTimers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const events = JSON.parse(body) as WebhookEvent[];
      const portalId = events[0]?.portalId ?? 0;
      const received: ReceivedRequest = {
        index: requests.length,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        events,
      };
      requests.push(received);
      const nowOpen = (open.get(portalId) ?? 0) + 1;
      open.set(portalId, nowOpen);
      maxConcurrentByPortal.set(
        portalId,
        Math.max(maxConcurrentByPortal.get(portalId) ?? 0, nowOpen),
      );
      const finish = (): void => {
        open.set(portalId, (open.get(portalId) ?? 1) - 1);
      };

      const planned = reply(received);
      if (planned === 'reset') {
        finish();
        req.socket.destroy();
        return;
      }
      const { status, delayMs } =
        typeof planned === 'number' ? { status: planned, delayMs: 0 } : planned;
      const timer = setTimeout(() => {
        replyTimers.delete(timer);
        finish();
        if (!res.destroyed) res.writeHead(status, { 'Content-Type': 'text/plain' }).end('ok');
      }, delayMs);
      replyTimers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    requests,
    maxConcurrentByPortal,
    url: (pathAndQuery = '/hubspot/webhooks') => `http://127.0.0.1:${port}${pathAndQuery}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of replyTimers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks a request's v3 signature with the independent HMAC: the signed text is
 * `POST + signedUri + rawBody + timestamp` and the key is the client secret.
 */
export function hasValidSignature(
  request: ReceivedRequest,
  clientSecret: string,
  signedUri: string,
): boolean {
  const timestamp = request.headers['x-hubspot-request-timestamp'];
  const signature = request.headers['x-hubspot-signature-v3'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = hmacSha256Base64(
    clientSecret,
    request.method + signedUri + request.body + timestamp,
  );
  return expected === signature;
}
