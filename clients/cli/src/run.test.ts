import { describe, expect, it } from 'vitest';
import { ExitCode, run } from './run.js';
import { chamberRoutes } from './table.js';
import { checkRouteTable } from './routes.js';

/** Runs the tool in-process and collects what it printed. */
async function chamber(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('chamber: the route table', () => {
  it('is consistent', () => {
    expect(() => checkRouteTable(chamberRoutes)).not.toThrow();
  });
});

describe('chamber: help', () => {
  it('prints every clock command for `chamber`, `chamber help` and `chamber clock --help`', async () => {
    for (const argv of [[], ['help'], ['clock', '--help'], ['clock']]) {
      const { code, stdout, stderr } = await chamber(...argv);
      expect(code).toBe(ExitCode.Ok);
      expect(stderr).toBe('');
      for (const synopsis of [
        'chamber clock status',
        'chamber clock step [N]',
        'chamber clock policy POLICY [--rate RATE] [--epoch E]',
        'chamber clock run-until T',
        'chamber clock wait-for T',
        'chamber clock watch',
        'chamber clock reset --yes [--seed SEED]',
        '--stepper HOST:PORT',
        '--json',
      ]) {
        expect(stdout).toContain(synopsis);
      }
    }
  });

  it("prints one command's arguments and options", async () => {
    const { code, stdout } = await chamber('clock', 'policy', '--help');
    expect(code).toBe(ExitCode.Ok);
    expect(stdout).toContain(
      'usage: chamber clock policy POLICY [--rate RATE] [--epoch E] [options]',
    );
    expect(stdout).toContain('paused | manual | measured | no_wait');
    expect(stdout).toContain('env CHAMBER_STEPPER, default 127.0.0.1:50051');
    expect((await chamber('help', 'clock', 'policy')).stdout).toBe(stdout);
  });
});

describe('chamber: bad usage exits 2 with the problem and a usage hint, before any connection', () => {
  // No stepper listens at port 1: a command that got as far as connecting would exit 1.
  const cases: [string[], string, string][] = [
    [['workload', 'list'], 'chamber: unknown area "workload"', 'usage: chamber <area> <command>'],
    [
      ['inventory', 'list'],
      'chamber: unknown command "list" in area "inventory"',
      'usage: chamber inventory <command>',
    ],

    [
      ['clock', 'stop'],
      'chamber: unknown command "stop" in area "clock"',
      "run 'chamber help clock'",
    ],
    [
      ['clock', 'step', 'abc'],
      'chamber: count must be a whole number ≥ 1, got "abc"',
      'usage: chamber clock step [N]',
    ],
    [
      ['clock', 'step', '0'],
      'count must be a whole number ≥ 1, got "0"',
      'usage: chamber clock step [N]',
    ],
    [['clock', 'step', '1', '2'], 'unexpected argument "2"', 'usage: chamber clock step [N]'],
    [['clock', 'run-until'], 'chamber: missing T (the tick)', 'usage: chamber clock run-until T'],
    [
      ['clock', 'wait-for', 'soon'],
      'tick must be a whole number ≥ 0, got "soon"',
      'usage: chamber clock wait-for T',
    ],
    [['clock', 'policy'], 'missing POLICY', 'usage: chamber clock policy POLICY'],
    [
      ['clock', 'policy', 'fast'],
      'policy must be one of paused, manual, measured, no_wait; got "fast"',
      'chamber clock policy --help',
    ],
    [
      ['clock', 'policy', 'measured'],
      'policy measured needs --rate R',
      'usage: chamber clock policy',
    ],
    [
      ['clock', 'policy', 'measured', '--rate', '0'],
      '--rate must be a number above 0 and at most 10000, got "0"',
      'usage: chamber clock policy',
    ],
    [
      ['clock', 'policy', 'measured', '--rate', 'fast'],
      '--rate must be a number above 0 and at most 10000, got "fast"',
      'usage: chamber clock policy',
    ],
    [['clock', 'policy', 'measured', '--rate'], '--rate', 'usage: chamber clock policy'],
    [
      ['clock', 'policy', 'manual', '--rate', '5'],
      '--rate applies only to policy measured',
      'usage: chamber clock policy',
    ],
    [
      ['clock', 'policy', 'manual', '--epoch', '-1'],
      '--epoch must be a whole number ≥ 0, got "-1"',
      'usage: chamber clock policy',
    ],
    // A negative count is a count that breaks the rule (the API's word for it), not an option.
    [
      ['clock', 'step', '-3'],
      'chamber: count must be a whole number ≥ 1, got "-3"\n',
      'usage: chamber clock step [N]',
    ],
    [
      ['clock', 'run-until', '-1'],
      'chamber: tick must be a whole number ≥ 0, got "-1"\n',
      'usage: chamber clock run-until T',
    ],
    [
      ['clock', 'reset'],
      'chamber: missing --yes: clock reset would wipe the simulated world',
      'usage: chamber clock reset --yes [--seed SEED]',
    ],
    [['clock', 'reset', '--seed', '7'], 'missing --yes', 'usage: chamber clock reset'],
    [
      ['clock', 'reset', '--yes', '--seed', 'x'],
      '--seed must be a whole number ≥ 0, got "x"',
      'usage: chamber clock reset',
    ],
    [
      ['clock', 'status', '--verbose'],
      'chamber: unknown option --verbose',
      'usage: chamber clock status',
    ],
    [
      ['clock', 'step', '--seed', '3'],
      '--seed is not an option of chamber clock step',
      'usage: chamber clock step',
    ],
    [
      ['clock', 'status', '--stepper', 'localhost'],
      'chamber: --stepper: the stepper address must be host:port',
      'usage: chamber clock status',
    ],
  ];
  for (const [argv, problem, hint] of cases) {
    it(`chamber ${argv.join(' ')}`, async () => {
      const { code, stdout, stderr } = await chamber('--stepper', '127.0.0.1:1', ...argv);
      expect(code).toBe(ExitCode.Usage);
      expect(stdout).toBe('');
      expect(stderr).toContain(problem);
      expect(stderr).toContain(hint);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('chamber inventory and fault: bad usage exits 2 before any connection', () => {
  const cases: [string[], string][] = [
    [
      ['inventory', 'ls', '--view', 'truth', '--inventory', '127.0.0.1:1'],
      'chamber: --view must be one of definition, target, actual, observed; got "truth"\nusage: chamber inventory ls [PATH]',
    ],
    [
      ['fault', 'inject', '--kind', 'crash', '--faults', '127.0.0.1:1'],
      'chamber: missing --target: element paths; a region, zone or rack means all in it\nusage: chamber fault inject',
    ],
    [
      [
        'fault',
        'inject',
        '--target',
        'r/z/k',
        '--kind',
        'crash',
        '--every',
        '3',
        '--probability',
        '0.5',
      ],
      'chamber: give at most one of --every, --probability and --mtbf (got --every, --probability)',
    ],
    [
      ['fault', 'inject', '--target', 'r/z/k', '--kind', 'hang', '--probability', '2'],
      'chamber: --probability must be a number above 0 and at most 1, got "2"',
    ],
  ];
  for (const [argv, problem] of cases) {
    it(`chamber ${argv.join(' ')}`, async () => {
      const { code, stderr } = await chamber(...argv);
      expect(code).toBe(ExitCode.Usage);
      expect(stderr).toContain(problem);
    });
  }
});

describe('chamber: notes', () => {
  it('go to stderr as one line each, however often a command makes them', async () => {
    let stdout = '';
    let stderr = '';
    const code = await run(
      ['area', 'poll'],
      { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {} },
      {
        program: 'tool',
        summary: 'a tool',
        areas: {
          area: {
            summary: 'an area',
            commands: {
              poll: {
                summary: 'reconnects three times',
                run: (ctx) => {
                  for (let i = 0; i < 3; i++) ctx.note('talking to the default');
                  ctx.print('done');
                  return Promise.resolve();
                },
              },
            },
          },
        },
      },
    );
    expect({ code, stdout, stderr }).toEqual({
      code: ExitCode.Ok,
      stdout: 'done\n',
      stderr: 'tool: talking to the default\n',
    });
  });
});

describe('chamber: commands that destroy or clear more than the one thing they name', () => {
  const destructive: [string[], string][] = [
    [['clock', 'reset'], 'wipe the simulated world'],
    [['fault', 'clear-all'], 'clear every fault not cleared yet'],
    [['inventory', 'load', 'cloud.yaml'], 'make the file the whole definition'],
    [['user', 'rm', 'alice'], 'delete the user with all its sessions and bearer tokens'],
  ];

  it('are exactly these, each with a mandatory --yes (one rule, from the route table)', () => {
    const confirmed = Object.entries(chamberRoutes.areas).flatMap(([area, spec]) =>
      Object.entries(spec.commands)
        .filter(([, c]) => c.options?.['yes']?.requiredBecause !== undefined)
        .map(([name]) => `${area} ${name}`),
    );
    expect(confirmed.sort()).toEqual(destructive.map(([argv]) => argv.slice(0, 2).join(' ')));
  });

  for (const [argv, what] of destructive) {
    it(`chamber ${argv.join(' ')} says what it would do and how to confirm, and does nothing`, async () => {
      // Nothing listens at port 1: a command that got as far as calling would exit 1.
      const { code, stderr } = await chamber(...argv, '--api', 'http://127.0.0.1:1');
      expect(code).toBe(ExitCode.Usage);
      expect(stderr).toContain(
        `chamber: missing --yes: ${argv.slice(0, 2).join(' ')} would ${what}`,
      );
      expect(stderr).toContain('; nothing was done: add --yes to do it\n');
    });
  }
});
