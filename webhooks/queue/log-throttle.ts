import type { Logger } from '../../src/log';

/**
 * Returns an error logger that writes at most one line per `intervalMs`, with the number of
 * errors it skipped since the last line. A Redis outage makes ioredis and BullMQ report the same
 * error every few hundred milliseconds, which would otherwise flood the log.
 */
export function throttledErrorLog(
  logger: Logger,
  message: string,
  intervalMs = 10_000,
): (error: unknown) => void {
  let lastAt = 0;
  let skipped = 0;
  return (error: unknown) => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      skipped += 1;
      return;
    }
    logger.error({ err: error, skipped }, message);
    lastAt = now;
    skipped = 0;
  };
}
