/** Seed data and scenario of the sandbox portal, built from the RavenStack data set. */
export { buildEmptyPortal, buildRavenstackPortal } from './build';
export type * from './types';
