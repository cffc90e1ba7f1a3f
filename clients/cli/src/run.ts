import { ChamberError, Code, toChamberError } from '@chamber/errors';
import { Command, CommanderError } from 'commander';
import { loginCommand, logoutCommand, tokenArea, userArea } from './account.js';
import { clockArea } from './clock.js';
import { faultArea, repairArea } from './faults.js';
import { inventoryArea } from './inventory.js';
import { eventsArea, logsArea } from './logs.js';
import { buildProgram, type AreaExtension, type Surroundings } from './program.js';
import { scenarioArea } from './scenario.js';
import { reportArea } from './report.js';
import { workloadArea } from './workloads.js';

/** Where the tool writes and what it reads from its surroundings. */
export interface CliIo {
  /** Receives standard output, in chunks of whole lines. */
  readonly stdout: (text: string) => void;
  /** Receives standard error, in chunks of whole lines. */
  readonly stderr: (text: string) => void;
  /** The environment (`CHAMBER_API`, …); empty when absent. */
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

const program = 'chamber';

/**
 * The areas of the tool, each completing the route table's commands of its
 * area; one that only needs a summary is written here.
 */
export const areas: Readonly<Record<string, AreaExtension>> = {
  clock: clockArea,
  inventory: inventoryArea,
  fault: faultArea,
  repair: repairArea,
  workload: workloadArea,
  report: reportArea,
  scenario: scenarioArea,
  logs: logsArea,
  events: eventsArea,
  service: { summary: 'the registered services' },
  // Who one is, and (with manage_accounts) everyone's sessions.
  session: { summary: 'sessions' },
  token: tokenArea,
  user: userArea,
};

/**
 * The `chamber` program for one run: every area's commands (see `areas`),
 * `login` and `logout`, and the options every command takes (`--json`,
 * `--api`). Help goes to `io.print`; commander's own error output is
 * silenced, since {@link run} prints errors.
 */
export function chamberProgram(io: Surroundings): Command {
  const root = new Command(program)
    .description('drive a Chamber simulation from the command line')
    .usage('<area> <command> [args] [options]')
    .helpCommand(false)
    .option('--json', 'print results as JSON, one object per line')
    .option(
      '--api <URL>',
      "the frontend's URL (env CHAMBER_API; default: the one logged in to, else http://127.0.0.1:8080)",
    )
    .configureOutput({
      writeOut: io.print,
      writeErr: io.print,
      outputError: () => undefined,
    })
    .exitOverride();
  buildProgram(root, areas, io, { login: loginCommand, logout: logoutCommand });
  return root;
}

/**
 * Runs one command line (without the program name: `['clock', 'step', '5']`)
 * and resolves with the exit code; never rejects and never prints a stack
 * trace. Help goes to stdout; usage errors (`chamber: <message>` plus a
 * usage hint) and failures (`chamber: <message>`) go to stderr.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (message: string): void => io.stderr(`${program}: ${message}\n`);
  const signal = io.signal ?? new AbortController().signal;
  // A command that reconnects (a long poll's every round) notes its endpoint once.
  const noted = new Set<string>();
  // `chamber help [area [command]]` is `chamber [area [command]] --help`.
  const words = argv[0] === 'help' ? [...argv.slice(1), '--help'] : [...argv];
  let root: Command | undefined;
  try {
    root = chamberProgram({
      print: io.stdout,
      note: (line) => {
        if (!noted.has(line)) fail(line);
        noted.add(line);
      },
      signal,
      env: io.env ?? {},
      readSecret: io.readSecret ?? noSecrets,
    });
    await root.parseAsync(words, { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    // Only parsing throws these, so the program is there to give the hint.
    if (error instanceof CommanderError && root !== undefined) {
      if (error.exitCode === 0) return ExitCode.Ok;
      fail(error.message.replace(/^error: /, ''));
      io.stderr(hint(root, words));
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

/** The two lines under a usage error: how to call the command it is about, and where to read more. */
function hint(root: Command, words: readonly string[]): string {
  let cmd = root;
  const path = [program];
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word);
    if (next === undefined) continue;
    cmd = next;
    path.push(word);
    if (cmd.commands.length === 0) break;
  }
  return `usage: ${path.join(' ')} ${cmd.usage()}\nrun '${path.join(' ')} --help' for help\n`;
}

function noSecrets(prompt: string): Promise<string> {
  return Promise.reject(
    new ChamberError(
      Code.FailedPrecondition,
      `cannot ask for the ${prompt.replace(/:\s*$/, '')} here; set CHAMBER_PASSWORD`,
    ),
  );
}
