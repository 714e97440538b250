import { z } from 'zod';

/** HubSpot sends at most 100 events per webhook request. */
export const MAX_EVENTS_PER_BATCH = 100;

/** Record ids arrive as JSON numbers; a numeric string is accepted too and kept as text. */
const objectId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((value) => String(value));

/**
 * One webhook event. Only the fields every event carries are required; the rest depend on the
 * subscription type, and unknown fields are kept, because HubSpot adds fields over time.
 */
export const webhookEventSchema = z.looseObject({
  portalId: z.number().int().positive(),
  subscriptionType: z.string().min(1),
  occurredAt: z.number().int().nonnegative(),
  eventId: z.union([z.number(), z.string()]).optional(),
  subscriptionId: z.number().optional(),
  appId: z.number().optional(),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: objectId.optional(),
  objectTypeId: z.string().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().nullable().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().optional(),
  changeFlag: z.string().optional(),
  // Association changes.
  associationType: z.string().optional(),
  fromObjectId: objectId.optional(),
  toObjectId: objectId.optional(),
  fromObjectTypeId: z.string().optional(),
  toObjectTypeId: z.string().optional(),
  associationRemoved: z.boolean().optional(),
  isPrimaryAssociation: z.boolean().optional(),
  // Merges.
  primaryObjectId: objectId.optional(),
  mergedObjectIds: z.array(objectId).optional(),
  newObjectId: objectId.optional(),
  numberOfPropertiesMoved: z.number().optional(),
});

export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export const webhookBatchSchema = z
  .array(webhookEventSchema)
  .min(1, 'expected at least one event')
  .max(MAX_EVENTS_PER_BATCH, `expected at most ${MAX_EVENTS_PER_BATCH} events per request`);

export type ParsedBatch = { ok: true; events: WebhookEvent[] } | { ok: false; message: string };

/**
 * Parses a raw webhook body. A failure names the first problems and where they are, so the
 * sender can find the bad event.
 */
export function parseWebhookBatch(rawBody: Buffer): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `request body is not valid JSON: ${detail}` };
  }
  const parsed = webhookBatchSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      return `${where}: ${issue.message}`;
    });
    return {
      ok: false,
      message: `invalid webhook batch, expected an array of 1 to ${MAX_EVENTS_PER_BATCH} HubSpot events (${problems.join('; ')})`,
    };
  }
  return { ok: true, events: parsed.data };
}
