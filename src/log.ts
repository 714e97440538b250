import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino replaces with "[redacted]" on every log line. Tokens, secrets and OAuth codes are
 * listed once here; request and error objects are covered by their header and body paths.
 */
export const REDACT_PATHS = [
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'token',
  'code',
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.code',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["x-hubspot-signature"]',
  'res.headers["set-cookie"]',
  'req.query.code',
  'req.query.state',
  'err.config.headers.authorization',
  'err.headers.authorization',
];

/** Patterns removed from free text (messages, URLs) that may carry a token or code. */
const SECRET_TEXT_PATTERNS: [RegExp, string][] = [
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]'],
  [/((?:access_token|refresh_token|client_secret|code|token|state)=)[^&\s"']+/gi, '$1[redacted]'],
  [
    /("(?:access_token|refresh_token|client_secret|accessToken|refreshToken)"\s*:\s*")[^"]+/g,
    '$1[redacted]',
  ],
];

/** Removes tokens, codes and secrets from a free-text string such as an error message or a URL. */
export function scrubSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_TEXT_PATTERNS)
    result = result.replace(pattern, replacement);
  return result;
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    name: options.name ?? 'cs-health',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: unknown) => {
        const serialized = pino.stdSerializers.err(err as Error);
        if (serialized && typeof serialized.message === 'string') {
          serialized.message = scrubSecrets(serialized.message);
        }
        if (serialized && typeof serialized.stack === 'string') {
          serialized.stack = scrubSecrets(serialized.stack);
        }
        return serialized;
      },
    },
  };
  return destination ? pino(config, destination) : pino(config);
}

export type { Logger };
