import {
  commandOptions,
  helpOption,
  type AreaSpec,
  type CommandSpec,
  type OptionSpec,
  type RoutePath,
  type RouteTable,
} from './routes.js';

/** Synopses longer than this put their description on the next line. */
const maxColumn = 34;

/**
 * The help for `path`, generated from the table: the whole tool (every
 * area's commands), one area, or one command with its arguments and options.
 * Ends with a newline. Assumes `path` names routes of the table (as a
 * {@link Resolution} does) and shows the whole tool otherwise.
 */
export function usageText(table: RouteTable, path: RoutePath): string {
  const [areaName, commandName] = path;
  const area = areaName === undefined ? undefined : table.areas[areaName];
  const command = commandName === undefined ? undefined : area?.commands[commandName];
  if (
    areaName !== undefined &&
    commandName !== undefined &&
    area !== undefined &&
    command !== undefined
  ) {
    return commandHelp(table, areaName, commandName, area, command);
  }
  const lines = [`${table.program} — ${table.summary}`, '', `usage: ${synopsis(table, path)}`];
  const areas =
    areaName !== undefined && area !== undefined
      ? [[areaName, area] as const]
      : Object.entries(table.areas);
  for (const [name, spec] of areas) {
    lines.push('', `${name}: ${spec.summary}`);
    lines.push(
      ...columns(
        Object.entries(spec.commands).map(([verb, c]) => [
          commandSynopsis(table.program, name, verb, c),
          c.summary,
        ]),
      ),
    );
    if (spec.options !== undefined) {
      lines.push('', `${name} options:`, ...optionRows(spec.options));
    }
  }
  lines.push('', 'options:', ...optionRows({ ...table.options, help: helpOption }));
  lines.push(
    '',
    areaName === undefined
      ? `run '${table.program} help <area> <command>' for one command's arguments and options`
      : `run '${table.program} ${areaName} <command> --help' for one command's arguments and options`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The two lines printed under a usage error: how to call what the error is
 * about, and where to read more. Ends with a newline.
 */
export function usageHint(table: RouteTable, path: RoutePath): string {
  const [areaName, commandName] = path;
  const more =
    areaName === undefined
      ? `${table.program} help`
      : commandName === undefined
        ? `${table.program} help ${areaName}`
        : `${table.program} ${areaName} ${commandName} --help`;
  return `usage: ${synopsis(table, path)}\nrun '${more}' for help\n`;
}

/** `chamber <area> <command> [args] [options]`, as far as `path` is known. */
function synopsis(table: RouteTable, path: RoutePath): string {
  const [areaName, commandName] = path;
  const command =
    areaName === undefined || commandName === undefined
      ? undefined
      : table.areas[areaName]?.commands[commandName];
  if (areaName !== undefined && commandName !== undefined && command !== undefined) {
    return `${commandSynopsis(table.program, areaName, commandName, command)} [options]`;
  }
  return areaName === undefined
    ? `${table.program} <area> <command> [args] [options]`
    : `${table.program} ${areaName} <command> [args] [options]`;
}

function commandHelp(
  table: RouteTable,
  areaName: string,
  commandName: string,
  area: AreaSpec,
  command: CommandSpec,
): string {
  const lines = [
    `usage: ${commandSynopsis(table.program, areaName, commandName, command)} [options]`,
    '',
    command.summary,
  ];
  const args = command.args ?? [];
  if (args.length > 0) {
    lines.push('', 'arguments:', ...columns(args.map((a) => [a.name, a.description])));
  }
  const options = Object.fromEntries(commandOptions(table, area, command));
  lines.push('', 'options:', ...optionRows(options));
  return `${lines.join('\n')}\n`;
}

/** `chamber clock policy POLICY [--rate R] [--epoch E]`: arguments and the command's own options. */
function commandSynopsis(
  program: string,
  areaName: string,
  commandName: string,
  command: CommandSpec,
): string {
  // An area that is one command (`login`, its default) is typed once.
  const words = commandName === areaName ? [program, areaName] : [program, areaName, commandName];
  for (const arg of command.args ?? []) {
    words.push(arg.isOptional === true ? `[${arg.name}]` : arg.name);
  }
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    const option = optionWord(name, spec);
    words.push(spec.requiredBecause === undefined ? `[${option}]` : option);
  }
  return words.join(' ');
}

function optionWord(name: string, spec: OptionSpec): string {
  return spec.type === 'string' ? `--${name} ${spec.valueName ?? 'VALUE'}` : `--${name}`;
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): string[] {
  return columns(
    Object.entries(options).map(([name, spec]) => {
      const word = optionWord(name, spec);
      const source = [
        spec.env === undefined ? undefined : `env ${spec.env}`,
        spec.defaultValue === undefined ? undefined : `default ${spec.defaultValue}`,
      ].filter((s) => s !== undefined);
      return [
        spec.short === undefined ? word : `-${spec.short}, ${word}`,
        source.length === 0 ? spec.description : `${spec.description} (${source.join(', ')})`,
      ];
    }),
  );
}

/** Two aligned columns, indented by two spaces. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const fitting = rows.map(([left]) => left.length).filter((n) => n <= maxColumn);
  const width = Math.max(0, ...fitting);
  return rows.flatMap(([left, right]) =>
    left.length <= maxColumn
      ? [`  ${left.padEnd(width)}  ${right}`]
      : [`  ${left}`, `  ${' '.repeat(width)}  ${right}`],
  );
}
