import { describe, expect, it } from 'vitest';
import { loadLauncherConfig } from './config.js';
import { replicaEnv, replicasOf } from './replicas.js';
import { services } from './services.js';

const plan = (env: Record<string, string>) => {
  const config = loadLauncherConfig(env);
  return services.flatMap((s) => replicasOf(config, s));
};

describe('the processes the launcher runs (CHAMBER_LOCAL_REPLICAS)', () => {
  it('are one per service by default, on the service ports, named as the services', () => {
    const processes = plan({});
    expect(processes.map((p) => p.name)).toEqual(services.map((s) => s.name));
    expect(processes.every((p) => replicaEnv(p, 1)['CHAMBER_STEPPER_INSTANCE'] === undefined)).toBe(
      true,
    );
  });

  it('run the stepper and every participant N times, each on a port, a log and an instance of its own', () => {
    const processes = plan({ CHAMBER_LOCAL_REPLICAS: '3', CHAMBER_LOCAL_PORT_OFFSET: '7' });
    const inventory = processes.filter((p) => p.spec.name === 'inventory');
    expect(inventory.map((p) => [p.name, p.port])).toEqual([
      ['inventory', 50_059],
      ['inventory-r2', 50_159],
      ['inventory-r3', 50_259],
    ]);
    expect(inventory.map((p) => replicaEnv(p, 3))).toEqual([
      { CHAMBER_INVENTORY_INSTANCE: 'inventory' },
      { CHAMBER_INVENTORY_INSTANCE: 'inventory-r2' },
      { CHAMBER_INVENTORY_INSTANCE: 'inventory-r3' },
    ]);
    // The singleton roles only: the tracesink, the scenarios service and the frontend run once.
    const counts = Object.fromEntries(
      services.map((s) => [s.name, processes.filter((p) => p.spec === s).length]),
    );
    expect(counts).toEqual({
      tracesink: 1,
      stepper: 3,
      inventory: 3,
      faults: 3,
      monitor: 3,
      'inventory-repair': 3,
      scheduler: 3,
      'workload-repair': 3,
      scenarios: 1,
      frontend: 1,
    });
    // No two processes share a port.
    const ports = processes.map((p) => p.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('refuses a count out of range, and replicas in the single layout', () => {
    expect(() => plan({ CHAMBER_LOCAL_REPLICAS: '0' })).toThrow(/CHAMBER_LOCAL_REPLICAS.*1 to 9/);
    expect(() => plan({ CHAMBER_LOCAL_REPLICAS: '10' })).toThrow(/1 to 9/);
    expect(() => plan({ CHAMBER_LOCAL_REPLICAS: '2', CHAMBER_LOCAL_LAYOUT: 'single' })).toThrow(
      /single layout/,
    );
  });

  it('run the inventory and the monitor as CHAMBER_LOCAL_SHARDS shards, each replicated, on ports of their own', () => {
    const processes = plan({ CHAMBER_LOCAL_SHARDS: '2', CHAMBER_LOCAL_REPLICAS: '2' });
    const inventory = processes.filter((p) => p.spec.name === 'inventory');
    expect(inventory.map((p) => [p.name, p.port])).toEqual([
      ['inventory.0', 50_052],
      ['inventory.0-r2', 50_152],
      ['inventory.1', 51_052],
      ['inventory.1-r2', 51_152],
    ]);
    expect(replicaEnv(inventory[3]!, 2)).toEqual({
      CHAMBER_INVENTORY_SHARD_COUNT: '2',
      CHAMBER_INVENTORY_SHARD_INDEX: '1',
      CHAMBER_INVENTORY_INSTANCE: 'inventory.1-r2',
    });
    expect(processes.filter((p) => p.spec.name === 'faults').map((p) => p.name)).toEqual([
      'faults',
      'faults-r2',
    ]);
    const ports = processes.map((p) => p.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(() => plan({ CHAMBER_LOCAL_SHARDS: '9' })).toThrow(/CHAMBER_LOCAL_SHARDS.*1 to 8/);
    expect(() => plan({ CHAMBER_LOCAL_SHARDS: '2', CHAMBER_LOCAL_LAYOUT: 'single' })).toThrow(
      /single layout/,
    );
  });
});
