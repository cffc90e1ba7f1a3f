import { ChamberError, Code, entryError } from '@chamber/errors';
import { afterInputs, faultsInbox, faultsOwner, standingFault } from '@chamber/faults-client';
import { unary as unaryCall, type HandlerLogger } from '@chamber/grpc';
import type { FaultKind } from '@chamber/protos';
import {
  FaultRecord,
  FaultStatus,
  TickRecord,
  faultKindToJSON,
  type FaultsServer,
  type InjectFaultRequest,
  type Schedule,
} from '@chamber/protos';
import { cmp, op, type Entry, type Store } from '@chamber/store';
import { InputWriter } from '@chamber/participant';
import {
  enumTypes,
  faultKinds,
  faultTargetError,
  fromWire,
  isOneOf,
  isUnder,
  keys,
  parseElementPath,
  viewKey,
  type FaultKindWord,
} from '@chamber/world';
import { cleared, initialRecord, scheduleErrors } from '../domain/schedule.js';

/** How many faults one clear-all input holds (each is one write). */
const clearAllChunk = 100;
/** Definition reads in flight at once while checking a fault's targets. */
const lookupsInFlight = 256;

/** The Faults RPCs: validate, then write inputs for the next tick, or read the records. */
export function createFaultsHandlers(store: Store, logger: HandlerLogger): FaultsServer {
  const unary = <Req, Res>(fn: (req: Req) => Promise<Res>) => unaryCall<Req, Res>(fn, logger);
  const writer = new InputWriter(store);

  /** Every fault as it stands once the inputs waiting are applied. */
  async function all(): Promise<FaultRecord[]> {
    const [records, inputs] = await Promise.all([
      store.list(FaultRecord, keys.faultsPrefix),
      store.list(FaultRecord, faultsInbox),
    ]);
    const byId = new Map<string, { record?: Entry<FaultRecord>; input?: Entry<FaultRecord> }>();
    for (const record of records.entries) byId.set(record.value.id, { record });
    for (const input of inputs.entries)
      byId.set(input.value.id, { ...byId.get(input.value.id), input });
    return [...byId.values()].map((e) => standingFault(e.record, e.input, afterInputs)!.value);
  }

  async function one(
    id: string,
  ): Promise<{ record: FaultRecord; guards: ReturnType<typeof cmp.absent>[] }> {
    const [record, input] = await Promise.all([
      store.get(FaultRecord, keys.fault(id)),
      store.get(FaultRecord, faultsInbox + id),
    ]);
    const found = standingFault(record, input, afterInputs);
    if (found === undefined) throw new ChamberError(Code.NotFound, `no fault "${id}"`);
    const guard = (key: string, e: Entry<FaultRecord> | undefined) =>
      e === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', e.modRevision);
    return {
      record: found.value,
      guards: [guard(keys.fault(id), record), guard(faultsInbox + id, input)],
    };
  }

  async function validTargets(kind: FaultKindWord, targets: readonly string[]): Promise<string[]> {
    if (targets.length === 0) {
      throw new ChamberError(Code.InvalidArgument, 'targets: give at least one element path', {
        details: { field: 'targets' },
      });
    }
    // Each target's form and kind, then its definition, looked up many at a
    // time: a fault on 1,000 blades is 1,000 reads.
    const checked = targets.map((text) => {
      try {
        const path = parseElementPath(text);
        return { path, problem: faultTargetError(kind, path) };
      } catch (error) {
        return { path: undefined, problem: (error as Error).message };
      }
    });
    const problems: Array<string | undefined> = [];
    for (let from = 0; from < checked.length; from += lookupsInFlight) {
      const chunk = checked.slice(from, from + lookupsInFlight);
      problems.push(
        ...(await Promise.all(
          chunk.map(async ({ path, problem }) =>
            problem !== undefined || path === undefined
              ? problem
              : (await store.getRaw(viewKey('definition', path.blade ?? path.path))) === undefined
                ? `no ${path.type} "${path.path}" is defined`
                : undefined,
          ),
        )),
      );
    }
    const errors: string[] = [];
    let first: number | undefined;
    const out = new Set<string>();
    for (const [i, problem] of problems.entries()) {
      if (problem === undefined) out.add(checked[i]!.path!.path);
      else {
        first ??= i;
        errors.push(problem);
      }
    }
    if (first !== undefined) {
      // The field is the first target refused (`targets[1]`); the message lists every one.
      throw new ChamberError(Code.InvalidArgument, `targets: ${errors.join('; ')}`, {
        details: { field: `targets[${first}]` },
      });
    }
    return [...out];
  }

  /** A fault checked and ready to write: its kind, targets (normalised) and schedule. */
  interface Checked {
    readonly kind: FaultKind;
    readonly targets: string[];
    readonly schedule: Schedule;
  }

  /** Checks one fault to inject; fails with `InvalidArgument` naming the field. */
  async function check(req: InjectFaultRequest, nextTick: number): Promise<Checked> {
    // The one place the wire's enum becomes the word the rules are written in.
    const kind = fromWire(enumTypes.faultKind, faultKindToJSON(req.kind));
    if (!isOneOf(faultKinds, kind)) {
      throw new ChamberError(Code.InvalidArgument, `kind must be one of ${faultKinds.join(', ')}`, {
        details: { field: 'kind' },
      });
    }
    const targets = await validTargets(kind, req.targets);
    const schedule: Schedule = req.schedule ?? {};
    const errors = scheduleErrors(schedule, nextTick);
    if (errors.length > 0) {
      // The field is the first schedule field a message names (`schedule.duration`).
      const named = /schedule\.(at|duration|every|probability|mtbf|mttr)\b/.exec(errors[0]!);
      throw new ChamberError(Code.InvalidArgument, errors.join('; '), {
        details: { field: named === null ? 'schedule' : `schedule.${named[1]}` },
      });
    }
    return { kind: req.kind, targets, schedule };
  }

  /** Writes `faults` as inputs for the next tick, in order; resolves with their records. */
  async function injectAll(
    faults: readonly Checked[],
    requestedBy: string,
    seed: number,
  ): Promise<FaultRecord[]> {
    const records: FaultRecord[] = [];
    const who = requestedBy === '' ? 'grpc' : requestedBy;
    await writer.submitAll(
      faults.map((f, i) => ({
        id: { sequence: 'fault/f' },
        owner: faultsOwner,
        journal: { injectFault: { ...f, requestedBy: who } },
        ops: (effectiveTick: number, id: string) => {
          const record = initialRecord(
            {
              id: id.slice('fault/'.length),
              kind: f.kind,
              targets: f.targets,
              schedule: f.schedule,
              requestedBy: who,
            },
            effectiveTick,
            seed,
          );
          records[i] = record;
          return [op.put(FaultRecord, faultsInbox + record.id, record)];
        },
      })),
    );
    return records;
  }

  return {
    injectFault: unary(async (req) => {
      const tick = await store.get(TickRecord, keys.clockTick);
      const checked = await check(req, (tick?.value.tick ?? 0) + 1);
      const [fault] = await injectAll([checked], req.requestedBy, tick?.value.seed ?? 0);
      return { fault: fault! };
    }),

    injectFaults: unary(async (req) => {
      if (req.faults.length === 0) {
        throw new ChamberError(Code.InvalidArgument, 'faults: give at least one fault', {
          details: { field: 'faults' },
        });
      }
      const tick = await store.get(TickRecord, keys.clockTick);
      const checked: Checked[] = [];
      for (const [i, fault] of req.faults.entries()) {
        try {
          checked.push(await check(fault, (tick?.value.tick ?? 0) + 1));
        } catch (error) {
          throw entryError('faults', i, error);
        }
      }
      return { faults: await injectAll(checked, req.requestedBy, tick?.value.seed ?? 0) };
    }),

    listFaults: unary(async (req) => {
      const target = req.target.replace(/^\/+|\/+$/g, '');
      const faults = (await all())
        .filter(
          (f) =>
            (req.statuses.length === 0 || req.statuses.includes(f.status)) &&
            (req.kinds.length === 0 || req.kinds.includes(f.kind)) &&
            (target === '' || f.targets.some((t) => isUnder(t, target) || isUnder(target, t))),
        )
        .sort(
          (a, b) =>
            a.createdTick - b.createdTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
        );
      return { faults };
    }),

    getFault: unary(async (req) => ({ fault: (await one(req.id)).record })),

    clearFault: unary(async (req) => {
      const who = req.requestedBy === '' ? 'request' : req.requestedBy;
      for (let attempt = 0; attempt < 10; attempt++) {
        const { record, guards } = await one(req.id);
        if (record.status === FaultStatus.FAULT_STATUS_CLEARED) {
          throw new ChamberError(
            Code.FailedPrecondition,
            `fault ${req.id} is already cleared (at tick ${record.sinceTick}: ${record.reason})`,
          );
        }
        let fault: FaultRecord | undefined;
        let isStale = false;
        try {
          await writer.submit({
            id: `fault-clear/${req.id}`,
            owner: faultsOwner,
            journal: { clearFault: { id: req.id, requestedBy: who } },
            ops: (effectiveTick) => {
              fault = cleared(record, effectiveTick, `cleared by ${who}`);
              return [op.put(FaultRecord, faultsInbox + req.id, fault)];
            },
            compares: guards,
            conflict: () => {
              isStale = true;
              return new ChamberError(Code.Aborted, 'changed meanwhile');
            },
          });
          return { fault: fault! };
        } catch (error) {
          if (!isStale) throw error;
        }
      }
      throw new ChamberError(Code.Aborted, `fault ${req.id} kept changing; try again`);
    }),

    clearFaults: unary(async (req) => {
      const who = req.requestedBy === '' ? 'request' : req.requestedBy;
      const open = (await all()).filter((f) => f.status !== FaultStatus.FAULT_STATUS_CLEARED);
      let effectiveTick = 0;
      for (let i = 0; i < open.length; i += clearAllChunk) {
        const chunk = open.slice(i, i + clearAllChunk);
        const res = await writer.submit({
          id: `fault-clear-all/${i / clearAllChunk}`,
          owner: faultsOwner,
          // One entry for the request: a replay's clear-all writes its chunks again.
          ...(i === 0 ? { journal: { clearFaults: { requestedBy: who } } } : {}),
          ops: (tick) =>
            chunk.map((f) =>
              op.put(
                FaultRecord,
                faultsInbox + f.id,
                cleared(f, tick, `cleared by ${who} (clear-all)`),
              ),
            ),
        });
        effectiveTick = res.effectiveTick;
      }
      if (effectiveTick === 0) {
        const tick = await store.get(TickRecord, keys.clockTick);
        effectiveTick = (tick?.value.tick ?? 0) + 1;
      }
      return { ids: open.map((f) => f.id), effectiveTick };
    }),
  };
}
