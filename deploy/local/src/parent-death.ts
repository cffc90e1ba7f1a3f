import fs from 'node:fs';
import path from 'node:path';

/** A program and its arguments, to spawn. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * `command`, run so that the OS sends it SIGTERM when the process that
 * spawns it dies, however it dies (`kill -9` included): util-linux's
 * `setpriv --pdeathsig TERM --` sets Linux's parent-death signal
 * (`PR_SET_PDEATHSIG`) and then execs the command, which keeps setpriv's pid
 * and the signal (it is cleared only for set-user-ID programs). For a child
 * that is not a Node process and so cannot watch an IPC channel: etcd.
 *
 * The signal is tied to the *thread* that forked the child, not the process.
 * Node spawns from its main thread (libuv's `uv_spawn` forks on the event
 * loop's thread), so it fires when the launcher exits and not before; spawning
 * from a worker thread would break that. If the launcher dies in the instant
 * between the fork and setpriv's `prctl`, the signal is never sent: the next
 * start reaps what is left (`.chamber/launcher.json`).
 *
 * `undefined` when `setpriv` is not on `searchPath` (not Linux, or no
 * util-linux).
 */
export function withParentDeathSignal(command: Command, searchPath: string): Command | undefined {
  const setpriv = searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, 'setpriv'))
    .find((file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (setpriv === undefined) return undefined;
  return {
    command: setpriv,
    args: ['--pdeathsig', 'TERM', '--', command.command, ...command.args],
  };
}
