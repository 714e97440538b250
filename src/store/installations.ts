import type IORedis from 'ioredis';

/**
 * `active`: tokens work. `disconnected`: HubSpot rejected the refresh token (the customer
 * uninstalled in HubSpot or revoked access), so no work runs until a reinstall. `uninstalled`:
 * an operator uninstalled the app here; tokens and portal data are deleted.
 */
export type InstallationStatus = 'active' | 'disconnected' | 'uninstalled';

export interface Installation {
  portalId: number;
  status: InstallationStatus;
  /** Epoch ms of the latest successful install. */
  installedAt: number;
  updatedAt: number;
  scopes: string[];
  hubDomain?: string;
  /** HubSpot user id of the person who approved the install. */
  installedByUserId?: number;
  disconnectedAt?: number;
  disconnectReason?: string;
  /** Epoch ms when the app's properties were last provisioned without error. */
  provisionedAt?: number;
  provisioningError?: string;
}

/** Installations in Redis: one hash per portal plus a set of every portal id ever installed. */
export class InstallationStore {
  private readonly redis: IORedis;
  private readonly prefix: string;

  constructor(deps: { redis: IORedis; prefix: string }) {
    this.redis = deps.redis;
    this.prefix = deps.prefix;
  }

  key(portalId: number): string {
    return `${this.prefix}:installation:${portalId}`;
  }

  private indexKey(): string {
    return `${this.prefix}:installations`;
  }

  async get(portalId: number): Promise<Installation | undefined> {
    const record = await this.redis.hgetall(this.key(portalId));
    return parseInstallation(portalId, record);
  }

  /** Returns the status alone (one HGET), for hot paths such as webhook intake. */
  async status(portalId: number): Promise<InstallationStatus | undefined> {
    const status = await this.redis.hget(this.key(portalId), 'status');
    return isStatus(status) ? status : undefined;
  }

  async isActive(portalId: number): Promise<boolean> {
    return (await this.status(portalId)) === 'active';
  }

  async list(): Promise<Installation[]> {
    const ids = (await this.redis.smembers(this.indexKey())).map(Number).sort((a, b) => a - b);
    const installations = await Promise.all(ids.map((id) => this.get(id)));
    return installations.filter((item): item is Installation => item !== undefined);
  }

  /** Records a successful install or reinstall; clears any disconnected state. */
  async markInstalled(
    portalId: number,
    details: { scopes: string[]; hubDomain?: string; installedByUserId?: number },
  ): Promise<void> {
    const now = Date.now();
    const fields: Record<string, string> = {
      portalId: String(portalId),
      status: 'active',
      installedAt: String(now),
      updatedAt: String(now),
      scopes: details.scopes.join(' '),
    };
    if (details.hubDomain) fields.hubDomain = details.hubDomain;
    if (details.installedByUserId !== undefined) {
      fields.installedByUserId = String(details.installedByUserId);
    }
    await this.redis
      .multi()
      .hdel(
        this.key(portalId),
        'disconnectedAt',
        'disconnectReason',
        'hubDomain',
        'installedByUserId',
      )
      .hset(this.key(portalId), fields)
      .sadd(this.indexKey(), String(portalId))
      .exec();
  }

  /**
   * Marks an active installation disconnected. Returns true when this call changed the status,
   * so exactly one caller logs and counts the disconnect.
   */
  async markDisconnected(portalId: number, reason: string): Promise<boolean> {
    const changed = await this.redis.eval(
      SET_STATUS_IF_ACTIVE,
      1,
      this.key(portalId),
      'disconnected',
      String(Date.now()),
      reason.slice(0, 200),
    );
    return changed === 1;
  }

  /** Keeps a small record (no tokens, no data) so late webhooks for the portal are ignored. */
  async markUninstalled(portalId: number): Promise<void> {
    const now = String(Date.now());
    await this.redis
      .multi()
      .del(this.key(portalId))
      .hset(this.key(portalId), {
        portalId: String(portalId),
        status: 'uninstalled',
        installedAt: '0',
        updatedAt: now,
        disconnectedAt: now,
        disconnectReason: 'uninstalled by an operator',
        scopes: '',
      })
      .sadd(this.indexKey(), String(portalId))
      .exec();
  }

  async markProvisioned(portalId: number, error?: string): Promise<void> {
    const key = this.key(portalId);
    if (error === undefined) {
      await this.redis
        .multi()
        .hset(key, { provisionedAt: String(Date.now()), updatedAt: String(Date.now()) })
        .hdel(key, 'provisioningError')
        .exec();
    } else {
      await this.redis.hset(key, {
        provisioningError: error.slice(0, 500),
        updatedAt: String(Date.now()),
      });
    }
  }
}

const SET_STATUS_IF_ACTIVE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'disconnectedAt', ARGV[2], 'updatedAt', ARGV[2],
  'disconnectReason', ARGV[3])
return 1`;

function isStatus(value: unknown): value is InstallationStatus {
  return value === 'active' || value === 'disconnected' || value === 'uninstalled';
}

function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function parseInstallation(
  portalId: number,
  record: Record<string, string>,
): Installation | undefined {
  if (!isStatus(record.status)) return undefined;
  const installation: Installation = {
    portalId,
    status: record.status,
    installedAt: Number(record.installedAt ?? 0),
    updatedAt: Number(record.updatedAt ?? 0),
    scopes: record.scopes ? record.scopes.split(' ') : [],
  };
  if (record.hubDomain) installation.hubDomain = record.hubDomain;
  const userId = optionalNumber(record.installedByUserId);
  if (userId !== undefined) installation.installedByUserId = userId;
  const disconnectedAt = optionalNumber(record.disconnectedAt);
  if (disconnectedAt !== undefined) installation.disconnectedAt = disconnectedAt;
  if (record.disconnectReason) installation.disconnectReason = record.disconnectReason;
  const provisionedAt = optionalNumber(record.provisionedAt);
  if (provisionedAt !== undefined) installation.provisionedAt = provisionedAt;
  if (record.provisioningError) installation.provisioningError = record.provisioningError;
  return installation;
}
