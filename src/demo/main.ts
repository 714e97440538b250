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

  // Ctrl-C while the demo works ends its waits; everything it started is then stopped below.
  const interrupted = new AbortController();
  const interrupt = (): void => interrupted.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const demo = await runDemo(options, print, interrupted.signal);
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  if (options.reportFile) {
    const file = path.resolve(options.reportFile);
    writeFileSync(file, `${JSON.stringify(demo.report, null, 2)}\n`);
    print(`Report written to ${file}`);
  }
  if (interrupted.signal.aborted) {
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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  print('Stopping the web and worker processes, the sandbox and Redis...');
  await demo.stop();
  return 0;
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
