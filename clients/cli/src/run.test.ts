import { operations } from '@chamber/api';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, kebab } from './program.js';
import { areas, chamberProgram, ExitCode, run } from './run.js';

/** Runs the tool in-process against a fake fetch; what it printed and every request it made. */
async function chamber(argv: string[], answer: string | (() => Response) = '{}') {
  // Ctrl-C after the first request, so streams end.
  const interrupt = new AbortController();
  const seen: Array<{ url: string; method: string; headers: Headers; body: unknown }> = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    seen.push({
      // ApiClient passes the URL and the body as strings.
      url: url as string,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    if (typeof answer === 'function') return Promise.resolve(answer());
    interrupt.abort();
    return Promise.resolve(new Response(answer, { status: 200 }));
  };
  let stdout = '';
  let stderr = '';
  const prompts: string[] = [];
  try {
    const code = await run(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { CHAMBER_API: 'http://h:1', CHAMBER_TOKEN: 'chm_t1_secret' },
      signal: interrupt.signal,
      readSecret: (prompt) => {
        prompts.push(prompt);
        return Promise.resolve(prompt.startsWith('current') ? '' : 's3cret!!');
      },
    });
    return { code, stdout, stderr, seen, prompts };
  } finally {
    globalThis.fetch = realFetch;
  }
}

const program = chamberProgram({
  print: () => undefined,
  note: () => undefined,
  signal: new AbortController().signal,
  env: {},
  readSecret: () => Promise.resolve(''),
});

/** `area command` of every command of the tool, top-level ones as themselves. */
function commandsOf(root: Command): string[] {
  return root.commands.flatMap((c) =>
    c.commands.length === 0 ? [c.name()] : c.commands.map((s) => `${c.name()} ${s.name()}`),
  );
}

/** The commands that are no route of the table, each a composite of its routes. */
const composites = [
  'login',
  'logout',
  'inventory ls',
  'inventory get',
  'scenario check',
  'scenario plan',
  'scenario apply',
  'scenario run',
];

describe('the CLI and the REST route table', () => {
  it('has exactly the commands of the table’s cli entries, plus the documented composites', () => {
    const fromTable = operations.flatMap((o) => (o.cli ?? []).map((c) => `${c.area} ${c.command}`));
    expect(new Set(fromTable).size).toBe(fromTable.length);
    expect(commandsOf(program).sort()).toEqual([...fromTable, ...composites].sort());
  });

  for (const op of operations) {
    for (const cli of op.cli ?? []) {
      it(`chamber ${cli.area} ${cli.command} --help names its arguments and options (${op.id})`, async () => {
        const { code, stdout } = await chamber([cli.area, cli.command, '--help']);
        expect(code).toBe(ExitCode.Ok);
        expect(stdout).toContain(`Usage: chamber ${cli.area} ${cli.command}`);
        const command = program.commands
          .find((c) => c.name() === cli.area)
          ?.commands.find((c) => c.name() === cli.command);
        const args = command?.registeredArguments ?? [];
        expect(args).toHaveLength((cli.args ?? []).length);
        for (const arg of args) expect(stdout).toMatch(new RegExp(`^ {2}${arg.name()} `, 'm'));
        const fields = [
          ...Object.keys(op.params ?? {}),
          ...Object.keys(op.query ?? {}),
          ...Object.keys(op.body?.properties ?? {}).filter(
            (f) => !(op.body?.forms ?? []).slice(1).some((form) => form.includes(f)),
          ),
        ];
        const taken = [
          ...(cli.args ?? []),
          ...(cli.secrets ?? []),
          ...Object.keys(cli.preset ?? {}),
        ];
        // Fields the command fills itself (`load`'s source, `create`'s demand from --cores …).
        const handled = areas[cli.area]?.commands?.[cli.command]?.filled ?? [];
        for (const field of fields.filter((f) => !taken.includes(f) && !handled.includes(f))) {
          expect(stdout).toContain(`--${kebab(cli.names?.[field] ?? field)}`);
        }
        for (const secret of cli.secrets ?? []) expect(stdout).not.toContain(`--${kebab(secret)} `);
      });
    }
  }

  it('refuses an extension of a command the table does not have, and an area without a summary', () => {
    const io = {
      print: () => undefined,
      note: () => undefined,
      signal: new AbortController().signal,
      env: {},
      readSecret: () => Promise.resolve(''),
    };
    expect(() =>
      buildProgram(
        new Command('t'),
        { clock: { summary: 'c', commands: { stop: {} } } },
        io,
        {},
        [],
      ),
    ).toThrow('the CLI extends "clock stop", which the route table does not have');
    expect(() => buildProgram(new Command('t'), {}, io)).toThrow('has no summary');
    // Every area of the table, and `scenario`, whose commands are mostly the CLI's own.
    expect(Object.keys(areas).sort()).toEqual(
      [
        ...new Set([...operations.flatMap((o) => (o.cli ?? []).map((c) => c.area)), 'scenario']),
      ].sort(),
    );
  });
});

describe('chamber: help', () => {
  it('lists every command of every area for `chamber`, `chamber help` and `chamber --help`', async () => {
    for (const argv of [[], ['help'], ['--help']]) {
      const { code, stdout, stderr } = await chamber(argv);
      expect(code).toBe(ExitCode.Ok);
      expect(stderr).toBe('');
      for (const synopsis of [
        'chamber clock status',
        'chamber clock step [N]',
        'chamber clock policy POLICY',
        'chamber clock run-until T',
        'chamber inventory load FILE',
        'chamber inventory get PATH',
        'chamber fault get ID',
        '--json',
        '--api <URL>',
      ]) {
        expect(stdout).toContain(synopsis);
      }
    }
  });

  it("prints an area's commands for `chamber clock` and one command's help for `chamber help clock policy`", async () => {
    const area = await chamber(['clock']);
    expect(area.code).toBe(ExitCode.Ok);
    expect(area.stdout).toContain('run-until <T>');
    const { code, stdout } = await chamber(['clock', 'policy', '--help']);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout).toContain('Usage: chamber clock policy [options] <POLICY>');
    expect(stdout).toContain('paused | manual | measured | no_wait');
    expect(stdout).toContain('--epoch <E>');
    expect((await chamber(['help', 'clock', 'policy'])).stdout).toBe(stdout);
  });

  it('speaks one spelling per value: the API words, never a variant', async () => {
    for (const argv of [[], ...Object.keys(areas).map((a) => [a])]) {
      const { stdout } = await chamber([...argv, '--help']);
      expect(stdout).not.toMatch(/no-wait|no wait|POLICY_|FAULT_KIND_/);
    }
    const variant = await chamber(['clock', 'policy', 'no-wait']);
    expect(variant.code).toBe(ExitCode.Usage);
    expect(variant.stderr).toContain(
      'policy must be one of paused, manual, measured, no_wait; got "no-wait"',
    );
    expect(variant.seen).toEqual([]);
  });
});

describe('chamber: bad usage exits 2 with the problem and a usage hint, before any call', () => {
  const cases: [string[], string, string][] = [
    [['workloads', 'list'], 'chamber: unknown area "workloads"', 'usage: chamber <area> <command>'],
    [
      ['workload', 'list'],
      'chamber: unknown command "list" in area "workload"',
      'usage: chamber workload',
    ],
    [
      ['inventory', 'list'],
      'chamber: unknown command "list" in area "inventory"',
      'usage: chamber inventory',
    ],
    [
      ['clock', 'step', 'abc'],
      'chamber: count must be a whole number ≥ 1, got "abc"',
      'usage: chamber clock step [options] [N]',
    ],
    // A negative count is a count that breaks the rule (the API's word for it), not an option.
    [
      ['clock', 'step', '-3'],
      'chamber: count must be a whole number ≥ 1, got "-3"\n',
      "run 'chamber clock step --help' for help",
    ],
    [['clock', 'step', '1', '2'], 'too many arguments', 'usage: chamber clock step'],
    [['clock', 'run-until'], "missing required argument 'T'", 'usage: chamber clock run-until'],
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
      ['clock', 'policy', 'manual', '--rate', '5'],
      '--rate applies only to policy measured',
      'usage: chamber clock policy',
    ],
    [
      ['clock', 'policy', 'manual', '--epoch', '-1'],
      '--epoch must be a whole number ≥ 0, got "-1"',
      'usage: chamber clock policy',
    ],
    [
      ['clock', 'reset', '--yes', '--seed', 'x'],
      '--seed must be a whole number ≥ 0, got "x"',
      'usage: chamber clock reset',
    ],
    [
      ['clock', 'status', '--verbose'],
      "chamber: unknown option '--verbose'",
      'usage: chamber clock status',
    ],
    [['clock', 'step', '--seed', '3'], "unknown option '--seed'", 'usage: chamber clock step'],
    [
      ['inventory', 'ls', '--view', 'truth'],
      'chamber: --view must be one of definition, target, actual, observed; got "truth"',
      'usage: chamber inventory ls',
    ],
    [
      ['inventory', 'get', 'r/z/k/fan/1'],
      '"r/z/k/fan/1" is not an element path',
      'usage: chamber inventory get',
    ],
    [
      ['inventory', 'ls', 'r/z/k/blade/1'],
      'ls takes region[/zone[/rack]], got "r/z/k/blade/1"',
      'usage: chamber inventory ls',
    ],
    [
      ['fault', 'inject', '--kind', 'crash'],
      'chamber: missing --target: element paths; a region, zone or rack means all in it',
      'usage: chamber fault inject',
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
      'give at most one of --every, --probability and --mtbf (got --every, --probability)',
      'usage: chamber fault inject',
    ],
    [
      ['fault', 'inject', '--target', 'r/z/k', '--kind', 'hang', '--probability', '2'],
      '--probability must be a number above 0 and at most 1, got "2"',
      'usage: chamber fault inject',
    ],
    [
      ['login'],
      'login needs --user NAME (the password is asked for), or --token T',
      'usage: chamber login',
    ],
    [
      ['user', 'add', 'ann', '--password', 'x'],
      "unknown option '--password'",
      'usage: chamber user add',
    ],
    [
      ['clock', 'status', '--api', 'localhost'],
      '--api must be http(s)://host[:port], got "localhost"',
      'usage: chamber clock status',
    ],
  ];
  for (const [argv, problem, hint] of cases) {
    it(`chamber ${argv.join(' ')}`, async () => {
      const { code, stdout, stderr, seen } = await chamber(argv);
      expect(code).toBe(ExitCode.Usage);
      expect(stdout).toBe('');
      expect(stderr).toContain(problem);
      expect(stderr).toContain(hint);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(seen).toEqual([]);
    });
  }
});

describe('chamber: commands that destroy or clear more than the one thing they name', () => {
  const destructive: [string[], string][] = [
    [['clock', 'reset'], 'wipe the simulated world'],
    [['fault', 'clear-all'], 'clear every fault not cleared yet'],
    [['inventory', 'load', 'cloud.yaml'], 'make the file the whole definition'],
    [['user', 'rm', 'alice'], 'delete the user with all its sessions and bearer tokens'],
    [['workload', 'delete', 'web'], 'delete the workload and stop every one of its instances'],
  ];

  it('are exactly these, each with --yes (one rule, from the route table)', () => {
    const confirmed = program.commands.flatMap((area) =>
      area.commands
        .filter((c) => c.options.some((o) => o.long === '--yes'))
        .map((c) => `${area.name()} ${c.name()}`),
    );
    expect(confirmed.sort()).toEqual(destructive.map(([argv]) => argv.slice(0, 2).join(' ')));
  });

  for (const [argv, what] of destructive) {
    it(`chamber ${argv.join(' ')} says what it would do and how to confirm, and does nothing`, async () => {
      const { code, stderr, seen } = await chamber(argv);
      expect(code).toBe(ExitCode.Usage);
      expect(stderr).toContain(
        `chamber: missing --yes: ${argv.slice(0, 2).join(' ')} would ${what}`,
      );
      expect(stderr).toContain('; nothing was done: add --yes to do it\n');
      expect(seen).toEqual([]);
    });
  }
});

describe('table commands over REST', () => {
  it('sends path params, the positional query field, body fields, flags and If-Match', async () => {
    const r = await chamber([
      'inventory',
      'set-target',
      'r1/z1/k1/blade/2',
      'out_for_repair',
      '--no-powered',
      '--reason',
      'swap',
      '--if-match',
      '41',
    ]);
    expect(r.stderr).toBe('');
    expect(r.seen).toHaveLength(1);
    const [call] = r.seen;
    expect(call?.method).toBe('PUT');
    expect(call?.url).toBe('http://h:1/api/v1/inventory/target?path=r1/z1/k1/blade/2');
    expect(call?.body).toEqual({ state: 'out_for_repair', powered: false, reason: 'swap' });
    expect(call?.headers.get('if-match')).toBe('41');
    expect(call?.headers.get('authorization')).toBe('Bearer chm_t1_secret');
  });

  it('takes a rack out for repair with drain in one call', async () => {
    const r = await chamber(['inventory', 'set-target', 'r1/z1/k1', 'out_for_repair', '--drain']);
    expect(r.stderr).toBe('');
    expect(r.seen.map((c) => [c.method, c.url, c.body])).toEqual([
      [
        'PUT',
        'http://h:1/api/v1/inventory/target?path=r1/z1/k1',
        { state: 'out_for_repair', drain: true },
      ],
    ]);
  });

  it('asks for secrets without taking them as options, and sends lists as arrays', async () => {
    const r = await chamber([
      'user',
      'add',
      'ann',
      '--rights',
      'step_time',
      '--rights',
      'inject_faults',
    ]);
    expect(r.prompts).toEqual(['password: ']);
    expect(r.seen[0]?.body).toEqual({
      name: 'ann',
      password: 's3cret!!',
      rights: ['step_time', 'inject_faults'],
    });
    // passwd first asks who the caller is: another user's needs no current password.
    const passwd = await chamber(['user', 'passwd', 'ann']);
    expect(passwd.seen[0]?.url).toBe('http://h:1/api/v1/sessions/current');
    expect(passwd.prompts).toEqual(['new password: ']);
  });

  it('sends one command per target in the bulk form, and a fault’s renamed options as its fields', async () => {
    const bulk = await chamber(['inventory', 'command', 'r/z/k/blade/0,r/z/k/blade/5', 'reboot']);
    expect(bulk.seen[0]?.body).toEqual({
      targets: ['r/z/k/blade/0', 'r/z/k/blade/5'],
      action: 'reboot',
    });
    const one = await chamber(['inventory', 'command', 'r/z/k/blade/0', 'reboot']);
    expect(one.seen[0]?.body).toEqual({ target: 'r/z/k/blade/0', action: 'reboot' });
    const fault = await chamber([
      'fault',
      'inject',
      '--kind',
      'power_loss',
      '--target',
      'r/z/k',
      '--target',
      'r/z/j',
      '--for',
      '3',
    ]);
    expect(fault.seen[0]?.body).toEqual({
      kind: 'power_loss',
      targets: ['r/z/k', 'r/z/j'],
      duration: 3,
    });
  });

  it('maps the inventory shorthands onto the table’s reads by what the path names', async () => {
    const get = await chamber(['inventory', 'get', 'r/z/k/blade/7', '--view', 'actual']);
    expect(get.seen.map((s) => s.url)).toEqual([
      'http://h:1/api/v1/inventory/element?path=r/z/k/blade/7&view=actual',
    ]);
    const cable = await chamber(['inventory', 'get', 'r/z/k/blade/7/power-cable']);
    expect(cable.seen[0]?.url).toBe(
      'http://h:1/api/v1/inventory/element?path=r/z/k/blade/7/power-cable&view=definition',
    );
    const ls = await chamber(
      ['inventory', 'ls', 'r/z/k', '--at', '4'],
      () => new Response('{"elements":[]}'),
    );
    expect(ls.seen.map((s) => s.url)).toEqual([
      'http://h:1/api/v1/inventory/elements?path=r/z/k&view=definition&at=4',
    ]);
    expect(ls.stdout).toBe('(nothing)\n');
    const regions = await chamber(['inventory', 'ls'], () => new Response('{"elements":[]}'));
    expect(regions.seen[0]?.url).toBe('http://h:1/api/v1/inventory/elements?view=definition');
  });

  it('logs shows the newest entries, each with its run and tick; --after pages forward from a seq', async () => {
    const page = JSON.stringify({
      entries: [
        {
          seq: 7,
          run: 1,
          tick: 40,
          service: 'monitor',
          name: 'monitor.transition',
          target: 'r/z/k',
        },
        {
          seq: 8,
          run: 2,
          tick: 3,
          severity: 'SEVERITY_WARN',
          service: 'monitor',
          name: 'monitor.transition',
          target: 'r/z/k/blade/0',
          reason: 'no heartbeat',
        },
        { seq: 9, tick: -1, service: 'frontend', name: 'http' },
      ],
      lastSeq: 9,
    });
    const newest = await chamber(['logs', '--run', '2'], page);
    expect(newest.code).toBe(ExitCode.Ok);
    expect(newest.seen[0]?.url).toBe('http://h:1/api/v1/logs?run=2&tail=true');
    expect(newest.stdout).toBe(
      [
        '#7 run 1 tick 40 info monitor monitor.transition r/z/k',
        '#8 run 2 tick 3 warn monitor monitor.transition r/z/k/blade/0 — no heartbeat',
        '#9 tick - info frontend http',
        '',
      ].join('\n'),
    );
    const forward = await chamber(['logs', 'show', '--after', '0', '--limit', '5'], page);
    expect(forward.seen[0]?.url).toBe('http://h:1/api/v1/logs?after=0&limit=5');
    expect((await chamber(['logs', '--tail'])).code).toBe(ExitCode.Usage);
  });

  it('fixes presets: clock watch is the event stream of kind clock', async () => {
    const r = await chamber(['events', 'follow', '--kinds', 'faults']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.seen[0]?.url).toBe('http://h:1/api/v1/events?kinds=faults');
    const watch = await chamber(['clock', 'watch']);
    expect(watch.code).toBe(ExitCode.Ok);
    expect(watch.seen[0]?.url).toBe('http://h:1/api/v1/events?kinds=clock');
    expect((await chamber(['clock', 'watch', '--kinds', 'logs'])).code).toBe(ExitCode.Usage);
  });

  it('prints the server’s error on one line and exits 1; a 401 says how to log in', async () => {
    const refused = await chamber(
      ['fault', 'get', 'f9'],
      () =>
        new Response('{"error":{"code":"not_found","message":"fault \\"f9\\" not found"}}', {
          status: 404,
        }),
    );
    expect(refused).toMatchObject({
      code: ExitCode.Failed,
      stderr: 'chamber: fault "f9" not found\n',
    });
    const anonymous = await chamber(
      ['clock', 'status'],
      () =>
        new Response('{"error":{"code":"unauthenticated","message":"log in first"}}', {
          status: 401,
        }),
    );
    expect(anonymous.stderr).toBe('chamber: not logged in: run chamber login (log in first)\n');
  });
});
