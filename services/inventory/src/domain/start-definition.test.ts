import { describe, expect, it } from 'vitest';
import { loadCommand, startDefinition, type StartDefinitionInput } from './start-definition.js';

const standard = 'version: 1\nname: standard\n';
const large = 'version: 1\nname: large\n';
const fresh: StartDefinitionInput = {
  setting: 'large',
  defaultSetting: 'standard',
  env: 'CHAMBER_INVENTORY_DEFINITION',
  shownFile: 'services/inventory/definitions/large.yaml',
  source: large,
  inForce: undefined,
  hasPendingLoad: false,
  hasTick: false,
  simulation: 'default',
};

describe('startDefinition', () => {
  it('installs the configured definition for tick 0 of a simulation that never ran', () => {
    expect(startDefinition(fresh)).toEqual({ kind: 'install' });
  });

  it('loads it at the next tick when the clock runs without a definition', () => {
    expect(startDefinition({ ...fresh, hasTick: true })).toEqual({ kind: 'load' });
  });

  it('does nothing without a setting, with a load on its way, or with the same definition in force', () => {
    expect(startDefinition({ ...fresh, setting: '' })).toEqual({ kind: 'keep' });
    expect(startDefinition({ ...fresh, hasPendingLoad: true })).toEqual({ kind: 'keep' });
    const inForce = { fileName: 'large.yaml', source: large };
    expect(startDefinition({ ...fresh, hasTick: true, inForce })).toEqual({ kind: 'keep' });
  });

  it('keeps quiet about the default setting when another definition is in force', () => {
    const inForce = { fileName: 'my-cloud.yaml', source: large };
    expect(
      startDefinition({ ...fresh, setting: 'standard', source: standard, hasTick: true, inForce }),
    ).toEqual({ kind: 'keep' });
  });

  it('says that a set definition was not loaded over another one, and the command that loads it', () => {
    const inForce = { fileName: 'standard.yaml', source: standard };
    expect(startDefinition({ ...fresh, hasTick: true, inForce })).toEqual({
      kind: 'not-loaded',
      notice:
        'CHAMBER_INVENTORY_DEFINITION=large was not loaded: simulation "default" already has a definition (standard.yaml), and the setting only applies to a simulation without one. To load it: npx chamber inventory load services/inventory/definitions/large.yaml --wait --yes',
    });
  });

  it('quotes a file name the shell would split', () => {
    expect(loadCommand("/tmp/my cloud's.yaml")).toBe(
      "npx chamber inventory load '/tmp/my cloud'\\''s.yaml' --wait --yes",
    );
  });
});
