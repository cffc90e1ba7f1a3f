import {
  operations as allOperations,
  type CallInput,
  type CliSpec,
  type JsonSchema,
  type Operation,
} from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import { callRest, restClient, viaOf } from './transport.js';
import {
  usageError,
  type AreaSpec,
  type ArgSpec,
  type CommandContext,
  type CommandInput,
  type CommandSpec,
  type OptionSpec,
  type OptionSpecs,
  type Parser,
  type RouteTable,
} from './routes.js';
import { oneOf, wholeNumber } from './values.js';

/** Where a field of a route travels. */
type Location = 'params' | 'query' | 'body';

/** One field of a route as a command sees it. */
export interface FieldSpec {
  readonly field: string;
  readonly location: Location;
  readonly schema: JsonSchema;
  /** How it is given: an argument, an option, a secret asked for, fixed, or filled by the handler. */
  readonly how: 'arg' | 'option' | 'secret' | 'preset' | 'filled';
  /** Its name in the parsed input (`COUNT`, `expires-in-days`); the field's for secrets and presets. */
  readonly key: string;
  readonly isRequired: boolean;
  /** The fixed value of a preset. */
  readonly preset?: string;
}

/** A route's call as a command makes it, for handlers that do more than call and print. */
export interface RestCall {
  readonly operation: Operation;
  /** The call's parameters, query and body from the command line, secrets and presets. */
  input(ctx: CommandContext): Promise<CallInput>;
  /** Makes the call (see `callRest`) and resolves with the answer's body. */
  call(ctx: CommandContext, input?: CallInput): Promise<unknown>;
}

/** What the CLI adds to a table command: options of its own, a gRPC transport, printing. */
export interface CommandExtension {
  /** Presentation of positional arguments, by field (`fileName` → `FILE`). */
  readonly args?: Readonly<
    Record<
      string,
      { readonly name?: string; readonly description?: string; readonly isRequired?: boolean }
    >
  >;
  /** Replaces the route's summary in help (for a command that is more than the call). */
  readonly summary?: string;
  /** Fields the handler fills itself (`load`'s `source`, read from FILE): not on the command line. */
  readonly filled?: readonly string[];
  /** Options only the CLI has (`--wait`, `--follow`); they do not reach the route. */
  readonly options?: OptionSpecs;
  /** The option that carries `If-Match` on routes that honour it (default `if-match`). */
  readonly ifMatchOption?: string;
  readonly validate?: (input: CommandInput) => string | undefined;
  /** Runs the command over gRPC; without it the command goes over REST only. */
  readonly grpc?: (ctx: CommandContext) => Promise<void>;
  /** Runs it over REST; default: make the call and {@link print} the answer. */
  readonly rest?: (ctx: CommandContext, route: RestCall) => Promise<void>;
  /** Prints a REST answer; default: its JSON (indented unless `--json`). */
  readonly print?: (ctx: CommandContext, body: unknown) => void;
}

/** What the CLI adds to an area of table commands. */
export interface AreaExtension {
  readonly summary: string;
  readonly options?: OptionSpecs;
  readonly defaultCommand?: string;
  readonly commands?: Readonly<Record<string, CommandExtension>>;
  /**
   * Commands the table does not have, each a composite or shorthand of table
   * routes (`login` is logIn + createToken); the drift test lists them.
   */
  readonly composites?: Readonly<Record<string, CommandSpec>>;
}

/** `expiresInDays` → `expires-in-days`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `fileName` → `FILE_NAME`: how a positional argument shows in usage. */
function argName(name: string): string {
  return kebab(name).replace(/-/g, '_').toUpperCase();
}

/**
 * The fields of one command of `op`: its `cli.args` (path parameters, query
 * and body fields, in that order) as arguments, presets and secrets as
 * such, every other field as an option. Throws an `Internal` ChamberError
 * when `cli` names a field the route does not have.
 */
export function fieldsOf(op: Operation, cli: CliSpec, ext: CommandExtension = {}): FieldSpec[] {
  const all: Array<[string, Location, JsonSchema, boolean]> = [
    ...Object.entries(op.params ?? {}).map(([f, s]): [string, Location, JsonSchema, boolean] => [
      f,
      'params',
      s,
      true,
    ]),
    ...Object.entries(op.query ?? {}).map(([f, s]): [string, Location, JsonSchema, boolean] => [
      f,
      'query',
      s,
      false,
    ]),
    // A body of several forms is given in its first: its fields required, the other forms' left out.
    ...Object.entries(op.body?.properties ?? {})
      .filter(([f]) => !(op.body?.forms ?? []).slice(1).some((form) => form.includes(f)))
      .map(([f, s]): [string, Location, JsonSchema, boolean] => [
        f,
        'body',
        s,
        (op.body?.required.includes(f) ?? false) || (op.body?.forms?.[0]?.includes(f) ?? false),
      ]),
  ];
  const args = cli.args ?? [];
  for (const name of [...args, ...(cli.secrets ?? []), ...Object.keys(cli.preset ?? {})]) {
    if (!all.some(([f]) => f === name)) {
      throw new ChamberError(
        Code.Internal,
        `${cli.area} ${cli.command}: ${op.id} has no field "${name}"`,
      );
    }
  }
  const fields = all.map(([field, location, schema, isRequired]): FieldSpec => {
    const base = { field, location, schema };
    const preset = cli.preset?.[field];
    if (preset !== undefined) return { ...base, how: 'preset', key: field, isRequired, preset };
    if (cli.secrets?.includes(field) === true)
      return { ...base, how: 'secret', key: field, isRequired };
    if (ext.filled?.includes(field) === true)
      return { ...base, how: 'filled', key: field, isRequired };
    if (args.includes(field)) {
      // A query field given positionally is what the command is about: required.
      const required = isRequired || location === 'query' || ext.args?.[field]?.isRequired === true;
      return {
        ...base,
        how: 'arg',
        key: ext.args?.[field]?.name ?? argName(field),
        isRequired: required,
      };
    }
    return { ...base, how: 'option', key: kebab(cli.names?.[field] ?? field), isRequired };
  });
  // Arguments in the order cli.args names them, then the rest.
  const position = (f: FieldSpec): number =>
    f.how === 'arg' ? args.indexOf(f.field) : args.length;
  return fields.sort((a, b) => position(a) - position(b));
}

/** The parser a field's schema calls for; `undefined` for plain text. */
export function parserOf(schema: JsonSchema): Parser | undefined {
  const type = schema['type'];
  const choices = schema['enum'];
  if (Array.isArray(choices)) return enumParser(choices.map(String));
  if (type === 'integer')
    return wholeNumber(typeof schema['minimum'] === 'number' ? schema['minimum'] : 0);
  if (type === 'number') return numberParser(schema);
  if (type === 'array') {
    const item = schema['items'] as JsonSchema | undefined;
    const each = item === undefined ? undefined : parserOf(item);
    return (text, label) => {
      const items = text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (items.length === 0) throw usageError(`${label} needs at least one value`);
      return items.map((t) => String(each === undefined ? t : each(t, label))).join(',');
    };
  }
  return undefined;
}

/** One of the choices; `no-wait` is taken for `no_wait`. */
function enumParser(choices: readonly string[]): Parser {
  const strict = oneOf(choices);
  return (text, label) => {
    const underscored = text.replace(/-/g, '_');
    return strict(choices.includes(underscored) ? underscored : text, label);
  };
}

/** A decimal number within the schema's bounds. */
function numberParser(schema: JsonSchema): Parser {
  const above = schema['exclusiveMinimum'];
  const min = schema['minimum'];
  const max = schema['maximum'];
  const rules = [
    typeof above === 'number' ? `above ${above}` : undefined,
    typeof min === 'number' ? `at least ${min}` : undefined,
    typeof max === 'number' ? `at most ${max}` : undefined,
  ].filter((r) => r !== undefined);
  return (text, label) => {
    const value = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
    const isOk =
      Number.isFinite(value) &&
      (typeof above !== 'number' || value > above) &&
      (typeof min !== 'number' || value >= min) &&
      (typeof max !== 'number' || value <= max);
    if (!isOk) {
      const rule = rules.length === 0 ? '' : ` ${rules.join(' and ')}`;
      throw usageError(`${label} must be a number${rule}, got "${text}"`);
    }
    return value;
  };
}

function describeSchema(schema: JsonSchema): string {
  const description = typeof schema['description'] === 'string' ? schema['description'] : '';
  const choices = schema['enum'] ?? (schema['items'] as JsonSchema | undefined)?.['enum'];
  return Array.isArray(choices) ? `${description}: ${choices.join(' | ')}` : description;
}

function optionOf(f: FieldSpec): OptionSpec {
  const description = describeSchema(f.schema);
  const parse = parserOf(f.schema);
  if (f.schema['type'] === 'boolean') return { type: 'boolean', description };
  return {
    type: 'string',
    valueName: f.key.toUpperCase().replace(/-/g, '_'),
    description:
      f.schema['type'] === 'array' ? `${description} (repeat, or separate by commas)` : description,
    ...(parse === undefined ? {} : { parse }),
    ...(f.schema['type'] === 'array' ? { isRepeatable: true } : {}),
    ...(f.isRequired ? { requiredBecause: description } : {}),
  };
}

/** The options of boolean body fields that turn them off (`--no-is-enabled`). */
function negationOf(f: FieldSpec): [string, OptionSpec] | undefined {
  if (f.how !== 'option' || f.location !== 'body' || f.schema['type'] !== 'boolean')
    return undefined;
  return [`no-${f.key}`, { type: 'boolean', description: `the opposite of --${f.key}` }];
}

/**
 * The command `chamber <cli.area> <cli.command>` of `op`: arguments and
 * options from its fields (see {@link fieldsOf}), a mandatory `--yes` when
 * it destroys or clears more than the one thing it names (`cli.destroys`), `--if-match` when it honours If-Match, plus the
 * extension's own options; it runs over gRPC when the extension has it and
 * the transport says so (see `viaOf`), else over REST.
 */
export function commandFromOperation(
  op: Operation,
  cli: CliSpec,
  ext: CommandExtension = {},
): CommandSpec {
  const fields = fieldsOf(op, cli, ext);
  const args: ArgSpec[] = fields
    .filter((f) => f.how === 'arg')
    .map((f) => {
      const parse = parserOf(f.schema);
      return {
        name: f.key,
        description: ext.args?.[f.field]?.description ?? describeSchema(f.schema),
        ...(f.isRequired ? {} : { isOptional: true }),
        // Its problems name the field as the API does (`count`, not `N`).
        ...(parse === undefined ? {} : { parse: (text: string) => parse(text, f.field) }),
      };
    });
  const ifMatch = ext.ifMatchOption ?? 'if-match';
  const options: Record<string, OptionSpec> = {};
  if (cli.destroys !== undefined) {
    options['yes'] = {
      type: 'boolean',
      description: `confirm: it would ${cli.destroys}`,
      requiredBecause: `${cli.area} ${cli.command} would ${cli.destroys}; nothing was done: add --yes to do it`,
    };
  }
  for (const f of fields) {
    if (f.how !== 'option') continue;
    options[f.key] = optionOf(f);
    const negation = negationOf(f);
    if (negation !== undefined) options[negation[0]] = negation[1];
  }
  if (op.ifMatch === true && ext.options?.[ifMatch] === undefined) {
    options[ifMatch] = {
      type: 'string',
      valueName: 'ETAG',
      description: 'change it only if its ETag is still this (else fail, changing nothing)',
    };
  }
  Object.assign(options, ext.options);
  const route = restCall(op, fields, ifMatch);
  return {
    summary:
      ext.summary ??
      `${op.summary}${cli.secrets === undefined ? '' : ` (asks for the ${cli.secrets.map((f) => kebab(f).replace(/-/g, ' ')).join(' and ')})`}`,
    args,
    options,
    ...(ext.validate === undefined ? {} : { validate: ext.validate }),
    async run(ctx) {
      if ((await viaOf(ctx, ext.grpc !== undefined)) === 'grpc' && ext.grpc !== undefined) {
        return ext.grpc(ctx);
      }
      if (ext.rest !== undefined) return ext.rest(ctx, route);
      (ext.print ?? printJson)(ctx, await route.call(ctx));
    },
  };
}

function restCall(op: Operation, fields: readonly FieldSpec[], ifMatch: string): RestCall {
  const input = async (ctx: CommandContext): Promise<CallInput> => {
    const parts: Record<Location, Record<string, unknown>> = { params: {}, query: {}, body: {} };
    for (const f of fields) {
      const value = await valueOf(ctx, f);
      if (value !== undefined) parts[f.location][f.field] = value;
    }
    const etag = ctx.input.string(ifMatch);
    return {
      params: parts.params as Record<string, string | number>,
      query: parts.query as Record<string, string | number | boolean>,
      ...(op.body === undefined ? {} : { body: parts.body }),
      ...(op.ifMatch === true && etag !== undefined ? { ifMatch: etag } : {}),
    };
  };
  return {
    operation: op,
    input,
    async call(ctx, given) {
      const client = await restClient(ctx);
      return (await callRest(ctx, client, op.id, given ?? (await input(ctx)))).body;
    },
  };
}

/** A field's value for the call, from the command line, a prompt or the preset. */
async function valueOf(ctx: CommandContext, f: FieldSpec): Promise<unknown> {
  if (f.how === 'preset') return f.preset;
  if (f.how === 'filled') return undefined;
  if (f.how === 'secret') {
    const secret = await askSecret(ctx, f.field);
    if (secret === '' && !f.isRequired) return undefined;
    return secret;
  }
  if (f.schema['type'] === 'boolean') {
    if (ctx.input.flag(f.key)) return true;
    if (f.location === 'body' && ctx.input.flag(`no-${f.key}`)) return false;
    return undefined;
  }
  const value = ctx.input.value(f.key);
  if (typeof value === 'string' && f.schema['type'] === 'array') return value.split(',');
  return value;
}

/**
 * A secret field's value: `CHAMBER_PASSWORD` for `password`, else asked for
 * without echo (`current password: `, or `prompt`), on a terminal twice
 * when `repeatPrompt` is given.
 */
export async function askSecret(
  ctx: CommandContext,
  field: string,
  prompt = `${kebab(field).replace(/-/g, ' ')}: `,
  repeatPrompt?: string,
): Promise<string> {
  const fromEnv = field === 'password' ? ctx.env['CHAMBER_PASSWORD'] : undefined;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return ctx.readSecret(prompt, repeatPrompt);
}

/** Prints a REST answer as JSON: one line with `--json`, indented otherwise. */
export function printJson(ctx: CommandContext, body: unknown): void {
  if (body === undefined) {
    if (!ctx.input.flag('json')) ctx.print('done');
    return;
  }
  ctx.print(ctx.input.flag('json') ? JSON.stringify(body) : JSON.stringify(body, null, 2));
}

/**
 * The tool's route table, made from `operations`' `cli` entries, each
 * completed by the extension of its area and command, plus each area's
 * composites. Throws an `Internal` ChamberError when an area of the table
 * has no extension (it needs a summary) or an extension names a command the
 * table does not have (they would drift apart).
 */
export function routeTableFrom(
  base: Omit<RouteTable, 'areas'>,
  areas: Readonly<Record<string, AreaExtension>>,
  operations: readonly Operation[] = allOperations,
): RouteTable {
  const commands = new Map<string, Record<string, CommandSpec>>();
  const seen = new Set<string>();
  for (const op of operations) {
    for (const cli of op.cli ?? []) {
      const area = areas[cli.area];
      if (area === undefined)
        throw new ChamberError(Code.Internal, `area "${cli.area}" has no summary`);
      const ext = area.commands?.[cli.command] ?? {};
      const own = commands.get(cli.area) ?? {};
      own[cli.command] = commandFromOperation(op, cli, ext);
      commands.set(cli.area, own);
      seen.add(`${cli.area} ${cli.command}`);
    }
  }
  const built: Record<string, AreaSpec> = {};
  for (const [name, area] of Object.entries(areas)) {
    for (const command of Object.keys(area.commands ?? {})) {
      if (!seen.has(`${name} ${command}`)) {
        throw new ChamberError(
          Code.Internal,
          `the CLI extends "${name} ${command}", which the route table does not have`,
        );
      }
    }
    built[name] = {
      summary: area.summary,
      ...(area.options === undefined ? {} : { options: area.options }),
      ...(area.defaultCommand === undefined ? {} : { defaultCommand: area.defaultCommand }),
      commands: { ...commands.get(name), ...area.composites },
    };
  }
  return { ...base, areas: built };
}
