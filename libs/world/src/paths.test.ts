import { describe, expect, it } from 'vitest';
import {
  cablePath,
  commonAncestor,
  depthOf,
  deviceOf,
  ElementPathError,
  isUnder,
  leadingPathsOf,
  nameOf,
  parentOf,
  parseElementPath,
  rackOf,
  regionOf,
  tryParseElementPath,
  zoneOf,
} from './index.js';

const blade = 'r/z1/rack1/blade/3';

describe('the element-path grammar', () => {
  it('parses every level, a device and a cable', () => {
    expect(parseElementPath('r')).toEqual({ type: 'region', path: 'r' });
    expect(parseElementPath('r/z1')).toEqual({ type: 'zone', path: 'r/z1' });
    expect(parseElementPath('/r/z1/rack1/')).toEqual({
      type: 'rack',
      path: 'r/z1/rack1',
      rack: 'r/z1/rack1',
    });
    expect(parseElementPath(blade)).toEqual({ type: 'blade', path: blade, rack: 'r/z1/rack1' });
    expect(parseElementPath('r/z1/rack1/pdu/0').type).toBe('pdu');
    expect(parseElementPath(cablePath(blade, 'network'))).toEqual({
      type: 'cable',
      path: `${blade}/network-cable`,
      rack: 'r/z1/rack1',
      blade,
      cable: 'network',
    });
  });

  it('refuses what is no element path, saying what one looks like', () => {
    for (const bad of [
      '',
      '/',
      'r//z',
      'r/z1/rack1/blade',
      'r/z1/rack1/blade/x',
      'r/z1/rack1/blade/01',
      'r/z1/rack1/fan/1',
      'r/z1/rack1/pdu/0/power-cable',
      `${blade}/usb-cable`,
      `${blade}/power-cable/x`,
    ]) {
      expect(tryParseElementPath(bad), bad).toBeUndefined();
      expect(() => parseElementPath(bad)).toThrow(ElementPathError);
    }
    expect(() => parseElementPath('r/z1/rack1/fan/1')).toThrow(
      '"r/z1/rack1/fan/1" is not an element path: expected region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]',
    );
  });

  it('takes a path apart without parsing it', () => {
    expect(deviceOf(blade)).toEqual({ rack: 'r/z1/rack1', kind: 'blade', index: '3' });
    expect(deviceOf('r/z1/rack1')).toBeUndefined();
    expect(deviceOf(`${blade}/power-cable`)).toBeUndefined();
    expect(deviceOf('r/z1/rack1/fan/1')).toBeUndefined();
    expect([regionOf(blade), zoneOf(blade), rackOf(blade)]).toEqual(['r', 'r/z1', 'r/z1/rack1']);
    expect(rackOf('r/z1')).toBe('r/z1');
    expect([depthOf('r'), depthOf(blade), depthOf(`${blade}/power-cable`)]).toEqual([1, 5, 6]);
    expect(nameOf(blade)).toBe('3');
    expect(nameOf('r/z1/rack1')).toBe('rack1');
  });

  it('knows what holds what', () => {
    expect(parentOf(blade)).toBe('r/z1/rack1');
    expect(parentOf(`${blade}/power-cable`)).toBe(blade);
    expect(parentOf('r/z1/rack1')).toBe('r/z1');
    expect(parentOf('r')).toBe('');
    expect(isUnder(blade, 'r/z1')).toBe(true);
    expect(isUnder(blade, '')).toBe(true);
    expect(isUnder('r/z10/rack1', 'r/z1')).toBe(false);
    expect(commonAncestor([blade, 'r/z1/rack1/pdu/0', 'r/z1/rack1'])).toBe('r/z1/rack1');
    expect(commonAncestor([blade, 'r/z2/rack1/blade/3'])).toBe('r');
    expect(commonAncestor(['a/z', 'b/z'])).toBe('');
    expect(commonAncestor([])).toBe('');
    expect(leadingPathsOf(blade)).toEqual(['r', 'r/z1', 'r/z1/rack1', 'r/z1/rack1/blade', blade]);
    expect(leadingPathsOf(blade).every((p) => isUnder(blade, p))).toBe(true);
    expect(leadingPathsOf('r')).toEqual(['r']);
    expect(leadingPathsOf('')).toEqual([]);
  });
});
