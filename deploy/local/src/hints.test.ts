import { describe, expect, it } from 'vitest';
import { loadLauncherConfig } from './config.js';
import { exportLines, hintOf } from './hints.js';
import { services } from './services.js';

const hints = (env: Record<string, string>): Record<string, string | undefined> => {
  const config = loadLauncherConfig(env);
  return Object.fromEntries(services.map((s) => [s.name, hintOf(config, s, services)]));
};

describe('the CLI hints the launcher prints', () => {
  it('are the bare commands on the default ports, with nothing to export', () => {
    expect(hints({})).toEqual({
      tracesink: 'npx chamber logs --follow',
      stepper: 'npx chamber clock status',
      inventory: 'npx chamber inventory ls',
      faults: 'npx chamber fault ls',
      monitor: 'npx chamber inventory ls standard/z1/rack1 --view observed',
      'inventory-repair': 'npx chamber repair ls',
      // The scheduler's one read (workload explain NAME N) needs an instance to name.
      scheduler: undefined,
      'workload-repair': 'npx chamber workload ls',
      // Its runs start from a scenario file, which the launcher cannot name.
      scenarios: undefined,
      frontend: 'npx chamber login --user admin',
    });
    expect(exportLines(loadLauncherConfig({}), services)).toEqual([]);
  });

  it('point REST commands at a moved HTTP port and say what to export', () => {
    const env = { CHAMBER_LOCAL_HTTP_PORT: '8180' };
    expect(hints(env)).toMatchObject({
      tracesink: 'npx chamber logs --follow --api http://127.0.0.1:8180',
      stepper: 'npx chamber clock status --api http://127.0.0.1:8180',
      frontend: 'npx chamber login --user admin --api http://127.0.0.1:8180',
    });
    expect(exportLines(loadLauncherConfig(env), services)).toEqual([
      'export CHAMBER_API=http://127.0.0.1:8180',
    ]);
  });

  it('leave every command on the default frontend when only gRPC ports move: the CLI talks REST only', () => {
    const env = { CHAMBER_LOCAL_PORT_OFFSET: '100' };
    expect(hints(env)).toMatchObject({
      tracesink: 'npx chamber logs --follow',
      stepper: 'npx chamber clock status',
      monitor: 'npx chamber inventory ls standard/z1/rack1 --view observed',
      'inventory-repair': 'npx chamber repair ls',
      'workload-repair': 'npx chamber workload ls',
      frontend: 'npx chamber login --user admin',
    });
    expect(exportLines(loadLauncherConfig(env), services)).toEqual([]);
  });

  it('name another listening host even on the default ports', () => {
    const env = { CHAMBER_LOCAL_HOST: '10.0.0.7' };
    expect(hints(env)).toMatchObject({
      stepper: 'npx chamber clock status --api http://10.0.0.7:8080',
      frontend: 'npx chamber login --user admin --api http://10.0.0.7:8080',
    });
  });
});
