import { budgets, etcdEndpoints, freePortRun, uniqueSimulation } from '@chamber/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from './processes.js';

// The root README's walkthrough ("With Chamber running, drive the clock from
// another shell" and "break things and watch them in the inventory"), run as
// written: every `npx chamber …` line of its two code blocks, in order, with
// the real `chamber` command against the services the real launcher starts
// (on free ports, on the test etcd). Each line's comment is a promise, checked
// by the entry of its block's promise table named by that comment; a comment
// with no check, or a check with no comment, fails the test, so the two cannot
// drift apart.
//
// Not as a newcomer types it: the login. The README logs in with `chamber
// login --user admin` and the password of the first run; here the launcher
// is given that password (CHAMBER_FRONTEND_ADMIN_PASSWORD) and `chamber login
// --api URL --user admin` reads it from CHAMBER_PASSWORD, so every command
// goes over REST to this launcher's frontend as the README's do. Commands that
// never end (`clock watch`, `logs --follow`) run until their first line, then
// get Ctrl-C (SIGINT), which ends them with exit code 0.

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
 * comment (an unquoted `#` starting a word).
 */
function shellLine(text: string): Line {
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

let launcher: ChildProcess | undefined;
let launcherOutput = '';
let dir = '';
let env: Record<string, string> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-readme-'));
  const httpPort = await freePortRun(1);
  const first = await freePortRun(8, 50_100);
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
  const login = await chamber(
    ['login', '--api', `http://127.0.0.1:${httpPort}`, '--user', 'admin'],
    { CHAMBER_PASSWORD: password },
  );
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
