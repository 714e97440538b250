import { parseFaults } from '../faults/faults';
import { resolveObjectType } from '../store/object-types';
import { StoreError, type WriteSource } from '../store/portal-store';
import { json, type OpenRoute, type Reply, type RouteRequest, type SandboxPortal } from './context';
import { notFoundError, validationError } from './errors';
import { propertyValidationError } from './object-routes';
import { serializeRecord } from './serialize';

/** Admin edits stand in for a person editing the record in HubSpot. */
const ADMIN_SOURCE: WriteSource = { sourceType: 'CRM_UI', sourceId: 'userId:1' };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function portalParam(request: RouteRequest): SandboxPortal {
  const id = Number(request.params.portalId);
  const portal = request.state.portals.get(id);
  if (!portal) throw notFoundError(`No sandbox portal has id ${request.params.portalId}.`);
  return portal;
}

function typeParam(request: RouteRequest) {
  const type = resolveObjectType(request.params.objectType ?? '');
  if (!type) throw validationError(`Unknown object type ${request.params.objectType}.`);
  return type;
}

function storeCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof StoreError) {
      throw error.category === 'OBJECT_NOT_FOUND'
        ? notFoundError(error.message)
        : validationError(error.message);
    }
    throw error;
  }
}

function setFaults(request: RouteRequest): Reply {
  const body = request.body;
  if (!isObject(body)) throw validationError('Send {"faults": {...}, "portalId"?: number}.');
  const portalId = body.portalId === undefined ? undefined : Number(body.portalId);
  if (portalId !== undefined && !request.state.portals.has(portalId)) {
    throw notFoundError(`No sandbox portal has id ${String(body.portalId)}.`);
  }
  try {
    request.state.faults.set(parseFaults(body.faults ?? {}), portalId);
  } catch (error) {
    throw validationError(error instanceof Error ? error.message : String(error));
  }
  return json(200, {
    faults: portalId === undefined ? undefined : request.state.faults.forPortal(portalId),
  });
}

function recordView(portal: SandboxPortal, request: RouteRequest): Reply {
  const type = typeParam(request);
  const record = portal.store.get(type, request.params.objectId as string, true);
  if (!record) throw notFoundError(`No ${type} record with id ${request.params.objectId}.`);
  return json(
    200,
    serializeRecord(portal.store, type, record, { properties: Object.keys(record.properties) }),
  );
}

function editRecord(request: RouteRequest): Reply {
  const portal = portalParam(request);
  const type = typeParam(request);
  const body = request.body;
  if (!isObject(body) || !isObject(body.properties))
    throw validationError('Send {"properties": {...}}.');
  const { values, errors } = portal.store.validate(type, body.properties);
  if (errors.length > 0) throw propertyValidationError(errors);
  storeCall(() =>
    portal.store.update(type, request.params.objectId as string, values, ADMIN_SOURCE),
  );
  return recordView(portal, request);
}

function advance(request: RouteRequest): Reply {
  const portal = portalParam(request);
  const days =
    isObject(request.body) && request.body.days !== undefined ? Number(request.body.days) : 1;
  try {
    const result = portal.player.advance(days);
    return json(200, { ...result, daysLeft: portal.player.daysLeft() });
  } catch (error) {
    throw validationError(error instanceof Error ? error.message : String(error));
  }
}

/** Unauthenticated control endpoints under /_sandbox, for demos and fault suites. */
export function adminRoutes(): OpenRoute[] {
  const route = (method: string, template: string, handler: OpenRoute['handler']): OpenRoute => ({
    method,
    template,
    kind: 'admin',
    handler,
  });
  return [
    route('GET', '/_sandbox/portals', (request) =>
      json(200, {
        results: [...request.state.portals.values()].map((portal) => ({
          portalId: portal.id,
          installed: portal.installed,
          timeZone: portal.store.timeZone,
          scenarioDaysLeft: portal.player.daysLeft(),
        })),
      }),
    ),
    route('POST', '/_sandbox/faults', setFaults),
    route('DELETE', '/_sandbox/faults', (request) => {
      request.state.faults.clear();
      return { status: 204 };
    }),
    route('GET', '/_sandbox/requests', (request) => {
      const portalId = request.query.get('portalId');
      const counter = request.state.counter;
      return json(
        200,
        portalId === null ? counter.counts() : counter.countsForPortal(Number(portalId)),
      );
    }),
    route('DELETE', '/_sandbox/requests', (request) => {
      request.state.counter.reset();
      return { status: 204 };
    }),
    route('POST', '/_sandbox/portals/{portalId}/advance', advance),
    route('POST', '/_sandbox/portals/{portalId}/expire-access-tokens', (request) => {
      request.state.tokens.expireAccessTokens(portalParam(request).id);
      return { status: 204 };
    }),
    route('POST', '/_sandbox/portals/{portalId}/revoke-refresh-tokens', (request) => {
      const portal = portalParam(request);
      request.state.tokens.revokeRefreshTokens(portal.id);
      portal.installed = false;
      return { status: 204 };
    }),
    route('GET', '/_sandbox/portals/{portalId}/objects/{objectType}/{objectId}', (request) =>
      recordView(portalParam(request), request),
    ),
    route('PATCH', '/_sandbox/portals/{portalId}/objects/{objectType}/{objectId}', editRecord),
  ];
}
