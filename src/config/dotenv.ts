import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { EnvError } from './env';

/** A line that starts a variable: optional `export`, a name, `=`, and an optional opening quote. */
const ASSIGNMENT = /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*(["'`])?(.*)$/;

/**
 * Returns the 1-based number of the first line that is neither blank, a comment, an assignment
 * nor the continuation of a quoted multi-line value, or undefined when every line is valid.
 * `util.parseEnv` does not reject such a line: it joins it to the next variable's name
 * (`oops\nB=2` gives the name "oops\nB"), so that variable would be silently lost.
 */
function firstInvalidLine(text: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let openQuote: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (openQuote !== undefined) {
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = ASSIGNMENT.exec(trimmed);
    if (!match) return index + 1;
    const quote = match[1];
    if (quote !== undefined && !(match[2] ?? '').includes(quote)) openQuote = quote;
  }
  return undefined;
}

/**
 * Reads a dotenv file into `target`, skipping every variable `target` already has, so the real
 * environment wins over the file. A missing file is not an error. Returns the names it set.
 * Throws an EnvError naming the path when the file cannot be read or has an invalid line.
 */
export function loadDotenv(
  file: string = path.resolve('.env'),
  target: NodeJS.ProcessEnv = process.env,
): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvError([`${file}: could not be read (${reason}); fix or remove the file`]);
  }
  const invalidLine = firstInvalidLine(text);
  if (invalidLine !== undefined) {
    throw new EnvError([
      `${file}: line ${invalidLine} is invalid; expected NAME=value, a # comment or a blank line`,
    ]);
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (target[name] !== undefined) continue;
    target[name] = value;
    applied.push(name);
  }
  return applied;
}
