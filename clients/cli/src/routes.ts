import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ChamberError, Code, isChamberError } from '@chamber/errors';

/** The value of a parsed argument or option. */
export type Value = string | number | boolean;

/**
 * Turns the text of an argument or option into its value. `label` names it in
 * messages (`N`, `--rate`, `CHAMBER_STEPPER`). Throws a {@link usageError}
 * when the text is not acceptable.
 */
export type Parser = (text: string, label: string) => Value;

/** A positional argument of a command. */
export interface ArgSpec {
  /** Its name in usage and messages, upper case by convention (`N`, `T`). */
  readonly name: string;
  /** One line for the command's help. */
  readonly description: string;
  /** Whether it may be left out; only trailing arguments may be. */
  readonly isOptional?: boolean;
  /** Converts and checks the text; the text itself is the value without one. */
  readonly parse?: Parser;
}

/** A `--name` option of the whole tool, an area or a command. */
export interface OptionSpec {
  /** A `string` option takes a value (`--rate 10`), a `boolean` one does not. */
  readonly type: 'string' | 'boolean';
  /** One line for help. */
  readonly description: string;
  /** One-letter alias (`-h`). */
  readonly short?: string;
  /** Placeholder of a string option's value in usage (`R` in `--rate R`). */
  readonly valueName?: string;
  /** Converts and checks a string option's text (also the env var's and the default's). */
  readonly parse?: Parser;
  /** Environment variable that supplies a string option's value when it is not given. */
  readonly env?: string;
  /** Value of a string option given neither on the command line nor in {@link env}. */
  readonly defaultValue?: string;
  /** Makes the option mandatory; the text says why and is shown when it is missing. */
  readonly requiredBecause?: string;
  /**
   * A string option that may be given several times (`--target a --target b`);
   * its value is the texts joined by commas, as if given once (`--target a,b`).
   */
  readonly isRepeatable?: boolean;
}

/** Options by name (without the dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/**
 * The parsed arguments and options of one command, by name (`N`, `rate`).
 * Every accessor returns `undefined` (or `false`) for what was not given and
 * throws an `Internal` ChamberError when the route table gives the name
 * another type: that is a bug in the table, not a usage error.
 */
export interface CommandInput {
  string(name: string): string | undefined;
  number(name: string): number | undefined;
  flag(name: string): boolean;
  /** The value whatever its type (for code driven by a schema rather than by name). */
  value(name: string): Value | undefined;
  /**
   * Whether the person gave it, on the command line or through its
   * environment variable, rather than leaving it to its default.
   */
  isGiven(name: string): boolean;
}

/** What a command handler is given. */
export interface CommandContext {
  readonly input: CommandInput;
  /** Writes one line (a newline is added) to standard output. */
  readonly print: (line: string) => void;
  /** Aborted on Ctrl-C: a handler that waits stops waiting and rejects or returns. */
  readonly signal: AbortSignal;
  /** The environment (`CHAMBER_TOKEN`, `XDG_CONFIG_HOME`, …); empty when absent. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Writes one line about how the command works (not its result) to
   * standard error, as `<program>: <line>`: which endpoint it talks to, say.
   */
  readonly note: (line: string) => void;
  /**
   * Asks for a secret (a password) without echoing it — on a terminal twice
   * when `repeatPrompt` is given (a new password), rejecting when the two
   * differ; rejects with a ChamberError when there is no way to ask.
   */
  readonly readSecret: (prompt: string, repeatPrompt?: string) => Promise<string>;
}

/** One command: `chamber <area> <command> [args] [options]`. */
export interface CommandSpec {
  /** One line for help. */
  readonly summary: string;
  readonly args?: readonly ArgSpec[];
  readonly options?: OptionSpecs;
  /**
   * Checks rules between arguments and options once each is parsed; returns
   * the problem (a usage error) or `undefined`.
   */
  readonly validate?: (input: CommandInput) => string | undefined;
  /**
   * Does the work and prints the result. Rejects with a ChamberError on
   * failure (a {@link usageError} for bad usage found only now).
   */
  readonly run: (context: CommandContext) => Promise<void>;
}

/** A group of commands over one part of the system (`clock`, later `inventory`). */
export interface AreaSpec {
  /** One line for help. */
  readonly summary: string;
  /** Options every command of the area takes (its transport's address, say). */
  readonly options?: OptionSpecs;
  readonly commands: Readonly<Record<string, CommandSpec>>;
  /**
   * The command run when the area is named without one (`chamber logs
   * --follow` is `chamber logs show --follow`); without it, help. An area
   * whose default command has the area's own name is a command of its own
   * (`chamber login`).
   */
  readonly defaultCommand?: string;
}

/** The whole tool: `<program> <area> <command> [args] [options]`. */
export interface RouteTable {
  /** The program's name in usage and messages. */
  readonly program: string;
  /** One line for help. */
  readonly summary: string;
  /** Options every command takes (besides `-h, --help`, which the resolver owns). */
  readonly options?: OptionSpecs;
  readonly areas: Readonly<Record<string, AreaSpec>>;
}

/**
 * A route: `[]` is the whole tool, `[area]` one area, `[area, command]` one
 * command. Names are known to be in the table.
 */
export type RoutePath = readonly [] | readonly [string] | readonly [string, string];

/** What the command line asks for. */
export type Resolution =
  | { readonly kind: 'help'; readonly path: RoutePath }
  | { readonly kind: 'usage-error'; readonly message: string; readonly path: RoutePath }
  | {
      readonly kind: 'command';
      readonly path: readonly [string, string];
      readonly command: CommandSpec;
      readonly input: CommandInput;
    };

/** The option every program has; resolved before anything else. */
export const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'show help' };

/** The pseudo-area `help [area [command]]`. */
const helpArea = 'help';

/**
 * A usage error: bad arguments or options found by a handler rather than by
 * the resolver (an address that is not `host:port`, say). The tool prints it
 * with a usage hint and exits 2. A ChamberError (`InvalidArgument`) marked in
 * its details, so it travels like every other error.
 */
export function usageError(message: string): ChamberError {
  return new ChamberError(Code.InvalidArgument, message, { details: { isUsage: true } });
}

/** Whether `error` came from {@link usageError}. */
export function isUsageError(error: unknown): error is ChamberError {
  return isChamberError(error) && error.details?.['isUsage'] === true;
}

/**
 * Checks that the table can be parsed: no area called `help`, no option named
 * `help` or with short `h`, and an option name means the same type
 * everywhere (the first pass reads every option of the table at once). Throws
 * an `Internal` ChamberError naming the conflict.
 */
export function checkRouteTable(table: RouteTable): void {
  optionUnion(table);
  if (Object.hasOwn(table.areas, helpArea)) {
    throw new ChamberError(Code.Internal, `area "${helpArea}" is reserved for help`);
  }
  for (const [area, spec] of Object.entries(table.areas)) {
    for (const [name, command] of Object.entries(spec.commands)) {
      const args = command.args ?? [];
      const firstOptional = args.findIndex((a) => a.isOptional === true);
      if (firstOptional >= 0 && args.slice(firstOptional).some((a) => a.isOptional !== true)) {
        throw new ChamberError(
          Code.Internal,
          `${area} ${name}: a required argument follows an optional one`,
        );
      }
    }
  }
}

/**
 * Resolves a command line (without the program name) against `table`: help,
 * a usage error (with the route it concerns, for the hint), or the command
 * with its parsed input. `env` supplies options' environment variables.
 * Never throws for anything the user typed; throws an `Internal`
 * ChamberError for a broken table (see {@link checkRouteTable}).
 */
export function resolve(
  table: RouteTable,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Resolution {
  checkRouteTable(table);
  // First pass, lenient: find the area and the command among the words,
  // wherever the options are, and catch --help before anything can fail.
  const union = optionUnion(table);
  const words = argv.map(shieldNegative);
  const {
    values,
    positionals: shielded,
    tokens,
  } = parseArgs({
    args: words,
    options: parseArgsOptions(union),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals = shielded.map(unshield);
  const isHelp = values['help'] === true;
  const [first, second] = positionals;

  if (first === helpArea) return helpFor(table, positionals.slice(1, 3), positionals[3]);
  const located = locate(table, first, second);
  if (located.kind === 'usage-error') return located;

  const unknown = tokens.find((t) => t.kind === 'option' && !union.has(t.name));
  if (unknown?.kind === 'option') {
    return {
      kind: 'usage-error',
      message: `unknown option ${unknown.rawName}`,
      path: located.path,
    };
  }
  const defaulted = withDefaultCommand(located, isHelp);
  const { path, area, command } = defaulted;
  if (isHelp || path.length !== 2 || area === undefined || command === undefined) {
    return { kind: 'help', path };
  }
  const own = commandOptions(table, area, command);
  const stray = tokens.find((t) => t.kind === 'option' && !own.has(t.name));
  if (stray?.kind === 'option') {
    return {
      kind: 'usage-error',
      message: `${stray.rawName} is not an option of ${table.program} ${path.join(' ')}`,
      path,
    };
  }
  try {
    const input = parseCommand(table, area, command, words, env, located.path.length);
    const problem = command.validate?.(input);
    if (problem !== undefined) return { kind: 'usage-error', message: problem, path };
    return { kind: 'command', path, command, input };
  } catch (error) {
    if (isUsageError(error)) return { kind: 'usage-error', message: error.message, path };
    throw error;
  }
}

type Located =
  | {
      readonly kind: 'found';
      readonly path: RoutePath;
      readonly area?: AreaSpec;
      readonly command?: CommandSpec;
    }
  | { readonly kind: 'usage-error'; readonly message: string; readonly path: RoutePath };

/** The known prefix of `area command`, or the usage error for the first unknown word. */
function locate(table: RouteTable, area: string | undefined, command: string | undefined): Located {
  if (area === undefined) return { kind: 'found', path: [] };
  // hasOwn: the tables are object literals, and "constructor" is not an area.
  const areaSpec = Object.hasOwn(table.areas, area) ? table.areas[area] : undefined;
  if (areaSpec === undefined) {
    return { kind: 'usage-error', message: `unknown area "${area}"`, path: [] };
  }
  if (command === undefined) return { kind: 'found', path: [area], area: areaSpec };
  const commandSpec = Object.hasOwn(areaSpec.commands, command)
    ? areaSpec.commands[command]
    : undefined;
  if (commandSpec === undefined) {
    return {
      kind: 'usage-error',
      message: `unknown command "${command}" in area "${area}"`,
      path: [area],
    };
  }
  return { kind: 'found', path: [area, command], area: areaSpec, command: commandSpec };
}

/** `[area]` with a default command: that command, as if it had been typed (see AreaSpec). */
function withDefaultCommand(
  located: Located & { kind: 'found' },
  isHelp: boolean,
): Located & { kind: 'found' } {
  const [areaName] = located.path;
  const name = located.area?.defaultCommand;
  if (located.path.length !== 1 || areaName === undefined || name === undefined) return located;
  // Help of an area is about all its commands, unless the area is one command.
  if (isHelp && name !== areaName) return located;
  const command = located.area?.commands[name];
  if (command === undefined) return located;
  return { ...located, path: [areaName, name], command };
}

/** `help [area [command]]`. */
function helpFor(
  table: RouteTable,
  words: readonly string[],
  extra: string | undefined,
): Resolution {
  const located = locate(table, words[0], words[1]);
  if (located.kind !== 'found') return located;
  if (extra !== undefined) {
    return { kind: 'usage-error', message: `unexpected argument "${extra}"`, path: [] };
  }
  return { kind: 'help', path: located.path };
}

/** Second pass, strict: only the options this command takes. */
function parseCommand(
  table: RouteTable,
  area: AreaSpec,
  command: CommandSpec,
  words: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  skip: number,
): CommandInput {
  const specs = commandOptions(table, area, command);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...words],
      options: parseArgsOptions(specs),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs' own messages name the option and the rule; pass them on.
    if (isParseArgsError(error)) throw usageError(error.message);
    throw error;
  }
  const values = new Map<string, Value>();
  const isGiven = new Set<string>();
  const given = parsed.positionals.slice(skip).map(unshield);
  const args = command.args ?? [];
  if (given.length > args.length) {
    const unexpected = given.slice(args.length).map((w) => `"${w}"`);
    throw usageError(
      `unexpected argument${unexpected.length > 1 ? 's' : ''} ${unexpected.join(' ')}`,
    );
  }
  args.forEach((arg, i) => {
    const word = given[i];
    if (word === undefined) {
      if (arg.isOptional !== true) throw usageError(`missing ${arg.name} (${arg.description})`);
      return;
    }
    values.set(arg.name, arg.parse === undefined ? word : arg.parse(word, arg.name));
    isGiven.add(arg.name);
  });
  for (const [name, spec] of specs) {
    const raw = parsed.values[name];
    const typed = Array.isArray(raw)
      ? raw.map((v) => (typeof v === 'string' ? unshield(v) : v)).join(',')
      : typeof raw === 'string'
        ? unshield(raw)
        : raw;
    if (spec.type === 'boolean') {
      if (typed === true) {
        values.set(name, true);
        isGiven.add(name);
      } else if (spec.requiredBecause !== undefined) {
        throw usageError(`missing --${name}: ${spec.requiredBecause}`);
      }
      continue;
    }
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    const isFromEnv = typeof typed !== 'string' && fromEnv !== undefined && fromEnv !== '';
    const [text, label] =
      typeof typed === 'string'
        ? [typed, `--${name}`]
        : isFromEnv && spec.env !== undefined
          ? [fromEnv, spec.env]
          : [spec.defaultValue, `--${name}`];
    if (text === undefined) {
      if (spec.requiredBecause !== undefined) {
        throw usageError(`missing --${name}: ${spec.requiredBecause}`);
      }
      continue;
    }
    values.set(name, spec.parse === undefined ? text : spec.parse(text, label));
    if (typeof typed === 'string' || isFromEnv) isGiven.add(name);
  }
  return createInput(values, isGiven);
}

function createInput(
  values: ReadonlyMap<string, Value>,
  isGiven: ReadonlySet<string>,
): CommandInput {
  const read = <T extends Value>(name: string, type: string): T | undefined => {
    const value = values.get(name);
    if (value !== undefined && typeof value !== type) {
      throw new ChamberError(
        Code.Internal,
        `the command reads ${name} as a ${type}, but the route table makes it a ${typeof value}`,
      );
    }
    return value as T | undefined;
  };
  return {
    string: (name) => read<string>(name, 'string'),
    number: (name) => read<number>(name, 'number'),
    flag: (name) => read<boolean>(name, 'boolean') ?? false,
    value: (name) => values.get(name),
    isGiven: (name) => isGiven.has(name),
  };
}

/**
 * Every option one command takes: its own, its area's, the tool's, then
 * `help` (the order help lists them in).
 */
export function commandOptions(
  table: RouteTable,
  area: AreaSpec,
  command: CommandSpec,
): ReadonlyMap<string, OptionSpec> {
  return new Map([
    ...Object.entries(command.options ?? {}),
    ...Object.entries(area.options ?? {}),
    ...Object.entries(table.options ?? {}),
    ['help', helpOption],
  ]);
}

/** Every option of the table, once each; throws when one name has two types. */
function optionUnion(table: RouteTable): ReadonlyMap<string, OptionSpec> {
  const union = new Map<string, OptionSpec>([['help', helpOption]]);
  const where = new Map<string, string>([['help', 'the resolver']]);
  const add = (specs: OptionSpecs | undefined, owner: string): void => {
    for (const [name, spec] of Object.entries(specs ?? {})) {
      const seen = union.get(name);
      if (seen !== undefined && (seen.type !== spec.type || seen.short !== spec.short)) {
        throw new ChamberError(
          Code.Internal,
          `option --${name} of ${owner} differs from the one of ${where.get(name) ?? '?'}`,
        );
      }
      if (spec.short === helpOption.short) {
        throw new ChamberError(Code.Internal, `option --${name} of ${owner} takes -h from help`);
      }
      union.set(name, spec);
      where.set(name, owner);
    }
  };
  add(table.options, table.program);
  for (const [area, spec] of Object.entries(table.areas)) {
    add(spec.options, area);
    for (const [name, command] of Object.entries(spec.commands)) {
      add(command.options, `${area} ${name}`);
    }
  }
  return union;
}

function parseArgsOptions(
  specs: ReadonlyMap<string, OptionSpec>,
): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    [...specs].map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short === undefined ? {} : { short: spec.short }),
        ...(spec.isRepeatable === true ? { multiple: true } : {}),
      },
    ]),
  );
}

/**
 * A word that is a negative number (`-3`, `-0.5`) is a value, not an
 * option: no option name starts with a digit. Marked so that parseArgs takes
 * it as a positional (or an option's value), so `clock step -3` is told the
 * count's rule instead of `unknown option -3`; {@link unshield} undoes it.
 */
function shieldNegative(word: string): string {
  return /^-\d/.test(word) ? `${shield}${word}` : word;
}

function unshield(word: string): string {
  return word.startsWith(shield) ? word.slice(shield.length) : word;
}

/** A private-use character: never typed, so never taken for part of a word. */
const shield = '\uE000';

function isParseArgsError(error: unknown): error is Error {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_');
}
