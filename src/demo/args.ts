/** Command-line options of `npm run demo`. */
export interface DemoOptions {
  /** Exit after the summary instead of running until Ctrl-C. */
  exit: boolean;
  /** Path of the JSON report; no report is written when undefined. */
  reportFile?: string;
  /** Scenario days to replay after the backfill; undefined replays all of them. */
  days?: number;
  /** Companies in the sandbox portal. */
  companies: number;
  /** Log level of the web and worker processes. */
  logLevel: string;
  help: boolean;
}

export const DEMO_USAGE = `Usage: npm run demo -- [options]

Runs CS Health end to end on a local sandbox portal seeded from RavenStack: starts Redis, the
sandbox, the web and worker processes, installs the app through OAuth, backfills every company
and replays scenario days so that webhooks drive the rescoring.

Options:
  --exit               exit after the summary (default: keep running until Ctrl-C)
  --report FILE        write the JSON report to FILE
  --days N             replay N scenario days (default: every day of the scenario)
  --companies N        companies in the sandbox portal (default: 500)
  --log-level LEVEL    log level of the web and worker processes (default: warn)
  --help               show this help

Environment:
  REDIS_URL            use this Redis instead of starting a private redis-server
`;

function positiveNumber(flag: string, text: string | undefined, integer: boolean): number {
  const value = Number(text);
  if (
    text === undefined ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new Error(
      `${flag} needs a positive ${integer ? 'whole ' : ''}number, got ${text === undefined ? 'nothing' : `"${text}"`}`,
    );
  }
  return value;
}

/** Parses the demo's arguments; throws an error naming the bad option and its value. */
export function parseDemoArgs(argv: string[]): DemoOptions {
  const options: DemoOptions = {
    exit: false,
    companies: 500,
    logLevel: 'warn',
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = (): string | undefined => {
      i += 1;
      return argv[i];
    };
    switch (arg) {
      case '--exit':
        options.exit = true;
        break;
      case '--report': {
        const file = next();
        if (!file || file.startsWith('--'))
          throw new Error('--report needs a file name, e.g. --report r.json');
        options.reportFile = file;
        break;
      }
      case '--days':
        options.days = positiveNumber('--days', next(), true);
        break;
      case '--companies':
        options.companies = positiveNumber('--companies', next(), true);
        break;
      case '--log-level': {
        const level = next();
        if (
          !level ||
          !['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)
        ) {
          throw new Error(
            `--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "${level}"`,
          );
        }
        options.logLevel = level;
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option "${arg}"; run npm run demo -- --help for the list`);
    }
  }
  return options;
}
