import type { CrmObjectType } from '../store/changes';
import { OBJECT_TYPES } from '../store/object-types';
import type { PortalStore } from '../store/portal-store';
import {
  FIELD_TYPES_BY_TYPE,
  PROPERTY_TYPES,
  type PropertyDefinition,
  type PropertyOption,
  type PropertyType,
} from '../store/property-definitions';
import { customDefinition } from '../store/seed-loader';
import { json, type ApiRequest, type ApiRoute, type Reply } from './context';
import { conflictError, notFoundError, standardError, validationError } from './errors';
import { MAX_BATCH_INPUTS } from './object-routes';
import { objectTypeParam } from './serialize';

/** Object types with their own schema scopes; the others use their object scopes. */
const SCHEMA_SCOPES: Partial<Record<CrmObjectType, string>> = {
  companies: 'crm.schemas.companies',
  contacts: 'crm.schemas.contacts',
  deals: 'crm.schemas.deals',
};

const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function schemaScopes(write: boolean) {
  return (params: Record<string, string>): string[][] => {
    let type: CrmObjectType;
    try {
      type = objectTypeParam(params);
    } catch {
      return [];
    }
    const schema = SCHEMA_SCOPES[type];
    const info = OBJECT_TYPES[type];
    if (!schema) return [write ? info.writeScopes.concat(info.readScopes) : info.readScopes];
    if (write) return [[`${schema}.write`]];
    // The v3 spec also lets the object scopes read properties, e.g. crm.objects.companies.read.
    return [[`${schema}.read`, `${schema}.write`, ...info.readScopes, ...info.writeScopes]];
  };
}

/** A property in the properties API shape. */
export function serializeProperty(definition: PropertyDefinition): Record<string, unknown> {
  const result: Record<string, unknown> = {
    name: definition.name,
    label: definition.label,
    type: definition.type,
    fieldType: definition.fieldType,
    description: definition.description,
    groupName: definition.groupName,
    options: definition.options,
    displayOrder: definition.displayOrder,
    calculated: definition.calculated,
    externalOptions: definition.externalOptions,
    hasUniqueValue: definition.hasUniqueValue,
    hidden: definition.hidden,
    hubspotDefined: definition.hubspotDefined,
    formField: definition.formField,
    modificationMetadata: {
      archivable: definition.archivable,
      readOnlyDefinition: definition.readOnlyDefinition,
      readOnlyValue: definition.readOnlyValue,
    },
    createdAt: definition.createdAt,
    updatedAt: definition.updatedAt,
    archived: definition.archived,
  };
  if (definition.ownerReference) result.referencedObjectType = 'OWNER';
  if (definition.archivedAt) result.archivedAt = definition.archivedAt;
  return result;
}

function parseOptions(raw: unknown, name: string): PropertyOption[] {
  if (!Array.isArray(raw)) throw validationError(`Property ${name}: options must be an array.`);
  const values = new Set<string>();
  return raw.map((option, index) => {
    if (!isObject(option) || typeof option.label !== 'string' || typeof option.value !== 'string') {
      throw validationError(
        `Property ${name}: options[${index}] needs a string "label" and "value".`,
      );
    }
    if (values.has(option.value))
      throw validationError(`Property ${name}: option value ${option.value} appears twice.`);
    values.add(option.value);
    const parsed: PropertyOption = {
      label: option.label,
      value: option.value,
      displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
      hidden: option.hidden === true,
    };
    if (typeof option.description === 'string') parsed.description = option.description;
    return parsed;
  });
}

function checkTypeAndFieldType(
  name: string,
  type: unknown,
  fieldType: unknown,
): [PropertyType, string] {
  if (typeof type !== 'string' || !PROPERTY_TYPES.includes(type as PropertyType)) {
    throw validationError(
      `Property ${name}: type ${JSON.stringify(type)} is not valid. Use one of ${PROPERTY_TYPES.join(', ')}.`,
    );
  }
  const allowed = FIELD_TYPES_BY_TYPE[type as PropertyType];
  if (typeof fieldType !== 'string' || !allowed.includes(fieldType)) {
    throw validationError(
      `Property ${name}: fieldType ${JSON.stringify(fieldType)} is not valid for type ${type}. Use one of ${allowed.join(', ')}.`,
    );
  }
  return [type as PropertyType, fieldType];
}

/** Validates a PropertyCreate body and returns the definition it describes. */
function parsePropertyCreate(
  store: PortalStore,
  type: CrmObjectType,
  input: unknown,
): PropertyDefinition {
  if (!isObject(input)) throw validationError('A property needs a JSON object body.');
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter(
    (field) => typeof input[field] !== 'string',
  );
  if (missing.length > 0)
    throw validationError(`Property create is missing required fields: ${missing.join(', ')}.`);
  const name = input.name as string;
  if (!NAME_PATTERN.test(name)) {
    throw validationError(
      `Property name ${name} is not valid: use lower-case letters, digits and underscores, starting with a letter.`,
    );
  }
  const [propertyType, fieldType] = checkTypeAndFieldType(name, input.type, input.fieldType);
  const groupName = input.groupName as string;
  if (!store.groups[type].get(groupName) || store.groups[type].get(groupName)?.archived) {
    throw validationError(
      `Property ${name}: property group ${groupName} does not exist on ${type}. Create the group first.`,
    );
  }
  let options: PropertyOption[] = [];
  if (propertyType === 'enumeration' || propertyType === 'bool') {
    if (input.options === undefined && propertyType === 'enumeration') {
      throw validationError(`Property ${name}: an enumeration property needs options.`);
    }
    options = input.options === undefined ? [] : parseOptions(input.options, name);
  }
  const now = new Date().toISOString();
  return {
    ...customDefinition(name, input.label as string, groupName, now),
    type: propertyType,
    fieldType,
    description: typeof input.description === 'string' ? input.description : '',
    options,
    displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
    hasUniqueValue: input.hasUniqueValue === true,
    hidden: input.hidden === true,
    formField: input.formField !== false,
  };
}

function requireProperty(
  store: PortalStore,
  type: CrmObjectType,
  name: string,
  archived = false,
): PropertyDefinition {
  const definition = store.properties[type].get(name);
  if (!definition || definition.archived !== archived) {
    throw notFoundError(`Property ${name} does not exist on ${type}.`);
  }
  return definition;
}

function listProperties(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const archived = request.query.get('archived') === 'true';
  const results = [...request.portal.store.properties[type].values()]
    .filter((definition) => definition.archived === archived)
    .map(serializeProperty);
  return json(200, { results });
}

function createProperty(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const definition = parsePropertyCreate(store, type, request.body);
  const existing = store.properties[type].get(definition.name);
  if (existing && !existing.archived)
    throw conflictError(`A property named ${definition.name} already exists on ${type}.`);
  store.properties[type].set(definition.name, definition);
  return json(201, serializeProperty(definition));
}

function getProperty(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const archived = request.query.get('archived') === 'true';
  return json(
    200,
    serializeProperty(
      requireProperty(request.portal.store, type, request.params.propertyName as string, archived),
    ),
  );
}

function updateProperty(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const definition = requireProperty(store, type, request.params.propertyName as string);
  const body = request.body;
  if (!isObject(body)) throw validationError('A property update needs a JSON object body.');
  if (definition.readOnlyDefinition) {
    throw validationError(
      `Property ${definition.name} is defined by HubSpot and its definition cannot be changed.`,
    );
  }
  const updated: PropertyDefinition = { ...definition };
  if (body.type !== undefined || body.fieldType !== undefined) {
    const [propertyType, fieldType] = checkTypeAndFieldType(
      definition.name,
      body.type ?? definition.type,
      body.fieldType ?? definition.fieldType,
    );
    updated.type = propertyType;
    updated.fieldType = fieldType;
  }
  if (typeof body.label === 'string') updated.label = body.label;
  if (typeof body.description === 'string') updated.description = body.description;
  if (typeof body.displayOrder === 'number') updated.displayOrder = body.displayOrder;
  if (typeof body.hidden === 'boolean') updated.hidden = body.hidden;
  if (typeof body.formField === 'boolean') updated.formField = body.formField;
  if (typeof body.groupName === 'string') {
    if (!store.groups[type].has(body.groupName))
      throw validationError(`Property group ${body.groupName} does not exist on ${type}.`);
    updated.groupName = body.groupName;
  }
  if (body.options !== undefined) updated.options = parseOptions(body.options, definition.name);
  updated.updatedAt = new Date().toISOString();
  store.properties[type].set(updated.name, updated);
  return json(200, serializeProperty(updated));
}

function archiveOne(store: PortalStore, type: CrmObjectType, name: string): void {
  const definition = requireProperty(store, type, name);
  if (!definition.archivable)
    throw validationError(`Property ${name} is defined by HubSpot and cannot be archived.`);
  const now = new Date().toISOString();
  store.properties[type].set(name, {
    ...definition,
    archived: true,
    archivedAt: now,
    updatedAt: now,
  });
}

function archiveProperty(request: ApiRequest): Reply {
  archiveOne(
    request.portal.store,
    objectTypeParam(request.params),
    request.params.propertyName as string,
  );
  return { status: 204 };
}

function batchInputs(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.inputs))
    throw validationError('The request body needs an "inputs" array.');
  if (body.inputs.length > MAX_BATCH_INPUTS) {
    throw validationError(
      `Batch input of ${body.inputs.length} items is above the limit of ${MAX_BATCH_INPUTS}.`,
    );
  }
  return body.inputs;
}

function batchCreateProperties(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const definitions = batchInputs(request.body).map((input) =>
    parsePropertyCreate(store, type, input),
  );
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const definition of definitions) {
    const existing = store.properties[type].get(definition.name);
    if (existing && !existing.archived) {
      errors.push(
        standardError(
          'OBJECT_ALREADY_EXISTS',
          `A property named ${definition.name} already exists on ${type}.`,
          { name: [definition.name] },
        ),
      );
      continue;
    }
    store.properties[type].set(definition.name, definition);
    results.push(serializeProperty(definition));
  }
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length === 0) return json(201, body);
  body.numErrors = errors.length;
  body.errors = errors;
  return json(207, body);
}

function batchReadProperties(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const archived = isObject(request.body) && request.body.archived === true;
  const results: unknown[] = [];
  const missing: string[] = [];
  batchInputs(request.body).forEach((input, index) => {
    if (!isObject(input) || typeof input.name !== 'string')
      throw validationError(`inputs[${index}] needs a "name".`);
    const definition = store.properties[type].get(input.name);
    if (definition && definition.archived === archived) results.push(serializeProperty(definition));
    else missing.push(input.name);
  });
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (missing.length === 0) return json(200, body);
  body.numErrors = 1;
  body.errors = [
    standardError('OBJECT_NOT_FOUND', `Some properties do not exist on ${type}.`, {
      names: missing,
    }),
  ];
  return json(207, body);
}

function batchArchiveProperties(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  batchInputs(request.body).forEach((input, index) => {
    if (!isObject(input) || typeof input.name !== 'string')
      throw validationError(`inputs[${index}] needs a "name".`);
    archiveOne(store, type, input.name);
  });
  return { status: 204 };
}

function serializeGroup(group: {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}) {
  return {
    name: group.name,
    label: group.label,
    displayOrder: group.displayOrder,
    archived: group.archived,
  };
}

function listGroups(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const results = [...request.portal.store.groups[type].values()]
    .filter((group) => !group.archived)
    .map(serializeGroup);
  return json(200, { results });
}

function createGroup(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const body = request.body;
  if (!isObject(body) || typeof body.name !== 'string' || typeof body.label !== 'string') {
    throw validationError('A property group needs a string "name" and "label".');
  }
  if (!NAME_PATTERN.test(body.name)) {
    throw validationError(
      `Property group name ${body.name} is not valid: use lower-case letters, digits and underscores.`,
    );
  }
  const existing = store.groups[type].get(body.name);
  if (existing && !existing.archived)
    throw conflictError(`A property group named ${body.name} already exists on ${type}.`);
  const group = {
    name: body.name,
    label: body.label,
    displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
    archived: false,
  };
  store.groups[type].set(group.name, group);
  return json(201, serializeGroup(group));
}

function requireGroup(request: ApiRequest) {
  const type = objectTypeParam(request.params);
  const name = request.params.groupName as string;
  const group = request.portal.store.groups[type].get(name);
  if (!group || group.archived)
    throw notFoundError(`Property group ${name} does not exist on ${type}.`);
  return group;
}

function getGroup(request: ApiRequest): Reply {
  return json(200, serializeGroup(requireGroup(request)));
}

function updateGroup(request: ApiRequest): Reply {
  const group = requireGroup(request);
  const body = request.body;
  if (!isObject(body)) throw validationError('A property group update needs a JSON object body.');
  if (typeof body.label === 'string') group.label = body.label;
  if (typeof body.displayOrder === 'number') group.displayOrder = body.displayOrder;
  return json(200, serializeGroup(group));
}

function archiveGroup(request: ApiRequest): Reply {
  const group = requireGroup(request);
  const type = objectTypeParam(request.params);
  const inUse = [...request.portal.store.properties[type].values()].some(
    (p) => p.groupName === group.name && !p.archived,
  );
  if (inUse)
    throw validationError(
      `Property group ${group.name} still contains properties; move or archive them first.`,
    );
  group.archived = true;
  return { status: 204 };
}

export function propertyRoutes(): ApiRoute[] {
  const read = schemaScopes(false);
  const write = schemaScopes(true);
  const routes: ApiRoute[] = [];
  for (const prefix of ['/crm/v3/properties', '/crm/properties/2026-03']) {
    const base = `${prefix}/{objectType}`;
    routes.push(
      { method: 'GET', template: base, kind: 'api', scopes: read, handler: listProperties },
      { method: 'POST', template: base, kind: 'api', scopes: write, handler: createProperty },
      {
        method: 'GET',
        template: `${base}/{propertyName}`,
        kind: 'api',
        scopes: read,
        handler: getProperty,
      },
      {
        method: 'PATCH',
        template: `${base}/{propertyName}`,
        kind: 'api',
        scopes: write,
        handler: updateProperty,
      },
      {
        method: 'DELETE',
        template: `${base}/{propertyName}`,
        kind: 'api',
        scopes: write,
        handler: archiveProperty,
      },
      {
        method: 'POST',
        template: `${base}/batch/create`,
        kind: 'api',
        scopes: write,
        handler: batchCreateProperties,
      },
      {
        method: 'POST',
        template: `${base}/batch/read`,
        kind: 'api',
        scopes: read,
        handler: batchReadProperties,
      },
      {
        method: 'POST',
        template: `${base}/batch/archive`,
        kind: 'api',
        scopes: write,
        handler: batchArchiveProperties,
      },
      { method: 'GET', template: `${base}/groups`, kind: 'api', scopes: read, handler: listGroups },
      {
        method: 'POST',
        template: `${base}/groups`,
        kind: 'api',
        scopes: write,
        handler: createGroup,
      },
      {
        method: 'GET',
        template: `${base}/groups/{groupName}`,
        kind: 'api',
        scopes: read,
        handler: getGroup,
      },
      {
        method: 'PATCH',
        template: `${base}/groups/{groupName}`,
        kind: 'api',
        scopes: write,
        handler: updateGroup,
      },
      {
        method: 'DELETE',
        template: `${base}/groups/{groupName}`,
        kind: 'api',
        scopes: write,
        handler: archiveGroup,
      },
    );
  }
  return routes;
}
