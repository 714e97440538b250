import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkProject } from './check';

const repoRoot = path.resolve(__dirname, '../..');

/** Copies the real project files into a scratch folder so a test can break one of them. */
function scratchProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-project-'));
  cpSync(path.join(repoRoot, 'hsproject.json'), path.join(dir, 'hsproject.json'));
  cpSync(path.join(repoRoot, 'extensions'), path.join(dir, 'extensions'), {
    recursive: true,
    filter: (source) => !source.includes('node_modules'),
  });
  mkdirSync(path.join(dir, 'extensions/app/cards'), { recursive: true });
  return dir;
}

function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
}

describe('HubSpot project check', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const scratch = () => {
    const dir = scratchProject();
    dirs.push(dir);
    return dir;
  };

  test('the shipped project has no problems', () => {
    const result = checkProject(repoRoot);
    expect(result.problems).toEqual([]);
    expect(result.components.filter((c) => c.type === 'app')).toHaveLength(1);
    expect(result.components.map((c) => c.type)).toContain('webhooks');
  });

  test('the shipped project names the srcDir and platform version', () => {
    const project = JSON.parse(readFileSync(path.join(repoRoot, 'hsproject.json'), 'utf8'));
    expect(project).toEqual({
      name: 'cs-health',
      srcDir: 'extensions',
      platformVersion: '2026.03',
    });
  });

  test('invalid JSON is reported, not skipped', () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'extensions/app/cards/broken-hsmeta.json'), '{ "uid": ');
    const { problems } = checkProject(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^extensions\/app\/cards\/broken-hsmeta\.json: not valid JSON/);
  });

  test('a duplicate uid and a bad uid are reported', () => {
    const dir = scratch();
    writeFileSync(
      path.join(dir, 'extensions/app/cards/dup-hsmeta.json'),
      JSON.stringify({
        uid: 'cs_health_app',
        type: 'settings',
        config: { entrypoint: '/app/nowhere.tsx' },
      }),
    );
    writeFileSync(
      path.join(dir, 'extensions/app/cards/bad-hsmeta.json'),
      JSON.stringify({
        uid: 'bad card!',
        type: 'settings',
        config: { entrypoint: '/app/nowhere.tsx' },
      }),
    );
    const { problems } = checkProject(dir);
    expect(problems).toContain(
      'extensions/app/cards/dup-hsmeta.json: uid "cs_health_app" is already used by extensions/app/app-hsmeta.json',
    );
    expect(problems).toContain(
      'extensions/app/cards/bad-hsmeta.json: uid "bad card!" must use only letters, numbers, periods, hyphens and underscores',
    );
    expect(problems).toContain('the project may contain at most 1 settings component, found 2');
    expect(
      problems.filter((p) => p.includes('entrypoint /app/nowhere.tsx does not exist')),
    ).toHaveLength(2);
  });

  test('a second app and a missing type are reported', () => {
    const dir = scratch();
    cpSync(
      path.join(dir, 'extensions/app/app-hsmeta.json'),
      path.join(dir, 'extensions/app/cards/other-app-hsmeta.json'),
    );
    editJson(path.join(dir, 'extensions/app/cards/other-app-hsmeta.json'), (json) => {
      json.uid = 'other_app';
    });
    writeFileSync(
      path.join(dir, 'extensions/app/cards/typeless-hsmeta.json'),
      JSON.stringify({ uid: 'typeless', config: {} }),
    );
    const { problems } = checkProject(dir);
    expect(problems).toContain('the project must contain exactly one app component, found 2');
    expect(problems).toContain(
      'extensions/app/cards/other-app-hsmeta.json: the app component must sit directly in extensions/app/',
    );
    expect(problems).toContain(
      'extensions/app/cards/typeless-hsmeta.json: needs "uid", "type" and "config" at the top level',
    );
  });

  test('permitted URLs must be https and required fields present', () => {
    const dir = scratch();
    editJson(path.join(dir, 'extensions/app/app-hsmeta.json'), (json) => {
      const config = json.config as Record<string, unknown>;
      config.permittedUrls = { fetch: ['http://localhost:3000'], iframe: [], img: [] };
      delete config.description;
    });
    const { problems } = checkProject(dir);
    expect(problems).toContain(
      'extensions/app/app-hsmeta.json: config.permittedUrls.fetch.0: must be an https:// URL',
    );
    expect(
      problems.some((p) => p.startsWith('extensions/app/app-hsmeta.json: config.description:')),
    ).toBe(true);
  });

  test('a webhook on the app own property is rejected', () => {
    const dir = scratch();
    editJson(path.join(dir, 'extensions/app/webhooks/webhooks-hsmeta.json'), (json) => {
      const config = json.config as { subscriptions: { legacyCrmObjects: unknown[] } };
      config.subscriptions.legacyCrmObjects.push({
        subscriptionType: 'company.propertyChange',
        propertyName: 'cs_health_score',
        active: true,
      });
    });
    const { problems } = checkProject(dir);
    expect(problems).toEqual([
      "extensions/app/webhooks/webhooks-hsmeta.json: subscribing to the app's own property cs_health_score would make a feedback loop",
    ]);
  });

  test('an unknown platform version is reported', () => {
    const dir = scratch();
    editJson(path.join(dir, 'hsproject.json'), (json) => {
      json.platformVersion = '1999.1';
    });
    expect(checkProject(dir).problems[0]).toMatch(/platformVersion "1999.1" is not one of/);
  });
});
