import type { ReferenceDistributions, ScoreConfig } from '../../src/engine';

/**
 * Where the recompute gets a workspace's score config. `ConfigStore` from `src/store/configs.ts`
 * has this shape; the interface keeps the recompute independent of how configs are stored.
 */
export interface ConfigSource {
  get(portalId: number, workspace: string): Promise<ScoreConfig>;
  getReference?(
    portalId: number,
    workspace: string,
    version: number,
  ): Promise<ReferenceDistributions | undefined>;
}

/**
 * The workspace every company is scored in.
 * TODO: assign companies to workspaces (for example by the owner's team); until then a config
 * loaded for any other workspace is stored but never used by the recompute.
 */
export const DEFAULT_WORKSPACE = 'default';
