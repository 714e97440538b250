import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyJsonMutation,
  applyTextMutation,
  type JsonMutationPlan,
  type TextMutationPlan,
} from './mutate';

/**
 * How the fuzz proxy responds to requests to the route under test. Every other request passes
 * through to the sandbox unchanged.
 */
export type ResponsePlan =
  | { kind: 'passThrough' }
  | { kind: 'json'; plan: JsonMutationPlan }
  | { kind: 'text'; plan: TextMutationPlan }
  | {
      kind: 'status';
      status: number;
      body: 'real' | 'hubspotError' | 'html' | 'empty' | 'rateLimit';
    }
  | { kind: 'contentType'; value: string }
  | { kind: 'retryAfter'; status: 429 | 503; value: string }
  | { kind: 'inflate'; times: number }
  | { kind: 'network'; how: 'reset' | 'stall' | 'partial' | 'shortBody' };

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

/** A loopback HTTP proxy in front of the sandbox that breaks the responses of one route. */
export class FuzzProxy {
  readonly url: string;
  /** Requests seen since the last `reset`, in order. */
  readonly seen: RecordedRequest[] = [];
  private route: RegExp | undefined;
  private plan: ResponsePlan = { kind: 'passThrough' };
  private readonly stalled = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(upstream: string): Promise<FuzzProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const proxy = new FuzzProxy(server, upstream);
    server.on('request', (request, response) => {
      proxy.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(599);
        response.end(String(error));
      });
    });
    return proxy;
  }

  /** Breaks the responses to requests whose `METHOD path` matches `route` from now on. */
  arm(route: RegExp, plan: ResponsePlan): void {
    this.route = route;
    this.plan = plan;
  }

  reset(): void {
    this.route = undefined;
    this.plan = { kind: 'passThrough' };
    this.seen.length = 0;
    for (const response of this.stalled) response.destroy();
    this.stalled.clear();
  }

  async stop(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    this.seen.push({ method, path, body: body.toString('utf8') });

    const armed = this.route?.test(`${method} ${path.split('?')[0]}`) ?? false;
    const plan = armed ? this.plan : { kind: 'passThrough' as const };
    if (plan.kind === 'network' && plan.how === 'reset') {
      request.socket.destroy();
      return;
    }
    if (plan.kind === 'network' && plan.how === 'stall') {
      this.stalled.add(response);
      return;
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
        headers[name] = value;
    }
    const upstream = await fetch(`${this.upstream}${path}`, {
      method,
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const text = await upstream.text();
    const responseHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (
        ![
          'content-length',
          'content-encoding',
          'transfer-encoding',
          'connection',
          'keep-alive',
        ].includes(name)
      )
        responseHeaders[name] = value;
    });
    this.respond(response, plan, upstream.status, responseHeaders, text);
  }

  private respond(
    response: ServerResponse,
    plan: ResponsePlan,
    status: number,
    headers: Record<string, string>,
    text: string,
  ): void {
    const send = (code: number, extra: Record<string, string>, payload: string): void => {
      const bytes = Buffer.from(payload, 'utf8');
      response.writeHead(code, { ...headers, ...extra, 'content-length': String(bytes.length) });
      response.end(bytes);
    };
    switch (plan.kind) {
      case 'passThrough':
        return send(status, {}, text);
      case 'json': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return send(status, {}, text);
        }
        const mutated = applyJsonMutation(parsed, plan.plan).value;
        return send(status, {}, mutated === undefined ? '' : JSON.stringify(mutated));
      }
      case 'text':
        return send(status, {}, applyTextMutation(text, plan.plan).text);
      case 'status': {
        const bodies: Record<typeof plan.body, string> = {
          real: text,
          hubspotError: JSON.stringify({
            status: 'error',
            message: 'fuzzed failure',
            correlationId: '00000000-0000-0000-0000-000000000000',
            category: 'FUZZ',
          }),
          html: '<html><body><h1>502 Bad Gateway</h1></body></html>',
          empty: '',
          rateLimit: JSON.stringify({
            status: 'error',
            message: 'You have reached your ten secondly limit.',
            errorType: 'RATE_LIMIT',
            policyName: 'TEN_SECONDLY_ROLLING',
          }),
        };
        const type: Record<string, string> =
          plan.body === 'html' ? { 'content-type': 'text/html' } : {};
        return send(plan.status, type, bodies[plan.body]);
      }
      case 'contentType':
        return send(status, { 'content-type': plan.value }, text);
      case 'retryAfter':
        return send(
          plan.status,
          { 'retry-after': plan.value },
          JSON.stringify({ status: 'error', message: 'slow down' }),
        );
      case 'inflate': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return send(status, {}, text);
        }
        const record = parsed as { results?: unknown[] };
        if (Array.isArray(record.results) && record.results.length > 0) {
          const first = record.results[0];
          record.results = Array.from({ length: plan.times }, () => first);
        }
        return send(status, {}, JSON.stringify(record));
      }
      case 'network': {
        const bytes = Buffer.from(text, 'utf8');
        if (plan.how === 'partial') {
          // Announces the full length, sends half, then drops the connection.
          response.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
          response.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          response.socket?.destroy();
          return;
        }
        // shortBody: announces more bytes than follow and ends the response cleanly.
        response.writeHead(status, { ...headers, 'content-length': String(bytes.length + 100) });
        response.end(bytes);
        response.socket?.destroy();
        return;
      }
    }
  }
}
