import {
  operations as allOperations,
  type CallInput,
  type CliSpec,
  type JsonSchema,
  type Operation,
} from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import { Option, type Command } from 'commander';
import { nonEmpty } from './credentials.js';
import { callRest, restClient } from './rest.js';
import { isUsageError, usageError } from './usage.js';

/** The parsed value of an argument or option. */
export type Value = string | number | boolean | readonly string[];

/**
 * Turns the text of an argument or option into its value; `label` names it
 * in messages (`count`, `--rate`). Throws a {@link usageError} for bad text.
 */
export type Parser = (text: string, label: string) => Value;

/** Where the tool writes and what it reads; see `run`. */
export interface Surroundings {
  /** Writes text to standard output as it is. */
  readonly print: (text: string) => void;
  /** Writes one line about how the command works to standard error, once per run. */
  readonly note: (line: string) => void;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks for a secret without echo (twice on a terminal with `repeatPrompt`). */
  readonly readSecret: (prompt: string, repeatPrompt?: string) => Promise<string>;
}

/** What a command's handler is given. */
export interface Context extends Surroundings {
  /** The route's fields by name (`count`, `kind`) as given; absent when not given. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Every option of the command by commander's name (`json`, `api`, `follow`, `rate`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** `--json`: print one JSON object per line. */
  readonly isJson: boolean;
  /** Writes one line (a newline is added) to standard output. */
  readonly print: (line: string) => void;
}

/** A route's call as a command makes it, for handlers that do more than call and print. */
export interface RestCall {
  readonly operation: Operation;
  /** The call's parameters, query and body from the command line, secrets and presets. */
  input(ctx: Context): Promise<CallInput>;
  /** Makes the call and resolves with the answer's body. */
  call(ctx: Context, input?: CallInput): Promise<unknown>;
}

/** An option only the CLI has (`--wait`, `--follow`, `--epoch`): it does not reach the route. */
export interface ExtraOption {
  /** Commander's flags: `--wait`, `--epoch <E>`. */
  readonly flags: string;
  readonly description: string;
  readonly parse?: Parser;
}

/** What the CLI adds to a table command: argument names, options, a handler, printing. */
export interface CommandExtension {
  /** Presentation of positional arguments, by field (`fileName` → `FILE`). */
  readonly args?: Readonly<
    Record<
      string,
      { readonly name?: string; readonly description?: string; readonly isRequired?: boolean }
    >
  >;
  /** Replaces the route's summary (for a command that is more than the call). */
  readonly summary?: string;
  /** Fields the handler fills itself (`load`'s `source`): not on the command line. */
  readonly filled?: readonly string[];
  readonly options?: readonly ExtraOption[];
  /** The option carrying `If-Match` (default `--if-match <ETAG>`). */
  readonly ifMatch?: ExtraOption;
  /** Checks rules between values once each is parsed; returns the problem, if any. */
  readonly validate?: (ctx: Context) => string | undefined;
  /** Runs the command; default: make the call and {@link print} the answer. */
  readonly run?: (ctx: Context, route: RestCall) => Promise<void>;
  /** Prints the answer; default: its JSON (indented unless `--json`). */
  readonly print?: (ctx: Context, body: unknown) => void;
}

/** A command that is no route of the table: a composite or shorthand of its routes. */
export interface Composite {
  readonly summary: string;
  readonly args?: readonly { name: string; description: string; isOptional?: boolean }[];
  readonly options?: readonly ExtraOption[];
  readonly validate?: (ctx: Context) => string | undefined;
  readonly run: (ctx: Context) => Promise<void>;
}

/** What the CLI adds to an area of table commands. */
export interface AreaExtension {
  readonly summary: string;
  /** The command run when the area is named alone (`chamber logs` is `chamber logs show`). */
  readonly defaultCommand?: string;
  readonly commands?: Readonly<Record<string, CommandExtension>>;
  /** Commands the table does not have; a table command of the same name wins. */
  readonly composites?: Readonly<Record<string, Composite>>;
}

/** `expiresInDays` → `expires-in-days`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

type Location = 'params' | 'query' | 'body';

/** One field of a route as a command takes it. */
interface Field {
  readonly field: string;
  readonly location: Location;
  readonly schema: JsonSchema;
  readonly how: 'arg' | 'option' | 'secret' | 'preset' | 'filled';
  readonly isRequired: boolean;
  /** The option's flag without dashes (`expires-in-days`, `for`). */
  readonly flag: string;
}

/**
 * The fields of `op` as `cli` takes them: `cli.args` positionally (in that
 * order), secrets asked for, presets fixed, every other field an option. A
 * body of several forms is given in its first. Throws `Internal` when `cli`
 * names a field the route does not have.
 */
function fieldsOf(op: Operation, cli: CliSpec, ext: CommandExtension): Field[] {
  const forms = op.body?.forms ?? [];
  const all: [string, Location, JsonSchema, boolean][] = [];
  for (const [f, schema] of Object.entries(op.params ?? {})) all.push([f, 'params', schema, true]);
  for (const [f, schema] of Object.entries(op.query ?? {})) all.push([f, 'query', schema, false]);
  for (const [f, schema] of Object.entries(op.body?.properties ?? {})) {
    if (forms.slice(1).some((form) => form.includes(f))) continue;
    const isRequired = (op.body?.required.includes(f) ?? false) || (forms[0]?.includes(f) ?? false);
    all.push([f, 'body', schema, isRequired]);
  }
  const args = cli.args ?? [];
  // The first list naming a field says how the command takes it; the rest are options.
  const hows: [Field['how'], readonly string[]][] = [
    ['preset', Object.keys(cli.preset ?? {})],
    ['secret', cli.secrets ?? []],
    ['filled', ext.filled ?? []],
    ['arg', args],
  ];
  for (const name of hows.flatMap(([, names]) => names)) {
    if (!all.some(([f]) => f === name)) {
      throw new ChamberError(Code.Internal, `${cli.area} ${cli.command}: no field "${name}"`);
    }
  }
  const fields = all.map(([field, location, schema, isRequired]): Field => {
    const how = hows.find(([, names]) => names.includes(field))?.[0] ?? 'option';
    // A query field given positionally is what the command is about: required.
    const required =
      isRequired ||
      (how === 'arg' && (location === 'query' || ext.args?.[field]?.isRequired === true));
    const flag = kebab(cli.names?.[field] ?? field);
    return { field, location, schema, how, isRequired: required, flag };
  });
  const position = (f: Field): number => (f.how === 'arg' ? args.indexOf(f.field) : args.length);
  return fields.sort((a, b) => position(a) - position(b));
}

/** The parser a schema calls for (`type`, `enum`, bounds, `items`); `undefined` for text. */
export function parserOf(schema: JsonSchema): Parser | undefined {
  const choices = schema['enum'];
  if (Array.isArray(choices)) {
    const words = choices.map(String);
    return (text, label) => {
      if (words.includes(text)) return text;
      throw usageError(`${label} must be one of ${words.join(', ')}; got "${text}"`);
    };
  }
  const type = schema['type'];
  if (type === 'integer' || type === 'number') return numberParser(schema, type === 'integer');
  if (type === 'array') {
    const item = schema['items'] as JsonSchema | undefined;
    const each = item === undefined ? undefined : parserOf(item);
    return (text, label) => {
      const items = text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (items.length === 0) throw usageError(`${label} needs at least one value`);
      return items.map((t) => String(each === undefined ? t : each(t, label)));
    };
  }
  return undefined;
}

function numberParser(schema: JsonSchema, isWhole: boolean): Parser {
  const num = (k: string): number | undefined => {
    const value = schema[k];
    return typeof value === 'number' ? value : undefined;
  };
  // A whole number is never negative here (no minus sign is taken), so its least is 0.
  const above = isWhole ? undefined : num('exclusiveMinimum');
  const [min, max] = [num('minimum') ?? (isWhole ? 0 : undefined), num('maximum')];
  const rules = isWhole
    ? [`≥ ${min}`]
    : [
        above === undefined ? undefined : `above ${above}`,
        min === undefined ? undefined : `at least ${min}`,
        max === undefined ? undefined : `at most ${max}`,
      ].filter((r) => r !== undefined);
  const what = `${isWhole ? 'a whole number' : 'a number'}${rules.length === 0 ? '' : ` ${rules.join(' and ')}`}`;
  return (text, label) => {
    const value = (isWhole ? /^\d+$/ : /^(\d+\.?\d*|\.\d+)$/).test(text) ? Number(text) : NaN;
    const isOk =
      (isWhole ? Number.isSafeInteger(value) : Number.isFinite(value)) &&
      (above === undefined || value > above) &&
      (min === undefined || value >= min) &&
      (max === undefined || value <= max);
    if (!isOk) throw usageError(`${label} must be ${what}, got "${text}"`);
    return value;
  };
}

/** A schema's description, with its values when it has a list of them. */
function describe(schema: JsonSchema): string {
  const description = typeof schema['description'] === 'string' ? schema['description'] : '';
  const choices = schema['enum'] ?? (schema['items'] as JsonSchema | undefined)?.['enum'];
  return Array.isArray(choices) ? `${description}: ${choices.join(' | ')}` : description;
}

/** `fileName` → `FILE_NAME`: how a positional argument shows in usage. */
function argName(field: string): string {
  return kebab(field).replace(/-/g, '_').toUpperCase();
}

/** Prints an answer as JSON: one line with `--json`, indented otherwise; `done` for none. */
export function printJson(ctx: Context, body: unknown): void {
  if (body !== undefined) ctx.print(JSON.stringify(body, null, ctx.isJson ? undefined : 2));
  else if (!ctx.isJson) ctx.print('done');
}

/** Prints `json` on one line with `--json`, else `text` (a line or several) for people. */
export function show(ctx: Context, json: unknown, text: string | readonly string[]): void {
  if (ctx.isJson) ctx.print(JSON.stringify(json));
  else for (const line of typeof text === 'string' ? [text] : text) ctx.print(line);
}

/**
 * A secret field's value: `CHAMBER_PASSWORD` for `password`, else asked for
 * without echo (`current password: `, or `prompt`).
 */
export async function askSecret(
  ctx: Context,
  field: string,
  prompt = `${kebab(field).replace(/-/g, ' ')}: `,
  repeatPrompt?: string,
): Promise<string> {
  const fromEnv = field === 'password' ? nonEmpty(ctx.env['CHAMBER_PASSWORD']) : undefined;
  return fromEnv ?? ctx.readSecret(prompt, repeatPrompt);
}

/** Rethrows `error`; a usage error becomes the command's (exit 2, with a usage hint). */
function rethrow(cmd: Command, error: unknown): never {
  if (isUsageError(error)) cmd.error(error.message, { exitCode: 2, code: 'chamber.usage' });
  throw error;
}

/** Calls `parse`, turning its usage error into the command's. */
function parsing(cmd: Command, parse: Parser, label: string) {
  return (text: string): Value => {
    try {
      return parse(text, label);
    } catch (error) {
      rethrow(cmd, error);
    }
  };
}

function addExtra(cmd: Command, extra: ExtraOption): Option {
  const option = new Option(extra.flags, extra.description);
  if (extra.parse !== undefined) option.argParser(parsing(cmd, extra.parse, option.long ?? ''));
  cmd.addOption(option);
  return option;
}

/** A field's name and what the command line gave it (`undefined`: nothing). */
type Given = [string, unknown];

/**
 * Runs `work` as the action of `cmd`: builds the context from the parsed
 * command line, applies `check` (a usage problem, if any), and turns usage
 * errors into the command's.
 */
function act(
  cmd: Command,
  io: Surroundings,
  values: (positional: readonly unknown[], options: Record<string, unknown>) => Given[],
  check: (ctx: Context) => string | undefined,
  work: (ctx: Context) => Promise<void>,
): void {
  // Areas take any word (to name an unknown command); their commands take only their arguments.
  cmd.allowExcessArguments(false).action(async () => {
    const options = cmd.optsWithGlobals();
    const ctx: Context = {
      ...io,
      values: Object.fromEntries(
        values(cmd.processedArgs, options).filter(([, value]) => value !== undefined),
      ),
      options,
      isJson: options['json'] === true,
      print: (line) => io.print(`${line}\n`),
    };
    try {
      const problem = check(ctx);
      if (problem !== undefined) throw usageError(problem);
      await work(ctx);
    } catch (error) {
      rethrow(cmd, error);
    }
  });
}

const ifMatchOption: ExtraOption = {
  flags: '--if-match <ETAG>',
  description: 'change it only if its ETag is still this (else fail, changing nothing)',
};

/** The command `chamber <cli.area> <cli.command>` of `op`, added to `area`. */
function addTableCommand(
  area: Command,
  op: Operation,
  cli: CliSpec,
  ext: CommandExtension,
  io: Surroundings,
  isDefault: boolean,
): Command {
  const fields = fieldsOf(op, cli, ext);
  const asks = cli.secrets?.map((f) => kebab(f).replace(/-/g, ' ')).join(' and ');
  const cmd = area
    .command(cli.command, { isDefault })
    .summary(ext.summary ?? `${op.summary}${asks === undefined ? '' : ` (asks for the ${asks})`}`)
    .description(ext.summary ?? op.summary);
  const optionOf = new Map<string, Option>();
  for (const f of fields) {
    const parse = parserOf(f.schema);
    if (f.how === 'arg') {
      const shown = ext.args?.[f.field];
      const name = shown?.name ?? argName(f.field);
      const arg = cmd.createArgument(
        f.isRequired ? `<${name}>` : `[${name}]`,
        shown?.description ?? describe(f.schema),
      );
      // Its problems name the field as the API does (`count`, not `N`).
      if (parse !== undefined) arg.argParser(parsing(cmd, parse, f.field));
      cmd.addArgument(arg);
    } else if (f.how === 'option') {
      const isFlag = f.schema['type'] === 'boolean';
      const isList = f.schema['type'] === 'array';
      const option = new Option(
        isFlag ? `--${f.flag}` : `--${f.flag} <${argName(f.flag)}>`,
        `${describe(f.schema)}${isList ? ' (repeat, or separate by commas)' : ''}`,
      );
      if (parse !== undefined) {
        const each = parsing(cmd, parse, `--${f.flag}`);
        // A list gathers every use of its option; the first has no previous value.
        const gather = (text: string, previous?: unknown): Value => [
          ...((previous as string[] | undefined) ?? []),
          ...(each(text) as string[]),
        ];
        option.argParser(isList ? gather : each);
      }
      cmd.addOption(option);
      optionOf.set(f.field, option);
      // A body flag can also be turned off (`--no-is-enabled`).
      if (isFlag && f.location === 'body') {
        cmd.addOption(new Option(`--no-${f.flag}`, `the opposite of --${f.flag}`));
      }
    }
  }
  if (cli.destroys !== undefined) cmd.option('--yes', `confirm: it would ${cli.destroys}`);
  const ifMatch = op.ifMatch === true ? addExtra(cmd, ext.ifMatch ?? ifMatchOption) : undefined;
  for (const extra of ext.options ?? []) addExtra(cmd, extra);
  const args = fields.filter((f) => f.how === 'arg');
  const route: RestCall = {
    operation: op,
    async input(ctx) {
      const parts: Record<Location, Record<string, unknown>> = { params: {}, query: {}, body: {} };
      for (const f of fields) {
        const given = f.how === 'secret' ? await askSecret(ctx, f.field) : ctx.values[f.field];
        const value = cli.preset?.[f.field] ?? given;
        // An optional secret left empty is not sent.
        const isUnsent =
          value === undefined || (value === '' && f.how === 'secret' && !f.isRequired);
        if (!isUnsent) parts[f.location][f.field] = value;
      }
      const etag = ifMatch && (ctx.options[ifMatch.attributeName()] as Value | undefined);
      return {
        params: parts.params as Record<string, string | number>,
        query: parts.query as Record<string, string | number | boolean>,
        ...(op.body === undefined ? {} : { body: parts.body }),
        ...(etag === undefined ? {} : { ifMatch: String(etag) }),
      };
    },
    async call(ctx, given) {
      const client = await restClient(ctx);
      return (await callRest(ctx, client, op.id, given ?? (await this.input(ctx)))).body;
    },
  };
  act(
    cmd,
    io,
    (positional, options) => [
      ...args.map((f, i): Given => [f.field, positional[i]]),
      ...[...optionOf].map(([field, option]): Given => [field, options[option.attributeName()]]),
    ],
    (ctx) => {
      if (cli.destroys !== undefined && ctx.options['yes'] !== true) {
        return `missing --yes: ${cli.area} ${cli.command} would ${cli.destroys}; nothing was done: add --yes to do it`;
      }
      const missing = fields.find(
        (f) => f.how === 'option' && f.isRequired && ctx.values[f.field] === undefined,
      );
      if (missing !== undefined) return `missing --${missing.flag}: ${describe(missing.schema)}`;
      return ext.validate?.(ctx);
    },
    async (ctx) => {
      if (ext.run !== undefined) return ext.run(ctx, route);
      (ext.print ?? printJson)(ctx, await route.call(ctx));
    },
  );
  return cmd;
}

function addComposite(area: Command, name: string, spec: Composite, io: Surroundings): Command {
  const cmd = area.command(name).summary(spec.summary).description(spec.summary);
  const args = spec.args ?? [];
  for (const { name: arg, description, isOptional } of args) {
    cmd.argument(isOptional === true ? `[${arg}]` : `<${arg}>`, description);
  }
  for (const extra of spec.options ?? []) addExtra(cmd, extra);
  act(
    cmd,
    io,
    (positional) => args.map((a, i): Given => [a.name.toLowerCase(), positional[i]]),
    (ctx) => spec.validate?.(ctx),
    spec.run,
  );
  return cmd;
}

/**
 * Makes a command of an area that is named alone show its help (or run its
 * default command) and that of an unknown command name the area.
 */
function areaAction(area: Command, kind: string): void {
  area.allowExcessArguments().action(() => {
    const [word] = area.args;
    if (word === undefined) area.help();
    const where = area.parent === null ? '' : ` in area "${area.name()}"`;
    area.error(`unknown ${kind} "${word}"${where}`, {
      exitCode: 2,
      code: 'commander.unknownCommand',
    });
  });
}

/**
 * The tool's commands, made from `operations`' `cli` entries, each completed
 * by its area's extension, plus each area's composites. Throws `Internal`
 * when a table area has no extension (it needs a summary) or an extension
 * names a command the table does not have (they would drift apart).
 */
export function buildProgram(
  program: Command,
  areas: Readonly<Record<string, AreaExtension>>,
  io: Surroundings,
  topLevel: Readonly<Record<string, Composite>> = {},
  operations: readonly Operation[] = allOperations,
): Command {
  for (const [name, spec] of Object.entries(topLevel)) addComposite(program, name, spec, io);
  const made = new Map<string, Command>();
  for (const [name, ext] of Object.entries(areas)) {
    const cmd = program.command(name).summary(ext.summary).description(ext.summary);
    areaAction(cmd, 'command');
    made.set(name, cmd);
  }
  const area = (name: string): Command => {
    const found = made.get(name);
    if (found === undefined) throw new ChamberError(Code.Internal, `area "${name}" has no summary`);
    return found;
  };
  const seen = new Set<string>();
  for (const op of operations) {
    for (const cli of op.cli ?? []) {
      const ext = areas[cli.area]?.commands?.[cli.command] ?? {};
      const isDefault = areas[cli.area]?.defaultCommand === cli.command;
      addTableCommand(area(cli.area), op, cli, ext, io, isDefault);
      seen.add(`${cli.area} ${cli.command}`);
    }
  }
  for (const [name, ext] of Object.entries(areas)) {
    for (const command of Object.keys(ext.commands ?? {})) {
      if (!seen.has(`${name} ${command}`)) {
        throw new ChamberError(
          Code.Internal,
          `the CLI extends "${name} ${command}", which the route table does not have`,
        );
      }
    }
    for (const [command, spec] of Object.entries(ext.composites ?? {})) {
      if (!seen.has(`${name} ${command}`)) addComposite(area(name), command, spec, io);
    }
  }
  areaAction(program, 'area');
  program.addHelpText('after', () => overview(program));
  return program;
}

/** Every command of every area in one list, for the tool's help: `chamber clock step [N]`. */
function overview(program: Command): string {
  const lines: string[] = [];
  for (const area of program.commands) {
    if (area.commands.length === 0) continue;
    lines.push('', `${area.name()}: ${area.summary()}`);
    for (const cmd of area.commands) {
      const args = cmd.registeredArguments.map((a) => (a.required ? a.name() : `[${a.name()}]`));
      lines.push(
        `  ${[program.name(), area.name(), cmd.name(), ...args].join(' ')}  — ${cmd.summary()}`,
      );
    }
  }
  lines.push(
    '',
    `run '${program.name()} <area> <command> --help' for one command's arguments and options`,
  );
  return `${lines.join('\n')}\n`;
}
