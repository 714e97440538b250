import fc from 'fast-check';
import { signedHeaders } from '../common/sign';
import {
  applyJsonMutation,
  applyTextMutation,
  jsonMutationPlan,
  textMutationPlan,
  type JsonMutationPlan,
  type TextMutationPlan,
} from './mutate';
import { clip, type FuzzTarget, type Verdict } from './runner';
import { deleteKeys, FUZZ_PORTALS, listKeys, type FuzzStack } from './stack';

/**
 * Webhook intake: signed and unsigned POSTs to `/hubspot/webhooks` with valid, mutated and
 * random bodies. A valid batch must get 200 and enqueue only companies and objects it names, for
 * the installed portal only. Anything else must get a 4xx and leave the queue untouched.
 */

const WEBHOOK_PATH = '/hubspot/webhooks';
/** The largest body intake takes (1 MiB); a bigger one must get 413. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_EVENTS = 100;
const OWN_PROPERTY_PREFIXES = ['cs_health_', 'cs_expansion_'];

const SUBSCRIPTION_TYPES = [
  'company.creation',
  'company.deletion',
  'company.propertyChange',
  'company.associationChange',
  'company.merge',
  'company.restore',
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.associationChange',
  'contact.merge',
  'deal.propertyChange',
  'deal.associationChange',
  'ticket.creation',
  'ticket.propertyChange',
  'ticket.deletion',
  'ticket.associationChange',
  'object.propertyChange',
  'object.creation',
  'object.deletion',
  'object.associationChange',
  'conversation.creation',
  'company.somethingNew',
];

const objectIdValue = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.integer({ min: 0, max: 2 ** 40 }).map(String),
);

/** One event as HubSpot sends it; only portalId, subscriptionType and occurredAt are always present. */
const webhookEvent = fc.record(
  {
    portalId: fc.constantFrom(
      FUZZ_PORTALS.active,
      FUZZ_PORTALS.active,
      FUZZ_PORTALS.active,
      FUZZ_PORTALS.uninstalled,
      FUZZ_PORTALS.unknown,
    ),
    subscriptionType: fc.constantFrom(...SUBSCRIPTION_TYPES),
    occurredAt: fc.integer({ min: 0, max: 2_000_000_000_000 }),
    eventId: fc.integer({ min: 1, max: 2 ** 31 }),
    subscriptionId: fc.integer({ min: 1, max: 2 ** 31 }),
    appId: fc.integer({ min: 1, max: 2 ** 31 }),
    attemptNumber: fc.nat(10),
    objectId: objectIdValue,
    objectTypeId: fc.constantFrom('0-1', '0-2', '0-3', '0-5', '0-19', '2-1234'),
    propertyName: fc.constantFrom(
      'name',
      'mrr',
      'nps_score',
      'hs_pipeline_stage',
      'cs_health_score',
      'cs_health_status',
      'cs_expansion_signal',
    ),
    propertyValue: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
    changeSource: fc.constantFrom('CRM_UI', 'API', 'INTEGRATION', 'IMPORT'),
    sourceId: fc.string({ maxLength: 20 }),
    associationType: fc.constantFrom(
      'COMPANY_TO_TICKET',
      'TICKET_TO_COMPANY',
      'CONTACT_TO_COMPANY',
      'COMPANY_TO_CONTACT',
      'PARENT_COMPANY_TO_CHILD_COMPANY',
      'DEAL_TO_CONTACT',
    ),
    fromObjectId: objectIdValue,
    toObjectId: objectIdValue,
    associationRemoved: fc.boolean(),
    isPrimaryAssociation: fc.boolean(),
    primaryObjectId: objectIdValue,
    mergedObjectIds: fc.array(objectIdValue, { maxLength: 4 }),
    newObjectId: objectIdValue,
    numberOfPropertiesMoved: fc.nat(50),
  },
  { requiredKeys: ['portalId', 'subscriptionType', 'occurredAt'] },
);

const validBatch = fc.array(webhookEvent, { minLength: 1, maxLength: MAX_EVENTS });

type SignPlan =
  | { kind: 'valid' }
  | { kind: 'missingSignature' }
  | { kind: 'missingTimestamp' }
  | { kind: 'wrongSecret' }
  | { kind: 'staleTimestamp'; minutesAgo: number }
  | { kind: 'futureTimestamp'; minutesAhead: number }
  | { kind: 'garbageTimestamp'; text: string }
  | { kind: 'garbageSignature'; text: string }
  | { kind: 'signedOtherBody' }
  | { kind: 'signedOtherPath' };

const headerText = fc.stringMatching(/^[\x21-\x7e]{0,60}$/);

const signPlan: fc.Arbitrary<SignPlan> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'missingSignature' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'missingTimestamp' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wrongSecret' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('staleTimestamp' as const),
      minutesAgo: fc.integer({ min: 6, max: 100_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('futureTimestamp' as const),
      minutesAhead: fc.integer({ min: 2, max: 100_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('garbageTimestamp' as const), text: headerText }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('garbageSignature' as const), text: headerText }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'signedOtherBody' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'signedOtherPath' as const }) },
);

type BodyPlan =
  | { kind: 'valid'; events: unknown[] }
  | { kind: 'mutated'; events: unknown[]; plan: JsonMutationPlan }
  | { kind: 'text'; events: unknown[]; plan: TextMutationPlan }
  | { kind: 'randomJson'; value: unknown }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'special'; name: string };

/** Hand-made bodies at known edges. */
const SPECIAL_BODIES: Record<string, () => string> = {
  empty: () => '',
  null: () => 'null',
  emptyArray: () => '[]',
  object: () => JSON.stringify({ portalId: FUZZ_PORTALS.active }),
  arrayOfNull: () => '[null]',
  tooManyEvents: () =>
    JSON.stringify(
      Array.from({ length: MAX_EVENTS + 1 }, (_, i) => ({
        portalId: FUZZ_PORTALS.active,
        subscriptionType: 'company.propertyChange',
        occurredAt: 1_700_000_000_000 + i,
        objectId: i + 1,
      })),
    ),
  protoKey: () =>
    `[{"__proto__":{"portalId":${FUZZ_PORTALS.active}},"subscriptionType":"company.creation","occurredAt":1,"objectId":7}]`,
  duplicateKey: () =>
    `[{"portalId":${FUZZ_PORTALS.active},"portalId":"x","subscriptionType":"company.creation","occurredAt":1,"objectId":7}]`,
  deepNesting: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  overLimit: () =>
    JSON.stringify([
      {
        portalId: FUZZ_PORTALS.active,
        subscriptionType: 'company.propertyChange',
        occurredAt: 1,
        objectId: 7,
        propertyName: 'name',
        propertyValue: 'x'.repeat(MAX_BODY_BYTES + 10),
      },
    ]),
  negativeZeroPortal: () =>
    '[{"portalId":-0,"subscriptionType":"company.creation","occurredAt":1,"objectId":7}]',
  floatObjectId: () =>
    `[{"portalId":${FUZZ_PORTALS.active},"subscriptionType":"company.creation","occurredAt":1,"objectId":7.5}]`,
  hugeObjectId: () =>
    `[{"portalId":${FUZZ_PORTALS.active},"subscriptionType":"company.creation","occurredAt":1,"objectId":1e400}]`,
  utf16Garbage: () => '[\ud800]',
};

const bodyPlan: fc.Arbitrary<BodyPlan> = fc.oneof(
  { weight: 4, arbitrary: validBatch.map((events) => ({ kind: 'valid' as const, events })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      events: validBatch,
      plan: jsonMutationPlan(MAX_BODY_BYTES + 100),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      events: fc.array(webhookEvent, { minLength: 1, maxLength: 5 }),
      plan: textMutationPlan,
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 4 })
      .map((value) => ({ kind: 'randomJson' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => ({ kind: 'bytes' as const, bytes })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...Object.keys(SPECIAL_BODIES))
      .map((name) => ({ kind: 'special' as const, name })),
  },
);

export interface WebhookCase {
  body: BodyPlan;
  sign: SignPlan;
}

function renderBody(plan: BodyPlan): { body: Buffer; what: string } {
  switch (plan.kind) {
    case 'valid':
      return {
        body: Buffer.from(JSON.stringify(plan.events)),
        what: `valid batch of ${plan.events.length}`,
      };
    case 'mutated': {
      const { value, mutation } = applyJsonMutation(plan.events, plan.plan);
      const text = value === undefined ? '' : JSON.stringify(value);
      return { body: Buffer.from(text), what: `batch of ${plan.events.length}, ${mutation}` };
    }
    case 'text': {
      const { text, mutation } = applyTextMutation(JSON.stringify(plan.events), plan.plan);
      return { body: Buffer.from(text), what: `batch text, ${mutation}` };
    }
    case 'randomJson':
      return { body: Buffer.from(JSON.stringify(plan.value) ?? ''), what: 'random JSON' };
    case 'bytes':
      return { body: Buffer.from(plan.bytes), what: `${plan.bytes.length} random bytes` };
    case 'special':
      return { body: Buffer.from((SPECIAL_BODIES[plan.name] as () => string)()), what: plan.name };
  }
}

function isObjectId(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'string' && /^\d+$/.test(value))
  );
}

const OPTIONAL_FIELD_RULES: Record<string, (value: unknown) => boolean> = {
  eventId: (v) => typeof v === 'number' || typeof v === 'string',
  subscriptionId: (v) => typeof v === 'number',
  appId: (v) => typeof v === 'number',
  attemptNumber: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  objectId: isObjectId,
  objectTypeId: (v) => typeof v === 'string',
  propertyName: (v) => typeof v === 'string',
  propertyValue: (v) => v === null || typeof v === 'string',
  changeSource: (v) => typeof v === 'string',
  sourceId: (v) => typeof v === 'string',
  changeFlag: (v) => typeof v === 'string',
  associationType: (v) => typeof v === 'string',
  fromObjectId: isObjectId,
  toObjectId: isObjectId,
  fromObjectTypeId: (v) => typeof v === 'string',
  toObjectTypeId: (v) => typeof v === 'string',
  associationRemoved: (v) => typeof v === 'boolean',
  isPrimaryAssociation: (v) => typeof v === 'boolean',
  primaryObjectId: isObjectId,
  mergedObjectIds: (v) => Array.isArray(v) && v.every(isObjectId),
  newObjectId: isObjectId,
  numberOfPropertiesMoved: (v) => typeof v === 'number',
};

/**
 * Returns why a parsed body is not a valid batch, or undefined when it is valid. The rules come
 * from HubSpot's webhook payload format, not from the app's schema. A batch has 1 to 100
 * objects, each with a positive integer portalId, a non-empty subscriptionType and a
 * non-negative integer occurredAt, and optional fields of the right type. Unknown fields are
 * allowed, because HubSpot adds fields over time.
 */
export function batchProblem(json: unknown): string | undefined {
  if (!Array.isArray(json)) return 'not an array';
  if (json.length < 1 || json.length > MAX_EVENTS) return `${json.length} events`;
  for (const [index, event] of json.entries()) {
    if (event === null || typeof event !== 'object' || Array.isArray(event))
      return `event ${index} is not an object`;
    const fields = event as Record<string, unknown>;
    const portalId = fields.portalId;
    if (typeof portalId !== 'number' || !Number.isSafeInteger(portalId) || portalId <= 0)
      return `event ${index} portalId`;
    if (typeof fields.subscriptionType !== 'string' || fields.subscriptionType.length === 0)
      return `event ${index} subscriptionType`;
    const occurredAt = fields.occurredAt;
    if (typeof occurredAt !== 'number' || !Number.isSafeInteger(occurredAt) || occurredAt < 0)
      return `event ${index} occurredAt`;
    for (const [name, rule] of Object.entries(OPTIONAL_FIELD_RULES)) {
      if (Object.hasOwn(fields, name) && fields[name] !== undefined && !rule(fields[name]))
        return `event ${index} ${name}`;
    }
  }
  return undefined;
}

function headersFor(stack: FuzzStack, plan: SignPlan, body: Buffer): Record<string, string> {
  const url = `${stack.env.PUBLIC_ORIGIN}${WEBHOOK_PATH}`;
  const secret = stack.env.HUBSPOT_CLIENT_SECRET;
  const now = Date.now();
  switch (plan.kind) {
    case 'valid':
      return signedHeaders(secret, url, body);
    case 'missingSignature': {
      const { 'x-hubspot-signature-v3': _dropped, ...rest } = signedHeaders(secret, url, body);
      return rest;
    }
    case 'missingTimestamp': {
      const { 'x-hubspot-request-timestamp': _dropped, ...rest } = signedHeaders(secret, url, body);
      return rest;
    }
    case 'wrongSecret':
      return signedHeaders(`${secret}-other`, url, body);
    case 'staleTimestamp':
      return signedHeaders(secret, url, body, String(now - plan.minutesAgo * 60_000));
    case 'futureTimestamp':
      return signedHeaders(secret, url, body, String(now + plan.minutesAhead * 60_000));
    case 'garbageTimestamp':
      return signedHeaders(secret, url, body, plan.text);
    case 'garbageSignature':
      return { ...signedHeaders(secret, url, body), 'x-hubspot-signature-v3': plan.text };
    case 'signedOtherBody':
      return signedHeaders(secret, url, Buffer.concat([body, Buffer.from(' ')]));
    case 'signedOtherPath':
      return signedHeaders(secret, `${url}-other`, body);
  }
}

/** Ids a batch names for a portal: every id field of that portal's events. */
function idsNamed(events: Record<string, unknown>[], portalId: number): Set<string> {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.portalId !== portalId) continue;
    for (const field of [
      'objectId',
      'fromObjectId',
      'toObjectId',
      'primaryObjectId',
      'newObjectId',
    ]) {
      if (event[field] !== undefined) ids.add(String(event[field]));
    }
    if (Array.isArray(event.mergedObjectIds))
      for (const id of event.mergedObjectIds) ids.add(String(id));
  }
  return ids;
}

function onlyOwnPropertyChanges(events: Record<string, unknown>[], portalId: number): boolean {
  const mine = events.filter((event) => event.portalId === portalId);
  return (
    mine.length > 0 &&
    mine.every(
      (event) =>
        typeof event.subscriptionType === 'string' &&
        event.subscriptionType.endsWith('.propertyChange') &&
        typeof event.propertyName === 'string' &&
        OWN_PROPERTY_PREFIXES.some((prefix) => (event.propertyName as string).startsWith(prefix)),
    )
  );
}

const REF_TYPES = new Set(['contacts', 'deals', 'tickets', 'feedback_submissions']);

/** Checks what a valid batch left in the queue against what it named; returns the first problem. */
async function checkMarks(
  stack: FuzzStack,
  events: Record<string, unknown>[],
): Promise<string | undefined> {
  const { redis, prefix } = stack;
  const keys = await listKeys(redis, `${prefix}:rq:*`);
  const active = FUZZ_PORTALS.active;
  for (const key of keys) {
    const match = new RegExp(`^${prefix}:rq:(\\d+):`).exec(key);
    if (match && Number(match[1]) !== active)
      return `queue key ${key} for portal ${match[1]}, which is not installed`;
  }
  const named = idsNamed(events, active);
  const base = `${prefix}:rq:${active}`;
  const companies = [
    ...(await redis.zrange(`${base}:hot`, 0, -1)),
    ...(await redis.zrange(`${base}:cold`, 0, -1)),
    ...(await redis.smembers(`${base}:drops`)),
  ];
  for (const id of companies) {
    if (!/^\d+$/.test(id)) return `non-numeric company id ${JSON.stringify(id)} enqueued`;
    if (!named.has(id)) return `company ${id} enqueued but the batch never names it`;
  }
  const refs = await redis.zrange(`${base}:refs`, 0, -1);
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    if (!type || !REF_TYPES.has(type)) return `ref ${ref} of an unknown object type enqueued`;
    if (!id || !named.has(id)) return `ref ${ref} enqueued but the batch never names it`;
  }
  if (onlyOwnPropertyChanges(events, active) && companies.length + refs.length > 0)
    return `changes to the app's own properties enqueued ${companies.length + refs.length} marks`;
  return undefined;
}

function hasMessage(status: number, text: string): boolean {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
    const message = body.message ?? body.error?.message;
    return typeof message === 'string' && message.length > 0;
  } catch {
    return status === 413 && text.length > 0;
  }
}

export function webhookTarget(stack: FuzzStack, hangMs: number): FuzzTarget<WebhookCase> {
  return {
    name: 'webhooks',
    description:
      'POST /hubspot/webhooks on the real web app with valid, mutated, random and oversized bodies, ' +
      'valid and broken v3 signatures; Redis queue keys checked after every case',
    arbitrary: fc.record({ body: bodyPlan, sign: signPlan }),
    describe(input) {
      const { body, what } = renderBody(input.body);
      return `${what}; signature ${input.sign.kind}; body ${clip(body.toString('utf8'), 160)}`;
    },
    async run(input): Promise<Verdict> {
      const { redis, prefix } = stack;
      await deleteKeys(redis, `${prefix}:rq:*`);
      await deleteKeys(redis, `${prefix}:bull:*`);
      const { body } = renderBody(input.body);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const problem =
        input.sign.kind !== 'valid'
          ? `signature ${input.sign.kind}`
          : body.length > MAX_BODY_BYTES
            ? `body of ${body.length} bytes`
            : parsed === undefined
              ? 'body is not JSON'
              : batchProblem(parsed);

      const response = await fetch(`${stack.appUrl}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: headersFor(stack, input.sign, body),
        body,
        signal: AbortSignal.timeout(hangMs),
      });
      const text = await response.text();
      const status = response.status;
      if (status >= 500)
        return { kind: 'crash', cause: 'http5xx', reason: `HTTP ${status}: ${clip(text, 200)}` };

      if (problem === undefined) {
        if (status !== 200)
          return { kind: 'mismatch', reason: `valid batch got HTTP ${status}: ${clip(text, 200)}` };
        const wrong = await checkMarks(stack, parsed as Record<string, unknown>[]);
        return wrong ? { kind: 'acceptedInvalid', reason: wrong } : { kind: 'accepted' };
      }

      const left = await listKeys(redis, `${prefix}:rq:*`);
      if (left.length > 0) {
        return {
          kind: 'acceptedInvalid',
          reason: `invalid input (${problem}) got HTTP ${status} and left ${left.length} queue keys, e.g. ${left[0]}`,
        };
      }
      if (status < 400)
        return { kind: 'mismatch', reason: `invalid input (${problem}) got HTTP ${status}` };
      if (!hasMessage(status, text))
        return {
          kind: 'mismatch',
          reason: `HTTP ${status} without an error message: ${clip(text, 200)}`,
        };
      return { kind: 'rejected' };
    },
  };
}
