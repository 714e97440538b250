import { DateTime } from 'luxon';
import { json, type ApiRequest, type ApiRoute, type Reply } from './context';
import { notFoundError, validationError } from './errors';
import type { Owner } from '../store/portal-store';

const OWNER_PAGE_MAX = 500;

function pipelineType(request: ApiRequest): 'tickets' | 'deals' {
  const type = request.params.objectType;
  if (type === 'tickets' || type === '0-5') return 'tickets';
  if (type === 'deals' || type === '0-3') return 'deals';
  throw validationError(`The sandbox has pipelines for tickets and deals only, not ${type}.`);
}

function pipelineScopes(params: Record<string, string>): string[][] {
  const type = params.objectType;
  if (type === 'tickets' || type === '0-5') return [['tickets']];
  if (type === 'deals' || type === '0-3') return [['crm.objects.deals.read']];
  return [];
}

function listPipelines(request: ApiRequest): Reply {
  return json(200, { results: request.portal.store.pipelines[pipelineType(request)] });
}

function getPipeline(request: ApiRequest) {
  const id = request.params.pipelineId as string;
  const pipeline = request.portal.store.pipelines[pipelineType(request)].find((p) => p.id === id);
  if (!pipeline) throw notFoundError(`No pipeline with id ${id} exists.`);
  return pipeline;
}

/**
 * An owner in the PublicOwner shape. The spec types `userId` as an integer that is not nullable,
 * so an archived owner's user id appears only as `userIdIncludingInactive`.
 */
function serializeOwner(owner: Owner): Record<string, unknown> {
  const result: Record<string, unknown> = {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName,
    lastName: owner.lastName,
  };
  if (!owner.archived) result.userId = owner.userId;
  result.userIdIncludingInactive = owner.userId;
  result.createdAt = owner.createdAt;
  result.updatedAt = owner.updatedAt;
  result.archived = owner.archived;
  result.teams = owner.teams;
  return result;
}

/** Owners sorted by numeric id; `archived=true` returns only archived owners, as in HubSpot. */
function listOwners(request: ApiRequest): Reply {
  const archived = request.query.get('archived') === 'true';
  const email = request.query.get('email');
  const limitText = request.query.get('limit');
  const limit = limitText === null ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > OWNER_PAGE_MAX) {
    throw validationError(
      `limit must be a whole number from 1 to ${OWNER_PAGE_MAX}, got ${limitText}.`,
    );
  }
  const afterText = request.query.get('after');
  const after = afterText === null ? 0 : Number(afterText);
  if (!Number.isInteger(after) || after < 0)
    throw validationError(`after ${afterText} is not a paging cursor from this endpoint.`);
  const owners = [...request.portal.store.owners.values()]
    .filter((owner) => owner.archived === archived && (email === null || owner.email === email))
    .sort((a, b) => Number(a.id) - Number(b.id));
  const page = owners.slice(after, after + limit);
  const body: Record<string, unknown> = { results: page.map(serializeOwner) };
  if (after + limit < owners.length) {
    const next = String(after + limit);
    body.paging = {
      next: {
        after: next,
        link: `${request.state.baseUrl()}${request.path}?limit=${limit}&after=${next}`,
      },
    };
  }
  return json(200, body);
}

function getOwner(request: ApiRequest): Reply {
  const id = request.params.ownerId as string;
  const archived = request.query.get('archived') === 'true';
  const byUserId = request.query.get('idProperty') === 'userId';
  const owner = [...request.portal.store.owners.values()].find(
    (candidate) =>
      (byUserId ? String(candidate.userId) === id : candidate.id === id) &&
      candidate.archived === archived,
  );
  if (!owner) throw notFoundError(`No owner with id ${id} exists.`);
  return json(200, serializeOwner(owner));
}

function accountDetails(request: ApiRequest): Reply {
  const store = request.portal.store;
  const offsetMinutes = DateTime.now().setZone(store.timeZone).offset;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const utcOffset = `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
  return json(200, {
    portalId: store.portalId,
    accountType: 'STANDARD',
    timeZone: store.timeZone,
    companyCurrency: 'USD',
    additionalCurrencies: [],
    utcOffset,
    utcOffsetMilliseconds: offsetMinutes * 60_000,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  });
}

export function settingsRoutes(): ApiRoute[] {
  const owners = () => [['crm.objects.owners.read']];
  const oauth = () => [['oauth']];
  const routes: ApiRoute[] = [];
  for (const prefix of ['/crm/v3/pipelines', '/crm/pipelines/2026-03']) {
    routes.push(
      {
        method: 'GET',
        template: `${prefix}/{objectType}`,
        kind: 'api',
        scopes: pipelineScopes,
        handler: listPipelines,
      },
      {
        method: 'GET',
        template: `${prefix}/{objectType}/{pipelineId}`,
        kind: 'api',
        scopes: pipelineScopes,
        handler: (request) => json(200, getPipeline(request)),
      },
      {
        method: 'GET',
        template: `${prefix}/{objectType}/{pipelineId}/stages`,
        kind: 'api',
        scopes: pipelineScopes,
        handler: (request) => json(200, { results: getPipeline(request).stages }),
      },
    );
  }
  for (const prefix of ['/crm/v3/owners', '/crm/owners/2026-03']) {
    routes.push(
      { method: 'GET', template: prefix, kind: 'api', scopes: owners, handler: listOwners },
      {
        method: 'GET',
        template: `${prefix}/{ownerId}`,
        kind: 'api',
        scopes: owners,
        handler: getOwner,
      },
    );
  }
  for (const path of ['/account-info/v3/details', '/account-info/2026-03/details']) {
    routes.push({
      method: 'GET',
      template: path,
      kind: 'api',
      scopes: oauth,
      handler: accountDetails,
    });
  }
  return routes;
}
