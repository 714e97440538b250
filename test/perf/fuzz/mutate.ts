import fc from 'fast-check';

/**
 * Mutations of valid inputs. Each mutation is a plan that fast-check generates and that is
 * applied later, to a value known at generation time (a webhook batch, the default config) or
 * only at run time (a real sandbox response passing through the fuzz proxy). Positions are
 * fractions from 0 to 1 of the paths or characters present, so one plan fits any value.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PathKey = string | number;

/** Every path in a JSON value, the root included, up to `maxPaths`. */
export function jsonPaths(value: unknown, maxPaths = 5000): PathKey[][] {
  const paths: PathKey[][] = [];
  const walk = (node: unknown, path: PathKey[]): void => {
    if (paths.length >= maxPaths) return;
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, index) => walk(child, [...path, index]));
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    }
  };
  walk(value, []);
  return paths;
}

/** Values of the wrong type or at the edge of a range, as JSON can carry them. */
export const edgeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    -0,
    1.5,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e308,
    -1e308,
    '',
    ' ',
    '0',
    '-1',
    'NaN',
    'Infinity',
    'null',
    'undefined',
    'true',
    '1e400',
    '2024-02-30',
    '\u0000',
    '\ud800',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    [],
    {},
    [[[]]],
    // An own property named __proto__, as JSON.parse creates it.
    JSON.parse('{"__proto__":{"polluted":true}}') as Json,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

export type JsonMutationPlan =
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'addField'; at: number; key: string; value: Json }
  | { kind: 'repeat'; at: number; times: number }
  | { kind: 'nest'; at: number; depth: number }
  | { kind: 'huge'; at: number; chars: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Plans that break a JSON value in one place. `hugeChars` bounds the long-string plan. */
export function jsonMutationPlan(hugeChars = 2_000_000): fc.Arbitrary<JsonMutationPlan> {
  return fc.oneof(
    { weight: 3, arbitrary: fraction.map((at) => ({ kind: 'delete' as const, at })) },
    {
      weight: 5,
      arbitrary: fc.record({ kind: fc.constant('set' as const), at: fraction, value: edgeValue }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('addField' as const),
        at: fraction,
        key: fc.string({ minLength: 1, maxLength: 12 }),
        value: edgeValue,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('repeat' as const),
        at: fraction,
        times: fc.integer({ min: 2, max: 300 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('nest' as const),
        at: fraction,
        depth: fc.integer({ min: 50, max: 3000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('huge' as const),
        at: fraction,
        chars: fc.constantFrom(70_000, hugeChars),
      }),
    },
  );
}

function pathAt(value: unknown, at: number): PathKey[] {
  const paths = jsonPaths(value);
  return paths[Math.min(paths.length - 1, Math.floor(at * paths.length))] ?? [];
}

function showPath(path: PathKey[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

/** Replaces the node at `path` in a deep copy of `root`; `undefined` deletes it. */
function replaceAt(root: unknown, path: PathKey[], replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(root);
  const copy = structuredClone(root) as Record<PathKey, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<PathKey, unknown>;
  const last = path[path.length - 1] as PathKey;
  const next = replace(node[last]);
  if (next !== undefined) node[last] = next;
  else if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
  return copy;
}

/** Applies a plan to a JSON value; returns the new value and a line saying what changed. */
export function applyJsonMutation(
  value: unknown,
  plan: JsonMutationPlan,
): { value: unknown; mutation: string } {
  const path = pathAt(value, plan.at);
  const where = showPath(path);
  switch (plan.kind) {
    case 'delete':
      return { value: replaceAt(value, path, () => undefined), mutation: `delete ${where}` };
    case 'set':
      return {
        value: replaceAt(value, path, () => plan.value),
        mutation: `set ${where} = ${JSON.stringify(plan.value)?.slice(0, 60)}`,
      };
    case 'addField':
      return {
        value: replaceAt(value, path, (old) =>
          old !== null && typeof old === 'object' && !Array.isArray(old)
            ? { ...old, [plan.key]: plan.value }
            : old,
        ),
        mutation: `add field ${JSON.stringify(plan.key)} under ${where}`,
      };
    case 'repeat':
      return {
        value: replaceAt(value, path, (old) =>
          Array.isArray(old) && old.length > 0
            ? Array.from({ length: plan.times }, () => old[0])
            : old,
        ),
        mutation: `repeat the first element of ${where} ${plan.times} times`,
      };
    case 'nest':
      return {
        value: replaceAt(value, path, (old) => {
          let nested: unknown = old;
          for (let i = 0; i < plan.depth; i += 1) nested = [nested];
          return nested;
        }),
        mutation: `nest ${where} ${plan.depth} arrays deep`,
      };
    case 'huge':
      return {
        value: replaceAt(value, path, () => 'x'.repeat(plan.chars)),
        mutation: `set ${where} to a ${plan.chars}-character string`,
      };
  }
}

export type TextMutationPlan =
  | { kind: 'truncate'; at: number }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'bom' }
  | { kind: 'double' };

export const textMutationPlan: fc.Arbitrary<TextMutationPlan> = fc.oneof(
  fraction.map((at) => ({ kind: 'truncate' as const, at })),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fraction,
    text: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fraction,
    text: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  }),
  fc.constant({ kind: 'bom' as const }),
  fc.constant({ kind: 'double' as const }),
);

/** Applies a text plan; returns the new text and a line saying what changed. */
export function applyTextMutation(
  text: string,
  plan: TextMutationPlan,
): { text: string; mutation: string } {
  const position = (at: number): number => Math.floor(at * text.length);
  switch (plan.kind) {
    case 'truncate': {
      const at = position(plan.at);
      return { text: text.slice(0, at), mutation: `truncate at character ${at}` };
    }
    case 'replace': {
      const at = position(plan.at);
      return {
        text: text.slice(0, at) + plan.text + text.slice(at + 1),
        mutation: `replace character ${at} with ${JSON.stringify(plan.text)}`,
      };
    }
    case 'insert': {
      const at = position(plan.at);
      return {
        text: text.slice(0, at) + plan.text + text.slice(at),
        mutation: `insert ${JSON.stringify(plan.text)} at character ${at}`,
      };
    }
    case 'bom':
      return { text: `\ufeff${text}`, mutation: 'prepend a byte-order mark' };
    case 'double':
      return { text: text + text, mutation: 'repeat the whole text' };
  }
}
