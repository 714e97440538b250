import { HubSpotApiError } from '../hubspot/errors';
import type { PortalClient, PropertyDefinition, PropertyOption } from '../hubspot/types';
import type { Logger } from '../log';
import { CS_HEALTH_PROPERTIES, PROPERTY_GROUP } from './properties';

export interface ProvisioningResult {
  groupCreated: boolean;
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Properties with one of our names that belong to someone else or have another type. */
  conflicts: { name: string; reason: string }[];
}

/**
 * Creates the `cs_health` group and the app's company properties, reading first so a second run
 * changes nothing. A property of ours (in our group, same type) whose label, description, field
 * type or options differ is updated. A property with one of our names outside our group, or
 * defined by HubSpot, belongs to someone else: it is reported as a conflict and never changed.
 */
export async function provisionProperties(
  client: PortalClient,
  logger: Logger,
  definitions: readonly PropertyDefinition[] = CS_HEALTH_PROPERTIES,
): Promise<ProvisioningResult> {
  const result: ProvisioningResult = {
    groupCreated: false,
    created: [],
    updated: [],
    unchanged: [],
    conflicts: [],
  };

  const groups = await client.listPropertyGroups('companies');
  // TODO: update the group's label when PROPERTY_GROUP.label changes; only properties are updated.
  if (!groups.some((group) => group.name === PROPERTY_GROUP.name)) {
    await ignoreConflict(() => client.createPropertyGroup('companies', PROPERTY_GROUP));
    result.groupCreated = true;
  }

  const existing = new Map(
    (await client.listProperties('companies')).map((item) => [item.name, item]),
  );
  for (const wanted of definitions) {
    const current = existing.get(wanted.name);
    if (!current) {
      await ignoreConflict(() => client.createProperty('companies', wanted));
      result.created.push(wanted.name);
      continue;
    }
    const conflict = ownershipConflict(current, wanted);
    if (conflict) {
      result.conflicts.push({ name: wanted.name, reason: conflict });
      continue;
    }
    const changes = differences(current, wanted);
    if (Object.keys(changes).length === 0) {
      result.unchanged.push(wanted.name);
      continue;
    }
    await client.updateProperty('companies', wanted.name, changes);
    result.updated.push(wanted.name);
  }

  logger.info(
    {
      portalId: client.portalId,
      groupCreated: result.groupCreated,
      created: result.created.length,
      updated: result.updated.length,
      unchanged: result.unchanged.length,
      conflicts: result.conflicts.map((item) => item.name),
    },
    'company properties provisioned',
  );
  return result;
}

function ownershipConflict(
  current: PropertyDefinition,
  wanted: PropertyDefinition,
): string | undefined {
  if (current.hubspotDefined) return 'it is a HubSpot-defined property';
  if (current.groupName !== wanted.groupName) {
    return `it exists in the group "${current.groupName}", not "${wanted.groupName}", so another app or a user owns it`;
  }
  if (current.type !== wanted.type) {
    return `it has type "${current.type}" but CS Health writes "${wanted.type}"; changing a type can lose data`;
  }
  return undefined;
}

function differences(
  current: PropertyDefinition,
  wanted: PropertyDefinition,
): Partial<PropertyDefinition> {
  const changes: Partial<PropertyDefinition> = {};
  if (current.label !== wanted.label) changes.label = wanted.label;
  if ((current.description ?? '') !== (wanted.description ?? ''))
    changes.description = wanted.description ?? '';
  if (current.fieldType !== wanted.fieldType) changes.fieldType = wanted.fieldType;
  if (wanted.options) {
    const currentOptions = [...(current.options ?? [])].sort(
      (a, b) => a.displayOrder - b.displayOrder,
    );
    const merged = mergeOptions(currentOptions, wanted.options);
    if (!sameOptions(currentOptions, merged)) changes.options = merged;
  }
  return changes;
}

/**
 * Our options first, in our order, then any option a portal admin added to the property. HubSpot
 * replaces the whole list on update, and dropping an option in use would orphan its values.
 */
function mergeOptions(current: PropertyOption[], wanted: PropertyOption[]): PropertyOption[] {
  const ours = new Set(wanted.map((option) => option.value));
  const extra = current
    .filter((option) => !ours.has(option.value))
    .map((option, index) => ({ ...option, displayOrder: wanted.length + index }));
  return [...wanted.map((option) => ({ ...option })), ...extra];
}

function sameOptions(left: PropertyOption[], right: PropertyOption[]): boolean {
  if (left.length !== right.length) return false;
  return left.every((option, index) => {
    const other = right[index];
    return (
      other !== undefined &&
      option.value === other.value &&
      option.label === other.label &&
      option.displayOrder === other.displayOrder &&
      option.hidden === other.hidden
    );
  });
}

/** Two installs racing may both create: a 409 means the other one won, which is fine. */
async function ignoreConflict(create: () => Promise<void>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (error instanceof HubSpotApiError && error.status === 409) return;
    throw error;
  }
}
