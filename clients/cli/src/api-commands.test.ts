import { operations, type Operation } from '@chamber/api';
import { describe, expect, it } from 'vitest';
import { commandFromOperation, fieldsOf, kebab, routeTableFrom } from './api-commands.js';
import { restRouteOfPath } from './inventory-commands.js';
import { resolve, type RouteTable } from './routes.js';
import { ExitCode, run } from './run.js';
import { chamberRoutes } from './table.js';

/** The commands that are not table routes, each a composite or shorthand of table routes. */
const composites = ['login login', 'logout logout', 'inventory ls', 'inventory get'];

function commandsOf(table: RouteTable): string[] {
  return Object.entries(table.areas).flatMap(([area, spec]) =>
    Object.keys(spec.commands).map((c) => `${area} ${c}`),
  );
}

describe('the CLI and the REST route table', () => {
  it('has exactly the commands of the table’s cli entries, plus the documented composites', () => {
    const fromTable = operations.flatMap((o) => (o.cli ?? []).map((c) => `${c.area} ${c.command}`));
    expect(new Set(fromTable).size).toBe(fromTable.length);
    expect(commandsOf(chamberRoutes).sort()).toEqual([...fromTable, ...composites].sort());
  });

  it('runs an area’s default command: `chamber logs --follow` is `logs show --follow`', () => {
    const r = resolve(chamberRoutes, ['logs', '--follow', '--service', 'monitor']);
    expect(r.kind === 'command' && r.path).toEqual(['logs', 'show']);
    expect(r.kind === 'command' && r.input.flag('follow')).toBe(true);
    // An area that is one command shows that command's help.
    expect(resolve(chamberRoutes, ['login', '--help'])).toEqual({
      kind: 'help',
      path: ['login', 'login'],
    });
    expect(resolve(chamberRoutes, ['logs', '--help'])).toEqual({ kind: 'help', path: ['logs'] });
  });

  it('refuses an extension of a command the table does not have', () => {
    expect(() =>
      routeTableFrom(
        { program: 't', summary: 't' },
        { clock: { summary: 'c', commands: { stop: {} } } },
        [],
      ),
    ).toThrow('the CLI extends "clock stop", which the route table does not have');
  });

  it('refuses a table area the CLI has no summary for', () => {
    expect(() => routeTableFrom({ program: 't', summary: 't' }, {})).toThrow('has no summary');
  });
});

// A route of its own, so the mapping is checked apart from the real table.
const op: Operation = {
  id: 'tuneRack',
  method: 'PUT',
  path: '/racks/{zone}/{rack}',
  tag: 't',
  summary: 'tune a rack',
  access: 'user',
  params: {
    zone: { type: 'string', description: 'the zone' },
    rack: { type: 'integer', description: 'the rack', minimum: 1 },
  },
  query: { dryRun: { type: 'boolean', description: 'only check' } },
  body: {
    properties: {
      mode: { type: 'string', enum: ['fast', 'no_wait'], description: 'the mode' },
      speed: { type: 'number', description: 'how fast', exclusiveMinimum: 0, maximum: 5 },
      rights: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, description: 'rights' },
      isOn: { type: 'boolean', description: 'on' },
      password: { type: 'string', description: 'the password' },
      kinds: { type: 'string', description: 'kinds' },
      duration: { type: 'integer', description: 'ticks', minimum: 1 },
    },
    required: ['mode', 'password'],
  },
  response: { status: 200, description: 'ok' },
  ifMatch: true,
  cli: [
    {
      area: 'rack',
      command: 'tune',
      args: ['zone', 'rack', 'mode'],
      names: { duration: 'for' },
      secrets: ['password'],
      preset: { kinds: 'clock' },
      destroys: 'retune every rack in the zone',
    },
  ],
};
const cli = op.cli![0]!;

function table(): RouteTable {
  return {
    program: 'tool',
    summary: 't',
    areas: { rack: { summary: 'r', commands: { tune: commandFromOperation(op, cli) } } },
  };
}

describe('a table route as a command', () => {
  it('takes cli.args positionally in order and the other fields as kebab-case options, renamed by cli.names', () => {
    const fields = fieldsOf(op, cli);
    expect(fields.map((f) => [f.field, f.how, f.key])).toEqual([
      ['zone', 'arg', 'ZONE'],
      ['rack', 'arg', 'RACK'],
      ['mode', 'arg', 'MODE'],
      ['dryRun', 'option', 'dry-run'],
      ['speed', 'option', 'speed'],
      ['rights', 'option', 'rights'],
      ['isOn', 'option', 'is-on'],
      ['password', 'secret', 'password'],
      ['kinds', 'preset', 'kinds'],
      ['duration', 'option', 'for'],
    ]);
    expect(kebab('expiresInDays')).toBe('expires-in-days');
  });

  it('parses each by its schema: whole numbers, bounded numbers, enums, repeatable lists, flags', () => {
    const r = resolve(table(), [
      'rack',
      'tune',
      'z1',
      '3',
      'no-wait',
      '--speed',
      '2.5',
      '--rights',
      'a',
      '--rights',
      'b',
      '--is-on',
      '--for',
      '4',
      '--yes',
    ]);
    if (r.kind !== 'command') throw new Error(JSON.stringify(r));
    expect(r.input.value('RACK')).toBe(3);
    expect(r.input.value('MODE')).toBe('no_wait');
    expect(r.input.value('speed')).toBe(2.5);
    expect(r.input.value('rights')).toBe('a,b');
    expect(r.input.flag('is-on')).toBe(true);
    expect(r.input.value('for')).toBe(4);
    // A comma list is the same as repeating the option.
    const comma = resolve(table(), ['rack', 'tune', 'z1', '3', 'fast', '--rights', 'a,b', '--yes']);
    expect(comma.kind === 'command' && comma.input.value('rights')).toBe('a,b');
  });

  it('reports bad values, and a missing confirmation, as usage errors', () => {
    const problem = (...argv: string[]): string => {
      const r = resolve(table(), ['rack', 'tune', ...argv]);
      return r.kind === 'usage-error' ? r.message : r.kind;
    };
    expect(problem('z1', '0', 'fast', '--yes')).toBe('rack must be a whole number ≥ 1, got "0"');
    expect(problem('z1', '1', 'slow', '--yes')).toBe(
      'mode must be one of fast, no_wait; got "slow"',
    );
    expect(problem('z1', '1', 'fast', '--speed', '6', '--yes')).toBe(
      '--speed must be a number above 0 and at most 5, got "6"',
    );
    expect(problem('z1', '1', 'fast', '--rights', 'a,c', '--yes')).toBe(
      '--rights must be one of a, b; got "c"',
    );
    expect(problem('z1', '1', 'fast')).toBe(
      'missing --yes: rack tune would retune every rack in the zone; nothing was done: add --yes to do it',
    );
    // A negative number is the argument's value, not an unknown option.
    expect(problem('z1', '-3', 'fast', '--yes')).toBe('rack must be a whole number ≥ 1, got "-3"');
    expect(problem('z1', '1', 'fast', '--speed', '-2', '--yes')).toBe(
      '--speed must be a number above 0 and at most 5, got "-2"',
    );
    expect(problem('z1', '1', 'fast', '--password', 'x', '--yes')).toBe(
      'unknown option --password',
    );
    expect(problem('z1', '1', 'fast', '--kinds', 'x', '--yes')).toBe('unknown option --kinds');
  });
});

describe('table commands over REST', () => {
  /** Runs the tool against a fake fetch; collects the requests and what it printed. */
  async function chamber(argv: string[], answer = '{}') {
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

  it('sends path params, the positional query field, body fields, flags and If-Match', async () => {
    const r = await chamber([
      'inventory',
      'set-target',
      'r1/z1/k1/blade/2',
      'out-for-repair',
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
    expect(call?.url).toBe('http://h:1/api/v1/inventory/target?path=r1%2Fz1%2Fk1%2Fblade%2F2');
    expect(call?.body).toEqual({ state: 'out_for_repair', powered: false, reason: 'swap' });
    expect(call?.headers.get('if-match')).toBe('41');
    expect(call?.headers.get('authorization')).toBe('Bearer chm_t1_secret');
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
    expect((await chamber(['user', 'add', 'ann', '--password', 'x'])).code).toBe(ExitCode.Usage);
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
    const forward = await chamber(['logs', '--after', '0', '--limit', '5'], page);
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
});

describe('the inventory shorthands by element path', () => {
  it('map ls onto the list routes of the level', () => {
    expect(restRouteOfPath('', 'list')).toEqual([{ operationId: 'listRegions', params: {} }]);
    expect(restRouteOfPath('r', 'list')).toEqual([
      { operationId: 'listZones', params: { region: 'r' } },
    ]);
    expect(restRouteOfPath('r/z/k', 'list').map((x) => x.operationId)).toEqual([
      'listPdus',
      'listTors',
      'listBlades',
    ]);
  });

  it('map get onto the get route of the element', () => {
    expect(restRouteOfPath('r/z', 'get')).toEqual([
      { operationId: 'getZone', params: { region: 'r', zone: 'z' } },
    ]);
    expect(restRouteOfPath('r/z/k/blade/7', 'get')).toEqual([
      { operationId: 'getBlade', params: { region: 'r', zone: 'z', rack: 'k', index: '7' } },
    ]);
    expect(restRouteOfPath('r/z/k/tor/0', 'get')[0]?.operationId).toBe('getTor');
    expect(restRouteOfPath('r/z/k/blade/7/power', 'get')).toEqual([
      {
        operationId: 'getCable',
        params: { region: 'r', zone: 'z', rack: 'k', index: '7', cable: 'power' },
      },
    ]);
  });

  it('refuse paths of no element', () => {
    expect(() => restRouteOfPath('r/z/k/fan/1', 'get')).toThrow('is not an element path');
    expect(() => restRouteOfPath('r/z/k/blade/x', 'get')).toThrow('is not an element path');
    expect(() => restRouteOfPath('r/z/k/blade', 'list')).toThrow('ls takes region[/zone[/rack]]');
  });
});
