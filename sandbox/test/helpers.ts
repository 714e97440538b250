import { Client } from '@hubspot/api-client';
import { startSandbox, type PortalHandle, type Sandbox, type SandboxOptions } from '../index';

export interface TestSandbox {
  sandbox: Sandbox;
  portal: PortalHandle;
  token: string;
  refreshToken: string;
  client: Client;
}

/** Starts a sandbox with one empty portal and a token holding every scope of the app. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ logger: false, ...options });
  const portal = await sandbox.createPortal({ seed: 'empty' });
  const issued = portal.issueTokens();
  return {
    sandbox,
    portal,
    token: issued.accessToken,
    refreshToken: issued.refreshToken,
    client: apiClient(sandbox, issued.accessToken),
  };
}

/** Creates the real API client pointed at the sandbox, with one attempt unless told otherwise. */
export function apiClient(sandbox: Sandbox, accessToken: string, attempts = 1): Client {
  return new Client({ accessToken, basePath: sandbox.baseUrl, numberOfApiCallRetries: attempts });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Sends a request with fetch and parses a JSON response body when there is one. */
export async function raw(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; form?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Returns the ApiException a client call throws; fails when the call succeeds. */
export async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const { code, body } = error as { code: number; body: unknown };
    return {
      code,
      body: (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>,
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
