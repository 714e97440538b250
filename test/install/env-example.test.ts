import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../src/config/env';

describe('.env.example', () => {
  const text = readFileSync(path.join(__dirname, '../../.env.example'), 'utf8');
  const listed = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));

  it('lists every environment variable', () => {
    const schemaKeys = Object.keys(envSchema.shape);
    expect(schemaKeys.length).toBeGreaterThan(10);
    expect(schemaKeys.filter((key) => !listed.has(key))).toEqual([]);
  });

  it('lists no variable the schema lacks', () => {
    const schemaKeys = new Set(Object.keys(envSchema.shape));
    expect([...listed].filter((key) => !schemaKeys.has(key as string))).toEqual([]);
  });
});
