/** Command-line options shared by `npm run bench`, `npm run chaos` and `npm run fuzz`. */
export interface SuiteOptions {
  /** The short run CI uses: fewer cases, a smaller portal, shorter phases. */
  quick: boolean;
  /** Path of the JSON report; no report is written when undefined. */
  reportFile?: string;
  /** Seed of every random choice, so a run can be repeated. */
  seed: number;
  help: boolean;
  /** Numeric options a suite declares, e.g. `--companies`, keyed without the dashes. */
  numbers: Record<string, number>;
  /** Text options a suite declares, e.g. `--only`, keyed without the dashes. */
  texts: Record<string, string>;
}

/** An option a suite accepts besides the shared ones: a number, or text when `text` is set. */
export interface SuiteOption {
  flag: string;
  description: string;
  integer: boolean;
  text?: boolean;
}

export function usage(command: string, summary: string, extra: SuiteOption[] = []): string {
  const lines = [
    `Usage: npm run ${command} -- [options]`,
    '',
    summary,
    '',
    'Options:',
    '  --quick              the short run CI uses',
    '  --report FILE        write the JSON report to FILE',
    '  --seed N             seed of the random choices (default: the current time)',
    ...extra.map(
      (option) =>
        `  ${`${option.flag} ${option.text ? 'TEXT' : 'N'}`.padEnd(20)} ${option.description}`,
    ),
    '  --help               show this help',
    '',
  ];
  return lines.join('\n');
}

function parseNumber(flag: string, text: string | undefined, integer: boolean): number {
  const value = Number(text);
  if (text === undefined || text.startsWith('--') || !Number.isFinite(value) || value <= 0) {
    throw new Error(
      `${flag} needs a positive number, got ${text === undefined ? 'nothing' : `"${text}"`}`,
    );
  }
  if (integer && !Number.isInteger(value)) {
    throw new Error(`${flag} needs a whole number, got "${text}"`);
  }
  return value;
}

/** Parses the arguments; throws an error naming the bad option and its value. */
export function parseSuiteArgs(argv: string[], extra: SuiteOption[] = []): SuiteOptions {
  const options: SuiteOptions = {
    quick: false,
    seed: Date.now() % 2_147_483_647,
    help: false,
    numbers: {},
    texts: {},
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const next = (): string | undefined => {
      i += 1;
      return argv[i];
    };
    const declared = extra.find((option) => option.flag === arg);
    if (declared?.text) {
      const text = next();
      if (!text || text.startsWith('--')) throw new Error(`${arg} needs a value`);
      options.texts[declared.flag.replace(/^--/, '')] = text;
      continue;
    }
    if (declared) {
      options.numbers[declared.flag.replace(/^--/, '')] = parseNumber(
        arg,
        next(),
        declared.integer,
      );
      continue;
    }
    switch (arg) {
      case '--quick':
        options.quick = true;
        break;
      case '--report': {
        const file = next();
        if (!file || file.startsWith('--'))
          throw new Error('--report needs a file name, e.g. --report reports/bench.json');
        options.reportFile = file;
        break;
      }
      case '--seed':
        options.seed = parseNumber('--seed', next(), true);
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option "${arg}"; run with --help for the list`);
    }
  }
  return options;
}
