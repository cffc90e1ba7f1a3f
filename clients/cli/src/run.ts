import { ChamberError, Code, toChamberError } from '@chamber/errors';
import { isUsageError, resolve, type RouteTable } from './routes.js';
import { chamberRoutes } from './table.js';
import { usageHint, usageText } from './usage.js';

/** Where the tool writes and what it reads from its surroundings. */
export interface CliIo {
  /** Receives standard output, in chunks of whole lines. */
  readonly stdout: (text: string) => void;
  /** Receives standard error, in chunks of whole lines. */
  readonly stderr: (text: string) => void;
  /** The environment (`CHAMBER_STEPPER`, …); empty when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: `watch` then ends normally, waiting commands are interrupted. */
  readonly signal?: AbortSignal;
  /**
   * Asks for a secret without echo (the terminal, or a line of stdin); absent,
   * a command that needs one fails unless `CHAMBER_PASSWORD` supplies it.
   */
  readonly readSecret?: (prompt: string, repeatPrompt?: string) => Promise<string>;
}

/** The exit codes of the tool. */
export const ExitCode = {
  /** Done (help included). */
  Ok: 0,
  /** The command failed: the server's error, or the server could not be reached. */
  Failed: 1,
  /** Bad usage: unknown area, command or option, a missing or malformed argument. */
  Usage: 2,
  /** Ctrl-C stopped a command that was waiting (128 + SIGINT, as shells report it). */
  Interrupted: 130,
} as const;

/**
 * Runs one command line (without the program name: `['clock', 'step', '5']`)
 * and resolves with the exit code; never rejects and never prints a stack
 * trace. Help goes to stdout; usage errors (`<program>: <message>` plus a
 * usage hint) and failures (`<program>: <message>`) go to stderr.
 */
export async function run(
  argv: readonly string[],
  io: CliIo,
  table: RouteTable = chamberRoutes,
): Promise<number> {
  const fail = (message: string): void => io.stderr(`${table.program}: ${message}\n`);
  try {
    const resolution = resolve(table, argv, io.env ?? {});
    switch (resolution.kind) {
      case 'help':
        io.stdout(usageText(table, resolution.path));
        return ExitCode.Ok;
      case 'usage-error':
        fail(resolution.message);
        io.stderr(usageHint(table, resolution.path));
        return ExitCode.Usage;
      case 'command': {
        const signal = io.signal ?? new AbortController().signal;
        // A command that reconnects (a long poll's every round) notes its endpoint once.
        const noted = new Set<string>();
        try {
          await resolution.command.run({
            input: resolution.input,
            print: (line) => io.stdout(`${line}\n`),
            signal,
            env: io.env ?? {},
            note: (line) => {
              if (noted.has(line)) return;
              noted.add(line);
              io.stderr(`${table.program}: ${line}\n`);
            },
            readSecret: io.readSecret ?? noSecrets,
          });
          return ExitCode.Ok;
        } catch (error) {
          if (isUsageError(error)) {
            fail(error.message);
            io.stderr(usageHint(table, resolution.path));
            return ExitCode.Usage;
          }
          const failure = toChamberError(error);
          if (signal.aborted && failure.code === Code.Cancelled) {
            fail('interrupted');
            return ExitCode.Interrupted;
          }
          fail(failure.message);
          return ExitCode.Failed;
        }
      }
    }
  } catch (error) {
    // A broken route table or a writer that threw: still one line, no stack.
    fail(toChamberError(error).message);
    return ExitCode.Failed;
  }
}

function noSecrets(prompt: string): Promise<string> {
  return Promise.reject(
    new ChamberError(
      Code.FailedPrecondition,
      `cannot ask for the ${prompt.replace(/:\s*$/, '')} here; set CHAMBER_PASSWORD`,
    ),
  );
}
