import { nameOf, parseElementPath, regionOf, zoneOf } from '@chamber/world';
import { fillPath } from './operation.js';
import { operation, type OperationId } from './routes.js';

/** The inventory route that reads an element, or lists what it holds, with its parameters. */
export interface ElementRoute {
  readonly operationId: OperationId;
  readonly params: Readonly<Record<string, string>>;
}

const listOfDevice = { pdu: 'listPdus', tor: 'listTors', blade: 'listBlades' } as const;
const getOfDevice = { pdu: 'getPdu', tor: 'getTor', blade: 'getBlade' } as const;

/**
 * The one converter from an element path (the grammar of `@chamber/world`:
 * `region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]`) to
 * the inventory routes that read it. `get`: the element itself. `list`: what
 * it holds — the regions for `''`, a region's zones, a zone's racks, and for
 * a rack its PDUs, TORs and blades (three routes). Throws the world's
 * `ElementPathError` for a path that is none, and an `Error` for a list of
 * something that holds nothing (a device).
 */
export function elementRoutes(path: string, what: 'get' | 'list'): ElementRoute[] {
  if (what === 'list' && path.replace(/^\/+|\/+$/g, '') === '') {
    return [{ operationId: 'listRegions', params: {} }];
  }
  const element = parseElementPath(path);
  const at = element.path;
  const region = regionOf(at);
  const container = {
    region: { region },
    zone: { region, zone: nameOf(zoneOf(at)) },
    rack: { region, zone: nameOf(zoneOf(at)), rack: nameOf(element.rack ?? '') },
  };
  if (what === 'list') {
    switch (element.type) {
      case 'region':
        return [{ operationId: 'listZones', params: container.region }];
      case 'zone':
        return [{ operationId: 'listRacks', params: container.zone }];
      case 'rack':
        return (['pdu', 'tor', 'blade'] as const).map((kind) => ({
          operationId: listOfDevice[kind],
          params: container.rack,
        }));
      default:
        throw new Error(`${at} holds no elements: list a region, zone or rack`);
    }
  }
  switch (element.type) {
    case 'region':
      return [{ operationId: 'getRegion', params: container.region }];
    case 'zone':
      return [{ operationId: 'getZone', params: container.zone }];
    case 'rack':
      return [{ operationId: 'getRack', params: container.rack }];
    case 'cable': {
      const index = nameOf(element.blade ?? '');
      const cable = element.cable ?? 'power';
      return [{ operationId: 'getCable', params: { ...container.rack, index, cable } }];
    }
    default:
      return [
        {
          operationId: getOfDevice[element.type],
          params: { ...container.rack, index: nameOf(at) },
        },
      ];
  }
}

/**
 * The URL path (under `/api/v1`) of the route that reads the element at
 * `path`: `r/z/k/blade/3` → `/inventory/regions/r/zones/z/racks/k/blades/3`.
 */
export function elementUrl(path: string): string {
  const [route] = elementRoutes(path, 'get');
  return fillPath(operation(route!.operationId).path, route!.params);
}
