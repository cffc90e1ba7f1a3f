import { describe, expect, it } from 'vitest';
import { ApiClient } from './client.js';
import { elementRoute, elementUrl } from './elements.js';

describe('element paths in URLs', () => {
  it('names every kind of element by its path, whole, in the query', () => {
    expect(elementUrl('r1')).toBe('/inventory/element?path=r1');
    expect(elementUrl('r1/z1/rack1')).toBe('/inventory/element?path=r1/z1/rack1');
    expect(elementUrl('r1/z1/rack1/blade/7')).toBe('/inventory/element?path=r1/z1/rack1/blade/7');
    expect(elementUrl('/r1/z1/rack1/tor/0/')).toBe('/inventory/element?path=r1/z1/rack1/tor/0');
    expect(elementUrl('r1/z1/rack1/blade/7/network-cable')).toBe(
      '/inventory/element?path=r1/z1/rack1/blade/7/network-cable',
    );
  });

  it('lists what a region, zone or rack holds, and the regions for no path', () => {
    expect(elementRoute('', 'list')).toEqual({ operationId: 'listElements', query: {} });
    expect(elementUrl('', 'list')).toBe('/inventory/elements');
    expect(elementUrl('r1/z1/k', 'list')).toBe('/inventory/elements?path=r1/z1/k');
  });

  it('the client builds the same URL, the path left readable', () => {
    const api = new ApiClient({ baseUrl: 'http://h:1/' });
    expect(api.url('getElement', { query: { path: 'r/z/k/blade/7', view: 'actual' } })).toBe(
      'http://h:1/api/v1/inventory/element?path=r/z/k/blade/7&view=actual',
    );
    expect(api.url('getElement', { query: { path: 'r1/z1/rack1' } })).toBe(
      `http://h:1/api/v1${elementUrl('r1/z1/rack1')}`,
    );
  });

  it('refuses what is no element path, and a list of a device', () => {
    expect(() => elementRoute('r/z/k/fan/1', 'get')).toThrow('is not an element path');
    expect(() => elementRoute('r/z/k/blade/x', 'get')).toThrow('is not an element path');
    expect(() => elementRoute('r/z/k/blade/1', 'list')).toThrow('holds no elements');
  });
});
