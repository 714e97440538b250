import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_USAGE, parseDemoArgs, type DemoOptions } from './args';
import { runDemo } from './run';

/**
 * `npm run demo`: the main job end to end on a local sandbox portal. With `--exit` it stops
 * after the summary, with exit code 0 when the report lists no errors and 1 otherwise. Without
 * it, everything keeps running until Ctrl-C.
 */
async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n\n${DEMO_USAGE}`,
    );
    return 2;
  }
  if (options.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  const shutdown = new ShutdownSignals(print);
  const demo = await runDemo(options, print, shutdown.signal);
  if (options.reportFile) {
    const file = path.resolve(options.reportFile);
    writeFileSync(file, `${JSON.stringify(demo.report, null, 2)}\n`);
    print(`Report written to ${file}`);
  }
  if (shutdown.signal.aborted) {
    print('Stopping the web and worker processes, the sandbox and Redis...');
    await demo.stop();
    return 130;
  }
  const failed = demo.report.errors.length > 0;
  if (options.exit || failed) {
    await demo.stop();
    return failed ? 1 : 0;
  }

  print('');
  print('The demo keeps running: open the URLs above. Press Ctrl-C to stop everything.');
  await shutdown.requested;
  print('Stopping the web and worker processes, the sandbox and Redis...');
  await demo.stop();
  return 0;
}

/**
 * SIGINT and SIGTERM handling for the whole run, including the shutdown. Ctrl-C in a terminal
 * delivers SIGINT twice: once to the process group and once relayed by the tsx CLI, the
 * demo's parent. The handlers therefore stay installed until the process exits, so a second
 * signal cannot kill the demo halfway through stopping and leave redis-server running. The
 * third signal forces an exit, and the exit hook of the private Redis still stops it.
 */
class ShutdownSignals {
  private readonly controller = new AbortController();
  private received = 0;
  /** Resolves at the first SIGINT or SIGTERM. */
  readonly requested: Promise<void>;

  constructor(private readonly print: (line: string) => void) {
    let resolve: () => void = () => {};
    this.requested = new Promise<void>((done) => (resolve = done));
    this.signal.addEventListener('abort', () => resolve());
    process.on('SIGINT', this.handle);
    process.on('SIGTERM', this.handle);
  }

  /** Aborted at the first SIGINT or SIGTERM, so the demo's waits end. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private readonly handle = (name: NodeJS.Signals): void => {
    this.received += 1;
    if (this.received === 1) {
      this.controller.abort();
    } else if (this.received === 2) {
      this.print(`Received ${name} again; still stopping. Send it once more to exit at once.`);
    } else {
      this.print(`Received ${name} a third time; exiting without finishing the cleanup.`);
      process.exit(130);
    }
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `The demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
