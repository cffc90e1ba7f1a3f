import { ChamberError, Code } from '@chamber/errors';
import { unary as unaryCall, serverStream as streamCall, type HandlerLogger } from '@chamber/grpc';
import { ControlRecord, type ClockServer, type ClockStatus } from '@chamber/protos';
import { cmp, op, type Store } from '@chamber/store';
import { defaultControl, keys, type ClockReader } from '@chamber/timestamp';
import * as control from '../domain/control.js';

/**
 * The Clock RPCs. Any replica serves them: a request becomes a guarded
 * change of `clock/control` in the store, which the leader acts on, and the
 * answer comes from the store through the clock reader. So a call never
 * depends on reaching the leader, and a leader that dies mid-Step is
 * finished by its successor.
 */
export function createClockHandlers(
  store: Store,
  reader: ClockReader,
  logger: HandlerLogger,
): ClockServer {
  const unary = <Req, Res>(fn: (req: Req, call: CancellableCall) => Promise<Res>) =>
    unaryCall<Req, Res>(fn, logger);
  const serverStream = <Req, Res>(fn: Parameters<typeof streamCall<Req, Res>>[0]) =>
    streamCall<Req, Res>(fn, logger);
  return {
    getStatus: unary(() => Promise.resolve({ status: reader.status() })),

    setPolicy: unary(async (req) => {
      await updateControl(store, reader, (c) => control.setPolicy(c, req));
      return { status: reader.status() };
    }),

    step: unary(async (req, call) => {
      const next = await updateControl(store, reader, (c, tick) =>
        control.step(c, tick, req.ticks),
      );
      return {
        status: await reader.waitFor(next.until!, { epoch: next.epoch, signal: cancelled(call) }),
      };
    }),

    runUntil: unary(async (req, call) => {
      // A tick already published needs no change to the clock, only a wait.
      if (reader.status().tick >= req.tick) {
        return { status: await reader.waitFor(req.tick, { signal: cancelled(call) }) };
      }
      const next = await updateControl(store, reader, (c, tick) =>
        control.runUntil(c, tick, req.tick),
      );
      return {
        status: await reader.waitFor(req.tick, { epoch: next.epoch, signal: cancelled(call) }),
      };
    }),

    waitForTick: unary(async (req, call) => ({
      status: await reader.waitFor(req.tick, { signal: cancelled(call) }),
    })),

    reset: unary(async (req, call) => {
      const before = reader.status();
      await updateControl(store, reader, (c) => control.requestReset(c, req.seed ?? before.seed));
      const status = await reader.until(
        (s: ClockStatus) => s.run > before.run && s.settled,
        cancelled(call),
      );
      return { status };
    }),

    watch: serverStream(async (_req, call) => {
      const signal = cancelled(call);
      call.write({ status: reader.status() });
      await new Promise<void>((resolve) => {
        const stop = reader.onChange((status) => call.write({ status }));
        signal.addEventListener('abort', () => {
          stop();
          resolve();
        });
      });
    }),
  };
}

/** What the handlers need of a grpc-js server call. */
interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}

/** An AbortSignal that fires when the client cancels the call or its deadline passes. */
function cancelled(call: CancellableCall): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/**
 * Applies `change` to the stored control record with a compare-and-set on
 * its revision, retrying when another writer got there first. `change` may
 * throw a ChamberError (bad input, stale epoch), which changes nothing.
 * Resolves once the reader reflects the write.
 */
async function updateControl(
  store: Store,
  reader: ClockReader,
  change: (current: ControlRecord, publishedTick: number) => ControlRecord,
): Promise<ControlRecord> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await store.get(ControlRecord, keys.control);
    const next = change(entry?.value ?? defaultControl(), reader.status().tick);
    const res = await store.txn(
      [cmp.modRevision(keys.control, '==', entry?.modRevision ?? 0)],
      [op.put(ControlRecord, keys.control, next)],
    );
    if (res.succeeded) {
      await reader.sync(res.revision);
      return next;
    }
  }
  throw new ChamberError(
    Code.Aborted,
    'the clock control kept changing under concurrent requests; try again',
  );
}
