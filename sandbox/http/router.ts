import type { Route } from './context';

interface CompiledRoute {
  route: Route;
  segments: string[];
  literals: number;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

/**
 * Matches paths against templates such as /crm/v3/objects/{objectType}/{objectId}. When several
 * templates match, the one with the most literal segments wins, so /groups beats /{name}.
 */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(route: Route): void {
    const segments = route.template.split('/').filter((segment) => segment !== '');
    const literals = segments.filter((segment) => !segment.startsWith('{')).length;
    this.routes.push({ route, segments, literals });
  }

  match(method: string, path: string): RouteMatch {
    let segments: string[];
    try {
      segments = path
        .split('/')
        .filter((segment) => segment !== '')
        .map(decodeURIComponent);
    } catch {
      return { kind: 'not-found' };
    }
    let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const candidate of this.routes) {
      const params = matchSegments(candidate.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (candidate.route.method !== method) continue;
      if (!best || candidate.literals > best.route.literals) best = { route: candidate, params };
    }
    if (best) return { kind: 'found', route: best.route.route, params: best.params };
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

function matchSegments(template: string[], path: string[]): Record<string, string> | undefined {
  if (template.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < template.length; index += 1) {
    const expected = template[index] as string;
    const actual = path[index] as string;
    if (expected.startsWith('{')) params[expected.slice(1, -1)] = actual;
    else if (expected !== actual) return undefined;
  }
  return params;
}
