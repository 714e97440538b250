/**
 * Webhook delivery of the sandbox portal: turns store changes into HubSpot's webhook requests
 * (batched, signed with v3, retried, with injectable faults) and posts them to the app.
 *
 * Wiring in `startSandbox`:
 *
 * ```ts
 * const webhooks = startWebhookDispatcher({
 *   changes: store.changes,                                  // the ChangeFeed
 *   app: { appId, clientSecret, targetUrl: options.app?.webhookTargetUrl },
 *   subscriptionsFile: options.subscriptionsFile,            // default: the project's file
 *   faults: (portalId) => faultsFor(portalId),               // FaultConfig fits WebhookFaults
 *   isInstalled: (portalId) => portal(portalId).isInstalled(), // optional
 *   delivery: options.webhooks,                              // SandboxOptions['webhooks'] as is
 *   logger: options.logger,
 * });
 * setWebhookTarget(url)  -> webhooks.setTargetUrl(url)
 * webhookStats()         -> webhooks.stats()   (a superset of the Sandbox fields)
 * flushWebhooks(ms)      -> webhooks.flush(ms)
 * stop()                 -> await webhooks.stop()
 * ```
 *
 * The store emits an associationChange per direction. Each goes to the subscriptions of its
 * `from` object, so both sides reach the app when both are subscribed. Target URLs must be on a loopback host unless
 * `allowRemoteTargets` is set, and the file's production `targetUrl` is never called.
 */
export {
  DEFAULT_SUBSCRIPTIONS_FILE,
  startWebhookDispatcher,
  type WebhookApp,
  type WebhookDeliveryOptions,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
  type WebhookStats,
} from './dispatcher';
export type { WebhookEvent } from './payload';
export type { WebhookFaults } from './portal-queue';
export { signatureV3, signedUriFor, WEBHOOK_USER_AGENT } from './signature';
export {
  loadWebhooksFile,
  parseWebhooksConfig,
  WebhooksFileError,
  type WebhookSubscription,
  type WebhooksProjectConfig,
} from './subscriptions';
