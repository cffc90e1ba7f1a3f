import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { ClockClient } from '@chamber/clock-client';
import { Policy, TickRecord } from '@chamber/protos';
import { Store, decode, op } from '@chamber/store';
import { budgets, etcdEndpoints, freePortRun, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import {
  Participant,
  type ParticipantOptions,
  type TickContext,
  type TickResult,
} from '../src/index.js';

// The stepper runs as a process of its own, from its build: the stepper's
// tests join participants, so this package cannot depend on the stepper's
// package without a cycle. Run `npm run build` first.
const repo = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'tsconfig.base.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error('cannot find the repository root');
  }
})();
const stepperEntry = path.join(repo, 'services/stepper/dist/src/main.js');

/** A simulation of its own: a store, a stepper process, participants. */
export interface Harness {
  readonly store: Store;
  readonly simulation: string;
  /**
   * Starts the stepper and sets it to manual. `dropGraceSeconds`: how long a
   * dead participant is waited for (default: longer than any test).
   */
  startStepper(options?: { dropGraceSeconds?: number }): Promise<ClockClient>;
  join(
    name: string,
    onTick: ParticipantOptions['onTick'],
    options?: Partial<ParticipantOptions>,
  ): Promise<Participant>;
  /**
   * Resolves with the tick record once tick `tick` (or a later one) is
   * published, settled or not; or, given a test, once a published record passes it.
   */
  published(tick: number | ((record: TickRecord) => boolean)): Promise<TickRecord>;
  close(): Promise<void>;
}

/** A participant that writes `toy/<name>` = the tick, so it is expected at every tick. */
export function writesEveryTick(name: string) {
  return (ctx: TickContext): TickResult => ({
    ops: [op.putRaw(`toy/${name}`, JSON.stringify({ tick: ctx.tick }))],
  });
}

export async function harness(label: string): Promise<Harness> {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  const children: ChildProcess[] = [];
  const clients: ClockClient[] = [];
  const participants: Participant[] = [];
  return {
    store,
    simulation,
    async startStepper({ dropGraceSeconds = 600 } = {}) {
      if (!existsSync(stepperEntry))
        throw new Error(`${stepperEntry} is missing: run npm run build`);
      const port = await freePortRun(1);
      const child = spawn(process.execPath, [stepperEntry], {
        env: {
          ...process.env,
          CHAMBER_ETCD_ENDPOINTS: etcdEndpoints().join(','),
          CHAMBER_SIMULATION: simulation,
          CHAMBER_STEPPER_PORT: String(port),
          CHAMBER_STEPPER_LEADER_TTL_SECONDS: '2',
          CHAMBER_STEPPER_DROP_GRACE_SECONDS: String(dropGraceSeconds),
          CHAMBER_STEPPER_TRACESINK: '',
          CHAMBER_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const output: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`the stepper did not lead the clock in time:\n${output.join('\n')}`)),
          budgets.startMs,
        );
        for (const stream of [child.stdout, child.stderr]) {
          readline.createInterface({ input: stream }).on('line', (line) => {
            output.push(line);
            if (/leading the clock/.test(line)) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the stepper exited (${code}):\n${output.join('\n')}`));
        });
      });
      const client = ClockClient.connect(`127.0.0.1:${port}`);
      clients.push(client);
      await client.waitForTick(0);
      await client.setPolicy(Policy.POLICY_MANUAL);
      return client;
    },
    async join(name, onTick, options = {}) {
      const p = await Participant.join(store, {
        name,
        onTick,
        views: ['toy/'],
        leaseTtlSeconds: 2,
        ...options,
      });
      participants.push(p);
      return p;
    },
    async published(tick) {
      const isIt = typeof tick === 'number' ? (r: TickRecord) => r.tick >= tick : tick;
      const start = await store.get(TickRecord, keys.clockTick);
      if (start !== undefined && isIt(start.value)) return start.value;
      let found: TickRecord | undefined;
      let done!: () => void;
      const isFound = new Promise<void>((resolve) => (done = resolve));
      // Waits for the tick record's writes, not for time to pass.
      const watch = await store.watch(
        keys.clockTick,
        { fromRevision: (start?.modRevision ?? (await store.currentRevision())) + 1 },
        (events) => {
          for (const e of events) {
            if (e.type !== 'put' || found !== undefined) continue;
            const record = decode(TickRecord, e.key, e.value!);
            if (isIt(record)) {
              found = record;
              done();
            }
          }
        },
      );
      await isFound;
      await watch.cancel();
      return found!;
    },
    async close() {
      for (const c of clients) c.close();
      for (const p of participants) await p.stop().catch(() => undefined);
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
      }
      store.close();
    },
  };
}
