import { parseElementPath } from '@chamber/world';
import { operation, type OperationId } from './routes.js';

/** The inventory read of an element, or of what it holds, with its query. */
export interface ElementRoute {
  readonly operationId: Extract<OperationId, 'getElement' | 'listElements'>;
  readonly query: { readonly path?: string };
}

/**
 * The one converter from an element path (the grammar of `@chamber/world`:
 * `region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]`) to
 * the inventory read that takes it. An element is named in a URL by its path,
 * whole, in the `path` query field. `get`: the element itself
 * (`GET /inventory/element?path=…`). `list`: what it holds
 * (`GET /inventory/elements?path=…`), the regions for `''`. Throws the
 * world's `ElementPathError` for a path that is none, and an `Error` for a
 * list of something that holds nothing (a device or cable).
 */
export function elementRoute(path: string, what: 'get' | 'list'): ElementRoute {
  if (what === 'list' && path.replace(/^\/+|\/+$/g, '') === '') {
    return { operationId: 'listElements', query: {} };
  }
  const element = parseElementPath(path);
  if (what === 'get') return { operationId: 'getElement', query: { path: element.path } };
  if (element.type !== 'region' && element.type !== 'zone' && element.type !== 'rack') {
    throw new Error(`${element.path} holds no elements: list a region, zone or rack`);
  }
  return { operationId: 'listElements', query: { path: element.path } };
}

/** A query string with `/` kept as it is (legal in a query), so element paths read as written. */
export function queryString(query: Readonly<Record<string, string>>): string {
  const text = new URLSearchParams(query).toString().replace(/%2F/gi, '/');
  return text === '' ? '' : `?${text}`;
}

/**
 * The URL (under `/api/v1`) of the read of the element at `path`, or of
 * what it holds: `r/z/k/blade/3` → `/inventory/element?path=r/z/k/blade/3`.
 * Throws as {@link elementRoute}.
 */
export function elementUrl(path: string, what: 'get' | 'list' = 'get'): string {
  const route = elementRoute(path, what);
  return `${operation(route.operationId).path}${queryString(route.query)}`;
}
