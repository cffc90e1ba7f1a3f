import { ClockClient } from '@chamber/clock-client';
import { loadConfig } from '@chamber/config';
import { Store, op } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { Participant, type TickContext, type TickResult } from '@chamber/participant';
import {
  createStepperService,
  stepperSchema,
  type StepperConfig,
  type StepperService,
} from '../src/index.js';

/** A simulation of its own, with a store, stepper replicas, participants and a gRPC client. */
export interface Harness {
  readonly store: Store;
  readonly simulation: string;
  startStepper(
    overrides?: Partial<StepperConfig['stepper']>,
    /** The etcd endpoints it talks to (default: the test etcd's). */
    endpoints?: readonly string[],
  ): Promise<{ service: StepperService; client: ClockClient }>;
  join(
    name: string,
    onTick?: (ctx: TickContext) => Promise<TickResult> | TickResult,
    leaseTtlSeconds?: number,
    /** The prefixes whose changes wake it (default: its view, `toy/`). */
    reactsTo?: readonly string[],
  ): Promise<Participant>;
  close(): Promise<void>;
}

/** A participant that writes one key per tick (`toy/<name>` = the tick) and wants every tick. */
export function writesEveryTick(name: string) {
  return (ctx: TickContext): TickResult => ({
    ops: [op.putRaw(`toy/${name}`, JSON.stringify({ tick: ctx.tick }))],
  });
}

export async function harness(label: string): Promise<Harness> {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  const services: StepperService[] = [];
  const clients: ClockClient[] = [];
  const participants: Participant[] = [];
  return {
    store,
    simulation,
    async startStepper(overrides = {}, endpoints = etcdEndpoints()) {
      const config = loadConfig(stepperSchema(), {
        env: {},
        overrides: {
          listen: { host: '127.0.0.1', port: 0 },
          etcd: { endpoints: [...endpoints] },
          simulation,
          stepper: { dropGraceSeconds: 0, leaderTtlSeconds: 2, ...overrides },
        },
      });
      const service = createStepperService(config, {
        logger: createLogger({ service: 'stepper', level: 'silent' }),
      });
      const { port } = await service.start();
      const client = ClockClient.connect(`127.0.0.1:${port}`);
      services.push(service);
      clients.push(client);
      return { service, client };
    },
    async join(name, onTick = writesEveryTick(name), leaseTtlSeconds = 2, reactsTo) {
      const p = await Participant.join(store, {
        name,
        onTick,
        views: ['toy/'],
        leaseTtlSeconds,
        ...(reactsTo === undefined ? {} : { reactsTo }),
      });
      participants.push(p);
      return p;
    },
    async close() {
      for (const c of clients) c.close();
      for (const p of participants) await p.stop().catch(() => undefined);
      for (const s of services) await s.stop().catch(() => undefined);
      store.close();
    },
  };
}
