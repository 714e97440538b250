/**
 * Checks every response shape the sandbox serves against schemas written from HubSpot's
 * published OpenAPI specs (HubSpot/HubSpot-public-api-spec-collection: CRM objects v3,
 * associations v4, properties v3, pipelines v3, owners v3, account info 2026-03, OAuth v1 and
 * 2026-03). Each schema is strict, so a field the spec does not define fails the test as surely as
 * a missing required one.
 *
 * Client calls go through a recording proxy, so each test compares the model that
 * `@hubspot/api-client` 13.x built with the exact body it parsed. The model is written back with
 * the client's own serializer; a field the model dropped shows up as a difference.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4';
import { ObjectSerializer as AssociationsSerializer } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/ObjectSerializer';
import { ObjectSerializer as CompaniesSerializer } from '@hubspot/api-client/lib/codegen/crm/companies/models/ObjectSerializer';
import { ObjectSerializer as ObjectsSerializer } from '@hubspot/api-client/lib/codegen/crm/objects/models/ObjectSerializer';
import { ObjectSerializer as TasksSerializer } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/models/ObjectSerializer';
import { ObjectSerializer as OwnersSerializer } from '@hubspot/api-client/lib/codegen/crm/owners/models/ObjectSerializer';
import { ObjectSerializer as PipelinesSerializer } from '@hubspot/api-client/lib/codegen/crm/pipelines/models/ObjectSerializer';
import { ObjectSerializer as PropertiesSerializer } from '@hubspot/api-client/lib/codegen/crm/properties/models/ObjectSerializer';
import { ObjectSerializer as OAuthSerializer } from '@hubspot/api-client/lib/codegen/oauth/models/ObjectSerializer';
import { z } from 'zod';
import { apiError, raw, startTestSandbox, type TestSandbox } from './helpers';

// ---------------------------------------------------------------------------------------------
// Schemas, written from the specs' component schemas.

const dateTime = z.iso.datetime();
const stringLists = z.record(z.string(), z.array(z.string()));
const links = z.record(z.string(), z.string());

const errorDetail = z.strictObject({
  message: z.string(),
  code: z.string().optional(),
  in: z.string().optional(),
  subCategory: z.string().optional(),
  context: stringLists.optional(),
});

/** `Error`: the body of every non-2xx API response. */
const apiErrorBody = z.strictObject({
  category: z.string(),
  correlationId: z.uuid(),
  message: z.string(),
  subCategory: z.string().optional(),
  context: stringLists.optional(),
  links: links.optional(),
  errors: z.array(errorDetail).optional(),
  // Not in the Error schema. The sandbox sends it on every error body.
  status: z.literal('error'),
});

/** `StandardError`: one entry of a batch response's `errors`. */
const standardError = z.strictObject({
  status: z.string(),
  category: z.string(),
  message: z.string(),
  context: stringLists,
  errors: z.array(errorDetail),
  links,
  id: z.string().optional(),
  // The spec types subCategory as an open object. The sandbox sends a string such as
  // crm.associations.NO_ASSOCIATIONS_FOUND.
  subCategory: z.unknown().optional(),
});

const batchStatus = z.enum(['PENDING', 'PROCESSING', 'CANCELED', 'COMPLETE']);

function batchResponse<T extends z.ZodType>(result: T) {
  return z.strictObject({
    status: batchStatus,
    results: z.array(result),
    startedAt: dateTime,
    completedAt: dateTime,
    requestedAt: dateTime.optional(),
    links: links.optional(),
  });
}

function batchResponseWithErrors<T extends z.ZodType>(result: T) {
  return z.strictObject({
    ...batchResponse(result).shape,
    numErrors: z.int(),
    errors: z.array(standardError).min(1),
  });
}

const nextPage = z.strictObject({ after: z.string(), link: z.string().optional() });
const forwardPaging = z.strictObject({ next: nextPage.optional() });
const paging = z.strictObject({
  next: nextPage.optional(),
  prev: z.strictObject({ before: z.string(), link: z.string().optional() }).optional(),
});

const valueWithTimestamp = z.strictObject({
  value: z.string(),
  timestamp: dateTime,
  sourceType: z.string(),
  sourceId: z.string().optional(),
  sourceLabel: z.string().optional(),
  updatedByUserId: z.int().optional(),
});

const simplePublicObjectShape = {
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: dateTime,
  updatedAt: dateTime,
  archived: z.boolean().optional(),
  archivedAt: dateTime.optional(),
  propertiesWithHistory: z.record(z.string(), z.array(valueWithTimestamp)).optional(),
  objectWriteTraceId: z.string().optional(),
};
const simplePublicObject = z.strictObject(simplePublicObjectShape);

const associatedIds = z.strictObject({
  results: z.array(z.strictObject({ id: z.string(), type: z.string() })),
  paging: paging.optional(),
});
const simplePublicObjectWithAssociations = z.strictObject({
  ...simplePublicObjectShape,
  associations: z.record(z.string(), associatedIds).optional(),
});

const objectPage = z.strictObject({
  results: z.array(simplePublicObjectWithAssociations),
  paging: forwardPaging.optional(),
});

const searchResponse = z.strictObject({
  total: z.int(),
  results: z.array(simplePublicObject),
  paging: forwardPaging.optional(),
});

const associationCategory = z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']);
const associationSpec = z.strictObject({
  associationCategory,
  associationTypeId: z.int(),
});
const associationSpecWithLabel = z.strictObject({
  category: associationCategory,
  typeId: z.int(),
  // The spec types label as an optional string. The sandbox sends null for unlabelled types.
  label: z.string().nullable().optional(),
});
const objectId = z.strictObject({ id: z.string() });
const multiAssociatedObject = z.strictObject({
  toObjectId: z.string(),
  associationTypes: z.array(associationSpecWithLabel).min(1),
});
const associationsOfRecord = z.strictObject({
  from: objectId,
  to: z.array(multiAssociatedObject),
  paging: paging.optional(),
});
const associationPage = z.strictObject({
  results: z.array(multiAssociatedObject),
  paging: forwardPaging.optional(),
});
const labelsBetweenObjectPair = z.strictObject({
  fromObjectTypeId: z.string(),
  fromObjectId: z.string(),
  toObjectTypeId: z.string(),
  toObjectId: z.string(),
  labels: z.array(z.string()),
});
const defaultAssociation = z.strictObject({
  from: objectId,
  to: objectId,
  associationSpec,
});

const propertyOption = z.strictObject({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean(),
  displayOrder: z.int().optional(),
  description: z.string().optional(),
});
const property = z.strictObject({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  description: z.string(),
  groupName: z.string(),
  options: z.array(propertyOption),
  displayOrder: z.int().optional(),
  calculated: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  hubspotDefined: z.boolean().optional(),
  formField: z.boolean().optional(),
  showCurrencySymbol: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  modificationMetadata: z
    .strictObject({
      archivable: z.boolean(),
      readOnlyDefinition: z.boolean(),
      readOnlyValue: z.boolean(),
      readOnlyOptions: z.boolean().optional(),
    })
    .optional(),
  createdUserId: z.string().optional(),
  updatedUserId: z.string().optional(),
  createdAt: dateTime.optional(),
  updatedAt: dateTime.optional(),
  archived: z.boolean().optional(),
  archivedAt: dateTime.optional(),
});
const propertyGroup = z.strictObject({
  name: z.string(),
  label: z.string(),
  displayOrder: z.int(),
  archived: z.boolean(),
});

const pipelineStage = z.strictObject({
  id: z.string(),
  label: z.string(),
  displayOrder: z.int(),
  archived: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
  archivedAt: dateTime.optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  writePermissions: z
    .enum(['CRM_PERMISSIONS_ENFORCEMENT', 'READ_ONLY', 'INTERNAL_ONLY'])
    .optional(),
});
const pipeline = z.strictObject({
  id: z.string(),
  label: z.string(),
  displayOrder: z.int(),
  archived: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
  archivedAt: dateTime.optional(),
  stages: z.array(pipelineStage),
});

const owner = z.strictObject({
  id: z.string(),
  type: z.enum(['PERSON', 'QUEUE']),
  archived: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  userId: z.int().optional(),
  userIdIncludingInactive: z.int().optional(),
  teams: z
    .array(z.strictObject({ id: z.string(), name: z.string(), primary: z.boolean() }))
    .optional(),
});
const ownerPage = z.strictObject({ results: z.array(owner), paging: forwardPaging.optional() });

const accountDetails = z.strictObject({
  portalId: z.int(),
  accountType: z.enum(['APP_DEVELOPER', 'DEVELOPER_TEST', 'SANDBOX', 'STANDARD']),
  timeZone: z.string(),
  companyCurrency: z.string(),
  additionalCurrencies: z.array(z.string()),
  utcOffset: z.string().regex(/^[+-]\d{2}:\d{2}$/),
  utcOffsetMilliseconds: z.int(),
  uiDomain: z.string(),
  dataHostingLocation: z.string(),
});

const tokenResponse = z.strictObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.int().positive(),
  token_type: z.string(),
  token_use: z.literal('access_token'),
  hub_id: z.int().optional(),
  user_id: z.int().optional(),
  scopes: z.array(z.string()).optional(),
  id_token: z.string().optional(),
});

const signedAccessToken = z.strictObject({
  appId: z.int(),
  appInstallId: z.string(),
  audience: z.string(),
  expiresAt: z.int(),
  hubId: z.int(),
  hublet: z.string(),
  installingUserId: z.int(),
  isPrivateDistribution: z.boolean(),
  isServiceAccount: z.boolean(),
  isUserLevel: z.boolean(),
  newSignature: z.string(),
  scopeToScopeGroupPks: z.string(),
  scopes: z.string(),
  signature: z.string(),
  trialScopeToScopeGroupPks: z.string(),
  trialScopes: z.string(),
  userId: z.int(),
});
const accessTokenIntrospection = z.strictObject({
  active: z.literal(true),
  app_id: z.int(),
  client_id: z.string(),
  expires_in: z.int(),
  hub_domain: z.string().optional(),
  hub_id: z.int(),
  is_private_distribution: z.boolean(),
  scopes: z.array(z.string()),
  signed_access_token: signedAccessToken,
  token: z.string(),
  token_type: z.string(),
  token_use: z.literal('access_token'),
  user: z.string().optional(),
  user_id: z.int(),
});
const refreshTokenIntrospection = z.strictObject({
  active: z.literal(true),
  app_id: z.int(),
  client_id: z.string(),
  hub_domain: z.string().optional(),
  hub_id: z.int(),
  scopes: z.array(z.string()),
  token: z.string(),
  token_type: z.string(),
  token_use: z.literal('refresh_token'),
  user: z.string().optional(),
  user_id: z.int(),
});

const v1AccessTokenInfo = z.strictObject({
  app_id: z.int(),
  expires_in: z.int(),
  hub_id: z.int(),
  scopes: z.array(z.string()),
  token: z.string(),
  token_type: z.string(),
  user_id: z.int(),
  hub_domain: z.string().optional(),
  is_private_distribution: z.boolean().optional(),
  signed_access_token: z.unknown().optional(),
  user: z.string().optional(),
});
const v1RefreshTokenInfo = z.strictObject({
  client_id: z.string(),
  hub_id: z.int(),
  scopes: z.array(z.string()),
  token: z.string(),
  token_type: z.string(),
  user_id: z.int(),
  hub_domain: z.string().optional(),
  user: z.string().optional(),
});

/** The Error schema's fields plus HubSpot's older `status` code and the RFC 6749 pair. */
const tokenErrorBody = z.strictObject({
  category: z.string(),
  correlationId: z.uuid(),
  message: z.string(),
  requestId: z.string(),
  status: z.enum([
    'BAD_GRANT_TYPE',
    'BAD_CLIENT_ID',
    'BAD_CLIENT_SECRET',
    'BAD_AUTH_CODE',
    'BAD_REDIRECT_URI',
    'BAD_REFRESH_TOKEN',
  ]),
  error: z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type']),
  error_description: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Helpers.

interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

interface Recorder {
  baseUrl: string;
  /** The response to the latest request, as the sandbox sent it. */
  last(): RecordedResponse;
  close(): Promise<void>;
}

const FORWARDED_HEADERS = ['authorization', 'content-type', 'accept'];

function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Starts a loopback proxy to the sandbox that keeps the latest response body. */
async function startRecorder(target: string): Promise<Recorder> {
  const log: RecordedResponse[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readRequestBody(request);
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const method = request.method ?? 'GET';
      const upstream = await fetch(`${target}${request.url ?? '/'}`, {
        method,
        headers,
        body: body.length > 0 ? body : undefined,
      });
      const text = await upstream.text();
      const contentType = upstream.headers.get('content-type');
      log.push({
        method,
        path: request.url ?? '/',
        status: upstream.status,
        contentType,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      response.writeHead(upstream.status, contentType ? { 'content-type': contentType } : {});
      response.end(text);
    })().catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`recorder failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    last() {
      const latest = log[log.length - 1];
      if (!latest) throw new Error('the recorder has not seen a request yet');
      return latest;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface ModelSerializer {
  serialize(data: unknown, type: string, format: string): unknown;
}

/** Writes a client model back to JSON with the client's serializer, dropping undefined fields. */
function reserialize(serializer: ModelSerializer, model: unknown, typeName: string): unknown {
  return JSON.parse(JSON.stringify(serializer.serialize(model, typeName, ''))) as unknown;
}

/** Copies a JSON object without the named top-level fields. */
function withoutFields(body: unknown, fields: string[]): Record<string, unknown> {
  const copy = { ...(body as Record<string, unknown>) };
  for (const field of fields) delete copy[field];
  return copy;
}

/** Parses a body with a schema and fails with zod's list of issues when it does not match. */
function expectShape<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      `response does not match the spec schema:\n${z.prettifyError(parsed.error)}\n${JSON.stringify(body, null, 2)}`,
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Fixture.

let t: TestSandbox;
let recorder: Recorder;
let client: Client;
const ids = {
  company: '',
  otherCompany: '',
  lonelyCompany: '',
  contact: '',
  ticket: '',
};

beforeAll(async () => {
  t = await startTestSandbox();
  recorder = await startRecorder(t.sandbox.baseUrl);
  client = new Client({
    accessToken: t.token,
    basePath: recorder.baseUrl,
    numberOfApiCallRetries: 1,
  });
  ids.company = t.portal.createObject('companies', { name: 'Spec Co', domain: 'spec.example' });
  ids.otherCompany = t.portal.createObject('companies', { name: 'Other Co' });
  ids.lonelyCompany = t.portal.createObject('companies', { name: 'Lonely Co' });
  t.portal.updateObject('companies', ids.company, { name: 'Spec Company' }, 'CRM_UI');
  ids.contact = t.portal.createObject('contacts', { email: 'ada@spec.example' }, [
    { toType: 'companies', toId: ids.company },
  ]);
  ids.ticket = t.portal.createObject(
    'tickets',
    { subject: 'Sync fails', hs_pipeline: '0', hs_pipeline_stage: '1' },
    [{ toType: 'companies', toId: ids.company }],
  );
  await t.portal.playScript([
    {
      kind: 'create',
      objectType: 'feedback_submissions',
      id: '7001',
      properties: {
        hs_survey_type: 'NPS',
        hs_value: '8',
        hs_submission_timestamp: '2026-02-01T10:00:00.000Z',
      },
      associations: [{ toType: 'contacts', toId: ids.contact }],
    },
  ]);
});

afterAll(async () => {
  await recorder.close();
  await t.sandbox.stop();
});

// ---------------------------------------------------------------------------------------------

describe('CRM object shapes', () => {
  it('record read with history and associations', async () => {
    const model = await client.crm.companies.basicApi.getById(
      ids.company,
      ['name', 'domain'],
      ['name'],
      ['contacts'],
    );
    const response = recorder.last();
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^application\/json/);
    const body = expectShape(simplePublicObjectWithAssociations, response.body);
    expect(body.propertiesWithHistory?.name?.map((entry) => entry.value)).toEqual([
      'Spec Company',
      'Spec Co',
    ]);
    expect(body.associations?.contacts?.results).toEqual([
      { id: ids.contact, type: 'company_to_contact' },
    ]);
    expect(reserialize(CompaniesSerializer, model, 'SimplePublicObjectWithAssociations')).toEqual(
      response.body,
    );
  });

  it('record read on the 2026-03 path', async () => {
    const response = await raw(
      t.sandbox,
      'GET',
      `/crm/objects/2026-03/companies/${ids.company}?properties=name`,
      { token: t.token },
    );
    expect(response.status).toBe(200);
    expectShape(simplePublicObjectWithAssociations, response.body);
  });

  it('record page with a paging cursor', async () => {
    const model = await client.crm.companies.basicApi.getPage(1, undefined, ['name']);
    const response = recorder.last();
    const body = expectShape(objectPage, response.body);
    expect(body.results).toHaveLength(1);
    expect(body.paging?.next?.after).toBe(ids.otherCompany);
    expect(body.paging?.next?.link).toContain(`after=${ids.otherCompany}`);
    expect(
      reserialize(
        CompaniesSerializer,
        model,
        'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging',
      ),
    ).toEqual(response.body);
  });

  it('batch read of found ids', async () => {
    const model = await client.crm.companies.batchApi.read({
      inputs: [{ id: ids.company }, { id: ids.otherCompany }],
      properties: ['name'],
      propertiesWithHistory: ['name'],
    });
    const response = recorder.last();
    expect(response.status).toBe(200);
    expectShape(batchResponse(simplePublicObject), response.body);
    expect(reserialize(CompaniesSerializer, model, 'BatchResponseSimplePublicObject')).toEqual(
      response.body,
    );
  });

  it('batch read with a missing id', async () => {
    const model = await client.crm.companies.batchApi.read({
      inputs: [{ id: ids.company }, { id: '990099' }],
      properties: ['name'],
      propertiesWithHistory: [],
    });
    const response = recorder.last();
    expect(response.status).toBe(207);
    const body = expectShape(batchResponseWithErrors(simplePublicObject), response.body);
    expect(body.numErrors).toBe(1);
    expect(body.errors[0]?.category).toBe('OBJECT_NOT_FOUND');
    expect(body.errors[0]?.context).toEqual({ ids: ['990099'] });
    expect(
      reserialize(CompaniesSerializer, model, 'BatchResponseSimplePublicObjectWithErrors'),
    ).toEqual(response.body);
  });

  it('batch update with and without a missing id', async () => {
    const updated = await client.crm.companies.batchApi.update({
      inputs: [{ id: ids.company, properties: { domain: 'spec.example' } }],
    });
    const ok = recorder.last();
    expect(ok.status).toBe(200);
    expectShape(batchResponse(simplePublicObject), ok.body);
    expect(reserialize(CompaniesSerializer, updated, 'BatchResponseSimplePublicObject')).toEqual(
      ok.body,
    );

    const partial = await client.crm.companies.batchApi.update({
      inputs: [
        { id: ids.otherCompany, properties: { domain: 'other.example' } },
        { id: '990098', properties: { domain: 'gone.example' } },
      ],
    });
    const multi = recorder.last();
    expect(multi.status).toBe(207);
    const body = expectShape(batchResponseWithErrors(simplePublicObject), multi.body);
    expect(body.errors[0]?.context).toEqual({ ids: ['990098'] });
    expect(
      reserialize(CompaniesSerializer, partial, 'BatchResponseSimplePublicObjectWithErrors'),
    ).toEqual(multi.body);
  });

  it('search with total and paging', async () => {
    const model = await client.crm.objects.searchApi.doSearch('companies', {
      filterGroups: [
        {
          filters: [{ propertyName: 'hs_object_id', operator: 'GT' as never, value: '0' }],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' } as never],
      properties: ['name'],
      limit: 2,
      after: '0',
    });
    const response = recorder.last();
    const body = expectShape(searchResponse, response.body);
    expect(body.total).toBe(3);
    expect(body.paging?.next?.after).toBe('2');
    expect(
      reserialize(
        ObjectsSerializer,
        model,
        'CollectionResponseWithTotalSimplePublicObjectForwardPaging',
      ),
    ).toEqual(response.body);
  });

  it('task create as the app sends it', async () => {
    const model = await client.crm.objects.tasks.basicApi.create({
      properties: {
        hs_task_subject: 'Call Spec Company',
        hs_timestamp: '2026-03-02T09:00:00.000Z',
        hs_task_status: 'NOT_STARTED',
      },
      associations: [
        {
          to: { id: ids.company },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined as never,
              associationTypeId: 192,
            },
          ],
        },
      ],
    });
    const response = recorder.last();
    expect(response.status).toBe(201);
    const body = expectShape(simplePublicObject, response.body);
    expect(body.properties.hs_task_subject).toBe('Call Spec Company');
    expect(reserialize(TasksSerializer, model, 'SimplePublicObject')).toEqual(response.body);
  });

  it('batch create of tasks', async () => {
    const model = await client.crm.objects.tasks.batchApi.create({
      inputs: [
        { properties: { hs_timestamp: '2026-03-03T09:00:00.000Z' }, associations: [] },
        { properties: { hs_timestamp: '2026-03-04T09:00:00.000Z' }, associations: [] },
      ],
    });
    const response = recorder.last();
    expect(response.status).toBe(201);
    expectShape(batchResponse(simplePublicObject), response.body);
    expect(reserialize(TasksSerializer, model, 'BatchResponseSimplePublicObject')).toEqual(
      response.body,
    );
  });

  it('company merge', async () => {
    const spare = t.portal.createObject('companies', { name: 'Merge Me' });
    const survivor = t.portal.createObject('companies', { name: 'Survivor' });
    const model = await client.crm.companies.basicApi.merge({
      primaryObjectId: survivor,
      objectIdToMerge: spare,
    });
    const response = recorder.last();
    expect(response.status).toBe(200);
    expectShape(simplePublicObject, response.body);
    expect(reserialize(CompaniesSerializer, model, 'SimplePublicObject')).toEqual(response.body);
  });

  it('archive returns 204 without a body', async () => {
    const spare = t.portal.createObject('companies', { name: 'Archive Me' });
    await client.crm.companies.basicApi.archive(spare);
    const response = recorder.last();
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
  });
});

describe('feedback submission scopes', () => {
  it('needs contacts read beside its own scope', async () => {
    const limited = t.portal.issueTokens(['oauth', 'crm.objects.feedback_submissions.read']);
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/feedback_submissions', {
      token: limited.accessToken,
    });
    expect(response.status).toBe(403);
    const body = expectShape(apiErrorBody, response.body);
    expect(body.category).toBe('MISSING_SCOPES');
    expect(body.errors?.[0]?.context?.requiredGranularScopes).toEqual([
      'crm.objects.contacts.read',
    ]);
  });

  it('reads with both scopes', async () => {
    const both = t.portal.issueTokens([
      'oauth',
      'crm.objects.feedback_submissions.read',
      'crm.objects.contacts.read',
    ]);
    const response = await raw(
      t.sandbox,
      'POST',
      '/crm/v3/objects/feedback_submissions/batch/read',
      {
        token: both.accessToken,
        body: { inputs: [{ id: '7001' }], properties: ['hs_value'], propertiesWithHistory: [] },
      },
    );
    expect(response.status).toBe(200);
    const body = expectShape(batchResponse(simplePublicObject), response.body);
    expect(body.results[0]?.properties.hs_value).toBe('8');
  });
});

describe('association v4 shapes', () => {
  it('batch read with associations for every input', async () => {
    const model = await client.crm.associations.v4.batchApi.getPage('companies', 'contacts', {
      inputs: [{ id: ids.company }],
    });
    const response = recorder.last();
    expect(response.status).toBe(200);
    const body = expectShape(batchResponse(associationsOfRecord), response.body);
    expect(body.results[0]?.to[0]?.toObjectId).toBe(ids.contact);
    expect(
      reserialize(AssociationsSerializer, model, 'BatchResponsePublicAssociationMultiWithLabel'),
    ).toEqual(response.body);
  });

  it('batch read with an input without associations', async () => {
    const model = await client.crm.associations.v4.batchApi.getPage('companies', 'tickets', {
      inputs: [{ id: ids.company }, { id: ids.lonelyCompany }],
    });
    const response = recorder.last();
    expect(response.status).toBe(207);
    const body = expectShape(batchResponseWithErrors(associationsOfRecord), response.body);
    expect(body.results.map((result) => result.from.id)).toEqual([ids.company]);
    expect(body.errors[0]?.subCategory).toBe('crm.associations.NO_ASSOCIATIONS_FOUND');
    expect(body.errors[0]?.context).toEqual({ fromObjectId: [ids.lonelyCompany] });
    expect(
      reserialize(
        AssociationsSerializer,
        model,
        'BatchResponsePublicAssociationMultiWithLabelWithErrors',
      ),
    ).toEqual(response.body);
  });

  it('per-record listing', async () => {
    const model = await client.crm.associations.v4.basicApi.getPage(
      'tickets',
      ids.ticket,
      'companies',
      undefined,
      500,
    );
    const response = recorder.last();
    const body = expectShape(associationPage, response.body);
    expect(body.results[0]?.toObjectId).toBe(ids.company);
    expect(
      reserialize(
        AssociationsSerializer,
        model,
        'CollectionResponseMultiAssociatedObjectWithLabelForwardPaging',
      ),
    ).toEqual(response.body);
  });

  it('labelled and default create, then delete', async () => {
    const labelled = await client.crm.associations.v4.basicApi.create(
      'companies',
      ids.otherCompany,
      'tickets',
      ids.ticket,
      [
        {
          associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
          associationTypeId: 340,
        },
      ],
    );
    const created = recorder.last();
    expect(created.status).toBe(201);
    const pair = expectShape(labelsBetweenObjectPair, created.body);
    expect(pair).toEqual({
      fromObjectTypeId: '0-2',
      fromObjectId: ids.otherCompany,
      toObjectTypeId: '0-5',
      toObjectId: ids.ticket,
      labels: [],
    });
    expect(reserialize(AssociationsSerializer, labelled, 'LabelsBetweenObjectPair')).toEqual(
      created.body,
    );

    const byDefault = await client.crm.associations.v4.basicApi.createDefault(
      'companies',
      ids.otherCompany,
      'contacts',
      ids.contact,
    );
    const defaulted = recorder.last();
    expect(defaulted.status).toBe(200);
    expectShape(batchResponse(defaultAssociation), defaulted.body);
    expect(
      reserialize(AssociationsSerializer, byDefault, 'BatchResponsePublicDefaultAssociation'),
    ).toEqual(defaulted.body);

    await client.crm.associations.v4.basicApi.archive(
      'companies',
      ids.otherCompany,
      'tickets',
      ids.ticket,
    );
    expect(recorder.last().status).toBe(204);
  });

  it('batch read on the 2026-03 path', async () => {
    const response = await raw(
      t.sandbox,
      'POST',
      '/crm/associations/2026-03/contacts/companies/batch/read',
      { token: t.token, body: { inputs: [{ id: ids.contact }] } },
    );
    expect(response.status).toBe(200);
    expectShape(batchResponse(associationsOfRecord), response.body);
  });
});

describe('property shapes', () => {
  it('list of every company property', async () => {
    const model = await client.crm.properties.coreApi.getAll('companies');
    const response = recorder.last();
    const body = expectShape(z.strictObject({ results: z.array(property).min(1) }), response.body);
    for (const item of body.results) expect(item.modificationMetadata).toBeDefined();
    expect(
      body.results.find((item) => item.name === 'hubspot_owner_id')?.referencedObjectType,
    ).toBe('OWNER');
    expect(reserialize(PropertiesSerializer, model, 'CollectionResponsePropertyNoPaging')).toEqual(
      response.body,
    );
  });

  it('group and property create, read and update', async () => {
    const group = await client.crm.properties.groupsApi.create('companies', {
      name: 'spec_checks',
      label: 'Spec checks',
      displayOrder: -1,
    });
    const groupResponse = recorder.last();
    expect(groupResponse.status).toBe(201);
    expectShape(propertyGroup, groupResponse.body);
    expect(reserialize(PropertiesSerializer, group, 'PropertyGroup')).toEqual(groupResponse.body);

    const created = await client.crm.properties.coreApi.create('companies', {
      name: 'spec_band',
      label: 'Spec band',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'spec_checks',
      options: [
        { label: 'Low', value: 'low', displayOrder: 0, hidden: false },
        { label: 'High', value: 'high', displayOrder: 1, hidden: false },
      ],
    });
    const createResponse = recorder.last();
    expect(createResponse.status).toBe(201);
    expectShape(property, createResponse.body);
    expect(reserialize(PropertiesSerializer, created, 'Property')).toEqual(createResponse.body);

    const read = await client.crm.properties.coreApi.getByName('companies', 'spec_band');
    expectShape(property, recorder.last().body);
    expect(reserialize(PropertiesSerializer, read, 'Property')).toEqual(recorder.last().body);

    const updated = await client.crm.properties.coreApi.update('companies', 'spec_band', {
      label: 'Spec tier',
    });
    const updateResponse = recorder.last();
    expect(updateResponse.status).toBe(200);
    expect(expectShape(property, updateResponse.body).label).toBe('Spec tier');
    expect(reserialize(PropertiesSerializer, updated, 'Property')).toEqual(updateResponse.body);

    const groups = await client.crm.properties.groupsApi.getAll('companies');
    const groupsResponse = recorder.last();
    expectShape(z.strictObject({ results: z.array(propertyGroup) }), groupsResponse.body);
    expect(
      reserialize(PropertiesSerializer, groups, 'CollectionResponsePropertyGroupNoPaging'),
    ).toEqual(groupsResponse.body);
  });

  it('batch create with an existing name', async () => {
    const model = await client.crm.properties.batchApi.create('companies', {
      inputs: [
        {
          name: 'spec_count',
          label: 'Spec count',
          type: 'number' as never,
          fieldType: 'number' as never,
          groupName: 'companyinformation',
        },
        {
          name: 'name',
          label: 'Name again',
          type: 'string' as never,
          fieldType: 'text' as never,
          groupName: 'companyinformation',
        },
      ],
    });
    const response = recorder.last();
    expect(response.status).toBe(207);
    const body = expectShape(batchResponseWithErrors(property), response.body);
    expect(body.errors[0]?.category).toBe('OBJECT_ALREADY_EXISTS');
    expect(reserialize(PropertiesSerializer, model, 'BatchResponsePropertyWithErrors')).toEqual(
      response.body,
    );
  });

  it('batch read with a missing name', async () => {
    const model = await client.crm.properties.batchApi.read('companies', {
      archived: false,
      inputs: [{ name: 'name' }, { name: 'no_such_property' }],
    });
    const response = recorder.last();
    expect(response.status).toBe(207);
    const body = expectShape(batchResponseWithErrors(property), response.body);
    expect(body.errors[0]?.context).toEqual({ names: ['no_such_property'] });
    expect(reserialize(PropertiesSerializer, model, 'BatchResponsePropertyWithErrors')).toEqual(
      response.body,
    );
  });

  it('read with the object scope only', async () => {
    const limited = t.portal.issueTokens(['oauth', 'crm.objects.companies.read']);
    const response = await raw(t.sandbox, 'GET', '/crm/v3/properties/companies/name', {
      token: limited.accessToken,
    });
    expect(response.status).toBe(200);
    expectShape(property, response.body);
  });
});

describe('pipeline, owner and account shapes', () => {
  it('ticket pipelines and stages', async () => {
    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('tickets');
    const listResponse = recorder.last();
    const body = expectShape(z.strictObject({ results: z.array(pipeline) }), listResponse.body);
    expect(body.results[0]?.stages.find((stage) => stage.id === '4')?.metadata).toEqual({
      ticketState: 'CLOSED',
      isClosed: 'true',
    });
    expect(
      reserialize(PipelinesSerializer, pipelines, 'CollectionResponsePipelineNoPaging'),
    ).toEqual(listResponse.body);

    const stages = await client.crm.pipelines.pipelineStagesApi.getAll('tickets', '0');
    const stagesResponse = recorder.last();
    expectShape(z.strictObject({ results: z.array(pipelineStage) }), stagesResponse.body);
    expect(
      reserialize(PipelinesSerializer, stages, 'CollectionResponsePipelineStageNoPaging'),
    ).toEqual(stagesResponse.body);
  });

  it('deal pipeline on the 2026-03 path', async () => {
    const response = await raw(t.sandbox, 'GET', '/crm/pipelines/2026-03/deals/default', {
      token: t.token,
    });
    expect(response.status).toBe(200);
    expectShape(pipeline, response.body);
  });

  it('active and archived owners', async () => {
    const active = await client.crm.owners.ownersApi.getPage(undefined, undefined, 2, false);
    const activeResponse = recorder.last();
    const activeBody = expectShape(ownerPage, activeResponse.body);
    expect(activeBody.paging?.next?.after).toBe('2');
    for (const item of activeBody.results) expect(item.userId).toBe(item.userIdIncludingInactive);
    expect(
      reserialize(OwnersSerializer, active, 'CollectionResponsePublicOwnerForwardPaging'),
    ).toEqual(activeResponse.body);

    const archived = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100, true);
    const archivedResponse = recorder.last();
    const archivedBody = expectShape(ownerPage, archivedResponse.body);
    expect(archivedBody.results.length).toBeGreaterThan(0);
    for (const item of archivedBody.results) {
      expect(item.userId).toBeUndefined();
      expect(item.userIdIncludingInactive).toEqual(expect.any(Number));
    }
    expect(
      reserialize(OwnersSerializer, archived, 'CollectionResponsePublicOwnerForwardPaging'),
    ).toEqual(archivedResponse.body);

    const first = activeBody.results[0] as z.infer<typeof owner>;
    const one = await client.crm.owners.ownersApi.getById(Number(first.id));
    expectShape(owner, recorder.last().body);
    expect(reserialize(OwnersSerializer, one, 'PublicOwner')).toEqual(recorder.last().body);
  });

  it.each(['/account-info/v3/details', '/account-info/2026-03/details'])(
    'account details on %s',
    async (path) => {
      const response = await raw(t.sandbox, 'GET', path, { token: t.token });
      expect(response.status).toBe(200);
      const body = expectShape(accountDetails, response.body);
      expect(body.portalId).toBe(t.portal.id);
    },
  );
});

describe('OAuth shapes', () => {
  const form = (fields: Record<string, string>) => ({
    client_id: t.sandbox.app.clientId,
    client_secret: t.sandbox.app.clientSecret,
    ...fields,
  });

  it.each(['/oauth/v1/token', '/oauth/v3/token', '/oauth/2026-03/token'])(
    'refresh grant on %s',
    async (path) => {
      const response = await raw(t.sandbox, 'POST', path, {
        form: form({ grant_type: 'refresh_token', refresh_token: t.refreshToken }),
      });
      expect(response.status).toBe(200);
      const body = expectShape(tokenResponse, response.body);
      expect(body.hub_id).toBe(t.portal.id);
      expect(body.expires_in).toBe(1800);
    },
  );

  it('refresh grant through the client', async () => {
    const model = await client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      t.sandbox.app.clientId,
      t.sandbox.app.clientSecret,
      t.refreshToken,
    );
    const response = recorder.last();
    expectShape(tokenResponse, response.body);
    // The 13.x TokenResponseIF model has no hub_id, user_id, scopes or token_use.
    expect(reserialize(OAuthSerializer, model, 'TokenResponseIF')).toEqual(
      withoutFields(response.body, ['hub_id', 'user_id', 'scopes', 'token_use']),
    );
  });

  it('introspection of both token kinds', async () => {
    const issued = t.portal.issueTokens();
    const access = await raw(t.sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: form({ token: issued.accessToken, token_type_hint: 'access_token' }),
    });
    expect(access.status).toBe(200);
    const accessBody = expectShape(accessTokenIntrospection, access.body);
    expect(accessBody.token).toBe(issued.accessToken);
    expect(accessBody.signed_access_token.hubId).toBe(t.portal.id);

    const refresh = await raw(t.sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: form({ token: issued.refreshToken }),
    });
    expect(refresh.status).toBe(200);
    expect(expectShape(refreshTokenIntrospection, refresh.body).token).toBe(issued.refreshToken);

    const unknown = await raw(t.sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: form({ token: 'not-a-token' }),
    });
    expect(unknown.body).toEqual({ active: false });
  });

  it('v1 token metadata through the client', async () => {
    const accessModel = await client.oauth.accessTokensApi.get(t.token);
    const accessResponse = recorder.last();
    expectShape(v1AccessTokenInfo, accessResponse.body);
    // The 13.x AccessTokenInfoResponse model has no is_private_distribution.
    expect(reserialize(OAuthSerializer, accessModel, 'AccessTokenInfoResponse')).toEqual(
      withoutFields(accessResponse.body, ['is_private_distribution']),
    );

    const refreshModel = await client.oauth.refreshTokensApi.get(t.refreshToken);
    const refreshResponse = recorder.last();
    expectShape(v1RefreshTokenInfo, refreshResponse.body);
    expect(reserialize(OAuthSerializer, refreshModel, 'RefreshTokenInfoResponse')).toEqual(
      refreshResponse.body,
    );
  });

  it.each(['/oauth/v1/token', '/oauth/2026-03/token'])('token errors on %s', async (path) => {
    const response = await raw(t.sandbox, 'POST', path, {
      form: form({ grant_type: 'refresh_token', refresh_token: 'na1-unknown' }),
    });
    expect(response.status).toBe(400);
    const body = expectShape(tokenErrorBody, response.body);
    expect(body.status).toBe('BAD_REFRESH_TOKEN');
    expect(body.error).toBe('invalid_grant');
  });

  it('uninstall returns 204 without a body', async () => {
    const other = await t.sandbox.createPortal({ seed: 'empty' });
    const issued = other.issueTokens();
    const response = await raw(t.sandbox, 'DELETE', '/appinstalls/2026-03/external-install', {
      token: issued.accessToken,
    });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });
});

describe('error shapes', () => {
  it('unknown record through the client', async () => {
    const failure = await apiError(client.crm.companies.basicApi.getById('880088'));
    expect(failure.code).toBe(404);
    const body = expectShape(apiErrorBody, recorder.last().body);
    expect(body.category).toBe('OBJECT_NOT_FOUND');
    expect(failure.body).toEqual(recorder.last().body);
  });

  it('invalid value in a batch update', async () => {
    const failure = await apiError(
      client.crm.companies.batchApi.update({
        inputs: [{ id: ids.company, properties: { hs_object_id: '5' } }],
      }),
    );
    expect(failure.code).toBe(400);
    expect(expectShape(apiErrorBody, recorder.last().body).category).toBe('VALIDATION_ERROR');
  });

  it('unknown access token', async () => {
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', {
      token: 'CNnot-a-token',
    });
    expect(response.status).toBe(401);
    expect(expectShape(apiErrorBody, response.body).category).toBe('INVALID_AUTHENTICATION');
  });

  it('missing scope', async () => {
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/deals/1', {
      token: t.portal.issueTokens(['oauth']).accessToken,
    });
    expect(response.status).toBe(403);
    const body = expectShape(apiErrorBody, response.body);
    expect(body.errors?.[0]?.context?.requiredGranularScopes).toEqual(['crm.objects.deals.read']);
  });

  it('association category outside the enum', async () => {
    const response = await raw(
      t.sandbox,
      'PUT',
      `/crm/v4/objects/companies/${ids.company}/associations/tickets/${ids.ticket}`,
      { token: t.token, body: [{ associationCategory: 'HUBSPOT', associationTypeId: 340 }] },
    );
    expect(response.status).toBe(400);
    const body = expectShape(apiErrorBody, response.body);
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('associationCategory "HUBSPOT" is not valid');
  });

  it('path without an endpoint', async () => {
    const response = await raw(t.sandbox, 'GET', '/crm/v3/nothing-here', { token: t.token });
    expect(response.status).toBe(404);
    expectShape(apiErrorBody, response.body);
  });
});
