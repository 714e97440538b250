import type IORedis from 'ioredis';
import {
  defaultConfigFor,
  parseScoreConfig,
  ScoreConfigError,
  type ReferenceDistributions,
  type ScoreConfig,
  WORKSPACE_NAME_PATTERN,
} from '../engine';

/** Stored versions kept per workspace; older ones are deleted with their reference data. */
export const MAX_CONFIG_VERSIONS = 50;

const DEFAULT_WORKSPACE = 'default';

export interface StoredConfig {
  version: number;
  /** ISO time the version was stored. */
  storedAt: string;
  config: ScoreConfig;
}

export interface PutConfigResult {
  version: number;
  config: ScoreConfig;
  warnings: string[];
}

/**
 * Score configs per portal and workspace in Redis, versioned. A workspace with nothing stored
 * uses the default config (version 1), so the first stored version is 2.
 *
 * Keys, under `<prefix>:configs:<portalId>`:
 * - `:workspaces`, a set of the workspaces with a stored config;
 * - `:<workspace>:counter`, the last version number handed out;
 * - `:<workspace>:versions`, a sorted set of the stored versions as JSON, scored by version;
 * - `:<workspace>:reference`, a hash of reference distributions keyed by version.
 */
export class ConfigStore {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  /** Returns the workspace's latest config, or the default config when none is stored. */
  async get(portalId: number, workspace: string): Promise<ScoreConfig> {
    const stored = await this.getStored(portalId, workspace);
    return stored?.config ?? defaultConfigFor(workspace);
  }

  /** Returns the latest stored version, or undefined when the workspace uses the default. */
  async getStored(portalId: number, workspace: string): Promise<StoredConfig | undefined> {
    const [latest] = await this.redis.zrange(this.versionsKey(portalId, workspace), 0, 0, 'REV');
    return latest === undefined ? undefined : this.decode(latest, portalId, workspace);
  }

  /**
   * Validates a config with the score config schema and stores it as the workspace's next
   * version. Throws ScoreConfigError, storing nothing, when it is invalid or names another
   * workspace. A `version` in the input is replaced by the one the store assigns.
   */
  async put(portalId: number, workspace: string, input: unknown): Promise<PutConfigResult> {
    this.checkIds(portalId, workspace);
    const parsed = validateForWorkspace(input, workspace);

    const counterKey = this.key(portalId, workspace, 'counter');
    const allocated = await this.redis.multi().set(counterKey, '1', 'NX').incr(counterKey).exec();
    const version = Number(allocated?.[1]?.[1]);
    if (!Number.isSafeInteger(version)) {
      throw new Error(`could not allocate a config version for portal ${portalId} ${workspace}`);
    }

    const warnings = [...parsed.warnings];
    const givenVersion = isRecord(input) ? input.version : undefined;
    if (givenVersion !== undefined && givenVersion !== version) {
      warnings.push(
        `version ${JSON.stringify(givenVersion)} in the input is ignored; stored as version ${version}`,
      );
    }
    const config: ScoreConfig = { ...parsed.config, workspace, version };
    const record: StoredConfig = { version, storedAt: new Date().toISOString(), config };

    const versionsKey = this.versionsKey(portalId, workspace);
    await this.redis
      .multi()
      .zadd(versionsKey, version, JSON.stringify(record))
      .zremrangebyrank(versionsKey, 0, -(MAX_CONFIG_VERSIONS + 1))
      .sadd(this.workspacesKey(portalId), workspace)
      .exec();
    await this.dropStaleReferences(portalId, workspace);
    return { version, config, warnings };
  }

  /** Lists the stored versions, newest first, at most `limit`. */
  async history(
    portalId: number,
    workspace: string,
    limit = MAX_CONFIG_VERSIONS,
  ): Promise<StoredConfig[]> {
    const key = this.versionsKey(portalId, workspace);
    const members = await this.redis.zrange(key, 0, Math.max(0, limit - 1), 'REV');
    return members.map((member) => this.decode(member, portalId, workspace));
  }

  /** Lists the workspaces with a stored config, plus `default`, which every portal has. */
  async listWorkspaces(portalId: number): Promise<string[]> {
    this.checkIds(portalId, DEFAULT_WORKSPACE);
    const stored = await this.redis.smembers(this.workspacesKey(portalId));
    return [...new Set([DEFAULT_WORKSPACE, ...stored])].sort();
  }

  /** Stores reference distributions under their workspace and config version. */
  async putReference(portalId: number, reference: ReferenceDistributions): Promise<void> {
    this.checkIds(portalId, reference.workspace);
    const key = this.key(portalId, reference.workspace, 'reference');
    await this.redis.hset(key, String(reference.configVersion), JSON.stringify(reference));
  }

  async getReference(
    portalId: number,
    workspace: string,
    version: number,
  ): Promise<ReferenceDistributions | undefined> {
    const text = await this.redis.hget(this.key(portalId, workspace, 'reference'), String(version));
    return text === null ? undefined : (JSON.parse(text) as ReferenceDistributions);
  }

  /** Deletes every config and reference of a portal, e.g. when the app is uninstalled. */
  async deletePortal(portalId: number): Promise<void> {
    const workspaces = await this.listWorkspaces(portalId);
    const keys = workspaces.flatMap((workspace) => [
      this.key(portalId, workspace, 'counter'),
      this.versionsKey(portalId, workspace),
      this.key(portalId, workspace, 'reference'),
    ]);
    await this.redis.del(this.workspacesKey(portalId), ...keys);
  }

  /** Deletes the reference distributions of versions older than the oldest one kept. */
  private async dropStaleReferences(portalId: number, workspace: string): Promise<void> {
    const versionsKey = this.versionsKey(portalId, workspace);
    const [, oldestScore] = await this.redis.zrange(versionsKey, 0, 0, 'WITHSCORES');
    const oldestKept = Number(oldestScore);
    if (!Number.isFinite(oldestKept)) return;

    const referenceKey = this.key(portalId, workspace, 'reference');
    const fields = await this.redis.hkeys(referenceKey);
    const stale = fields.filter((field) => Number(field) < oldestKept);
    if (stale.length > 0) await this.redis.hdel(referenceKey, ...stale);
  }

  private decode(member: string, portalId: number, workspace: string): StoredConfig {
    const record = JSON.parse(member) as StoredConfig;
    try {
      const { config } = parseScoreConfig(record.config);
      return { version: record.version, storedAt: record.storedAt, config };
    } catch (error) {
      if (!(error instanceof ScoreConfigError)) throw error;
      throw new Error(
        `stored config for portal ${portalId} workspace ${workspace} version ${record.version} ` +
          `no longer passes validation: ${error.problems.join('; ')}; store a corrected version`,
      );
    }
  }

  private checkIds(portalId: number, workspace: string): void {
    if (!Number.isSafeInteger(portalId) || portalId <= 0) {
      throw new RangeError(`portal id must be a positive integer, got ${portalId}`);
    }
    if (!WORKSPACE_NAME_PATTERN.test(workspace)) {
      throw new RangeError(
        `workspace must be 1-64 lowercase letters, digits, "-" or "_", got "${workspace.slice(0, 80)}"`,
      );
    }
  }

  private key(portalId: number, workspace: string, part: string): string {
    this.checkIds(portalId, workspace);
    return `${this.prefix}:configs:${portalId}:${workspace}:${part}`;
  }

  private versionsKey(portalId: number, workspace: string): string {
    return this.key(portalId, workspace, 'versions');
  }

  private workspacesKey(portalId: number): string {
    return `${this.prefix}:configs:${portalId}:workspaces`;
  }
}

/**
 * Validates the config and checks that its own `workspace` field, when present, names the
 * workspace it is stored for. Throws ScoreConfigError with every problem.
 */
function validateForWorkspace(
  input: unknown,
  workspace: string,
): ReturnType<typeof parseScoreConfig> {
  const problems: string[] = [];
  if (isRecord(input) && input.workspace !== undefined && input.workspace !== workspace) {
    problems.push(
      `workspace: the config names workspace ${JSON.stringify(input.workspace)} but is being ` +
        `stored for workspace "${workspace}"; change the field or leave it out`,
    );
  }
  try {
    const parsed = parseScoreConfig(input);
    if (problems.length === 0) return parsed;
  } catch (error) {
    if (!(error instanceof ScoreConfigError)) throw error;
    problems.push(...error.problems);
  }
  throw new ScoreConfigError(problems);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
