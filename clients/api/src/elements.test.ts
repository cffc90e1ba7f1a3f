import { describe, expect, it } from 'vitest';
import { elementRoutes, elementUrl } from './elements.js';

describe('element paths in URLs', () => {
  it('reads each kind of element at its route', () => {
    expect(elementUrl('r1')).toBe('/inventory/regions/r1');
    expect(elementUrl('r1/z1/rack1')).toBe('/inventory/regions/r1/zones/z1/racks/rack1');
    expect(elementUrl('r1/z1/rack1/blade/7')).toBe(
      '/inventory/regions/r1/zones/z1/racks/rack1/blades/7',
    );
    expect(elementUrl('r1/z1/rack1/tor/0')).toBe(
      '/inventory/regions/r1/zones/z1/racks/rack1/tors/0',
    );
    expect(elementUrl('r1/z1/rack1/blade/7/network-cable')).toBe(
      '/inventory/regions/r1/zones/z1/racks/rack1/blades/7/cables/network',
    );
  });

  it('lists what a region, zone or rack holds, and the regions for no path', () => {
    expect(elementRoutes('', 'list')).toEqual([{ operationId: 'listRegions', params: {} }]);
    expect(elementRoutes('r1', 'list')).toEqual([
      { operationId: 'listZones', params: { region: 'r1' } },
    ]);
    expect(elementRoutes('r1/z1/k', 'list').map((r) => r.operationId)).toEqual([
      'listPdus',
      'listTors',
      'listBlades',
    ]);
  });

  it('refuses what is no element path, and a list of a device', () => {
    expect(() => elementRoutes('r/z/k/fan/1', 'get')).toThrow('is not an element path');
    expect(() => elementRoutes('r/z/k/blade/x', 'get')).toThrow('is not an element path');
    expect(() => elementRoutes('r/z/k/blade/1', 'list')).toThrow('holds no elements');
  });
});
