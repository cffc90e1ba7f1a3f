import { budgets, etcdEndpoints, freePortRun, uniqueSimulation } from '@chamber/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from './processes.js';

// The root README's walkthrough ("With Chamber running, drive the clock from
// another shell" and "break things and watch them in the inventory") and its
// workload's story ("A workload's story", by CLI and by REST), run as written:
// every `npx chamber …` line of their code blocks, in order, with the real
// `chamber` command against the services the real launcher starts (on free
// ports, on the test etcd), and every `curl` line of the story's REST block
// as the same request (method, path, headers, body) made with fetch. Each
// line's comment is a promise, checked by the entry of that block's promise
// table named by that comment; a comment with no check, or a check with no
// comment, fails the test, so the two cannot drift apart. The story starts
// with a reset, so it holds whatever ran before it in this launcher.
//
// Not as a newcomer types it: the login. The README logs in with `chamber
// login --user admin` and the password of the first run; here the launcher
// is given that password (CHAMBER_FRONTEND_ADMIN_PASSWORD) and `chamber login
// --api URL --user admin` reads it from CHAMBER_PASSWORD, so every command
// goes over REST to this launcher's frontend as the README's do; the REST
// block's `API` and `TOKEN` are this frontend's and a token made for the test
// the way the README's REST block makes one. Commands that never end (`clock
// watch`, `logs --follow`) run until their first line, then get Ctrl-C
// (SIGINT), which ends them with exit code 0.

const cli = path.join(repo, 'clients/cli/bin/chamber.js');
const launcherMain = path.join(repo, 'deploy/local/dist/src/main.js');
const password = 'a walkthrough password';
const rack = 'standard/z1/rack3';
const pdu = `${rack}/pdu/0`;
const blades = Array.from({ length: 8 }, (_, i) => `${rack}/blade/${i}`);

/** One command line of a README code block: its words, as a shell splits them, and its comment. */
interface Line {
  readonly text: string;
  readonly words: string[];
  readonly comment: string;
}

/**
 * The code blocks of the README from the text `from` to the text `to`; fails
 * the test unless both are there and there are `count` blocks between them.
 */
function readmeBlocks(from: string, to: string, count: number): string[] {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf(from);
  const end = readme.indexOf(to, start);
  expect(start, `the README has "${from}"`).toBeGreaterThan(0);
  expect(end, `the README has "${to}" after it`).toBeGreaterThan(start);
  const blocks = [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(count);
  return blocks;
}

/** A block's lines as a shell reads them: a line ending in `\` is continued by the next. */
const logicalLines = (block: string): string[] =>
  block
    .replaceAll(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((text) => text.trim() !== '');

/**
 * A line split into words as a shell splits it (quotes removed), up to its
 * comment (an unquoted `#` starting a word). With `vars`, a `$NAME` outside
 * single quotes is replaced by its value, and an unknown one fails; without,
 * it is left as it is.
 */
function shellLine(text: string, vars?: Readonly<Record<string, string>>): Line {
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quote === '' && /\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (quote === '' && c === '#' && word === undefined) break;
    else if (c === quote) quote = '';
    else if (quote === '' && (c === "'" || c === '"')) {
      quote = c;
      word ??= '';
    } else if (c === '$' && quote !== "'" && vars !== undefined) {
      const name = /^\w+/.exec(text.slice(i + 1))?.[0] ?? '';
      expect(vars, `$${name} in: ${text}`).toHaveProperty(name);
      word = (word ?? '') + vars[name]!;
      i += name.length;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return { text, words, comment: text.slice(i + 1).trim() };
}

/** The `npx chamber …` lines of `blocks`, each with the `chamber` arguments as its words. */
const chamberLines = (blocks: readonly string[]): Line[] =>
  blocks
    .flatMap((b) => logicalLines(b).map((text) => shellLine(text)))
    .filter((l) => l.words[0] === 'npx' && l.words[1] === 'chamber')
    .map((l) => ({ ...l, words: l.words.slice(2) }));

/** Fails unless every comment of `lines` has a check in `promises`, and every check a comment. */
function expectPromised(lines: readonly Line[], promises: Readonly<Record<string, unknown>>): void {
  const comments = lines.map((l) => l.comment).filter((c) => c !== '');
  expect(
    comments.filter((c) => promises[c] === undefined),
    'comments with no check',
  ).toEqual([]);
  expect(
    Object.keys(promises).filter((c) => !comments.includes(c)),
    'checks of comments the README no longer has',
  ).toEqual([]);
}

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the run learned on the way that a later promise needs. */
interface Seen {
  faultId?: string | undefined;
}

/**
 * The lines of `out` about `element`: those whose first element path is it
 * (a blade's reason may name its PDU; `…/blade/1` is not `…/blade/10`).
 */
const linesOf = (out: string, element: string): string[] =>
  out.split('\n').filter((l) => new RegExp(`${rack}/[\\w/-]+`).exec(l)?.[0] === element);

const word = (w: string) => new RegExp(`\\b${w}\\b`);

function expectElement(out: string, element: string, pattern: RegExp): void {
  const lines = linesOf(out, element);
  expect(lines, `a line for ${element} in:\n${out}`).toHaveLength(1);
  expect(lines[0], `${element} in:\n${out}`).toMatch(pattern);
}

/** The rack's PDU and every blade, each in the state a promise names. */
function expectRack(out: string, pduState: RegExp, bladeState: RegExp): void {
  expectElement(out, pdu, pduState);
  for (const b of blades) expectElement(out, b, bladeState);
}

/** The walkthrough's comments, each with what it promises; keyed by the comment text. */
const walkthroughPromises: Record<string, (out: string, seen: Seen) => void> = {
  'the blades boot within a few ticks': (out) => expect(out).toMatch(word('tick 20')),
  'the PDU on, its blades working': (out) => expectRack(out, word('on'), word('working')),
  'the PDU off at 21, its blades by 23': (out) => expect(out).toMatch(word('tick 23')),
  'the PDU off, its blades off': (out) => expectRack(out, word('off'), word('off')),
  'as it was at tick 20, before the fault': (out) => expectRack(out, word('on'), word('working')),
  'what the control plane believes: the PDU failed, its blades not yet': (out) => {
    expectElement(out, pdu, word('failed'));
    for (const b of blades) expectElement(out, b, /^(?![\s\S]*\bfailed\b)/);
  },
  'tick 28: heartbeats missed': (out) => expect(out).toMatch(word('tick 28')),
  'the blades observed failed too': (out) => expectRack(out, word('failed'), word('failed')),
  'the fault, active until tick 31': (out, seen) => {
    expect(seen.faultId).toBeDefined();
    expectElement(out, pdu, word('active'));
    const [line] = linesOf(out, pdu);
    expect(line).toContain(seen.faultId!);
    expect(line).toContain('power_loss');
    expect(line).toMatch(word('31'));
  },
  'the repairs it triggered, with their reasons': (out) => {
    // The PDU's repair (a replacement, after a technician's delay) and one per
    // blade, each saying why: the finding, or what it waits for.
    expectElement(out, pdu, /replace/);
    for (const b of blades) expectElement(out, b, /no heartbeat|waiting/);
    expect(out).toMatch(/observed failed|no heartbeat since tick \d+ \(4 missed\)/);
  },
  'the power is back at 31, the blades boot again': (out) => expect(out).toMatch(word('tick 58')),
  'every repair closed: succeeded, or recovered on its own': (out) => {
    expectElement(out, pdu, /\brecovered\b.*recovered on its own/);
    for (const b of blades) expectElement(out, b, /\b(succeeded|recovered)\b/);
    expect(out).not.toMatch(/\b(pending|running|escalated)\b/);
    expect(out).not.toMatch(/attempt 0/);
  },
  'the decision log, live (REST)': (out) => expect(out).toMatch(/\S/),
};

/**
 * What the workload's story promises, told once for both of its blocks: from
 * a reset with the default seed every tick and blade is the same on every
 * machine (the simulation is deterministic).
 */
const story = {
  createdTick: 21,
  /** The instance the crash takes out, its blade, and the one that replaces it. */
  victim: 'web/5',
  blade: 'standard/z1/rack6/blade/0',
  placedTick: 22,
  filteredByAntiAffinity: 35,
  crashTick: 30,
  replacement: 'web/6',
  replacementBlade: 'standard/z1/rack6/blade/1',
  instanceTicksLost: 7,
  outage: { startTick: 31, detectedTick: 33, endTick: 38 },
} as const;

/** The `web/…` lines of `chamber workload instances|on`, by instance name. */
function instanceLines(out: string): Map<string, string> {
  const lines = out.split('\n').filter((l) => l.startsWith('web/'));
  return new Map(lines.map((l) => [l.split(/\s+/)[0]!, l]));
}

/** The line of `name` in `out`, in the words a promise names. */
function expectInstance(out: string, name: string, pattern: RegExp): void {
  expect(instanceLines(out).get(name), `${name} in:\n${out}`).toMatch(pattern);
}

const atTick = (tick: number) => (out: string) =>
  expect(out).toMatch(new RegExp(`^tick ${tick} \\(settled\\)`));

/** The story's CLI comments, each with what it promises. */
const storyPromises: Record<string, (out: string, seen: Seen) => void> = {
  'a fresh run at tick 0': atTick(0),
  'tick 20': atTick(20),
  'web: created at tick 21': (out) =>
    expect(out).toContain(`web: created at tick ${story.createdTick}`),
  'tick 29': atTick(29),
  'web ready: 6 of 6 observed running': (out) =>
    expect(out).toMatch(/^web\s+ready\s+6 of 6 observed running/m),
  'one instance per rack, web/5 on standard/z1/rack6/blade/0': (out) => {
    const lines = [...instanceLines(out).values()];
    expect(lines, out).toHaveLength(6);
    const racks = lines.map((l) => /standard\/z1\/rack\d+/.exec(l)?.[0]);
    expect(new Set(racks).size, out).toBe(6);
    expectInstance(
      out,
      story.victim,
      new RegExp(`^\\S+\\s+running\\s+observed running\\s+${story.blade}\\s`),
    );
  },
  'why that blade: the candidates and their scores, 35 blades filtered out by anti-affinity': (
    out,
  ) => {
    expect(out).toContain(`${story.victim} placed on ${story.blade} at tick ${story.placedTick}`);
    expect(out).toMatch(new RegExp(`▶\\s+${story.blade}\\s+\\d+`));
    expect(out).toMatch(new RegExp(`anti_affinity\\s+${story.filteredByAntiAffinity}\\s`));
  },
  'what runs on the blade: web/5': (out) => {
    expect([...instanceLines(out).keys()]).toEqual([story.victim]);
    expectInstance(out, story.victim, word('running'));
  },
  'the blade crashes at tick 30': (out) =>
    expect(out).toMatch(
      new RegExp(`crash\\s+active since tick ${story.crashTick}\\s+${story.blade}`),
    ),
  'tick 32': atTick(32),
  'web/5 lost, and observed failed': (out) =>
    expectInstance(
      out,
      story.victim,
      new RegExp(`^\\S+\\s+lost\\s+observed failed\\s+${story.blade}\\s`),
    ),
  'tick 39': atTick(39),
  'web/6 running in its place, on standard/z1/rack6/blade/1': (out) => {
    const lines = instanceLines(out);
    expect(lines.has(story.victim), out).toBe(false);
    expect(
      [...lines.values()].filter((l) => /^\S+\s+running\s+observed running\s/.test(l)),
      out,
    ).toHaveLength(6);
    expectInstance(out, story.replacement, new RegExp(`\\s${story.replacementBlade}\\s`));
  },
  'the crashed blade filtered out, observed suspect': (out) => {
    expect(out).toMatch(new RegExp(`▶\\s+${story.replacementBlade}\\s`));
    expect(out).not.toContain(`${story.blade} `);
    expect(out).toMatch(/observed_unhealthy\s+1\s+1 blade observed suspect/);
  },
  '7 instance-ticks lost: one outage, started at 31, detected at 33, ended at 38': (out) => {
    expect(out).toContain(`lost ${story.instanceTicksLost} instance-ticks`);
    const { startTick, detectedTick, endTick } = story.outage;
    expect(out).toMatch(
      new RegExp(`^\\s*1\\s+tick ${startTick}\\s+tick ${detectedTick}\\s+tick ${endTick}\\s`, 'm'),
    );
    expect(out).not.toMatch(/^\s*2\s+tick/m);
  },
};

/** A REST answer's JSON body. */
type Answer = Record<string, unknown>;

/** The instances of a `{"instances": […]}` answer, by name. */
const instancesOf = (a: Answer): Map<string, Record<string, unknown>> =>
  new Map((a['instances'] as Record<string, unknown>[]).map((i) => [String(i['name']), i]));

const answersTick = (tick: number) => (a: Answer) =>
  expect(a).toMatchObject({ tick, settled: true });

/** The story's REST comments, each with what it promises of the answer. */
const restPromises: Record<string, (a: Answer) => void> = {
  'a fresh run at tick 0': (a) => {
    expect(a).toMatchObject({ settled: true });
    expect(a['tick'] ?? 0).toBe(0);
  },
  '"tick":20': answersTick(20),
  '{"effectiveTick":21}': (a) => expect(a).toEqual({ effectiveTick: story.createdTick }),
  '"tick":29': answersTick(29),
  '"phase":"ready", "observedRunning":6': (a) =>
    expect(a).toMatchObject({ name: 'web', instances: 6, phase: 'ready', observedRunning: 6 }),
  'web/5 on standard/z1/rack6/blade/0': (a) =>
    expect(instancesOf(a).get(story.victim)).toMatchObject({
      state: 'running',
      blade: story.blade,
    }),
  'the explanation: "blade", "candidates", "filtered"': (a) => {
    expect(a).toMatchObject({ placed: true, tick: story.placedTick, blade: story.blade });
    expect(a['candidates']).toContainEqual(expect.objectContaining({ blade: story.blade }));
    expect(a['filtered']).toContainEqual(
      expect.objectContaining({ filter: 'anti_affinity', blades: story.filteredByAntiAffinity }),
    );
  },
  '"status":"FAULT_STATUS_ACTIVE", "sinceTick":30': (a) =>
    expect(a).toMatchObject({
      status: 'FAULT_STATUS_ACTIVE',
      sinceTick: story.crashTick,
      targets: [story.blade],
    }),
  '"tick":32': answersTick(32),
  'web/5 "lost", observed "failed"': (a) => {
    expect([...instancesOf(a).keys()]).toEqual([story.victim]);
    expect(instancesOf(a).get(story.victim)).toMatchObject({ state: 'lost', observed: 'failed' });
  },
  '"tick":39': answersTick(39),
  'web/6 "running" on standard/z1/rack6/blade/1': (a) => {
    const instances = instancesOf(a);
    expect(instances.has(story.victim)).toBe(false);
    expect([...instances.values()].filter((i) => i['state'] === 'running')).toHaveLength(6);
    expect(instances.get(story.replacement)).toMatchObject({ blade: story.replacementBlade });
  },
  '"instanceTicksLost":7, the outage\'s "startTick", "detectedTick", "endTick"': (a) => {
    expect(a).toMatchObject({ instanceTicksLost: story.instanceTicksLost });
    expect(a['outages']).toEqual([expect.objectContaining(story.outage)]);
  },
};

let launcher: ChildProcess | undefined;
let launcherOutput = '';
let dir = '';
let env: Record<string, string> = {};
/** The launcher's frontend, `http://127.0.0.1:PORT`. */
let frontend = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-readme-'));
  const httpPort = await freePortRun(1);
  frontend = `http://127.0.0.1:${httpPort}`;
  const first = await freePortRun(8, 61_000);
  launcher = spawn(process.execPath, [launcherMain], {
    env: {
      ...process.env,
      CHAMBER_ETCD_ENDPOINTS: etcdEndpoints().join(','),
      CHAMBER_SIMULATION: uniqueSimulation('readme'),
      CHAMBER_LOCAL_DIR: path.join(dir, 'local'),
      CHAMBER_LOCAL_PORT_OFFSET: String(first - 50_051),
      CHAMBER_LOCAL_HTTP_PORT: String(httpPort),
      CHAMBER_FRONTEND_ADMIN_PASSWORD: password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running = new Promise<void>((resolve, reject) => {
    for (const s of [launcher!.stdout!, launcher!.stderr!]) {
      s.on('data', (d: Buffer) => {
        launcherOutput += d.toString();
        if (launcherOutput.includes('Chamber is running')) resolve();
      });
    }
    launcher!.once('exit', (code) =>
      reject(new Error(`the launcher exited (${code}):\n${launcherOutput}`)),
    );
  });
  await running;
  env = { XDG_CONFIG_HOME: path.join(dir, 'config') };
  const login = await chamber(['login', '--api', frontend, '--user', 'admin'], {
    CHAMBER_PASSWORD: password,
  });
  expect(login, login.stderr).toMatchObject({ code: 0 });
});

afterAll(async () => {
  if (launcher !== undefined && launcher.exitCode === null && launcher.signalCode === null) {
    const exited = new Promise((resolve) => launcher!.once('exit', resolve));
    launcher.kill('SIGTERM');
    const timer = setTimeout(() => launcher?.kill('SIGKILL'), budgets.waitMs);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `chamber argv` to its end. */
function chamber(argv: string[], extra: Record<string, string> = {}): Promise<Output> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...argv],
      { env: { ...process.env, ...env, ...extra }, timeout: budgets.startMs },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
        }),
    );
  });
}

/** Runs a `chamber` command that never ends until its first line of output, then sends Ctrl-C. */
function chamberUntilFirstLine(argv: string[]): Promise<Output> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let isInterrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // One Ctrl-C: a second one kills the command instead of ending it.
      if (stdout.includes('\n') && !isInterrupted) isInterrupted = child.kill('SIGINT');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Nothing to show would leave it waiting forever: stop it, and let the
    // check of its (empty) output fail.
    const timer = setTimeout(() => child.kill('SIGINT'), budgets.waitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `lines` (`chamber` arguments) in order: each must succeed and hold its promise. */
async function runChamberLines(
  lines: readonly Line[],
  promises: Readonly<Record<string, (out: string, seen: Seen) => void>>,
): Promise<void> {
  expectPromised(lines, promises);
  const seen: Seen = {};
  for (const { text, words, comment } of lines) {
    const endless = words.includes('watch') || words.includes('--follow');
    const out = endless ? await chamberUntilFirstLine(words) : await chamber(words);
    expect(out.code, `${text}\n${out.stdout}${out.stderr}`).toBe(0);
    if (words[0] === 'fault' && words[1] === 'inject')
      seen.faultId = /\bf\d+-\d+\b/.exec(out.stdout)?.[0];
    if (comment !== '') promises[comment]!(out.stdout, seen);
  }
}

/** A bearer token for the REST block's `TOKEN`, made as the README's REST block makes one. */
async function restToken(): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const session = await fetch(`${frontend}/api/v1/sessions`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ user: 'admin', password }),
  });
  expect(session.ok, await session.text()).toBe(true);
  const cookie = session.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const made = await fetch(`${frontend}/api/v1/tokens`, {
    method: 'POST',
    headers: { ...json, cookie: cookie.join('; ') },
    body: JSON.stringify({ name: 'readme' }),
  });
  const answer = (await made.json()) as { token: string };
  expect(made.ok, JSON.stringify(answer)).toBe(true);
  return answer.token;
}

/** The request a `curl` line's words make: `-X`, each `-H`, `-d`, and the URL. */
function curlRequest(words: readonly string[]): { url: string; init: RequestInit } {
  let url = '';
  let method: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-X') method = words[++i];
    else if (w === '-d') body = words[++i];
    else if (w === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      headers[name!.trim()] = value.join(':').trim();
    } else if (!w.startsWith('-')) url = w;
  }
  expect(url, words.join(' ')).toMatch(/^http/);
  return {
    url,
    init: {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      // As long as a `chamber` command may take: a step answers once its last tick settles.
      signal: AbortSignal.timeout(budgets.startMs),
    },
  };
}

/**
 * Runs a REST block as a shell would, for what it holds: `NAME=value` lines
 * set a variable, `curl` lines are made as requests with fetch; each must
 * succeed and hold its promise.
 */
async function runCurlBlock(
  block: string,
  vars: Record<string, string>,
  promises: Readonly<Record<string, (a: Answer) => void>>,
): Promise<void> {
  const texts = logicalLines(block);
  expectPromised(
    texts.map((text) => shellLine(text)),
    promises,
  );
  for (const text of texts) {
    // Read with the variables the lines before it set.
    const { words, comment } = shellLine(text, vars);
    const assignment = /^(\w+)=([\s\S]*)$/.exec(words[0] ?? '');
    if (assignment !== null && words.length === 1) {
      vars[assignment[1]!] = assignment[2]!;
      continue;
    }
    expect(words[0], text).toBe('curl');
    const { url, init } = curlRequest(words);
    const response = await fetch(url, init);
    const answer = (await response.json()) as Answer;
    expect(response.ok, `${text}\n${response.status} ${JSON.stringify(answer)}`).toBe(true);
    if (comment !== '') promises[comment]!(answer);
  }
}

describe('the README walkthrough', () => {
  it(
    'runs as written, and every comment holds',
    () =>
      runChamberLines(
        chamberLines(
          readmeBlocks(
            'With Chamber running, drive the clock from another shell',
            'or over REST, the way scripts and chaos tooling do',
            2,
          ),
        ),
        walkthroughPromises,
      ),
    budgets.longTestMs,
  );
});

describe("the README's workload story", () => {
  // The CLI block, then the REST block: each starts with a reset.
  const blocks = () =>
    readmeBlocks("### A workload's story", '### One process for every service', 2);

  it(
    'runs by CLI as written, and every comment holds',
    () => runChamberLines(chamberLines(blocks().slice(0, 1)), storyPromises),
    budgets.longTestMs,
  );

  it(
    'runs by REST as written, and every answer holds its comment',
    async () =>
      runCurlBlock(
        blocks()[1]!,
        { API: `${frontend}/api/v1`, TOKEN: await restToken() },
        restPromises,
      ),
    budgets.longTestMs,
  );
});
