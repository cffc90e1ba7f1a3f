import { ChamberError, Code } from '@chamber/errors';
import { unary as unaryCall, serverStream as streamCall, type HandlerLogger } from '@chamber/grpc';
import {
  ControlRecord,
  DefinitionSource,
  JournalRecord,
  type ClockServer,
  type ClockStatus,
} from '@chamber/protos';
import { updateRecord, type Store } from '@chamber/store';
import { defaultControl, type ClockReader, type WrittenClockRecords } from '@chamber/timestamp';
import { keys } from '@chamber/world';
import * as control from '../domain/control.js';

/** A change of the control record at the published tick (`domain/control.ts`). */
type ControlChange = (current: ControlRecord, publishedTick: number) => ControlRecord;

/** What the handlers use of the replica's {@link Leader} (`src/leader.ts`) while it leads. */
export interface ControlPublisher {
  publishWithControl(change: ControlChange): Promise<WrittenClockRecords | undefined>;
}

/**
 * The Clock RPCs. Any replica serves them: a request becomes a guarded
 * change of `clock/control` in the store, which the leader acts on, and the
 * answer comes from the store through the clock reader. So a call never
 * depends on reaching the leader, and a leader that dies mid-Step is
 * finished by its successor. On the replica that leads (`leader()` returns
 * it), a Step or RunUntil of a settled clock writes the control record and
 * publishes the tick it makes due in one transaction, and the answer comes
 * from what was written (`ClockReader.noteWritten`) without waiting for the
 * watch to bring it back.
 */
export function createClockHandlers(
  store: Store,
  reader: ClockReader,
  logger: HandlerLogger,
  leader: () => ControlPublisher | undefined = () => undefined,
): ClockServer {
  const unary = <Req, Res>(fn: (req: Req, call: CancellableCall) => Promise<Res>) =>
    unaryCall<Req, Res>(fn, logger);
  const serverStream = <Req, Res>(fn: Parameters<typeof streamCall<Req, Res>>[0]) =>
    streamCall<Req, Res>(fn, logger);
  const changeControl = async (change: ControlChange): Promise<ControlRecord> => {
    const written = await leader()?.publishWithControl(change);
    if (written === undefined) return updateControl(store, reader, change);
    reader.noteWritten(written);
    return written.control;
  };
  return {
    getStatus: unary(() => Promise.resolve({ status: reader.status() })),

    setPolicy: unary(async (req) => {
      await updateControl(store, reader, (c) => control.setPolicy(c, req));
      return { status: reader.status() };
    }),

    stepClock: unary((req, call) =>
      whileOpen(call, async (signal) => {
        const next = await changeControl((c, tick) => control.step(c, tick, req.ticks));
        return { status: await reader.waitFor(next.until!, { epoch: next.epoch, signal }) };
      }),
    ),

    runUntil: unary((req, call) =>
      whileOpen(call, async (signal) => {
        // A tick already published needs no change to the clock, only a wait.
        if (reader.status().tick >= req.tick) {
          return { status: await reader.waitFor(req.tick, { signal }) };
        }
        const next = await changeControl((c, tick) => control.runUntil(c, tick, req.tick));
        return { status: await reader.waitFor(req.tick, { epoch: next.epoch, signal }) };
      }),
    ),

    waitForTick: unary((req, call) =>
      whileOpen(call, async (signal) => ({ status: await reader.waitFor(req.tick, { signal }) })),
    ),

    resetClock: unary((req, call) =>
      whileOpen(call, async (signal) => {
        const before = reader.status();
        await updateControl(store, reader, (c) => control.requestReset(c, req.seed ?? before.seed));
        const status = await reader.until(
          (s: ClockStatus) => s.run > before.run && s.settled,
          signal,
        );
        return { status };
      }),
    ),

    listInputs: unary(async () => {
      // The status first: the journal up to its settled tick is complete
      // (an input accepted meanwhile takes effect after it).
      const status = reader.status();
      const [definition, journal] = await Promise.all([
        store.get(DefinitionSource, keys.definitionSource),
        store.list(JournalRecord, keys.journalPrefix),
      ]);
      return {
        seed: status.seed,
        tick: status.settledTick,
        digest: status.digest,
        deterministic: status.deterministic,
        definition: definition?.value,
        inputs: journal.entries
          .map((e) => e.value)
          .filter((input) => input.effectiveTick <= status.settledTick),
      };
    }),

    watchClock: serverStream(async (_req, call) => {
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
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

/**
 * Runs `fn` with a signal that fires when the client cancels the call or its
 * deadline passes, and stops listening once `fn` settles: grpc-js reports a
 * finished call as cancelled too, and an abort (its DOMException) is too
 * dear to pay on every answered call.
 */
async function whileOpen<T>(
  call: CancellableCall,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onCancel = (): void => controller.abort();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', onCancel);
  try {
    return await fn(controller.signal);
  } finally {
    call.removeListener('cancelled', onCancel);
  }
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
  change: ControlChange,
): Promise<ControlRecord> {
  const { value, revision } = await updateRecord(
    store,
    ControlRecord,
    keys.clockControl,
    (entry) => change(entry?.value ?? defaultControl(), reader.status().tick),
    {
      maxAttempts: 20,
      exhausted: () =>
        new ChamberError(
          Code.Aborted,
          'the clock control kept changing under concurrent requests; try again',
        ),
    },
  );
  await reader.sync(revision);
  return value;
}
