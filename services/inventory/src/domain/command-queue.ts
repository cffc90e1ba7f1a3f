// The commands' part of a tick: which commands start, which finish, and
// which finished ones are deleted past the retention window; and the
// writes and decisions that say so.
import { CommandRecord, CommandStatus, commandStatusToJSON } from '@chamber/protos';
import { op, type Decision, type Op, type Snapshot } from '@chamber/reactor';
import { enumTypes, fromWire, keys } from '@chamber/world';
import {
  actionName,
  commandPruneTick,
  finishCommand,
  startCommand,
  type Bench,
} from './commands.js';
import type { SimContext } from './hardware.js';
import { runningElement, wake, type Indexes } from './tick-work.js';

/** The commands a tick acts on. */
export interface CommandsDue {
  /** Pending commands to start (or to schedule, when their tick is later). */
  readonly toStart: CommandRecord[];
  /** Ids of running commands that finish now. */
  readonly finishing: string[];
  /** Ids of finished commands whose record goes now. */
  readonly pruned: string[];
}

/**
 * The commands due at `tick`, besides the new ones `toStart` already
 * holds: new ones (from `changes`; on a full tick, `changes` undefined,
 * every pending one), and those whose timer is `due`. On a full tick (a
 * restart, a new run, a new definition) the running ones' timers and the
 * finished ones' deletions are set again (at once when due: a run that went
 * on without a restart acted at that tick too). Only the commands on
 * elements it `owns` (a shard's racks): a command's timers are set by the
 * shard that started it.
 */
export function commandsDue(
  tick: number,
  view: Snapshot,
  changes: ReadonlySet<string> | undefined,
  due: readonly string[],
  ix: Indexes,
  retentionTicks: number,
  inputs: readonly CommandRecord[],
  owns: (path: string) => boolean = () => true,
): CommandsDue {
  const pruned: string[] = [];
  const finishing: string[] = [];
  const isOwned = (command: CommandRecord): boolean => owns(runningElement(command.target));
  const toStart = inputs.filter(isOwned);
  if (changes === undefined) {
    for (const { value } of view.list(CommandRecord, keys.commandsPrefix)) {
      if (!isOwned(value)) continue;
      if (value.status === CommandStatus.COMMAND_STATUS_PENDING) toStart.push(value);
      else if (value.status === CommandStatus.COMMAND_STATUS_RUNNING) {
        ix.running.set(runningElement(value.target), value.id);
        // Due now: it finishes now, as it would have without the restart
        // (the timers due at this tick were taken before this scan).
        if (value.dueTick <= tick) finishing.push(value.id);
        else ix.wheel.schedule(value.dueTick, `c:${value.id}`);
      } else {
        const at = commandPruneTick(value, retentionTicks);
        if (at === undefined) continue;
        if (at <= tick) pruned.push(value.id);
        else ix.wheel.schedule(at, `p:${value.id}`);
      }
    }
  } else {
    for (const key of changes) {
      if (!key.startsWith(keys.commandsPrefix)) continue;
      const command = view.value(CommandRecord, key);
      if (command?.status === CommandStatus.COMMAND_STATUS_PENDING && isOwned(command))
        toStart.push(command);
    }
  }
  for (const key of due) if (key.startsWith('p:')) pruned.push(key.slice(2));
  for (const key of due) {
    if (!key.startsWith('c:')) continue;
    const command = view.value(CommandRecord, keys.command(key.slice(2)));
    if (command?.status === CommandStatus.COMMAND_STATUS_PENDING) toStart.push(command);
    else if (command?.status === CommandStatus.COMMAND_STATUS_RUNNING) finishing.push(command.id);
  }
  return { toStart, finishing, pruned };
}

/**
 * Starts the commands of `toStart` (each once, in id order) whose tick has
 * come, on `bench`; schedules the others. Resolves with the commands as
 * they now stand.
 */
export function startCommands(
  c: SimContext,
  toStart: CommandRecord[],
  bench: Bench,
  ix: Indexes,
): CommandRecord[] {
  const out: CommandRecord[] = [];
  toStart.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const command of new Map(toStart.map((cmd) => [cmd.id, cmd])).values()) {
    if (command.effectiveTick > c.tick) {
      ix.wheel.schedule(command.effectiveTick, `c:${command.id}`);
      continue;
    }
    const started = startCommand(c, command, bench);
    out.push(started);
    if (started.status === CommandStatus.COMMAND_STATUS_RUNNING) {
      ix.running.set(runningElement(started.target), started.id);
      ix.wheel.schedule(started.dueTick, `c:${started.id}`);
    }
  }
  return out;
}

/**
 * Finishes the running commands `finishing` (in id order) on `bench`,
 * which holds the elements as evaluated at this tick; each one's element is
 * evaluated again at the next tick.
 */
export function finishCommands(
  c: SimContext,
  view: Snapshot,
  finishing: string[],
  bench: Bench,
  ix: Indexes,
): CommandRecord[] {
  const out: CommandRecord[] = [];
  for (const id of finishing.sort()) {
    const command = view.value(CommandRecord, keys.command(id))!;
    out.push(finishCommand(c, command, bench));
    ix.running.delete(runningElement(command.target));
    wake(ix, c.tick + 1, runningElement(command.target));
  }
  return out;
}

/**
 * The writes and decisions of the commands that changed, with the deletion
 * timer of each finished one; then the deletions of finished commands past
 * the retention window (none of them is among `changed`: each was finished).
 */
export function commandWrites(
  tick: number,
  view: Snapshot,
  changed: readonly CommandRecord[],
  pruned: string[],
  ix: Indexes,
  retentionTicks: number,
): { ops: Op[]; decisions: Decision[] } {
  const ops: Op[] = [];
  const decisions: Decision[] = [];
  for (const command of changed) {
    ops.push(op.put(CommandRecord, keys.command(command.id), command));
    decisions.push(commandDecision(tick, command));
    const at = commandPruneTick(command, retentionTicks);
    if (at !== undefined) ix.wheel.schedule(at, `p:${command.id}`);
  }
  for (const id of pruned.sort()) {
    const key = keys.command(id);
    const command = view.value(CommandRecord, key);
    if (command !== undefined && commandPruneTick(command, retentionTicks) !== undefined)
      ops.push(op.delete(key));
  }
  return { ops, decisions };
}

/** A command's decision: started, succeeded or failed (a warning), and why. */
function commandDecision(tick: number, command: CommandRecord): Decision {
  return {
    name: 'inventory.command',
    tick,
    target: command.target,
    reason: command.reason,
    severity: command.status === CommandStatus.COMMAND_STATUS_FAILED ? 'warn' : 'info',
    attributes: {
      'chamber.command': command.id,
      'chamber.action': actionName(command.action),
      'chamber.status':
        fromWire(enumTypes.commandStatus, commandStatusToJSON(command.status)) ?? '',
      'chamber.requested_by': command.requestedBy,
    },
  };
}
