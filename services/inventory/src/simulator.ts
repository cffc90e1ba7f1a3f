import {
  BladeActual,
  BladeDefinition,
  BladeState,
  CableState,
  CommandAction,
  CommandRecord,
  CommandStatus,
  DefinitionSource,
  FaultRecord,
  FixRecord,
  LoadProgress,
  LoadProgress_State,
  PduActual,
  PduState,
  PendingRecord,
  TargetInput,
  TargetRecord,
  TargetState,
  TorActual,
  TorState,
} from '@chamber/protos';
import { createSlicer, TimerWheel, type Slicer } from '@chamber/sim';
import { decode, encode, op, type CachedView, type Codec, type Op } from '@chamber/store';
import { recordDecision, type Tracer } from '@chamber/telemetry';
import type { TickContext } from '@chamber/participant';
import { keys } from '@chamber/world';
import type { DefinitionParser } from './definition-parser.js';
import {
  applyDefinitionLoads,
  definitionOps,
  inventoryParticipant,
  reconcileDefinition,
  type AppliedLoads,
} from './definition-loads.js';
import {
  actionName,
  commandPruneTick,
  startCommand,
  finishCommand,
  type Bench,
} from './domain/commands.js';
import { definitionPrefix, type DefinitionChanges } from './domain/definition/records.js';
import { FaultEffects } from './domain/fault-effects.js';
import {
  draw,
  evaluateBlade,
  evaluatePdu,
  evaluateTor,
  type SimContext,
  type Timings,
} from './domain/hardware.js';
import { Topology } from './domain/topology.js';

/** Where the inventory's records live in the store. */
export const inventoryKeys = {
  target: 'target/',
  actual: 'actual/',
  observed: 'observed/',
  commands: 'commands/',
  fixes: 'fixes/',
  faults: 'faults/',
  faultInputs: 'inputs/faults/',
  inputs: 'inputs/inventory/',
  source: 'sources/inventory',
  loadProgress: 'sources/inventory-load',
} as const;

/** The prefixes the inventory caches. */
export const simulatorViews: readonly string[] = [
  definitionPrefix,
  inventoryKeys.actual,
  inventoryKeys.commands,
  inventoryKeys.faults,
  inventoryKeys.faultInputs,
  inventoryKeys.inputs,
  keys.pendingPrefix,
  'sources/',
];

/**
 * What wakes the inventory besides its timers and its own pending inputs
 * (target changes, commands, definition loads): new commands, fault
 * transitions, and fault requests, which it applies at their tick itself
 * (the injector moves them into `faults/` at the same tick). It alone
 * writes `definition/` and `actual/`; a tick it writes in wakes it at the
 * next anyway.
 */
export const simulatorReactsTo: readonly string[] = [
  inventoryKeys.commands,
  inventoryKeys.faults,
  inventoryKeys.faultInputs,
];

/** A definition load applied at a tick. */
export interface AppliedLoad {
  readonly id: string;
  readonly changes: DefinitionChanges;
  /** How many writes the tick makes. */
  readonly total: number;
}

/** What the simulator decided for one tick. */
export interface SimulatedTick {
  readonly ops: Op[];
  readonly nextWakeup: number | null;
  readonly load?: AppliedLoad;
  /** How many elements were evaluated (work follows change: 0 on an idle tick). */
  readonly evaluated: number;
}

type Work<T> = Map<string, T>;

/** How the simulator works: the hardware's timings, and how long finished commands are kept. */
export interface SimulatorSettings extends Timings {
  /**
   * Ticks a finished command's record (`commands/<id>`) is kept after it
   * finished; 0 or absent keeps every command.
   */
  readonly retentionTicks?: number;
}

/**
 * The simulated hardware, one tick at a time: definition loads, target
 * changes, commands, fault effects, and the PDUs, TORs and blades they wake.
 * It keeps only indexes that the store can rebuild (topology, fault effects,
 * timers); after a restart (no `changes`) it evaluates everything once, and
 * evaluating an element with nothing new changes nothing, so both paths
 * write the same.
 */
export class Simulator {
  private topology = new Topology();
  private effects = new FaultEffects();
  private wheel = new TimerWheel();
  private running = new Map<string, string>();
  private run = -1;

  /**
   * `parser`: parses definition loads (once, off the event loop); `tracer`:
   * where each command's start and end go as an `inventory.command` span.
   */
  constructor(
    private readonly timings: SimulatorSettings,
    private readonly parser?: DefinitionParser,
    private readonly tracer?: Tracer,
  ) {}

  /**
   * Decides tick `ctx.tick`. Long stretches of work (a load, the first tick
   * after one, which evaluates every element) let the event loop run every
   * {@link defaultSliceMs} or so; the view must not change until it resolves
   * (the participant protocol holds it at R(T) while a tick is handled).
   * Where it pauses depends on the machine, what it decides does not.
   */
  async tick(
    ctx: Pick<TickContext, 'tick' | 'seed' | 'run' | 'view' | 'changes'>,
  ): Promise<SimulatedTick> {
    const { tick, view } = ctx;
    const slicer = createSlicer();
    const c: SimContext = { tick, seed: ctx.seed, timings: this.timings };
    const changes = ctx.changes ?? new Set<string>();
    let full = ctx.changes === undefined || ctx.run !== this.run;
    this.run = ctx.run;
    for (const k of changes) {
      if (!k.startsWith(definitionPrefix)) continue;
      full = true;
      break;
    }
    if (full) {
      const building = Topology.builder();
      for (const e of view.listRaw(definitionPrefix)) {
        const path = e.key.slice(definitionPrefix.length);
        building.add(path, (p) => view.value(BladeDefinition, definitionPrefix + p));
        await slicer.pause();
      }
      this.topology = building.done();
      this.effects = new FaultEffects();
      this.wheel = new TimerWheel();
      this.running = new Map();
    }
    const ops: Op[] = [];
    const woken = new Set<string>();
    const pdus: Work<PduActual> = new Map();
    const tors: Work<TorActual> = new Map();
    const blades: Work<BladeActual> = new Map();
    const fixes: FixRecord[] = [];
    const commandsOut: CommandRecord[] = [];

    // Inputs due now: a definition load, target changes, commands.
    const loaded = await this.loads(tick, view, full, slicer);
    if (loaded.changes !== undefined) {
      append(ops, loaded.ops);
      append(ops, await this.installed(tick, view, loaded, slicer));
    }
    const removed = new Set(
      (loaded.changes?.deletes ?? []).map((k) => k.slice(definitionPrefix.length)),
    );
    const toStart: CommandRecord[] = [];
    for (const marker of view.list(PendingRecord, keys.pendingPrefix)) {
      if (marker.value.owner !== inventoryParticipant || marker.value.effectiveTick > tick)
        continue;
      const id = marker.key.slice(keys.pendingPrefix.length);
      const inputKey = inventoryKeys.inputs + id;
      if (id.startsWith('target/')) {
        const input = view.value(TargetInput, inputKey);
        const path = id.slice('target/'.length);
        ops.push(op.delete(marker.key), op.delete(inputKey));
        if (input !== undefined && this.topology.has(path) && !removed.has(path)) {
          ops.push(
            op.put(TargetRecord, inventoryKeys.target + path, {
              state: input.state,
              powered: input.powered,
              sinceTick: tick,
              reason: input.reason,
            }),
          );
        }
      } else if (id.startsWith('command/')) {
        const input = view.value(CommandRecord, inputKey);
        ops.push(op.delete(marker.key), op.delete(inputKey));
        if (input !== undefined) toStart.push(input);
      }
    }

    // Faults that changed (or, after a restart, all of them).
    const faultIds = new Set<string>();
    if (full) {
      for (const prefix of [inventoryKeys.faults, inventoryKeys.faultInputs])
        for (const e of view.listRaw(prefix)) faultIds.add(e.key.slice(prefix.length));
    } else {
      for (const key of changes) {
        if (key.startsWith(inventoryKeys.faultInputs))
          faultIds.add(key.slice(inventoryKeys.faultInputs.length));
        else if (key.startsWith(inventoryKeys.faults))
          faultIds.add(key.slice(inventoryKeys.faults.length));
      }
    }
    const due = this.wheel.takeDue(tick);
    for (const key of due) if (key.startsWith('f:')) faultIds.add(key.slice(2));
    for (const id of [...faultIds].sort()) {
      for (const element of this.effects.set(id, this.fault(view, id, tick), this.topology))
        woken.add(element);
    }

    // Commands: new ones, and (after a restart) the running ones' timers
    // and the finished ones' deletions (at once when due: a run that went on
    // without a restart deleted them at that tick too).
    const retentionTicks = this.timings.retentionTicks ?? 0;
    const pruned: string[] = [];
    const finishing: string[] = [];
    if (full) {
      for (const { value } of view.list(CommandRecord, inventoryKeys.commands)) {
        if (value.status === CommandStatus.COMMAND_STATUS_PENDING) toStart.push(value);
        else if (value.status === CommandStatus.COMMAND_STATUS_RUNNING) {
          this.running.set(runningElement(value.target), value.id);
          // Due now: it finishes now, as it would have without the restart
          // (the timers due at this tick were taken before this scan).
          if (value.dueTick <= tick) finishing.push(value.id);
          else this.wheel.schedule(value.dueTick, `c:${value.id}`);
        } else {
          const at = commandPruneTick(value, retentionTicks);
          if (at === undefined) continue;
          if (at <= tick) pruned.push(value.id);
          else this.wheel.schedule(at, `p:${value.id}`);
        }
      }
    } else {
      for (const key of changes) {
        if (!key.startsWith(inventoryKeys.commands)) continue;
        const command = view.value(CommandRecord, key);
        if (command?.status === CommandStatus.COMMAND_STATUS_PENDING) toStart.push(command);
      }
    }
    for (const key of due) if (key.startsWith('p:')) pruned.push(key.slice(2));
    for (const key of due) {
      if (!key.startsWith('c:')) continue;
      const command = view.value(CommandRecord, inventoryKeys.commands + key.slice(2));
      if (command?.status === CommandStatus.COMMAND_STATUS_PENDING) toStart.push(command);
      else if (command?.status === CommandStatus.COMMAND_STATUS_RUNNING) finishing.push(command.id);
    }

    const bench = this.bench(view, { pdus, tors, blades, fixes, woken, tick });
    toStart.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const command of new Map(toStart.map((cmd) => [cmd.id, cmd])).values()) {
      if (command.effectiveTick > tick) {
        this.wheel.schedule(command.effectiveTick, `c:${command.id}`);
        continue;
      }
      const started = startCommand(c, command, bench);
      commandsOut.push(started);
      if (started.status === CommandStatus.COMMAND_STATUS_RUNNING) {
        this.running.set(runningElement(started.target), started.id);
        this.wheel.schedule(started.dueTick, `c:${started.id}`);
      }
    }

    // Evaluate what is woken: PDUs and TORs first, then the blades.
    for (const key of due) if (key.startsWith('e:')) woken.add(key.slice(2));
    if (full) {
      for (const p of this.topology.pdus) woken.add(p);
      for (const t of this.topology.tors) woken.add(t);
      for (const b of this.topology.blades.keys()) woken.add(b);
    }
    // A full tick wakes every element: they are the topology's, already in key
    // order (sorting 107,500 paths held the event loop for a stretch at 100k blades).
    const order = full ? this.topology.elements : [...woken].sort();
    let evaluated = 0;
    for (const path of order) {
      const isPdu = this.topology.pdus.has(path);
      if (!isPdu && !this.topology.tors.has(path)) continue;
      await slicer.pause();
      evaluated++;
      const replacing = this.replacing(view, path);
      const result = isPdu
        ? evaluatePdu(c, bench.pdu(path)!, this.effects.on(path), replacing)
        : evaluateTor(c, bench.tor(path)!, this.effects.on(path), replacing);
      if (isPdu) pdus.set(path, result.next as PduActual);
      else tors.set(path, result.next as TorActual);
      const before = isPdu
        ? view.value(PduActual, inventoryKeys.actual + path)
        : view.value(TorActual, inventoryKeys.actual + path);
      if (before !== undefined && before.state !== result.next.state) {
        const dependents = isPdu ? this.topology.fedBy(path) : this.topology.linkedTo(path);
        for (const blade of dependents) {
          const at = tick + draw(c, blade, tick, 'propagation', this.timings.propagationTicks);
          this.schedule(at, blade);
        }
      }
    }
    for (const path of order) {
      const info = this.topology.blades.get(path);
      if (info === undefined) continue;
      await slicer.pause();
      evaluated++;
      const current = bench.blade(path)!.actual;
      const result = evaluateBlade(
        c,
        info,
        current,
        { pdu: bench.pdu(info.pdu), tor: bench.tor(info.tor) },
        this.effects.on(path),
        this.replacing(view, path),
      );
      blades.set(path, result.next);
      if (result.wake !== undefined) this.schedule(result.wake, path);
    }

    // Commands finishing now see the elements as evaluated.
    for (const id of finishing.sort()) {
      const command = view.value(CommandRecord, inventoryKeys.commands + id)!;
      const finished = finishCommand(c, command, bench);
      commandsOut.push(finished);
      this.running.delete(runningElement(command.target));
      this.schedule(tick + 1, runningElement(command.target));
    }

    for (const command of commandsOut) {
      ops.push(op.put(CommandRecord, inventoryKeys.commands + command.id, command));
      this.explain(tick, command);
      const at = commandPruneTick(command, retentionTicks);
      if (at !== undefined) this.wheel.schedule(at, `p:${command.id}`);
    }
    // Finished commands past the retention window go (each was finished, so
    // none of them is written above).
    for (const id of pruned.sort()) {
      const key = inventoryKeys.commands + id;
      const command = view.value(CommandRecord, key);
      if (command !== undefined && commandPruneTick(command, retentionTicks) !== undefined)
        ops.push(op.delete(key));
    }
    for (const fix of fixes)
      ops.push(op.put(FixRecord, `${inventoryKeys.fixes}${fix.faultId}/${fix.target}`, fix));
    // Elements the load removes are deleted, not updated: they no longer
    // exist (and etcd refuses a key twice in one transaction).
    for (const path of removed) {
      pdus.delete(path);
      tors.delete(path);
      blades.delete(path);
    }
    append(ops, await changed(view, PduActual, pdus, slicer));
    append(ops, await changed(view, TorActual, tors, slicer));
    append(ops, await changed(view, BladeActual, blades, slicer));
    let load: AppliedLoad | undefined;
    if (loaded.changes !== undefined && loaded.load !== undefined) {
      ops.push(
        op.put(DefinitionSource, inventoryKeys.source, {
          fileName: loaded.load.fileName,
          source: loaded.load.source,
          loadId: loaded.load.id,
        }),
        // Last, so it is written once everything else is.
        op.put(LoadProgress, inventoryKeys.loadProgress, {
          ...loadProgress(loaded.load.id, tick, loaded.changes),
          state: LoadProgress_State.STATE_DONE,
          written: ops.length + 1,
          total: ops.length + 1,
        }),
      );
      load = { id: loaded.load.id, changes: loaded.changes, total: ops.length };
    }
    // (A load writes, so the next tick comes, and rebuilds the topology.)
    return {
      ops,
      nextWakeup: this.wheel.next() ?? null,
      evaluated,
      ...(load === undefined ? {} : { load }),
    };
  }

  /** A command's span: started, succeeded or failed (a warning), and why. */
  private explain(tick: number, command: CommandRecord): void {
    recordDecision(this.tracer, 'inventory.command', {
      tick,
      target: command.target,
      reason: command.reason,
      severity: command.status === CommandStatus.COMMAND_STATUS_FAILED ? 'warn' : 'info',
      attributes: {
        'chamber.command': command.id,
        'chamber.action': actionName(command.action),
        'chamber.status': (CommandStatus[command.status] ?? '')
          .replace('COMMAND_STATUS_', '')
          .toLowerCase(),
        'chamber.requested_by': command.requestedBy,
      },
    });
  }

  private schedule(tick: number, element: string): void {
    const key = `e:${element}`;
    const at = this.wheel.tickOf(key);
    if (at === undefined || tick < at) this.wheel.schedule(tick, key);
  }

  /**
   * The loads due now; and on a `full` tick (the first of a run or of this
   * process) with no definition built, the definition in force: at tick 0
   * of a run, whether after a reset (which keeps `sources/`) or on a fresh
   * start (the service put it there before joining), or at the service's
   * first tick if the clock published tick 0 without it. (A definition has
   * at least one region, so an empty view means none was built.)
   */
  private async loads(
    tick: number,
    view: CachedView,
    full: boolean,
    slicer: Slicer,
  ): Promise<AppliedLoads> {
    const options = { slicer, ...(this.parser === undefined ? {} : { parser: this.parser }) };
    const loaded = await applyDefinitionLoads(tick, view, options);
    if (loaded.changes !== undefined || !full) return loaded;
    const source = view.value(DefinitionSource, inventoryKeys.source);
    if (source === undefined || view.listRaw(definitionPrefix).length > 0) return loaded;
    const reconciled = await reconcileDefinition(view, source, options);
    if (reconciled === undefined) return loaded;
    const ops = loaded.ops;
    append(ops, definitionOps(reconciled.changes));
    return {
      ops,
      changes: reconciled.changes,
      images: reconciled.images,
      load: { id: source.loadId, fileName: source.fileName, source: source.source },
    };
  }

  /**
   * Targets and actual records of elements a load adds, and deletes for
   * those it removes. Every new element of a kind starts from the same
   * record, so each text is encoded once per kind and image, not per element.
   */
  private async installed(
    tick: number,
    view: CachedView,
    loaded: AppliedLoads,
    slicer: Slicer,
  ): Promise<Op[]> {
    const changes = loaded.changes!;
    const ops: Op[] = [];
    const target = encode(TargetRecord, {
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
      sinceTick: tick,
      reason: 'defined',
    });
    const pdu = encode(PduActual, {
      ...PduActual.fromPartial({}),
      state: PduState.PDU_STATE_ON,
      sinceTick: tick,
      reason: 'installed',
      switchedOn: true,
    });
    const tor = encode(TorActual, {
      ...TorActual.fromPartial({}),
      state: TorState.TOR_STATE_WORKING,
      sinceTick: tick,
      reason: 'installed',
    });
    const blades = new Map<string, string>();
    const blade = (image: string): string => {
      let text = blades.get(image);
      if (text === undefined) {
        const cable = {
          state: CableState.CABLE_STATE_ON,
          connected: true,
          sinceTick: tick,
          reason: 'connected',
        };
        text = encode(BladeActual, {
          ...BladeActual.fromPartial({}),
          state: BladeState.BLADE_STATE_OFF,
          sinceTick: tick,
          reason: 'installed',
          switchedOn: true,
          powerCable: cable,
          networkCable: cable,
          image,
        });
        blades.set(image, text);
      }
      return text;
    };
    for (const [key] of changes.puts) {
      await slicer.pause();
      const path = key.slice(definitionPrefix.length);
      const parts = path.split('/');
      if (parts.length !== 5 || view.getRaw(key) !== undefined) continue;
      const kind = parts[3];
      const actual =
        kind === 'pdu'
          ? pdu
          : kind === 'tor'
            ? tor
            : kind === 'blade'
              ? blade(loaded.images?.get(key) ?? '')
              : undefined;
      if (actual === undefined) continue;
      ops.push(op.putRaw(inventoryKeys.target + path, target));
      ops.push(op.putRaw(inventoryKeys.actual + path, actual));
    }
    for (const key of changes.deletes) {
      const path = key.slice(definitionPrefix.length);
      if (path.split('/').length !== 5) continue;
      ops.push(op.delete(inventoryKeys.target + path), op.delete(inventoryKeys.actual + path));
    }
    return ops;
  }

  /** Fault `id` as it stands at `tick`: its input when one is due, else its record. */
  private fault(view: CachedView, id: string, tick: number): FaultRecord | undefined {
    const input = view.value(FaultRecord, inventoryKeys.faultInputs + id);
    if (input !== undefined) {
      if (input.sinceTick <= tick) return input;
      this.wheel.schedule(input.sinceTick, `f:${id}`);
    }
    return view.value(FaultRecord, inventoryKeys.faults + id);
  }

  /** The replacement running on `element`, if one is. */
  private replacing(view: CachedView, element: string): string | undefined {
    const id = this.running.get(element);
    if (id === undefined) return undefined;
    const command = view.value(CommandRecord, inventoryKeys.commands + id);
    return command?.action === CommandAction.COMMAND_ACTION_REPLACE ? id : undefined;
  }

  private bench(
    view: CachedView,
    work: {
      pdus: Work<PduActual>;
      tors: Work<TorActual>;
      blades: Work<BladeActual>;
      fixes: FixRecord[];
      woken: Set<string>;
      tick: number;
    },
  ): Bench {
    const read = <T>(codec: Codec<T>, map: Work<T>, path: string): T | undefined =>
      map.get(path) ?? view.value(codec, inventoryKeys.actual + path);
    // A blade's record is read about once per tick it is evaluated in: decoded
    // for that read, not kept beside its text for as long as it lives (the
    // view's shared copy), which held a second copy of 100,000 blades' records.
    const readBlade = (path: string): BladeActual | undefined => {
      const raw = work.blades.has(path) ? undefined : view.getRaw(inventoryKeys.actual + path);
      return raw === undefined ? work.blades.get(path) : decode(BladeActual, raw.key, raw.value);
    };
    return {
      blade: (path) => {
        const info = this.topology.blades.get(path);
        const actual = info && readBlade(path);
        return info && actual ? { info, actual } : undefined;
      },
      pdu: (path) => read(PduActual, work.pdus, path),
      tor: (path) => read(TorActual, work.tors, path),
      setBlade: (path, actual) => {
        work.blades.set(path, actual);
        work.woken.add(path);
      },
      setPdu: (path, actual) => {
        work.pdus.set(path, actual);
        work.woken.add(path);
      },
      setTor: (path, actual) => {
        work.tors.set(path, actual);
        work.woken.add(path);
      },
      runningOn: (element) => this.running.get(element),
      fixed: (fix) => work.fixes.push(fix),
    };
  }
}

/** Appends `items` to `ops` (a spread would overflow the stack on a 100k-blade load). */
function append(ops: Op[], items: readonly Op[]): void {
  for (const item of items) ops.push(item);
}

/** The PDU, TOR or blade a command acts on (a cable's blade). */
function runningElement(target: string): string {
  return target.replace(/\/(power|network)-cable$/, '');
}

/** Puts of the records in `work` whose text differs from the stored one. */
async function changed<T>(
  view: CachedView,
  codec: Codec<T>,
  work: Work<T>,
  slicer: Slicer,
): Promise<Op[]> {
  const ops: Op[] = [];
  for (const [path, value] of work) {
    await slicer.pause();
    const key = inventoryKeys.actual + path;
    const text = encode(codec, value);
    if (view.getRaw(key)?.value !== text) ops.push(op.putRaw(key, text));
  }
  return ops;
}

/** The progress record of a load at `tick`. */
export function loadProgress(id: string, tick: number, changes: DefinitionChanges): LoadProgress {
  return {
    loadId: id,
    state: LoadProgress_State.STATE_APPLYING,
    effectiveTick: tick,
    written: 0,
    total: 0,
    added: changes.added,
    updated: changes.updated,
    removed: changes.deletes.length,
    unchanged: changes.unchanged,
    blades: 0,
  };
}
