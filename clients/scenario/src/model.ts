// A parsed scenario (DESIGN §4b): what a runner needs, every choice made.
// Words are the API's (`@chamber/world`); ticks are whole numbers ≥ 0.
import { defaultSeed } from '@chamber/config';
import type {
  CommandActionWord,
  FaultKindWord,
  PlacementLevelWord,
  PlacementRuleWord,
  PolicyWord,
  RepairStatusWord,
  TargetStateWord,
} from '@chamber/world';

/** The inventory samples a scenario may name (`services/inventory/definitions/<name>.yaml`). */
export const inventorySamples = ['small', 'standard', 'large'] as const;
export type InventorySample = (typeof inventorySamples)[number];

/** The seed of a scenario that gives none: the simulator's own default (`CHAMBER_SEED`). */
export const scenarioDefaultSeed = defaultSeed;

/** Where a scenario's inventory comes from. */
export type InventorySource =
  /** A sample definition shipped with the inventory service. */
  | { readonly kind: 'sample'; readonly sample: InventorySample }
  /** A definition file, its path as written: relative to the scenario file's folder. */
  | { readonly kind: 'file'; readonly path: string }
  /** A definition written into the scenario, as data (the inventory validates it when loaded). */
  | { readonly kind: 'inline'; readonly definition: Readonly<Record<string, unknown>> };

/** What one instance needs of a blade; an amount left out is 0. */
export interface Demand {
  readonly cores: number;
  readonly memoryGib?: number;
  readonly diskGib?: number;
  readonly networkGbps?: number;
}

/** How a workload's instances are placed relative to each other. */
export interface Placement {
  readonly rule: PlacementRuleWord;
  /** Required unless the rule is `none`. */
  readonly level?: PlacementLevelWord;
}

/** A workload, as `POST /workloads` creates it. */
export interface WorkloadSpec {
  readonly name: string;
  readonly instances: number;
  readonly demand: Demand;
  readonly image: string;
  readonly placement?: Placement;
  readonly maxUnavailable?: number;
}

/** A fault's schedule, as `POST /faults` takes it (every field optional). */
export interface FaultSchedule {
  /** The first tick it may occur (at least the tick the fault is injected at). */
  readonly at?: number;
  readonly duration?: number;
  readonly every?: number;
  readonly probability?: number;
  readonly mtbf?: number;
  readonly mttr?: number;
}

/** A clock policy, as `PUT /clock/policy` takes it. */
export interface ClockPolicy {
  readonly policy: PolicyWord;
  /** Ticks per second; with `measured` only, and required there. */
  readonly rate?: number;
}

/** One input of the timeline; `kind` says which. */
export type Input =
  | {
      readonly kind: 'fault';
      /** The scenario's name for it, for `clear` and reports; absent when none was given. */
      readonly id?: string;
      readonly fault: FaultKindWord;
      readonly targets: readonly string[];
      readonly schedule: FaultSchedule;
      /** Who asks, recorded in the fault; absent: `sdk`. */
      readonly by?: string;
    }
  /** Clear the fault the scenario named `id`. */
  | { readonly kind: 'clear'; readonly id: string; readonly by?: string }
  /** Clear every fault not cleared yet (`POST /faults/clear-all`). */
  | { readonly kind: 'clearAll'; readonly by?: string }
  /** A command to the hardware, as a person issues it (`POST /commands`). */
  | {
      readonly kind: 'command';
      readonly target: string;
      readonly action: CommandActionWord;
      /** For `reimage`: the image; absent for the blade's defined one. */
      readonly image?: string;
      /** Who asks, recorded in the command; absent: `sdk`. */
      readonly by?: string;
    }
  | {
      readonly kind: 'target';
      readonly path: string;
      readonly state: TargetStateWord;
      readonly powered?: boolean;
      readonly drain?: boolean;
      readonly reason?: string;
    }
  | { readonly kind: 'create'; readonly workload: WorkloadSpec }
  | { readonly kind: 'scale'; readonly name: string; readonly instances: number }
  | {
      readonly kind: 'update';
      readonly name: string;
      /** The fields to replace, as `PATCH /workloads/{name}` takes them. */
      readonly change: {
        readonly instances?: number;
        readonly demand?: Partial<Demand>;
        readonly image?: string;
        readonly placement?: Placement;
        readonly maxUnavailable?: number;
      };
    }
  | { readonly kind: 'delete'; readonly name: string }
  | { readonly kind: 'policy'; readonly policy: ClockPolicy };

/** An input at the tick it takes effect (≥ 1: it is written while the clock stands at `at - 1`). */
export interface TimedInput {
  readonly at: number;
  readonly input: Input;
  /** Where it is in the file, for reports: `scenario.yaml:12:5`. */
  readonly where: string;
}

/** The views an expectation or condition may read an element's state in. */
export const stateViews = ['actual', 'observed', 'target'] as const;
export type StateView = (typeof stateViews)[number];

/** An element in a state in a view: `standard/z1/rack3/pdu/0` observed `failed`. */
export interface ElementState {
  readonly path: string;
  readonly view: StateView;
  readonly state: string;
}

/** What the run waits for, with `run.until: { …, within }`. */
export type Condition =
  /** The workload runs as many instances as it wants. */
  | { readonly kind: 'atStrength'; readonly workload: string }
  /** No repair is pending or running. */
  | { readonly kind: 'noOpenRepairs' }
  | ({ readonly kind: 'element' } & ElementState);

/** How far the run goes. */
export type RunBound =
  /** To this tick. */
  | { readonly kind: 'tick'; readonly until: number }
  /** Until the condition holds, failing when it does not by tick `within`. */
  | { readonly kind: 'condition'; readonly condition: Condition; readonly within: number };

/** A count that must be exact, or within bounds (each inclusive). */
export type CountBound =
  | { readonly exactly: number }
  | { readonly min?: number; readonly max?: number; readonly exactly?: undefined };

/** What must hold at the tick of an expectation; `kind` says which. */
export type Check =
  | ({ readonly kind: 'state' } & ElementState)
  /** Repairs by status word (`succeeded`, `recovered`, `escalated`, …), counting every repair of the run. */
  | {
      readonly kind: 'repairs';
      readonly counts: Readonly<Partial<Record<RepairStatusWord, CountBound>>>;
    }
  | { readonly kind: 'running'; readonly workload: string; readonly instances: CountBound }
  /** The workload's availability from tick 0 (`GET /workloads/{name}/availability`) is at least this. */
  | { readonly kind: 'availability'; readonly workload: string; readonly atLeast: number }
  /** Its longest outage lasted at most this many ticks. */
  | { readonly kind: 'longestOutage'; readonly workload: string; readonly atMost: number }
  /** Each of its outages ended at most this many ticks after it was detected. */
  | { readonly kind: 'recovery'; readonly workload: string; readonly atMost: number }
  /** No repair escalated (to a person). */
  | { readonly kind: 'noEscalations' }
  /** The world digest through the tick is this (a golden run). */
  | { readonly kind: 'digest'; readonly digest: string };

/** An expectation: a check at a tick, or at the end of the run. */
export interface Expectation {
  readonly at: number | 'end';
  readonly check: Check;
  /** Where it is in the file, for reports: `scenario.yaml:40:5`. */
  readonly where: string;
}

/** A parsed, checked scenario: everything a runner needs, defaults applied. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly seed: number;
  readonly inventory: InventorySource;
  /** Created together, taking effect at tick 1 (the first tick of the run). */
  readonly workloads: readonly WorkloadSpec[];
  /** The clock policy when the scenario is applied to a running simulation; a headless run uses `no_wait`. */
  readonly clock?: ClockPolicy;
  /** The inputs in the order they take effect: by tick, then as written. */
  readonly timeline: readonly TimedInput[];
  readonly run: RunBound;
  readonly expect: readonly Expectation[];
}

/** The last tick a run may reach: `until`, or the condition's `within`. */
export function lastTickOf(run: RunBound): number {
  return run.kind === 'tick' ? run.until : run.within;
}
