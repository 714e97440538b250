import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

import type { ChangeEvent, CrmObjectType } from '../store/changes';
import { crmTypeForObjectName, HUBSPOT_OBJECT_TYPE_IDS } from './object-types';

/**
 * Reader for the project's webhooks component (`*-hsmeta.json`, platform 2025.2 and later):
 * `config.settings` plus three subscription lists. `crmObjects` contains generic `object.*`
 * subscriptions with an `objectType`, `legacyCrmObjects` the classic `company.propertyChange`
 * style, and `hubEvents` privacy deletions and conversations.
 */

type EventKind = ChangeEvent['kind'];

const EVENT_KINDS = [
  'creation',
  'deletion',
  'propertyChange',
  'associationChange',
  'merge',
  'restore',
] as const satisfies readonly EventKind[];

/** Objects with classic subscription types. Products have no `product.associationChange`. */
const LEGACY_OBJECTS = ['contact', 'company', 'deal', 'ticket', 'line_item', 'product'] as const;

const HUB_EVENT_TYPES = [
  'contact.privacyDeletion',
  'conversation.creation',
  'conversation.deletion',
  'conversation.newMessage',
  'conversation.privacyDeletion',
  'conversation.propertyChange',
] as const;

/** Properties HubSpot never sends propertyChange events for. */
const EXCLUDED_PROPERTIES = ['hs_lastmodifieddate', 'num_unique_conversion_events'];

const OBJECT_TYPE_ID_PATTERN = /^\d+-\d+$/;

const subscriptionItemSchema = z.strictObject({
  subscriptionType: z.string().min(1),
  objectType: z.string().min(1).optional(),
  propertyName: z.string().min(1).optional(),
  active: z.boolean(),
});

const webhooksFileSchema = z.object({
  uid: z.string().min(1),
  type: z.literal('webhooks'),
  config: z.object({
    settings: z.object({
      targetUrl: z.url({
        protocol: /^https$/,
        error: 'must be an https:// URL, as HubSpot requires',
      }),
      // The same bounds as the offline project check, so a file accepted here also uploads.
      maxConcurrentRequests: z.number().int().min(5).max(100).default(10),
    }),
    subscriptions: z.object({
      crmObjects: z.array(subscriptionItemSchema).default([]),
      legacyCrmObjects: z.array(subscriptionItemSchema).default([]),
      hubEvents: z.array(subscriptionItemSchema).default([]),
    }),
  }),
});

type SubscriptionItem = z.infer<typeof subscriptionItemSchema>;
type SubscriptionList = 'crmObjects' | 'legacyCrmObjects' | 'hubEvents';

/** One subscription of the app, resolved against the object types the sandbox stores. */
export interface WebhookSubscription {
  /** Derived from the subscription's type, object and property, so it survives reordering. */
  subscriptionId: number;
  subscriptionType: string;
  list: SubscriptionList;
  /** The change kind it matches; undefined for hub events, which the sandbox never emits. */
  eventKind?: EventKind;
  /** Sandbox object type it matches; undefined for objects the sandbox does not store. */
  crmType?: CrmObjectType;
  /** Set on generic `object.*` subscriptions, copied into each event's `objectTypeId`. */
  objectTypeId?: string;
  propertyName?: string;
  active: boolean;
}

export interface WebhooksProjectConfig {
  uid: string;
  targetUrl: string;
  maxConcurrentRequests: number;
  subscriptions: WebhookSubscription[];
}

/** Raised when the webhooks file is unreadable or invalid; `problems` lists every issue. */
export class WebhooksFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid webhooks file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WebhooksFileError';
  }
}

/** Reads and validates the webhooks file at `file`; throws WebhooksFileError on any problem. */
export function loadWebhooksFile(file: string): WebhooksProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhooksFileError(file, [`cannot read the file: ${reason}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhooksFileError(file, [`not valid JSON: ${reason}`]);
  }
  return parseWebhooksConfig(json, file);
}

/** Validates a parsed webhooks file and assigns each subscription its id. */
export function parseWebhooksConfig(
  json: unknown,
  file = '<webhooks file>',
): WebhooksProjectConfig {
  const parsed = webhooksFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new WebhooksFileError(file, problems);
  }
  const { settings, subscriptions: lists } = parsed.data.config;

  const problems: string[] = [];
  const resolved: Omit<WebhookSubscription, 'subscriptionId'>[] = [];
  const seen = new Set<string>();
  for (const list of ['crmObjects', 'legacyCrmObjects', 'hubEvents'] as const) {
    lists[list].forEach((item, index) => {
      const where = `config.subscriptions.${list}.${index}`;
      const result = resolveSubscription(list, item);
      if (typeof result === 'string') {
        problems.push(`${where}: ${result}`);
        return;
      }
      const key = subscriptionKey(result);
      if (seen.has(key)) {
        problems.push(`${where}: duplicate of ${describeSubscription(result)}; remove one of them`);
        return;
      }
      seen.add(key);
      resolved.push(result);
    });
  }
  if (problems.length > 0) throw new WebhooksFileError(file, problems);

  return {
    uid: parsed.data.uid,
    targetUrl: settings.targetUrl,
    maxConcurrentRequests: settings.maxConcurrentRequests,
    subscriptions: assignSubscriptionIds(resolved),
  };
}

/** Returns the resolved subscription, or a message saying what is wrong with the item. */
function resolveSubscription(
  list: SubscriptionList,
  item: SubscriptionItem,
): Omit<WebhookSubscription, 'subscriptionId'> | string {
  const { subscriptionType, objectType, propertyName, active } = item;
  const [prefix = '', suffix = ''] = subscriptionType.split('.');
  const eventKind = EVENT_KINDS.find((kind) => kind === suffix);

  if (list === 'hubEvents') {
    if (!(HUB_EVENT_TYPES as readonly string[]).includes(subscriptionType)) {
      return `unknown hub event ${subscriptionType}; expected one of ${HUB_EVENT_TYPES.join(', ')}`;
    }
    return { subscriptionType, list, active };
  }

  if (!eventKind || subscriptionType.split('.').length !== 2) {
    return `invalid subscriptionType ${subscriptionType}; expected <object>.<${EVENT_KINDS.join('|')}>`;
  }
  const propertyProblem = checkPropertyName(subscriptionType, eventKind, propertyName);
  if (propertyProblem) return propertyProblem;
  const base = { subscriptionType, list, eventKind, active, ...(propertyName && { propertyName }) };

  if (list === 'crmObjects') {
    if (prefix !== 'object') {
      return `${subscriptionType} belongs in legacyCrmObjects; crmObjects takes object.* types with an objectType`;
    }
    if (!objectType) return `${subscriptionType} needs an objectType, for example "company"`;
    const objectTypeId = resolveObjectTypeId(objectType);
    if (!objectTypeId) {
      const names = Object.keys(HUBSPOT_OBJECT_TYPE_IDS).join(', ');
      return `unknown objectType ${objectType}; use an object type id such as 0-2 or one of ${names}`;
    }
    const name = objectNameOf(objectTypeId);
    const crmType = name ? crmTypeForObjectName(name) : undefined;
    return { ...base, objectTypeId, ...(crmType && { crmType }) };
  }

  if (objectType) {
    return `${subscriptionType} takes no objectType; the object is part of the subscription type`;
  }
  if (!(LEGACY_OBJECTS as readonly string[]).includes(prefix)) {
    return `unknown object ${prefix} in ${subscriptionType}; expected one of ${LEGACY_OBJECTS.join(', ')} (use crmObjects with object.* for other objects)`;
  }
  if (subscriptionType === 'product.associationChange') {
    return 'HubSpot has no product.associationChange subscription; remove it';
  }
  const crmType = crmTypeForObjectName(prefix);
  return { ...base, ...(crmType && { crmType }) };
}

function checkPropertyName(
  subscriptionType: string,
  eventKind: EventKind,
  propertyName: string | undefined,
): string | undefined {
  if (eventKind !== 'propertyChange') {
    return propertyName ? `${subscriptionType} takes no propertyName; remove it` : undefined;
  }
  if (!propertyName) return `${subscriptionType} needs a propertyName`;
  if (EXCLUDED_PROPERTIES.includes(propertyName)) {
    return `HubSpot sends no propertyChange events for ${propertyName}; remove this subscription`;
  }
  return undefined;
}

function resolveObjectTypeId(objectType: string): string | undefined {
  if (OBJECT_TYPE_ID_PATTERN.test(objectType)) return objectType;
  return (HUBSPOT_OBJECT_TYPE_IDS as Record<string, string>)[objectType];
}

function objectNameOf(objectTypeId: string): string | undefined {
  const entry = Object.entries(HUBSPOT_OBJECT_TYPE_IDS).find(([, id]) => id === objectTypeId);
  return entry?.[0];
}

function describeSubscription(sub: Omit<WebhookSubscription, 'subscriptionId'>): string {
  const parts = [sub.subscriptionType];
  if (sub.objectTypeId) parts.push(`objectType ${sub.objectTypeId}`);
  if (sub.propertyName) parts.push(`propertyName ${sub.propertyName}`);
  return parts.join(' ');
}

function subscriptionKey(sub: Omit<WebhookSubscription, 'subscriptionId'>): string {
  return [sub.subscriptionType, sub.objectTypeId ?? '', sub.propertyName ?? ''].join('|');
}

/**
 * Gives each subscription a nine-digit id taken from a hash of its key, so ids stay the same when
 * the file is reordered or extended. A collision moves the later subscription to the next free id.
 */
function assignSubscriptionIds(
  subscriptions: Omit<WebhookSubscription, 'subscriptionId'>[],
): WebhookSubscription[] {
  const used = new Set<number>();
  return subscriptions.map((sub) => {
    const digest = createHash('sha256').update(subscriptionKey(sub)).digest();
    let id = 100_000_000 + (digest.readUInt32BE(0) % 900_000_000);
    while (used.has(id)) id = id === 999_999_999 ? 100_000_000 : id + 1;
    used.add(id);
    return { subscriptionId: id, ...sub };
  });
}
