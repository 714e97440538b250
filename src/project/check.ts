import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Offline structural check of the HubSpot project (`hsproject.json` and its `*-hsmeta.json`
 * files). HubSpot's own validator fetches its schemas with an authenticated account, and its
 * offline parser silently drops files that do not parse, so this check runs in `npm test`.
 */

export const KNOWN_PLATFORM_VERSIONS = ['2025.2', '2026.03', '2026.09-beta'];

const UID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const projectSchema = z.object({
  name: z.string().min(1),
  srcDir: z.string().min(1),
  platformVersion: z.string().min(1),
});

const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, 'must be an https:// URL');

const appConfigSchema = z.object({
  name: z.string().min(1),
  description: z.string().min(1),
  distribution: z.enum(['marketplace', 'private']),
  auth: z.object({
    type: z.enum(['oauth', 'static']),
    redirectUrls: z.array(z.url()).min(1),
    requiredScopes: z.array(z.string().min(1)).min(1),
    optionalScopes: z.array(z.string().min(1)),
    conditionallyRequiredScopes: z.array(z.string().min(1)),
  }),
  permittedUrls: z.object({
    fetch: z.array(httpsUrl),
    iframe: z.array(httpsUrl),
    img: z.array(httpsUrl),
  }),
  support: z.object({
    supportEmail: z.email(),
    documentationUrl: httpsUrl,
    supportUrl: httpsUrl,
    supportPhone: z.string().min(1),
  }),
});

const cardConfigSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  location: z.enum(['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar']),
  entrypoint: z.string().startsWith('/'),
  objectTypes: z.array(z.enum(['companies', 'contacts', 'deals', 'tickets'])).min(1),
});

const entrypointConfigSchema = z.object({ entrypoint: z.string().startsWith('/') }).loose();

const subscriptionSchema = z.object({
  subscriptionType: z.string().regex(/^[a-z_]+\.[A-Za-z]+$/),
  objectType: z.string().optional(),
  propertyName: z.string().optional(),
  active: z.boolean(),
});

const webhooksConfigSchema = z.object({
  settings: z.object({
    targetUrl: httpsUrl,
    maxConcurrentRequests: z.number().int().min(5).max(100),
  }),
  subscriptions: z.object({
    crmObjects: z.array(subscriptionSchema.extend({ objectType: z.string().min(1) })),
    legacyCrmObjects: z.array(subscriptionSchema),
    hubEvents: z.array(subscriptionSchema),
  }),
});

const COMPONENT_SCHEMAS: Record<string, z.ZodType> = {
  app: appConfigSchema,
  card: cardConfigSchema,
  settings: entrypointConfigSchema,
  page: entrypointConfigSchema,
  webhooks: webhooksConfigSchema,
};

/** How many components of a type one project may hold. */
const MAX_PER_TYPE: Record<string, number> = { app: 1, settings: 1, webhooks: 1 };

/** Property names a webhook subscription must not watch, because the app writes them itself. */
const OWN_PROPERTY_PREFIXES = ['cs_health_', 'cs_expansion_'];

export interface ProjectCheckResult {
  problems: string[];
  components: { uid: string; type: string; file: string }[];
}

function listHsMetaFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...listHsMetaFiles(full));
    else if (entry.endsWith('-hsmeta.json')) found.push(full);
  }
  return found;
}

function describeIssues(file: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${file}: config.${issue.path.join('.')}: ${issue.message}`);
}

/** Checks the project rooted at `root` (the folder with `hsproject.json`). */
export function checkProject(root: string): ProjectCheckResult {
  const problems: string[] = [];
  const components: ProjectCheckResult['components'] = [];
  const projectFile = path.join(root, 'hsproject.json');
  if (!existsSync(projectFile)) {
    return { problems: [`hsproject.json not found in ${root}`], components };
  }
  let project: z.infer<typeof projectSchema>;
  try {
    project = projectSchema.parse(JSON.parse(readFileSync(projectFile, 'utf8')));
  } catch (error) {
    return { problems: [`hsproject.json is invalid: ${(error as Error).message}`], components };
  }
  if (!KNOWN_PLATFORM_VERSIONS.includes(project.platformVersion)) {
    problems.push(
      `hsproject.json: platformVersion "${project.platformVersion}" is not one of ${KNOWN_PLATFORM_VERSIONS.join(', ')}`,
    );
  }
  const srcDir = path.join(root, project.srcDir);
  if (!existsSync(srcDir)) {
    return {
      problems: [...problems, `hsproject.json: srcDir "${project.srcDir}" does not exist`],
      components,
    };
  }

  const uids = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const file of listHsMetaFiles(srcDir)) {
    const relative = path.relative(root, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push(`${relative}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const shape = z
      .object({
        uid: z.string(),
        type: z.string().min(1),
        config: z.record(z.string(), z.unknown()),
      })
      .safeParse(parsed);
    if (!shape.success) {
      problems.push(`${relative}: needs "uid", "type" and "config" at the top level`);
      continue;
    }
    const { uid, type, config } = shape.data;
    if (!UID_PATTERN.test(uid)) {
      problems.push(
        `${relative}: uid "${uid}" must use only letters, numbers, periods, hyphens and underscores`,
      );
    }
    const previous = uids.get(uid);
    if (previous) problems.push(`${relative}: uid "${uid}" is already used by ${previous}`);
    uids.set(uid, relative);
    counts.set(type, (counts.get(type) ?? 0) + 1);
    components.push({ uid, type, file: relative });

    const schema = COMPONENT_SCHEMAS[type];
    if (!schema) {
      problems.push(`${relative}: unknown component type "${type}"`);
      continue;
    }
    const result = schema.safeParse(config);
    if (!result.success) {
      problems.push(...describeIssues(relative, result.error));
      continue;
    }
    if (type === 'app' && path.relative(srcDir, path.dirname(file)) !== 'app') {
      problems.push(`${relative}: the app component must sit directly in ${project.srcDir}/app/`);
    }
    const entrypoint = (config as { entrypoint?: unknown }).entrypoint;
    if (typeof entrypoint === 'string' && !existsSync(path.join(srcDir, entrypoint))) {
      problems.push(
        `${relative}: entrypoint ${entrypoint} does not exist under ${project.srcDir}/`,
      );
    }
    if (type === 'webhooks') {
      const hooks = config as z.infer<typeof webhooksConfigSchema>;
      const all = [
        ...hooks.subscriptions.crmObjects,
        ...hooks.subscriptions.legacyCrmObjects,
        ...hooks.subscriptions.hubEvents,
      ];
      for (const sub of all) {
        if (sub.subscriptionType.endsWith('.propertyChange') && !sub.propertyName) {
          problems.push(`${relative}: ${sub.subscriptionType} needs a propertyName`);
        }
        if (
          sub.propertyName &&
          OWN_PROPERTY_PREFIXES.some((p) => sub.propertyName?.startsWith(p))
        ) {
          problems.push(
            `${relative}: subscribing to the app's own property ${sub.propertyName} would make a feedback loop`,
          );
        }
      }
    }
  }
  if ((counts.get('app') ?? 0) !== 1) {
    problems.push(
      `the project must contain exactly one app component, found ${counts.get('app') ?? 0}`,
    );
  }
  for (const [type, max] of Object.entries(MAX_PER_TYPE)) {
    const count = counts.get(type) ?? 0;
    if (count > max)
      problems.push(`the project may contain at most ${max} ${type} component, found ${count}`);
  }
  return { problems, components };
}
