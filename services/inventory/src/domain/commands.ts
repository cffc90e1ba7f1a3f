import { parseElementPath, type ElementPath } from '@chamber/world';
import {
  BladeState,
  CableState,
  CommandAction,
  CommandStatus,
  type BladeActual,
  type CommandRecord,
  type FixRecord,
  type PduActual,
  type TorActual,
} from '@chamber/protos';
import { boot, draw, type SimContext } from './hardware.js';
import type { BladeInfo } from './topology.js';

/** The element records a command reads and changes, for one tick. */
export interface Bench {
  blade(path: string): { info: BladeInfo; actual: BladeActual } | undefined;
  pdu(path: string): PduActual | undefined;
  tor(path: string): TorActual | undefined;
  setBlade(path: string, actual: BladeActual): void;
  setPdu(path: string, actual: PduActual): void;
  setTor(path: string, actual: TorActual): void;
  /** The command running on `element`, if one is. */
  runningOn(element: string): string | undefined;
  /** Records that `command` fixed `faultId`'s effect. */
  fixed(fix: FixRecord): void;
}

const actionsFor: Readonly<Record<string, readonly CommandAction[]>> = {
  blade: [
    CommandAction.COMMAND_ACTION_POWER_ON,
    CommandAction.COMMAND_ACTION_POWER_OFF,
    CommandAction.COMMAND_ACTION_POWER_CYCLE,
    CommandAction.COMMAND_ACTION_REBOOT,
    CommandAction.COMMAND_ACTION_REIMAGE,
    CommandAction.COMMAND_ACTION_REPLACE,
  ],
  pdu: [
    CommandAction.COMMAND_ACTION_POWER_ON,
    CommandAction.COMMAND_ACTION_POWER_OFF,
    CommandAction.COMMAND_ACTION_POWER_CYCLE,
    CommandAction.COMMAND_ACTION_REPLACE,
  ],
  tor: [CommandAction.COMMAND_ACTION_REPLACE],
  cable: [CommandAction.COMMAND_ACTION_CONNECT, CommandAction.COMMAND_ACTION_DISCONNECT],
};

/** `COMMAND_ACTION_POWER_CYCLE` -> `power_cycle`. */
export function actionName(action: CommandAction): string {
  return (CommandAction[action] ?? String(action)).replace(/^COMMAND_ACTION_/, '').toLowerCase();
}

/**
 * Why `action` cannot be sent to `target`, or `undefined` when it can (the
 * element's existence and state are checked when the command runs).
 */
export function commandTargetError(action: CommandAction, target: string): string | undefined {
  let path: ElementPath;
  try {
    path = parseElementPath(target);
  } catch (error) {
    return (error as Error).message;
  }
  const allowed = actionsFor[path.type] ?? [];
  if (allowed.includes(action)) return undefined;
  const what = path.type === 'cable' ? `${path.cable!} cable` : path.type;
  return allowed.length === 0
    ? `commands act on PDUs, TORs, blades and cables, not on a ${what} ("${target}")`
    : `a ${what} cannot ${actionName(action).replace('_', '-')}; it accepts ${allowed.map((a) => actionName(a).replace('_', '-')).join(', ')}`;
}

const stateWord = (s: BladeState): string =>
  (BladeState[s] ?? String(s)).replace(/^BLADE_STATE_/, '').toLowerCase();

/**
 * Starts `command` at tick `c.tick`, changing the elements on `bench`; the
 * command as it now stands (failed with its reason, succeeded, or running
 * until `dueTick`).
 */
export function startCommand(c: SimContext, command: CommandRecord, bench: Bench): CommandRecord {
  const done = (status: CommandStatus, reason: string): CommandRecord => ({
    ...command,
    status,
    reason,
    finishedTick: c.tick,
    dueTick: 0,
  });
  const fail = (reason: string): CommandRecord => done(CommandStatus.COMMAND_STATUS_FAILED, reason);
  const ok = (reason: string): CommandRecord =>
    done(CommandStatus.COMMAND_STATUS_SUCCEEDED, reason);
  const run = (ticks: number, reason: string): CommandRecord => ({
    ...command,
    status: CommandStatus.COMMAND_STATUS_RUNNING,
    reason,
    dueTick: c.tick + ticks,
  });
  const invalid = commandTargetError(command.action, command.target);
  if (invalid !== undefined) return fail(invalid);
  const path = parseElementPath(command.target);
  const element = path.type === 'cable' ? path.blade! : path.path;
  const busy = bench.runningOn(element);
  if (busy !== undefined) return fail(`${element} is busy with command ${busy}`);
  const a = CommandAction;

  if (path.type === 'pdu' || path.type === 'tor') {
    const pdu = path.type === 'pdu' ? bench.pdu(path.path) : undefined;
    const tor = path.type === 'tor' ? bench.tor(path.path) : undefined;
    if (pdu === undefined && tor === undefined)
      return fail(`no ${path.type} "${path.path}" is defined`);
    if (command.action === a.COMMAND_ACTION_REPLACE) {
      const ticks = draw(c, path.path, c.tick, 'replace', c.timings.replaceTicks);
      return run(ticks, `replacing ${path.type}; done at tick ${c.tick + ticks}`);
    }
    const on = command.action !== a.COMMAND_ACTION_POWER_OFF;
    bench.setPdu(path.path, { ...pdu!, switchedOn: command.action === a.COMMAND_ACTION_POWER_ON });
    if (command.action === a.COMMAND_ACTION_POWER_CYCLE) {
      const ticks = draw(c, path.path, c.tick, 'cycle', c.timings.cycleTicks);
      return run(ticks, `power off; back on at tick ${c.tick + ticks}`);
    }
    return ok(on ? 'switched on' : 'switched off');
  }

  const blade = bench.blade(path.blade ?? path.path);
  if (blade === undefined) return fail(`no blade "${path.blade ?? path.path}" is defined`);
  const { info, actual } = blade;
  const stuck = (which: 'power' | 'network'): string | undefined => {
    const cable = which === 'power' ? actual.powerCable : actual.networkCable;
    if (cable?.state !== CableState.CABLE_STATE_STUCK) return undefined;
    const port = which === 'power' ? info.definition.power : info.definition.network;
    const device = which === 'power' ? info.pdu : info.tor;
    return `the ${which} cable of ${info.path} is stuck in ${device} port ${port?.port ?? 0} (${cable.reason}); commands to that port fail`;
  };

  if (path.type === 'cable') {
    const reason = stuck(path.cable!);
    if (reason !== undefined) return fail(reason);
    const connected = command.action === a.COMMAND_ACTION_CONNECT;
    const key = path.cable === 'power' ? 'powerCable' : 'networkCable';
    const cable = actual[key]!;
    bench.setBlade(info.path, {
      ...actual,
      [key]: {
        ...cable,
        connected,
        state: connected ? CableState.CABLE_STATE_ON : CableState.CABLE_STATE_OFF,
        sinceTick: cable.connected === connected ? cable.sinceTick : c.tick,
        reason: connected ? 'connected' : 'disconnected',
      },
    });
    return ok(connected ? 'connected' : 'disconnected');
  }

  const fixLatch = (kinds: readonly BladeState[], next: BladeActual): BladeActual => {
    if (actual.latchedBy === '' || !kinds.includes(actual.state)) return next;
    bench.fixed({
      faultId: actual.latchedBy,
      target: info.path,
      tick: c.tick,
      commandId: command.id,
      reason: `${actionName(command.action).replace('_', '-')} of ${info.path} (command ${command.id}) ended its ${stateWord(actual.state)} state`,
    });
    return { ...next, latchedBy: '' };
  };
  const booting = (extraTicks: number, image: string, verb: string): CommandRecord => {
    if (actual.state === BladeState.BLADE_STATE_HUNG)
      return fail(`${info.path} is hung and does not respond to a ${verb}; power-cycle it`);
    if (actual.state === BladeState.BLADE_STATE_FAILED)
      return fail(
        `${info.path} has failed hardware (${actual.reason}); only a replacement fixes it`,
      );
    if (
      actual.state === BladeState.BLADE_STATE_OFF ||
      actual.state === BladeState.BLADE_STATE_STOPPING
    )
      return fail(
        `${info.path} is ${stateWord(actual.state)} (${actual.reason}); power it on first`,
      );
    let next: BladeActual = { ...actual, image, command: command.id };
    next = fixLatch([BladeState.BLADE_STATE_CRASHED], next);
    const started = boot(
      c,
      info,
      image,
      (state, reason, due) => {
        next = { ...next, state, reason, dueTick: due, sinceTick: c.tick };
        return { next };
      },
      extraTicks,
    );
    bench.setBlade(info.path, started.next);
    return run(
      started.next.dueTick - c.tick,
      `${verb}ing; working again at tick ${started.next.dueTick} if all goes well`,
    );
  };

  switch (command.action) {
    case a.COMMAND_ACTION_POWER_ON:
    case a.COMMAND_ACTION_POWER_OFF:
    case a.COMMAND_ACTION_POWER_CYCLE: {
      const reason = stuck('power');
      if (reason !== undefined) return fail(reason);
      if (command.action === a.COMMAND_ACTION_POWER_ON) {
        bench.setBlade(info.path, { ...actual, switchedOn: true });
        return ok('switched on');
      }
      if (command.action === a.COMMAND_ACTION_POWER_OFF) {
        bench.setBlade(info.path, { ...actual, switchedOn: false });
        return ok('switched off; it shuts down gracefully');
      }
      const ticks = draw(c, info.path, c.tick, 'cycle', c.timings.cycleTicks);
      // Failed hardware stays failed: cutting its power fixes nothing.
      const isFailed = actual.state === BladeState.BLADE_STATE_FAILED;
      let next: BladeActual = {
        ...actual,
        switchedOn: false,
        command: command.id,
        ...(isFailed
          ? {}
          : {
              state: BladeState.BLADE_STATE_OFF,
              sinceTick: c.tick,
              reason: `power-cycled by command ${command.id}`,
              dueTick: 0,
            }),
      };
      next = fixLatch([BladeState.BLADE_STATE_CRASHED, BladeState.BLADE_STATE_HUNG], next);
      bench.setBlade(info.path, next);
      return run(ticks, `power off; back on at tick ${c.tick + ticks}`);
    }
    case a.COMMAND_ACTION_REBOOT:
      return booting(0, actual.image, 'reboot');
    case a.COMMAND_ACTION_REIMAGE: {
      const image = command.image !== '' ? command.image : (info.definition.boot?.image ?? '');
      const ticks = draw(c, info.path, c.tick, 'reimage', c.timings.reimageTicks);
      return booting(ticks, image, 'reimage');
    }
    case a.COMMAND_ACTION_REPLACE: {
      const ticks = draw(c, info.path, c.tick, 'replace', c.timings.replaceTicks);
      bench.setBlade(info.path, { ...actual, command: command.id });
      return run(ticks, `replacing the blade; done at tick ${c.tick + ticks}`);
    }
    default:
      return fail(`unknown action ${String(command.action)}`);
  }
}

/** Finishes a running `command` at its due tick; the command with its outcome. */
export function finishCommand(c: SimContext, command: CommandRecord, bench: Bench): CommandRecord {
  const done = (status: CommandStatus, reason: string): CommandRecord => ({
    ...command,
    status,
    reason,
    finishedTick: c.tick,
    dueTick: 0,
  });
  const path = parseElementPath(command.target);
  const a = CommandAction;
  const replaced = (latchedBy: string, what: string): void => {
    if (latchedBy === '') return;
    bench.fixed({
      faultId: latchedBy,
      target: what,
      tick: c.tick,
      commandId: command.id,
      reason: `${what} replaced (command ${command.id})`,
    });
  };
  if (path.type === 'pdu') {
    const pdu = bench.pdu(path.path);
    if (pdu === undefined)
      return done(CommandStatus.COMMAND_STATUS_FAILED, `${path.path} is no longer defined`);
    if (command.action === a.COMMAND_ACTION_REPLACE) {
      replaced(pdu.latchedBy, path.path);
      bench.setPdu(path.path, { ...pdu, latchedBy: '', hardware: pdu.hardware + 1 });
      return done(CommandStatus.COMMAND_STATUS_SUCCEEDED, 'replaced');
    }
    bench.setPdu(path.path, { ...pdu, switchedOn: true });
    return done(CommandStatus.COMMAND_STATUS_SUCCEEDED, 'power-cycled');
  }
  if (path.type === 'tor') {
    const tor = bench.tor(path.path);
    if (tor === undefined)
      return done(CommandStatus.COMMAND_STATUS_FAILED, `${path.path} is no longer defined`);
    replaced(tor.latchedBy, path.path);
    bench.setTor(path.path, { ...tor, latchedBy: '', hardware: tor.hardware + 1 });
    return done(CommandStatus.COMMAND_STATUS_SUCCEEDED, 'replaced');
  }
  const blade = bench.blade(path.path);
  if (blade === undefined)
    return done(CommandStatus.COMMAND_STATUS_FAILED, `${path.path} is no longer defined`);
  const { info, actual } = blade;
  const free = { ...actual, command: '' };
  switch (command.action) {
    case a.COMMAND_ACTION_POWER_CYCLE:
      bench.setBlade(info.path, { ...free, switchedOn: true });
      return done(CommandStatus.COMMAND_STATUS_SUCCEEDED, 'power-cycled; booting');
    case a.COMMAND_ACTION_REPLACE:
      replaced(actual.latchedBy, info.path);
      bench.setBlade(info.path, {
        ...free,
        state: BladeState.BLADE_STATE_OFF,
        sinceTick: c.tick,
        reason: `replaced (command ${command.id})`,
        dueTick: 0,
        latchedBy: '',
        switchedOn: true,
        image: info.definition.boot?.image ?? '',
        hardware: actual.hardware + 1,
      });
      return done(CommandStatus.COMMAND_STATUS_SUCCEEDED, 'replaced; powering on');
    default: {
      bench.setBlade(info.path, free);
      const isUp =
        actual.state === BladeState.BLADE_STATE_WORKING ||
        actual.state === BladeState.BLADE_STATE_ISOLATED;
      return isUp
        ? done(
            CommandStatus.COMMAND_STATUS_SUCCEEDED,
            `booted; ${info.path} is ${stateWord(actual.state)}`,
          )
        : done(
            CommandStatus.COMMAND_STATUS_FAILED,
            `${info.path} is ${stateWord(actual.state)} (${actual.reason})`,
          );
    }
  }
}

/**
 * When a finished (succeeded or failed) command's record may be deleted:
 * `retentionTicks` after the tick it finished; `undefined` while it is not
 * finished, or when `retentionTicks` is 0 (every command is kept). Commands
 * are world keys, so this is decided in the inventory's own tick from the
 * record alone, the same in every replay and after a restart.
 */
export function commandPruneTick(
  command: CommandRecord,
  retentionTicks: number,
): number | undefined {
  const isFinished =
    command.status === CommandStatus.COMMAND_STATUS_SUCCEEDED ||
    command.status === CommandStatus.COMMAND_STATUS_FAILED;
  return isFinished && retentionTicks > 0 ? command.finishedTick + retentionTicks : undefined;
}
