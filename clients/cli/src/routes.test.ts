import { Code } from '@chamber/errors';
import { describe, expect, it } from 'vitest';
import { checkRouteTable, isUsageError, resolve, usageError, type RouteTable } from './routes.js';
import { oneOf, positiveNumber, wholeNumber } from './values.js';

const noop = (): Promise<void> => Promise.resolve();

// A table of its own, so the resolver is checked apart from the clock area.
const table: RouteTable = {
  program: 'tool',
  summary: 'a test tool',
  options: { json: { type: 'boolean', description: 'JSON' } },
  areas: {
    rack: {
      summary: 'racks',
      options: {
        server: {
          type: 'string',
          valueName: 'ADDR',
          env: 'TOOL_SERVER',
          defaultValue: 'localhost:1',
          description: 'where',
        },
      },
      commands: {
        show: {
          summary: 'show a rack',
          args: [
            { name: 'ZONE', description: 'the zone', parse: oneOf(['z1', 'z2']) },
            { name: 'N', description: 'the rack', isOptional: true, parse: wholeNumber(1) },
          ],
          run: noop,
        },
        tune: {
          summary: 'tune',
          options: {
            speed: { type: 'string', valueName: 'S', parse: positiveNumber, description: 'speed' },
            force: { type: 'boolean', description: 'force', requiredBecause: 'it is dangerous' },
          },
          validate: (input) => ((input.number('speed') ?? 0) > 10 ? 'speed too high' : undefined),
          run: noop,
        },
      },
    },
  },
};

function command(argv: string[], env: Record<string, string> = {}) {
  const resolution = resolve(table, argv, env);
  if (resolution.kind !== 'command')
    throw new Error(`not a command: ${JSON.stringify(resolution)}`);
  return resolution;
}

function usageProblem(argv: string[]) {
  const resolution = resolve(table, argv);
  if (resolution.kind !== 'usage-error') throw new Error(`no usage error: ${resolution.kind}`);
  return resolution;
}

describe('resolve', () => {
  it('finds area and command and parses arguments and options wherever they stand', () => {
    const r = command(['--json', 'rack', '--server', 'h:2', 'show', 'z2', '7']);
    expect(r.path).toEqual(['rack', 'show']);
    expect(r.input.string('ZONE')).toBe('z2');
    expect(r.input.number('N')).toBe(7);
    expect(r.input.string('server')).toBe('h:2');
    expect(r.input.flag('json')).toBe(true);
  });

  it('leaves optional arguments unset and fills options from env, then the default', () => {
    const r = command(['rack', 'show', 'z1']);
    expect(r.input.number('N')).toBeUndefined();
    expect(r.input.flag('json')).toBe(false);
    expect(r.input.string('server')).toBe('localhost:1');
    expect(command(['rack', 'show', 'z1'], { TOOL_SERVER: 'e:3' }).input.string('server')).toBe(
      'e:3',
    );
    // The command line wins over the environment; an empty variable counts as unset.
    const both = command(['rack', 'show', 'z1', '--server=c:4'], { TOOL_SERVER: 'e:3' });
    expect(both.input.string('server')).toBe('c:4');
    expect(command(['rack', 'show', 'z1'], { TOOL_SERVER: '' }).input.string('server')).toBe(
      'localhost:1',
    );
  });

  it('answers help for no words, the help pseudo-area, a bare area and --help', () => {
    expect(resolve(table, [])).toEqual({ kind: 'help', path: [] });
    expect(resolve(table, ['help'])).toEqual({ kind: 'help', path: [] });
    expect(resolve(table, ['help', 'rack'])).toEqual({ kind: 'help', path: ['rack'] });
    expect(resolve(table, ['help', 'rack', 'show'])).toEqual({
      kind: 'help',
      path: ['rack', 'show'],
    });
    expect(resolve(table, ['rack'])).toEqual({ kind: 'help', path: ['rack'] });
    expect(resolve(table, ['rack', '--help'])).toEqual({ kind: 'help', path: ['rack'] });
    // --help wins over arguments that would not parse.
    expect(resolve(table, ['rack', 'show', 'nowhere', '-h'])).toEqual({
      kind: 'help',
      path: ['rack', 'show'],
    });
  });

  it('reports unknown areas, commands and options with the route they concern', () => {
    expect(usageProblem(['shelf', 'show'])).toMatchObject({
      message: 'unknown area "shelf"',
      path: [],
    });
    expect(usageProblem(['constructor'])).toMatchObject({ message: 'unknown area "constructor"' });
    expect(usageProblem(['rack', 'drop'])).toMatchObject({
      message: 'unknown command "drop" in area "rack"',
      path: ['rack'],
    });
    expect(usageProblem(['help', 'rack', 'drop']).path).toEqual(['rack']);
    expect(usageProblem(['rack', 'show', 'z1', '--colour', 'red'])).toMatchObject({
      message: 'unknown option --colour',
      path: ['rack', 'show'],
    });
    expect(usageProblem(['rack', 'show', 'z1', '--speed', '3'])).toMatchObject({
      message: '--speed is not an option of tool rack show',
      path: ['rack', 'show'],
    });
  });

  it('reports missing, malformed and extra arguments', () => {
    expect(usageProblem(['rack', 'show']).message).toBe('missing ZONE (the zone)');
    expect(usageProblem(['rack', 'show', 'z3']).message).toBe(
      'ZONE must be one of z1, z2; got "z3"',
    );
    expect(usageProblem(['rack', 'show', 'z1', '0']).message).toBe(
      'N must be a whole number ≥ 1, got "0"',
    );
    expect(usageProblem(['rack', 'show', 'z1', '2', '3', '4']).message).toBe(
      'unexpected arguments "3" "4"',
    );
  });

  it('reports option values that are missing or malformed, required options and rules', () => {
    expect(usageProblem(['rack', 'tune', '--force', '--speed']).message).toMatch(/--speed/);
    expect(usageProblem(['rack', 'tune', '--force', '--speed', 'fast']).message).toBe(
      '--speed must be a number above 0, got "fast"',
    );
    expect(usageProblem(['rack', 'tune', '--force=yes']).message).toMatch(/--force/);
    expect(usageProblem(['rack', 'tune']).message).toBe('missing --force: it is dangerous');
    expect(usageProblem(['rack', 'tune', '--force', '--speed', '11']).message).toBe(
      'speed too high',
    );
    expect(command(['rack', 'tune', '--force', '--speed', '2.5']).input.number('speed')).toBe(2.5);
  });

  it('names the environment variable when its value is malformed', () => {
    const strict: RouteTable = {
      ...table,
      areas: {
        rack: {
          summary: 'racks',
          options: {
            port: {
              type: 'string',
              env: 'TOOL_PORT',
              parse: wholeNumber(1),
              description: 'port',
            },
          },
          commands: { show: { summary: 'show', run: noop } },
        },
      },
    };
    expect(resolve(strict, ['rack', 'show'], { TOOL_PORT: 'x' })).toMatchObject({
      kind: 'usage-error',
      message: 'TOOL_PORT must be a whole number ≥ 1, got "x"',
    });
  });

  it('throws Internal when a handler reads an input as the wrong type', () => {
    const r = command(['rack', 'show', 'z1']);
    expect(() => r.input.number('ZONE')).toThrow(expect.objectContaining({ code: Code.Internal }));
  });
});

describe('checkRouteTable', () => {
  it('accepts a consistent table', () => {
    expect(() => checkRouteTable(table)).not.toThrow();
  });

  it('rejects one option name with two types, a stolen -h, a "help" area and a required argument after an optional one', () => {
    const conflicting: RouteTable = {
      ...table,
      options: { server: { type: 'boolean', description: 'x' } },
    };
    expect(() => checkRouteTable(conflicting)).toThrow(/--server/);
    const stealing: RouteTable = {
      ...table,
      options: { host: { type: 'string', short: 'h', description: 'x' } },
    };
    expect(() => checkRouteTable(stealing)).toThrow(/-h/);
    const reserved: RouteTable = { ...table, areas: { help: { summary: 'x', commands: {} } } };
    expect(() => checkRouteTable(reserved)).toThrow(/reserved/);
    const misordered: RouteTable = {
      ...table,
      areas: {
        a: {
          summary: 'a',
          commands: {
            c: {
              summary: 'c',
              args: [
                { name: 'X', description: 'x', isOptional: true },
                { name: 'Y', description: 'y' },
              ],
              run: noop,
            },
          },
        },
      },
    };
    expect(() => checkRouteTable(misordered)).toThrow(/optional/);
  });
});

describe('usageError', () => {
  it('is a ChamberError (InvalidArgument) that isUsageError tells apart', () => {
    const error = usageError('bad');
    expect(error.code).toBe(Code.InvalidArgument);
    expect(isUsageError(error)).toBe(true);
    expect(isUsageError(new Error('bad'))).toBe(false);
  });
});
