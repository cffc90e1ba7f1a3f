import { ClockClient } from '@chamber/clock-client';
import { ChamberError, Code } from '@chamber/errors';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import {
  BladeState,
  FaultKind,
  InstanceState,
  ObservedState,
  PduState,
  Policy,
  RepairStatus,
  TargetState,
  TorState,
  View,
  type ClockStatus,
  type Element,
  type FaultRecord,
  type ListInputsResponse,
  RunMode,
  RunState,
  type RepairRecord,
  type ScenarioPlan,
  type ScenarioReport,
  type ScenarioRun,
  type Schedule,
} from '@chamber/protos';
import { RepairsClient } from '@chamber/repair-client';
import { ReportsClient } from '@chamber/reports-client';
import { isRunEnded, ScenariosClient } from '@chamber/scenarios-client';
import { WorkloadsClient, workloadSpec, type WorkloadSpecWords } from '@chamber/workloads-client';
import {
  defaultPorts,
  enumTypes,
  faultKinds,
  fromWire,
  isOneOf,
  policies,
  repairStatuses,
  targetStates,
  toWire,
  wordOf,
  type FaultKindWord,
  type PolicyWord,
  type RepairStatusWord,
  type TargetStateWord,
} from '@chamber/world';

/** The gRPC services a harness talks to, by the name the launcher gives them. */
export const harnessServices = [
  'stepper',
  'inventory',
  'faults',
  'inventory-repair',
  'workload-repair',
  'scenarios',
  'monitor',
] as const;

/** One of {@link harnessServices}. */
export type HarnessService = (typeof harnessServices)[number];

/** Each harness service's gRPC address (`host:port`). */
export type Addresses = Readonly<Record<HarnessService, string>>;

/** The addresses of a Chamber on `host` whose services sit `offset` above their default ports. */
export function addressesOf(host = '127.0.0.1', offset = 0): Addresses {
  const at = (name: HarnessService): string => `${host}:${defaultPorts[name] + offset}`;
  return Object.fromEntries(harnessServices.map((name) => [name, at(name)])) as Addresses;
}

/** A view of an element, in words. */
export type ViewWord = 'actual' | 'observed' | 'target';

/** A read's options: the view (default `actual`) and the tick (default now; an earlier one within the history kept). */
export interface StateOptions {
  readonly view?: ViewWord;
  readonly at?: number;
}

/** How far {@link Chamber.stepUntil} may go. */
export interface StepUntilOptions {
  /** The most ticks to step before giving up (default 100). */
  readonly within?: number;
}

/** How a scenario is sent to the scenarios service, and how its run is followed. */
export interface ScenarioOptions {
  /** Shown in errors and reports (`file:line:col`); `scenario.yaml` by default. */
  readonly fileName?: string;
  /** The definition's text when the scenario's inventory is a `file`. */
  readonly inventorySource?: string;
  /** Gets the run's record each time it changes. */
  readonly onProgress?: (run: ScenarioRun) => void;
}

/** A check that did not hold: its message says what was expected, what was seen, and at which tick. */
export class ExpectationError extends Error {
  override readonly name = 'ExpectationError';
}

/** How long a report may take (ms): a whole run's, replayed from the store's history. */
const reportTimeoutMs = 600_000;

const viewOf = (view: ViewWord): View =>
  view === 'observed'
    ? View.VIEW_OBSERVED
    : view === 'target'
      ? View.VIEW_TARGET
      : View.VIEW_ACTUAL;

/** An element's state in its record, in words (`working`, `failed`, `in service`); `''` when it has none. */
export function stateWordOf(e: Element): string {
  if (e.bladeActual) return wordOf(BladeState[e.bladeActual.state]);
  if (e.pduActual) return wordOf(PduState[e.pduActual.state]);
  if (e.torActual) return wordOf(TorState[e.torActual.state]);
  if (e.observed) return wordOf(ObservedState[e.observed.state]);
  if (e.target) return wordOf(TargetState[e.target.state]);
  return '';
}

/** `word` of `list`, or an InvalidArgument error naming the field and the words it may be. */
function checkWord<T extends string>(list: readonly T[], word: string, field: string): T {
  if (isOneOf(list, word)) return word;
  throw new ChamberError(
    Code.InvalidArgument,
    `${field} must be one of ${list.join(', ')}, got "${word}"`,
    { details: { field } },
  );
}

/**
 * A Chamber as a harness drives it, over gRPC: the clock, faults, targets,
 * reads of any view at any tick, repairs, workloads, the digest. Speaks the
 * API's words (`crash`, `out_for_repair`, `observed`) where the wire has
 * enums; the typed clients underneath (`clock`, `inventory`, `faults`,
 * `repairs`, `workloads`, `reports`) are there for everything else. Calls reject with
 * a ChamberError carrying the service's code and message. Waits are counted
 * in ticks, never in wall time: a slow machine makes a run slower, not
 * different.
 */
export class Chamber {
  readonly clock: ClockClient;
  readonly inventory: InventoryClient;
  readonly faults: FaultsClient;
  readonly repairs: RepairsClient;
  readonly workloads: WorkloadsClient;
  readonly scenarios: ScenariosClient;
  /** The run's reports (`chamber.reports.v1.Reports`), which the monitor serves. */
  readonly reports: ReportsClient;

  constructor(readonly addresses: Addresses) {
    this.clock = ClockClient.connect(addresses.stepper);
    this.inventory = InventoryClient.connect(addresses.inventory);
    this.faults = FaultsClient.connect(addresses.faults);
    this.repairs = RepairsClient.connect(addresses['inventory-repair']);
    this.workloads = WorkloadsClient.connect(addresses['workload-repair']);
    this.scenarios = ScenariosClient.connect(addresses.scenarios);
    // A whole run's report replays its history: on `large` (100,000 blades)
    // its boot alone is 600,000 changes, minutes on a loaded machine.
    this.reports = ReportsClient.connect(addresses.monitor, { timeoutMs: reportTimeoutMs });
  }

  /** The clock's status: tick, policy, run, seed, digest, participants. */
  status(): Promise<ClockStatus> {
    return this.clock.getStatus();
  }

  /** The current tick. */
  async tick(): Promise<number> {
    return (await this.clock.getStatus()).tick;
  }

  /** The world digest as of the last settled tick: equal digests, equal runs. */
  async digest(): Promise<string> {
    return (await this.clock.getStatus()).digest;
  }

  /** Sets the clock's policy (`manual`, `no_wait`, `measured` with `rate`, `paused`). */
  setPolicy(policy: PolicyWord, rate?: number): Promise<ClockStatus> {
    const word = checkWord(policies, policy, 'policy');
    return this.clock.setPolicy(Policy[toWire(enumTypes.policy, word) as keyof typeof Policy], {
      ...(rate === undefined ? {} : { rate }),
    });
  }

  /**
   * Steps `ticks` ticks under the `manual` or `paused` policy (a run's
   * start); resolves with the tick settled. `FailedPrecondition` while the
   * clock runs by itself (`measured`, `no_wait`).
   */
  async step(ticks = 1): Promise<number> {
    return (await this.clock.step(ticks)).tick;
  }

  /** Runs as fast as the services settle until `tick`; resolves once it is settled. */
  async runUntil(tick: number): Promise<number> {
    return (await this.clock.runUntil(tick)).tick;
  }

  /** Resolves once `tick` is settled, however the clock gets there. */
  async waitForTick(tick: number): Promise<number> {
    return (await this.clock.waitForTick(tick)).tick;
  }

  /** Starts a fresh run at tick 0 (the world rebuilt from its definition), with `seed` or the current one. */
  async reset(seed?: number): Promise<ClockStatus> {
    return this.clock.reset(seed === undefined ? {} : { seed });
  }

  /**
   * Steps one tick at a time until `holds()` is true, at most `within`
   * ticks (default 100); resolves with the tick it held at. Rejects with an
   * {@link ExpectationError} naming `what` when it never did.
   */
  async stepUntil(
    what: string,
    holds: () => Promise<boolean> | boolean,
    options: StepUntilOptions = {},
  ): Promise<number> {
    const within = options.within ?? 100;
    const from = await this.tick();
    for (let stepped = 0; ; stepped++) {
      if (await holds()) return this.tick();
      if (stepped === within) break;
      await this.step();
    }
    throw new ExpectationError(`${what}: not within ${within} ticks (from tick ${from})`);
  }

  /**
   * The run so far as its inputs: seed, definition, every external input up
   * to the last settled tick, and the digest there (what a scenario export
   * is made of).
   */
  inputs(): Promise<ListInputsResponse> {
    return this.clock.listInputs();
  }

  /**
   * Injects a fault (`crash`, `power_loss`, …) into `targets`; it takes
   * effect at the next tick. `by`: who asks, recorded in the fault.
   */
  inject(
    kind: FaultKindWord,
    targets: readonly string[],
    schedule: Schedule = {},
    by = 'sdk',
  ): Promise<FaultRecord> {
    const word = checkWord(faultKinds, kind, 'kind');
    return this.faults.inject(
      FaultKind[toWire(enumTypes.faultKind, word) as keyof typeof FaultKind],
      targets,
      schedule,
      by,
    );
  }

  /** Clears a fault at the next tick; `by`: who asks, recorded in the fault. */
  clear(faultId: string, by = 'sdk'): Promise<FaultRecord> {
    return this.faults.clear(faultId, by);
  }

  /**
   * Sets an element's target at the next tick: its state (`in_service`,
   * `out_for_repair`, `retired`), powered (default: in service), and drain
   * (move its workloads away first). Resolves with the tick it takes effect.
   */
  setTarget(
    path: string,
    target: { state: TargetStateWord; powered?: boolean; drain?: boolean; reason?: string },
  ): Promise<number> {
    const word = checkWord(targetStates, target.state, 'state');
    return this.inventory.setTarget(path, {
      state: TargetState[toWire(enumTypes.targetState, word) as keyof typeof TargetState],
      powered: target.powered ?? word === 'in_service',
      ...(target.drain === undefined ? {} : { drain: target.drain }),
      reason: target.reason ?? 'sdk',
    });
  }

  /** An element's record in a view, now or at an earlier tick. */
  element(path: string, options: StateOptions = {}): Promise<Element> {
    return this.inventory.getElement(path, {
      view: viewOf(options.view ?? 'actual'),
      ...(options.at === undefined ? {} : { asOfTick: options.at }),
    });
  }

  /** An element's state in a view, in words (`working`, `off`, `healthy`, `failed`, `in service`). */
  async state(path: string, options: StateOptions = {}): Promise<string> {
    return stateWordOf(await this.element(path, options));
  }

  /** The repairs, of `target` and in `statuses` when given (words: `succeeded`, `escalated`, …). */
  listRepairs(
    filter: { target?: string; statuses?: readonly RepairStatusWord[] } = {},
  ): Promise<RepairRecord[]> {
    const statuses = (filter.statuses ?? []).map((s) => {
      const word = checkWord(repairStatuses, s, 'statuses');
      return RepairStatus[toWire(enumTypes.repairStatus, word) as keyof typeof RepairStatus];
    });
    return this.repairs.list({
      statuses,
      ...(filter.target === undefined ? {} : { target: filter.target }),
    });
  }

  /** Creates a workload at the next tick (its spec in words); resolves with that tick. */
  createWorkload(spec: WorkloadSpecWords): Promise<number> {
    return this.workloads.create(workloadSpec(spec));
  }

  /** How many of a workload's instances are actually running. */
  async runningInstances(workload: string): Promise<number> {
    const instances = await this.workloads.listInstances({ workload });
    return instances.filter((i) => i.state === InstanceState.INSTANCE_STATE_RUNNING).length;
  }

  /**
   * Resolves with the tick at which `path` is in `state` in a view (default
   * `actual`), stepping one tick at a time up to `within` ticks (default 0:
   * now). Rejects with an {@link ExpectationError} saying what it was
   * instead: `expected standard/z1/rack2/blade/5 observed to be failed
   * within 10 ticks (from tick 12): it was healthy at tick 22`.
   */
  async expectState(
    path: string,
    state: string,
    options: { view?: ViewWord; within?: number } = {},
  ): Promise<number> {
    const view = options.view ?? 'actual';
    let seen = '';
    const holds = async () => (seen = await this.state(path, { view })) === state;
    return this.expecting(
      `${path} ${view} to be ${state}`,
      holds,
      () => `it was ${seen}`,
      options.within,
    );
  }

  /**
   * Resolves with the repair of `target` that reached `status` (default
   * `succeeded`), opened at or after tick `since` (default 0), stepping up
   * to `within` ticks (default 0: now); rejects with an
   * {@link ExpectationError} listing the repairs there were.
   */
  async expectRepair(
    target: string,
    options: { status?: RepairStatusWord; since?: number; within?: number } = {},
  ): Promise<RepairRecord> {
    const status = checkWord(repairStatuses, options.status ?? 'succeeded', 'status');
    let found: RepairRecord | undefined;
    let all: RepairRecord[] = [];
    await this.expecting(
      `a repair of ${target} ${status}`,
      async () => {
        all = await this.listRepairs({ target });
        found = all.find(
          (r) =>
            r.openedTick >= (options.since ?? 0) &&
            wordOf(RepairStatus[r.status]) === status.replaceAll('_', ' '),
        );
        return found !== undefined;
      },
      () =>
        all.length === 0
          ? 'there was none'
          : `there were ${all.map((r) => `${r.id} ${wordOf(RepairStatus[r.status])}`).join(', ')}`,
      options.within,
    );
    return found!;
  }

  /**
   * Resolves with the tick at which `workload` has `count` instances
   * running, stepping up to `within` ticks (default 0: now).
   */
  async expectRunning(
    workload: string,
    count: number,
    options: { within?: number } = {},
  ): Promise<number> {
    let running = 0;
    return this.expecting(
      `${workload} to have ${count} instances running`,
      async () => (running = await this.runningInstances(workload)) === count,
      () => `it had ${running}`,
      options.within,
    );
  }

  private async expecting(
    what: string,
    holds: () => Promise<boolean>,
    instead: () => string,
    within = 0,
  ): Promise<number> {
    try {
      return await this.stepUntil(what, holds, { within });
    } catch (error) {
      if (!(error instanceof ExpectationError)) throw error;
      const span = within === 0 ? '' : ` within ${within} ticks`;
      throw new ExpectationError(
        `expected ${what}${span}: ${instead()} at tick ${await this.tick()}`,
      );
    }
  }

  /**
   * Runs a scenario (its YAML text) on this Chamber through the scenarios
   * service: its inventory loaded when it differs from the definition in
   * force, a reset with its seed (or `seed`), its timeline, its
   * expectations. `onProgress` gets the run's record each time it changes.
   * Resolves with the report, passed or not; rejects with `InvalidArgument`
   * (every problem at file:line:col, nothing run), `FailedPrecondition`
   * while another run is in progress, or `Aborted` naming the reason when
   * the run ends in error or is interrupted.
   */
  async runScenario(
    source: string,
    options: ScenarioOptions & { readonly seed?: number } = {},
  ): Promise<ScenarioReport> {
    const { onProgress, ...start } = options;
    const run = await this.followRun(await this.scenarios.startRun(source, start), onProgress);
    if (run.report === undefined) throw this.unfinished(run);
    return run.report;
  }

  /**
   * What applying a scenario (its YAML text) now would do, from the
   * scenarios service: the definition it would load, the workloads, each
   * input at now + its tick, what stands in its way. Writes nothing.
   */
  planScenario(
    source: string,
    options: Pick<ScenarioOptions, 'fileName' | 'inventorySource'> = {},
  ): Promise<ScenarioPlan> {
    return this.scenarios.plan(source, options);
  }

  /**
   * Applies a scenario to the simulation as it runs, through the scenarios
   * service: nothing reset, each input at now + its tick (the clock taken
   * to each; a measured clock keeps its pace). Resolves with the plan it
   * applied once every input is in; rejects as {@link runScenario} does,
   * and with `FailedPrecondition` when the plan finds problems.
   */
  async applyScenario(source: string, options: ScenarioOptions = {}): Promise<ScenarioPlan> {
    const { onProgress, ...start } = options;
    const started = await this.scenarios.startRun(source, {
      ...start,
      mode: RunMode.RUN_MODE_APPLY,
    });
    const run = await this.followRun(started, onProgress);
    if (run.state !== RunState.RUN_STATE_APPLIED) throw this.unfinished(run);
    return run.plan!;
  }

  /** Follows `started` to its end. */
  private async followRun(
    started: ScenarioRun,
    onProgress: ((run: ScenarioRun) => void) | undefined,
  ): Promise<ScenarioRun> {
    const run = await new Promise<ScenarioRun>((resolve, reject) => {
      let last = started;
      this.scenarios.watchRun(
        started.id,
        (r) => {
          last = r;
          onProgress?.(r);
        },
        (error) => (error === undefined ? resolve(last) : reject(error)),
      );
    });
    if (!isRunEnded(run)) {
      throw new ChamberError(Code.Unavailable, `scenario run ${run.id}: the watch ended early`);
    }
    return run;
  }

  /** The error of a run that ended in error or was interrupted. */
  private unfinished(run: ScenarioRun): ChamberError {
    const state = fromWire(enumTypes.scenarioRunState, RunState[run.state]);
    return new ChamberError(Code.Aborted, `scenario run ${run.id} ${state}: ${run.reason}`);
  }

  /** Closes the connections. */
  close(): void {
    this.clock.close();
    this.inventory.close();
    this.faults.close();
    this.repairs.close();
    this.workloads.close();
    this.scenarios.close();
    this.reports.close();
  }
}

/**
 * A Chamber that is already running: `npm start`'s on its default ports, or
 * one at `host` with its services `offset` above them, or at the given
 * `addresses`. No I/O until the first call.
 */
export function connect(
  options: { host?: string; offset?: number; addresses?: Partial<Addresses> } = {},
): Chamber {
  return new Chamber({ ...addressesOf(options.host, options.offset), ...options.addresses });
}
