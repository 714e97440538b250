import type { Client } from '@hubspot/api-client';
import { HubSpotApiError } from './errors';
import { RawHttpError, resultsOf } from './failure';
import type { Call } from './crm-objects';
import type { AccountDetails, PropertyDefinition, PropertyGroup } from './types';

export const ACCOUNT_DETAILS_PATH = '/account-info/2026-03/details';
export const EXTERNAL_UNINSTALL_PATH = '/appinstalls/2026-03/external-install';

export async function getClosedTicketStages(call: Call): Promise<Set<string>> {
  const pipelines = await call('pipelines.tickets.list', 'general', (client, sdk) =>
    client.crm.pipelines.pipelinesApi.getAll('tickets', sdk).then((response) => {
      for (const pipeline of resultsOf(response)) {
        if (!Array.isArray(pipeline?.stages)) throw new Error('a pipeline has no "stages" list');
      }
      return resultsOf(response);
    }),
  );
  const closed = new Set<string>();
  for (const pipeline of pipelines) {
    for (const stage of pipeline.stages) {
      const isClosed = (stage.metadata as Record<string, unknown> | undefined)?.isClosed;
      if (isClosed === true || isClosed === 'true') closed.add(stage.id);
    }
  }
  return closed;
}

export async function getAccountDetails(call: Call, portalId: number): Promise<AccountDetails> {
  const body = await call('account.details', 'general', (client) =>
    requestJson(client, 'GET', ACCOUNT_DETAILS_PATH),
  );
  const fields = (body ?? {}) as { portalId?: unknown; timeZone?: unknown };
  const reportedPortal = Number(fields.portalId);
  if (!Number.isSafeInteger(reportedPortal) || typeof fields.timeZone !== 'string') {
    throw new HubSpotApiError({
      status: 200,
      category: 'INVALID_RESPONSE',
      retryable: false,
      endpoint: 'account.details',
      portalId,
      detail: 'account details lack portalId or timeZone',
    });
  }
  return { portalId: reportedPortal, timeZone: fields.timeZone };
}

export async function uninstallApp(call: Call): Promise<void> {
  await call('appinstalls.uninstall', 'general', (client) =>
    requestJson(client, 'DELETE', EXTERNAL_UNINSTALL_PATH),
  );
}

export async function listPropertyGroups(call: Call, objectType: string): Promise<PropertyGroup[]> {
  const groups = await call(`properties.${objectType}.groups.list`, 'general', (client, sdk) =>
    client.crm.properties.groupsApi.getAll(objectType, sdk).then(resultsOf),
  );
  return groups.map((group) => ({
    name: group.name,
    label: group.label,
    displayOrder: group.displayOrder,
  }));
}

export async function createPropertyGroup(
  call: Call,
  objectType: string,
  group: PropertyGroup,
): Promise<void> {
  await call(`properties.${objectType}.groups.create`, 'general', (client, sdk) =>
    client.crm.properties.groupsApi.create(objectType, group, sdk),
  );
}

export async function listProperties(
  call: Call,
  objectType: string,
): Promise<PropertyDefinition[]> {
  const properties = await call(`properties.${objectType}.list`, 'general', (client, sdk) =>
    client.crm.properties.coreApi.getAll(objectType, false, undefined, sdk).then(resultsOf),
  );
  return properties.map((property) => {
    const definition: PropertyDefinition = {
      name: property.name,
      label: property.label,
      type: property.type,
      fieldType: property.fieldType,
      groupName: property.groupName,
      description: property.description,
      options: property.options.map((option) => ({
        label: option.label,
        value: option.value,
        displayOrder: option.displayOrder ?? 0,
        hidden: option.hidden,
        ...(option.description ? { description: option.description } : {}),
      })),
    };
    if (property.displayOrder !== undefined) definition.displayOrder = property.displayOrder;
    if (property.hubspotDefined !== undefined) definition.hubspotDefined = property.hubspotDefined;
    return definition;
  });
}

export async function createProperty(
  call: Call,
  objectType: string,
  property: PropertyDefinition,
): Promise<void> {
  const { hubspotDefined: _ignored, ...input } = property;
  await call(`properties.${objectType}.create`, 'general', (client, sdk) =>
    client.crm.properties.coreApi.create(
      objectType,
      input as Parameters<Client['crm']['properties']['coreApi']['create']>[1],
      sdk,
    ),
  );
}

export async function updateProperty(
  call: Call,
  objectType: string,
  name: string,
  changes: Partial<Omit<PropertyDefinition, 'name' | 'type'>>,
): Promise<void> {
  const { hubspotDefined: _ignored, ...input } = changes;
  await call(`properties.${objectType}.update`, 'general', (client, sdk) =>
    client.crm.properties.coreApi.update(
      objectType,
      name,
      input as Parameters<Client['crm']['properties']['coreApi']['update']>[2],
      sdk,
    ),
  );
}

/** Sends a raw request for endpoints the SDK does not wrap; non-2xx responses throw RawHttpError. */
async function requestJson(
  client: Client,
  method: 'GET' | 'DELETE',
  path: string,
): Promise<unknown> {
  const response = await client.apiRequest({ method, path });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Keep the text: an error page from a proxy is reported by its status.
  }
  if (response.status < 200 || response.status > 299) {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    throw new RawHttpError(response.status, headers, body);
  }
  return body;
}
