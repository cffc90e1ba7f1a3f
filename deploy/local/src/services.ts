import { defaultPorts } from '@chamber/world';

/** A service the launcher runs: its own process, serving gRPC (or HTTP) on `port`. */
export interface ServiceSpec {
  /** Also the env prefix of its config: `CHAMBER_<NAME>_PORT`. */
  readonly name: string;
  /** Its gRPC port, moved by the port offset; an HTTP service takes `CHAMBER_LOCAL_HTTP_PORT`. */
  readonly port: number;
  /** Serves HTTP rather than gRPC: ready once `/api/v1/openapi.json` answers. */
  readonly isHttp?: boolean;
  /** Env vars that tell it the gRPC address of another service, by that service's name. */
  readonly addresses?: Readonly<Record<string, string>>;
  /** The process entry, relative to the repository root. */
  readonly entry: string;
  /**
   * Its service module, relative to the repository root: what the entry
   * runs, loaded by path into one process in the `single` layout.
   */
  readonly module: string;
  /** The gRPC service it serves, for the health check and the address line. */
  readonly grpcService: string;
  /**
   * A CLI command to try it with (the launcher adds the address options the
   * ports in use need); none while the CLI has no command for it.
   */
  readonly hint?: string;
  /** The service that command talks to, when not this one (`frontend` for a REST-only command). */
  readonly hintTalksTo?: string;
  /** The `chamber` CLI's option and env var that take this service's gRPC address. */
  readonly cliAddress?: { readonly option: string; readonly env: string };
  /** Started, and ready or given up on, before the services without it start. */
  readonly isStartedFirst?: boolean;
  /** A participant of the clock, under its service name: tick 0 waits for the services marked so. */
  readonly isParticipant?: boolean;
  /** Env var that tells it the names of the participants among the services (comma-separated). */
  readonly participantsEnv?: string;
  /** Env var naming a file it appends start-up notices to; the launcher prints them once all are up. */
  readonly noticeFileEnv?: string;
}

/** The tracesink: first, so the others' spans have somewhere to go from their first tick. */
export const traceSinkSpec: ServiceSpec = {
  name: 'tracesink',
  port: defaultPorts.tracesink,
  entry: 'services/tracesink/dist/src/main.js',
  module: 'services/tracesink/dist/src/service.js',
  grpcService: 'chamber.trace.v1.TraceSink',
  hint: 'npx chamber logs --follow',
  hintTalksTo: 'frontend',
  isStartedFirst: true,
};

/** Every service of the simulator, in start order. */
export const services: readonly ServiceSpec[] = [
  traceSinkSpec,
  {
    name: 'stepper',
    port: defaultPorts.stepper,
    entry: 'services/stepper/dist/src/main.js',
    module: 'services/stepper/dist/src/service.js',
    grpcService: 'chamber.clock.v1.Clock',
    hint: 'npx chamber clock status',
    cliAddress: { option: 'stepper', env: 'CHAMBER_STEPPER' },
    // Tick 0 of a new simulation waits for them, so a fresh start replays like a reset.
    participantsEnv: 'CHAMBER_STEPPER_PARTICIPANTS',
  },
  {
    name: 'inventory',
    port: defaultPorts.inventory,
    entry: 'services/inventory/dist/src/main.js',
    module: 'services/inventory/dist/src/service.js',
    grpcService: 'chamber.inventory.v1.Inventory',
    hint: 'npx chamber inventory ls',
    cliAddress: { option: 'inventory', env: 'CHAMBER_INVENTORY' },
    isParticipant: true,
    noticeFileEnv: 'CHAMBER_INVENTORY_NOTICE_FILE',
  },
  {
    name: 'faults',
    port: defaultPorts.faults,
    entry: 'services/faults/dist/src/main.js',
    module: 'services/faults/dist/src/service.js',
    grpcService: 'chamber.faults.v1.Faults',
    hint: 'npx chamber fault ls',
    cliAddress: { option: 'faults', env: 'CHAMBER_FAULTS' },
    isParticipant: true,
  },
  {
    name: 'monitor',
    port: defaultPorts.monitor,
    entry: 'services/monitor/dist/src/main.js',
    module: 'services/monitor/dist/src/service.js',
    grpcService: 'chamber.monitor.v1.Monitor',
    hint: 'npx chamber inventory ls standard/z1/rack1 --view observed',
    hintTalksTo: 'inventory',
    isParticipant: true,
  },
  {
    name: 'inventory-repair',
    port: defaultPorts['inventory-repair'],
    entry: 'services/inventory-repair/dist/src/main.js',
    module: 'services/inventory-repair/dist/src/service.js',
    grpcService: 'chamber.repair.v1.Repairs',
    hint: 'npx chamber repair ls',
    cliAddress: { option: 'repair', env: 'CHAMBER_REPAIR' },
    isParticipant: true,
  },
  {
    name: 'scheduler',
    port: defaultPorts.scheduler,
    entry: 'services/scheduler/dist/src/main.js',
    module: 'services/scheduler/dist/src/service.js',
    grpcService: 'chamber.workloads.v1.Scheduler',
    // Its one read, `chamber workload explain NAME N`, needs an instance to name: no hint.
    isParticipant: true,
  },
  {
    name: 'workload-repair',
    port: defaultPorts['workload-repair'],
    entry: 'services/workload-repair/dist/src/main.js',
    module: 'services/workload-repair/dist/src/service.js',
    grpcService: 'chamber.workloads.v1.Workloads',
    hint: 'npx chamber workload ls',
    hintTalksTo: 'frontend',
    isParticipant: true,
  },
  {
    // Not a participant: a client of the others (through the SDK), as a harness is.
    name: 'scenarios',
    port: defaultPorts.scenarios,
    entry: 'services/scenarios/dist/src/main.js',
    module: 'services/scenarios/dist/src/service.js',
    grpcService: 'chamber.scenario.v1.Scenarios',
    addresses: {
      CHAMBER_SCENARIOS_STEPPER: 'stepper',
      CHAMBER_SCENARIOS_INVENTORY: 'inventory',
      CHAMBER_SCENARIOS_FAULTS: 'faults',
      CHAMBER_SCENARIOS_REPAIR: 'inventory-repair',
      CHAMBER_SCENARIOS_WORKLOADS: 'workload-repair',
      CHAMBER_SCENARIOS_MONITOR: 'monitor',
    },
  },
  {
    name: 'frontend',
    port: defaultPorts.frontend,
    isHttp: true,
    entry: 'services/frontend/dist/src/main.js',
    module: 'services/frontend/dist/src/service.js',
    grpcService: '',
    hint: 'npx chamber login --user admin',
    addresses: {
      CHAMBER_FRONTEND_STEPPER: 'stepper',
      CHAMBER_FRONTEND_INVENTORY: 'inventory',
      CHAMBER_FRONTEND_FAULTS: 'faults',
      CHAMBER_FRONTEND_REPAIR: 'inventory-repair',
      CHAMBER_FRONTEND_WORKLOADS: 'workload-repair',
      CHAMBER_FRONTEND_SCHEDULER: 'scheduler',
      CHAMBER_FRONTEND_SCENARIOS: 'scenarios',
      CHAMBER_FRONTEND_MONITOR: 'monitor',
    },
  },
];
