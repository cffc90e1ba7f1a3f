import { ChamberError, Code, toChamberError } from '@chamber/errors';
import { DefinitionSource, ScenarioRun } from '@chamber/protos';
import {
  parseScenario,
  runScenario,
  wireOfReport,
  type Scenario,
  type RunProgress,
} from '@chamber/scenario';
import type { Chamber } from '@chamber/sdk';
import { cmp, op, type Store, type WatchHandle } from '@chamber/store';
import type { Logger } from '@chamber/telemetry';
import { keys } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  failedRun,
  interruptedRun,
  isDefinitionInForce,
  isRunning,
  progressed,
  reported,
  runId,
  startedRun,
} from './domain/runs.js';

/** What {@link ScenarioRunner.start} takes: a StartRun request, in words. */
export interface RunRequest {
  readonly source: string;
  readonly fileName: string;
  readonly seed?: number;
  /** The definition's text when the scenario's inventory is a `file`. */
  readonly inventorySource: string;
  readonly requestedBy: string;
}

/** The most ticks a definition load may take to be applied before the run gives up. */
const maxLoadTicks = 10_000;

/**
 * Runs scenarios against the running simulation, one at a time, through the
 * SDK (`chamber`), keeping each run's record in the store
 * (`scenario-runs/<id>`): created running, written again as it moves on (at
 * most once per `progressMs`), and once more with its report or why it
 * ended without one. Crash-only: the record is all there is, so a run found
 * running when the service starts is marked interrupted
 * ({@link interruptLeftovers}).
 */
export class ScenarioRunner {
  private current: { run: ScenarioRun } | undefined;
  private isStopped = false;

  constructor(
    private readonly store: Store,
    private readonly chamber: Chamber,
    private readonly options: {
      readonly samplesDir: string;
      readonly progressMs: number;
      readonly logger: Logger;
    },
  ) {}

  /** Marks every run still recorded as running interrupted: its runner died with its process. */
  async interruptLeftovers(): Promise<void> {
    const { entries } = await this.store.list(ScenarioRun, keys.scenarioRunsPrefix);
    for (const { value, modRevision, key } of entries) {
      if (!isRunning(value)) continue;
      const run = interruptedRun(
        value,
        `the scenarios service stopped during the run (at tick ${value.tick}, ${value.doing}); found running when it started again`,
        new Date(),
      );
      await this.store.txn(
        [cmp.modRevision(key, '==', modRevision)],
        [op.put(ScenarioRun, key, run)],
      );
      this.options.logger.warn({ run: run.id }, 'scenario run interrupted: its runner died');
    }
  }

  /**
   * Parses the scenario, records the run and starts it in the background;
   * resolves with its first record. `InvalidArgument` (every problem at
   * file:line:col) or `FailedPrecondition` (a run in progress, a `file`
   * inventory without its text) start nothing.
   */
  async start(request: RunRequest): Promise<ScenarioRun> {
    if (this.isStopped)
      throw new ChamberError(Code.Unavailable, 'the scenarios service is stopping');
    if (this.current !== undefined) {
      const { run } = this.current;
      throw new ChamberError(
        Code.FailedPrecondition,
        `scenario run ${run.id} (${run.name}) is in progress, at tick ${run.tick} of ${run.lastTick}: one run at a time`,
        { details: { run: run.id } },
      );
    }
    const scenario = parseScenario(request.source, request.fileName);
    const definition = await this.definitionOf(scenario, request);
    // Another request may have taken the slot while the definition was read: refused as above.
    if (this.current !== undefined) return this.start(request);
    const now = new Date();
    const run = startedRun({
      id: runId(now, randomBytes(3).toString('hex')),
      scenario,
      fileName: request.fileName,
      seed: request.seed ?? scenario.seed,
      requestedBy: request.requestedBy,
      now,
    });
    const slot = { run };
    this.current = slot;
    try {
      const res = await this.store.txn(
        [cmp.absent(keys.scenarioRun(run.id))],
        [op.put(ScenarioRun, keys.scenarioRun(run.id), run)],
      );
      if (!res.succeeded) throw new ChamberError(Code.Aborted, `run id ${run.id} taken; try again`);
    } catch (error) {
      this.current = undefined;
      throw error;
    }
    // In the background; it records its own end, whatever happens.
    void this.execute(slot, scenario, definition, request.seed).finally(() => {
      if (this.current === slot) this.current = undefined;
    });
    this.options.logger.info(
      { run: run.id, scenario: run.name, seed: run.seed },
      'scenario run started',
    );
    return run;
  }

  /** Stops: the run in progress (if any) is recorded interrupted, and its runner left to fail. */
  async stop(): Promise<void> {
    this.isStopped = true;
    const slot = this.current;
    if (slot === undefined) return;
    await this.write(
      slot,
      interruptedRun(slot.run, 'the scenarios service stopped during the run', new Date()),
    ).catch(() => undefined);
  }

  /** The scenario's definition: its text and the file name it loads under. */
  private async definitionOf(
    scenario: Scenario,
    request: RunRequest,
  ): Promise<{ text: string; fileName: string }> {
    const { inventory } = scenario;
    switch (inventory.kind) {
      case 'sample': {
        const file = path.join(this.options.samplesDir, `${inventory.sample}.yaml`);
        const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new ChamberError(
            Code.FailedPrecondition,
            `cannot read the sample definition "${inventory.sample}" (${file}): ${error.code ?? error.message}; see scenarios.samplesDir`,
          );
        });
        return { text, fileName: path.basename(file) };
      }
      case 'file':
        if (request.inventorySource === '') {
          throw new ChamberError(
            Code.FailedPrecondition,
            `${request.fileName}: its inventory is the file "${inventory.path}", which the scenarios service does not read: send its text with the scenario (inventory_source), or name a sample`,
          );
        }
        return { text: request.inventorySource, fileName: path.basename(inventory.path) };
      case 'inline':
        // JSON is YAML: the inventory reads it as its own definition file (as startFor does).
        return {
          text: JSON.stringify(inventory.definition, null, 2),
          fileName: `${scenario.name}.yaml`,
        };
    }
  }

  /** The run itself: the inventory loaded when another is in force, then runScenario (which resets). */
  private async execute(
    slot: { run: ScenarioRun },
    scenario: Scenario,
    definition: { text: string; fileName: string },
    seed: number | undefined,
  ): Promise<void> {
    let lastWrite = 0;
    let writing = Promise.resolve();
    const onProgress = (p: RunProgress) => {
      slot.run = progressed(slot.run, p);
      const now = performance.now();
      if (now - lastWrite < this.options.progressMs) return;
      lastWrite = now;
      const run = slot.run;
      writing = writing.then(() => this.write(slot, run)).catch(() => undefined);
    };
    try {
      await this.loadDefinition(slot, definition);
      const report = await runScenario(this.chamber, scenario, {
        ...(seed === undefined ? {} : { seed }),
        onProgress,
      });
      await writing;
      await this.write(slot, reported(slot.run, wireOfReport(report), new Date()));
      this.options.logger.info(
        { run: slot.run.id, passed: report.passed, tick: report.tick, digest: report.digest },
        'scenario run ended',
      );
    } catch (error) {
      await writing;
      if (this.isStopped) return;
      const reason = toChamberError(error).message;
      this.options.logger.warn({ run: slot.run.id, err: error }, 'scenario run failed');
      await this.write(slot, failedRun(slot.run, reason, new Date())).catch((e: unknown) =>
        this.options.logger.error({ run: slot.run.id, err: e }, 'cannot record the run’s end'),
      );
    }
  }

  /** Loads the scenario's definition when another is in force, stepping the clock until it is applied. */
  private async loadDefinition(
    slot: { run: ScenarioRun },
    definition: { text: string; fileName: string },
  ): Promise<void> {
    const inForce = (await this.store.get(DefinitionSource, keys.definitionSource))?.value;
    if (isDefinitionInForce(definition.text, inForce)) return;
    const { chamber } = this;
    // The clock stays still, so the load's tick comes when the run steps it.
    await chamber.setPolicy('paused');
    const load = await chamber.inventory.loadDefinition(definition.text, definition.fileName);
    let isApplied = false;
    const applied = chamber.inventory.watchLoad(load.loadId).finally(() => (isApplied = true));
    applied.catch(() => undefined);
    for (let steps = 0; !isApplied; steps++) {
      if (this.isStopped) return;
      if (steps >= maxLoadTicks) {
        throw new ChamberError(
          Code.DeadlineExceeded,
          `the scenario's inventory (${definition.fileName}) was not applied within ${maxLoadTicks} ticks`,
        );
      }
      const tick = await chamber.step(1);
      slot.run = progressed(slot.run, { tick, doing: 'loading' });
    }
    await applied;
  }

  /** Writes the run's record, unless it has already ended (a stop recorded it interrupted). */
  private async write(slot: { run: ScenarioRun }, run: ScenarioRun): Promise<void> {
    const key = keys.scenarioRun(run.id);
    const stored = await this.store.get(ScenarioRun, key);
    if (stored !== undefined && !isRunning(stored.value)) return;
    await this.store.txn(
      [stored === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', stored.modRevision)],
      [op.put(ScenarioRun, key, run)],
    );
    slot.run = run;
  }

  /** The stored record of run `id`; `NotFound` when there is none. */
  async get(id: string): Promise<ScenarioRun> {
    const entry = await this.store.get(ScenarioRun, keys.scenarioRun(id));
    if (entry === undefined) throw new ChamberError(Code.NotFound, `no scenario run "${id}"`);
    return entry.value;
  }

  /** Every run kept, newest first. */
  async list(): Promise<ScenarioRun[]> {
    const { entries } = await this.store.list(ScenarioRun, keys.scenarioRunsPrefix);
    return entries.map((e) => e.value).reverse();
  }

  /**
   * Calls `onRun` with run `id`'s record now and at each change, until the
   * record of its end; resolves then (at once for a run that has ended).
   * `NotFound` for an unknown run. `signal` stops it early.
   */
  async follow(id: string, onRun: (run: ScenarioRun) => void, signal: AbortSignal): Promise<void> {
    const key = keys.scenarioRun(id);
    const first = await this.store.get(ScenarioRun, key);
    if (first === undefined) throw new ChamberError(Code.NotFound, `no scenario run "${id}"`);
    onRun(first.value);
    if (!isRunning(first.value)) return;
    let watch: WatchHandle | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        void this.store
          .watch(
            key,
            {
              fromRevision: first.modRevision + 1,
              onError: (error) => reject(toChamberError(error)),
            },
            (events) => {
              for (const e of events) {
                if (e.key !== key || e.type !== 'put' || e.value === undefined) continue;
                const run = ScenarioRun.fromJSON(JSON.parse(e.value));
                onRun(run);
                if (!isRunning(run)) resolve();
              }
            },
          )
          .then((handle) => {
            watch = handle;
            if (signal.aborted) resolve();
          }, reject);
      });
    } finally {
      await watch?.cancel();
    }
  }
}
