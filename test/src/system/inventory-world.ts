import { ClockClient } from '@chamber/clock-client';
import { loadConfig } from '@chamber/config';
import { createFaultsService, faultsParticipant, faultsSchema } from '@chamber/faults';
import { FaultsClient } from '@chamber/faults-client';
import {
  createInventoryService,
  inventoryParticipant,
  inventorySchema,
  samplesDir,
} from '@chamber/inventory';
import { InventoryClient } from '@chamber/inventory-client';
import { createMonitorService, loadMonitorConfig, monitorParticipant } from '@chamber/monitor';
import {
  createRepairService,
  loadRepairConfig,
  repairParticipant,
  type RepairConfig,
} from '@chamber/inventory-repair';
import type { BladeActual, RepairRecord } from '@chamber/protos';
import { BladeState, View } from '@chamber/protos';
import { RepairsClient } from '@chamber/repair-client';
import {
  createSchedulerService,
  loadSchedulerConfig,
  schedulerParticipant,
} from '@chamber/scheduler';
import {
  createWorkloadRepairService,
  loadWorkloadRepairConfig,
  workloadRepairParticipant,
} from '@chamber/workload-repair';
import { createStepperService, stepperSchema, type StepperConfig } from '@chamber/stepper';
import { Store } from '@chamber/store';
import { createLogger, type Tracer } from '@chamber/telemetry';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { depthOf } from '@chamber/world';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Delays fixed to one value each, so tests can name the tick of every transition. */
export const fixedTimings = {
  propagationTicks: [1, 1],
  postTicks: [1, 1],
  stopTicks: [2, 2],
  cycleTicks: [2, 2],
  reimageTicks: [3, 3],
  replaceTicks: [5, 5],
} as const;

/** A definition whose blades boot in exactly 2 ticks: one zone, two racks of four blades. */
export const twoRacks = `version: 1
name: tiny
templates:
  blades:
    b:
      capacity: { cores: 8, memoryGiB: 32, diskGiB: 256, networkGbps: 10 }
      boot: { image: img-1, bootTicks: [2, 2] }
regions:
  - name: r1
    zones:
      - name: z1
        racks:
          - name: rack{n}
            count: 2
            blades:
              - { template: b, count: 4 }
`;

export function sample(name: string): string {
  return readFileSync(path.join(samplesDir, `${name}.yaml`), 'utf8');
}

/**
 * A world for system tests: a real stepper and inventory service against
 * the test etcd, under a fresh simulation prefix, with the clock in manual.
 * Call `close()` in `afterEach`.
 */
export async function startInventoryWorld(
  label: string,
  options: {
    seed?: number;
    timings?: Record<string, readonly [number, number]>;
    /** Another etcd than the run's shared one (a test that compacts its history needs its own). */
    endpoints?: string[];
    /** Also run the monitor, with these thresholds. */
    monitor?: { suspectAfter: number; failedAfter: number; installGrace: number };
    /** Also run the repair manager, with these settings (needs the monitor). */
    repair?: Partial<RepairConfig['repair']>;
    /** Where each service's spans go (by service name); nowhere without it. */
    tracer?: (service: string) => Tracer;
    /** Also run the scheduler and the workload repair manager (needs the monitor). */
    workloads?: boolean;
    /** Stepper settings over its defaults (e.g. a small `retentionTicks`). */
    stepper?: Partial<StepperConfig['stepper']>;
    /** Inventory settings over the test's (e.g. a small `retentionTicks` for finished commands). */
    inventory?: { retentionTicks?: number };
  } = {},
) {
  const traced = (service: string) =>
    options.tracer === undefined ? {} : { tracer: options.tracer(service) };
  const simulation = uniqueSimulation(label);
  const closers: Array<() => Promise<void> | void> = [];
  const endpoints = options.endpoints ?? etcdEndpoints();
  const common = {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints },
    simulation,
    seed: options.seed ?? 1,
  };
  const store = await Store.connect({ endpoints, simulation });
  closers.push(() => store.close());
  // Tick 0 waits for every participant, as the launcher has it: one that
  // registered after it would join at whichever tick the stepper happened
  // to see it, and the run would not replay.
  const participants = [
    inventoryParticipant,
    faultsParticipant,
    ...(options.monitor === undefined ? [] : [monitorParticipant]),
    ...(options.repair === undefined ? [] : [repairParticipant]),
    ...(options.workloads === true ? [schedulerParticipant, workloadRepairParticipant] : []),
  ].sort();
  const stepper = createStepperService(
    loadConfig(stepperSchema(), {
      env: {},
      overrides: {
        ...common,
        stepper: {
          participants,
          dropGraceSeconds: budgets.participantGraceSeconds,
          startWaitSeconds: budgets.participantGraceSeconds,
          ...options.stepper,
        },
      },
    }),
    {
      logger: createLogger({ service: 'stepper', level: 'silent' }),
      ...traced('stepper'),
    },
  );
  const stepperPort = (await stepper.start()).port;
  closers.push(() => stepper.stop());
  const clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
  closers.push(() => clock.close());
  const inventoryConfig = (port: number) =>
    loadConfig(inventorySchema(), {
      env: {},
      overrides: {
        ...common,
        listen: { host: '127.0.0.1', port },
        inventory: { definition: '', ...fixedTimings, ...options.timings, ...options.inventory },
      } as never,
    });
  const startInventory = async (wanted = 0) => {
    const service = createInventoryService(inventoryConfig(wanted), {
      logger: createLogger({ service: 'inventory', level: 'silent' }),
      ...traced('inventory'),
    });
    const { port } = await service.start();
    return { service, port };
  };
  let inventory = await startInventory();
  const client = InventoryClient.connect(`127.0.0.1:${inventory.port}`);
  closers.push(() => client.close());
  const faultsService = createFaultsService(
    loadConfig(faultsSchema(), { env: {}, overrides: common }),
    { logger: createLogger({ service: 'faults', level: 'silent' }), ...traced('faults') },
  );
  const faultsPort = (await faultsService.start()).port;
  closers.push(() => faultsService.stop());
  const faults = FaultsClient.connect(`127.0.0.1:${faultsPort}`);
  closers.push(() => faults.close());
  let monitorPort = 0;
  if (options.monitor !== undefined) {
    const monitor = createMonitorService(
      loadMonitorConfig({ env: {}, overrides: { ...common, monitor: options.monitor } }),
      { logger: createLogger({ service: 'monitor', level: 'silent' }), ...traced('monitor') },
    );
    monitorPort = (await monitor.start()).port;
    closers.push(() => monitor.stop());
  }
  let repairs: RepairsClient | undefined;
  let repairService: { stop(): Promise<void> } | undefined;
  let repairPort = 0;
  const startRepair = async () => {
    const service = createRepairService(
      loadRepairConfig({
        env: {},
        overrides: {
          ...common,
          listen: { host: '127.0.0.1', port: repairPort },
          repair: options.repair,
        } as never,
      }),
      {
        logger: createLogger({ service: 'inventory-repair', level: 'silent' }),
        ...traced('inventory-repair'),
      },
    );
    repairPort = (await service.start()).port;
    repairService = service;
  };
  if (options.repair !== undefined) {
    await startRepair();
    closers.push(() => repairService?.stop());
    repairs = RepairsClient.connect(`127.0.0.1:${repairPort}`);
    closers.push(() => repairs?.close());
  }
  const workloadPorts = { scheduler: 0, workloads: 0 };
  if (options.workloads === true) {
    const scheduler = createSchedulerService(loadSchedulerConfig({ env: {}, overrides: common }), {
      logger: createLogger({ service: 'scheduler', level: 'silent' }),
      ...traced('scheduler'),
    });
    workloadPorts.scheduler = (await scheduler.start()).port;
    closers.push(() => scheduler.stop());
    const manager = createWorkloadRepairService(
      loadWorkloadRepairConfig({ env: {}, overrides: common }),
      {
        logger: createLogger({ service: 'workload-repair', level: 'silent' }),
        ...traced('workload-repair'),
      },
    );
    workloadPorts.workloads = (await manager.start()).port;
    closers.push(() => manager.stop());
  }
  await clock.waitForTick(0);
  const status = await clock.getStatus();
  if (!status.deterministic)
    throw new Error(
      `tick 0 was published without some of ${participants.join(', ')} (it has ${status.participants.join(', ')}): the run would not replay`,
    );
  return {
    store,
    clock,
    /** The gRPC addresses (host:port) of the services, for a frontend; repair and monitor only when they run. */
    addresses: {
      stepper: `127.0.0.1:${stepperPort}`,
      inventory: `127.0.0.1:${inventory.port}`,
      faults: `127.0.0.1:${faultsPort}`,
      ...(repairPort === 0 ? {} : { repair: `127.0.0.1:${repairPort}` }),
      ...(monitorPort === 0 ? {} : { monitor: `127.0.0.1:${monitorPort}` }),
      ...(workloadPorts.scheduler === 0
        ? {}
        : {
            scheduler: `127.0.0.1:${workloadPorts.scheduler}`,
            workloads: `127.0.0.1:${workloadPorts.workloads}`,
          }),
    },
    inventory: client,
    faults,
    simulation,
    /** The repair records, by the Repairs gRPC service (with `repair` only). */
    repairs(): Promise<RepairRecord[]> {
      return repairs!.list();
    },
    /** The clock's tick now. */
    async now(): Promise<number> {
      return (await clock.getStatus()).tick;
    },
    /** Loads `source` and steps the clock to its effective tick. */
    async load(source: string, fileName = 'test.yaml') {
      const load = await client.loadDefinition(source, fileName);
      await clock.runUntil(load.effectiveTick);
      return load;
    },
    /** Every blade's actual state under `path`, as `{ "<blade path>": "WORKING" }`. */
    async bladeStates(path = '', asOfTick?: number): Promise<Record<string, string>> {
      const options = asOfTick === undefined ? {} : { asOfTick };
      const out: Record<string, string> = {};
      const walk = async (p: string): Promise<void> => {
        const children = await client.listElements(p, { view: View.VIEW_ACTUAL, ...options });
        for (const child of children) {
          if (child.bladeActual !== undefined)
            out[child.path] = BladeState[child.bladeActual.state].replace('BLADE_STATE_', '');
          // Regions, zones and racks have children to walk.
          else if (depthOf(child.path) <= 3) await walk(child.path);
        }
      };
      await walk(path);
      return out;
    },
    async blade(path: string): Promise<BladeActual> {
      const element = await client.getElement(path, { view: View.VIEW_ACTUAL });
      return element.bladeActual!;
    },
    /** Stops the repair manager (no clean leave) and starts a new one on the same port. */
    async restartRepair() {
      await repairService?.stop();
      await startRepair();
    },
    /** Kills the inventory (no clean leave) and starts a new one on the same store. */
    async restartInventory() {
      await inventory.service.stop();
      inventory = await startInventory(inventory.port);
      return inventory.port;
    },
    /**
     * Stops everything. Throws, once stopped, when the run stopped being
     * deterministic (the stepper dropped a participant) and the test did
     * not ask for drops with its own `stepper.dropGraceSeconds`: what the
     * test saw then depended on the machine's load, whatever it asserted.
     */
    async close() {
      const status =
        options.stepper?.dropGraceSeconds === undefined
          ? await clock.getStatus().catch(() => undefined)
          : undefined;
      await inventory.service.stop();
      for (const c of closers.reverse()) await c();
      if (status !== undefined && !status.deterministic)
        throw new Error(`the run stopped being deterministic: ${status.notes.join('; ')}`);
    },
  };
}

export type InventoryWorld = Awaited<ReturnType<typeof startInventoryWorld>>;
