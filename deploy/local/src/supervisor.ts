import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** What the supervisor reports, one event per change. */
export type SupervisorEvent =
  | { readonly kind: 'started'; readonly pid: number }
  | { readonly kind: 'ready'; readonly pid: number }
  | { readonly kind: 'not-ready'; readonly pid: number; readonly reason: string }
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      /** When it will be started again (ms), or `undefined` when stopping. */
      readonly restartInMs: number | undefined;
      /** The last error line it wrote (see {@link lastErrorLine}), if any. */
      readonly lastError: string | undefined;
      /** How many times it has exited without staying up `stableAfterMs` in between (1: this once). */
      readonly exitsInARow: number;
    };

export interface SupervisorOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** The child's stdout and stderr are appended here. */
  readonly logFile: string;
  /** Resolves when the started child serves; rejects if it does not. */
  readonly ready: (signal: AbortSignal) => Promise<void>;
  readonly onEvent: (event: SupervisorEvent) => void;
  /** First restart delay (ms), doubling up to `maxBackoffMs`. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Up this long (ms), a child is healthy again: the next crash restarts at `minBackoffMs`. */
  readonly stableAfterMs?: number;
  /** How long a child may take to stop on SIGTERM before SIGKILL (ms). */
  readonly stopTimeoutMs?: number;
  /**
   * Opens an IPC channel to the child (a Node process). Nothing is sent on
   * it: the OS closes it when this process dies, however it dies, and a
   * Chamber service exits then (`runServiceProcess`), so no child outlives a
   * launcher that was killed hard.
   */
  readonly hasChannel?: boolean;
}

/**
 * Runs one service as a child process and keeps it running: a child that
 * exits is started again after a backoff that doubles from 0.5 s to 30 s
 * and resets once a child has stayed up for a minute. The child gets a
 * process group of its own, so a Ctrl-C at the terminal reaches only the
 * launcher, which stops children in order; a child that must not outlive the
 * launcher is told of its death otherwise (`hasChannel`, or a command wrapped
 * in `withParentDeathSignal`).
 */
export class Supervisor {
  private readonly options: SupervisorOptions;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private readiness: AbortController | undefined;
  private isStopping = false;
  private exitsInARow = 0;
  private lastErrorSeen: string | undefined;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.backoffMs = options.minBackoffMs ?? 500;
  }

  /** The last error line of the last child that exited with an error code, if any. */
  get lastError(): string | undefined {
    return this.lastErrorSeen;
  }

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the child and resolves once it is ready (or rejects if it is not). */
  start(): Promise<void> {
    const child = this.spawn();
    return this.awaitReady(child);
  }

  /** Stops the child (SIGTERM, then SIGKILL) and does not restart it. */
  async stop(): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.restartTimer);
    this.readiness?.abort();
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Kills the child at once (a second Ctrl-C). */
  kill(): void {
    this.isStopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }

  private spawn(): ChildProcess {
    const log = fs.openSync(this.options.logFile, 'a');
    const logStart = fs.fstatSync(log).size;
    const child = spawn(this.options.command, [...this.options.args], {
      env: this.options.env,
      stdio: this.options.hasChannel === true ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    this.child = child;
    const startedAt = Date.now();
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.readiness?.abort();
        if (Date.now() - startedAt >= (this.options.stableAfterMs ?? 60_000)) {
          this.backoffMs = this.options.minBackoffMs ?? 500;
          this.exitsInARow = 0;
        }
        const restartInMs = this.isStopping ? undefined : this.backoffMs;
        this.exitsInARow += 1;
        // A signal's exit (a stop, a kill) is not the child's own failure.
        this.lastErrorSeen =
          code === null || code === 0
            ? undefined
            : lastErrorLine(readFrom(this.options.logFile, logStart));
        this.options.onEvent({
          kind: 'exited',
          code,
          signal,
          restartInMs,
          lastError: this.lastErrorSeen,
          exitsInARow: this.exitsInARow,
        });
        if (restartInMs !== undefined) {
          this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
          this.restartTimer = setTimeout(() => {
            if (this.isStopping) return;
            void this.awaitReady(this.spawn()).catch(() => undefined);
          }, restartInMs);
        }
        resolve();
      });
    });
    child.once('error', () => undefined); // reported through 'exit'
    this.options.onEvent({ kind: 'started', pid: child.pid ?? -1 });
    return child;
  }

  private async awaitReady(child: ChildProcess): Promise<void> {
    const readiness = new AbortController();
    this.readiness = readiness;
    try {
      await this.options.ready(readiness.signal);
      this.options.onEvent({ kind: 'ready', pid: child.pid ?? -1 });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // A child that died says so through 'exited'; only a live one is "not ready".
      if (child.exitCode === null && child.signalCode === null && !this.isStopping) {
        this.options.onEvent({ kind: 'not-ready', pid: child.pid ?? -1, reason });
      }
      throw error;
    }
  }
}

/** How much of a log the supervisor reads back when a child exits (its end). */
const tailBytes = 64 * 1024;

/** The text of `file` from byte `start` (at most its last {@link tailBytes}); '' if unreadable. */
function readFrom(file: string, start: number): string {
  try {
    const size = fs.statSync(file).size;
    const from = Math.max(start, size - tailBytes);
    const buffer = Buffer.alloc(size - from);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, buffer.length, from);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8');
  } catch {
    return '';
  }
}

/** zap's levels (etcd's log) at error or above. */
const zapErrorLevels = new Set(['error', 'dpanic', 'panic', 'fatal']);

// Around an error but not it: blank lines, stack frames, the caret under a
// source excerpt, Node's version footer and its process warnings.
const noise = [/^$/, /^at\s/, /^\^+$/, /^Node\.js v\d/, /^\(node:\d+\) /];

/**
 * The last error a service wrote in `output` (its log since it started):
 * the last line of plain text (what goes to stderr: a start failure's
 * `inventory: bad.yaml:11:13: …`, an uncaught exception's `Error: …`),
 * skipping stack frames, source excerpts and Node's version footer; or a
 * JSON log line at level error or fatal (its `msg`, with its error: pino's
 * numbered levels and `err.message` from the services, zap's named levels
 * and `error` from etcd), whichever comes last. `undefined` when there is none.
 */
export function lastErrorLine(output: string): string | undefined {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (noise.some((pattern) => pattern.test(line))) continue;
    if (!line.startsWith('{')) return line;
    try {
      const entry = JSON.parse(line) as {
        level?: unknown;
        msg?: unknown;
        err?: { message?: unknown };
        error?: unknown;
      };
      const isError =
        typeof entry.level === 'number'
          ? entry.level >= 50
          : typeof entry.level === 'string' && zapErrorLevels.has(entry.level);
      if (!isError) continue;
      const msg = typeof entry.msg === 'string' ? entry.msg : '';
      const err =
        typeof entry.err?.message === 'string'
          ? entry.err.message
          : typeof entry.error === 'string'
            ? entry.error
            : '';
      return msg === '' ? err : err === '' || msg.includes(err) ? msg : `${msg}: ${err}`;
    } catch {
      return line;
    }
  }
  return undefined;
}
