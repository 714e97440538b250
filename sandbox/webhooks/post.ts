import http from 'node:http';
import https from 'node:https';

/** Result of one POST: a status when the receiver responded, or the reason it did not. */
export type PostResult = { responded: true; status: number } | { responded: false; reason: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Validates a webhook target URL. The sandbox posts only to loopback hosts unless `allowRemote`
 * is set, so a test or demo never sends portal data to a real server by mistake.
 */
export function checkTargetUrl(targetUrl: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    throw new Error(
      `invalid webhook target URL ${JSON.stringify(targetUrl)}: expected an absolute http(s) URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid webhook target URL ${targetUrl}: the scheme must be http or https`);
  }
  if (!allowRemote && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(
      `webhook target ${targetUrl} is not on a loopback host; use 127.0.0.1, localhost or [::1], or set allowRemoteTargets`,
    );
  }
  return url;
}

/** Keep-alive agents owned by one dispatcher, so stopping it closes its sockets. */
export class PostAgents {
  readonly http = new http.Agent({ keepAlive: true });
  readonly https = new https.Agent({ keepAlive: true });

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * POSTs `body` and resolves once the response status arrives or the request fails. The response
 * body is read and discarded. A request without a status after `timeoutMs` is aborted.
 */
export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; agents: PostAgents },
): Promise<PostResult> {
  const isHttps = url.protocol === 'https:';
  const payload = Buffer.from(body, 'utf8');

  return new Promise((resolve) => {
    const request = (isHttps ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(payload.length) },
      agent: isHttps ? options.agents.https : options.agents.http,
    });
    const timer = setTimeout(() => {
      settle({
        responded: false,
        reason: `timed out after ${options.timeoutMs} ms`,
      });
      request.destroy();
    }, options.timeoutMs);
    let settled = false;
    function settle(result: PostResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    }

    request.on('response', (response) => {
      response.resume();
      settle({ responded: true, status: response.statusCode ?? 0 });
    });
    request.on('error', (error) => {
      settle({ responded: false, reason: error.message });
    });
    request.end(payload);
  });
}
