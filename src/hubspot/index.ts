export { HubSpotGateway, type HubSpotGatewayDeps } from './gateway';
export { HubSpotApiError, OAuthError, PortalDisconnectedError } from './errors';
export { classifyJobError, rethrowForQueue, type JobErrorOutcome } from './job-errors';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter';
export { DEFAULT_REQUEST_SETTINGS, type RequestSettings } from './request-runner';
export type * from './types';
