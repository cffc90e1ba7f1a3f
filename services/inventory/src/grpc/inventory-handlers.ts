import { ChamberError, Code, entryError } from '@chamber/errors';
import { serverStream as streamCall, unary as unaryCall, type HandlerLogger } from '@chamber/grpc';
import {
  CommandRecord,
  CommandStatus,
  LoadProgress,
  LoadProgress_State,
  TargetInput,
  TargetState,
  type InventoryServer,
  type IssueCommandRequest,
} from '@chamber/protos';
import { cmp, decode, op, type Store } from '@chamber/store';
import { InputWriter } from '@chamber/participant';
import { enumTypes, fromWire, isUnder, keys, parseElementPath, viewKey } from '@chamber/world';
import type { DefinitionParser } from '../definition-parser.js';
import {
  planDefinitionLoad,
  requestedDefinition,
  submitDefinitionLoad,
} from '../definition-loads.js';
import { commandTargetError } from '../domain/commands.js';
import { inventoryInbox, inventoryInputs, inventoryParticipant } from '../domain/inputs.js';
import type { InventoryReads } from '../reads.js';

/** The Inventory RPCs: validate, then write inputs for the clock or read the views. */
export function createInventoryHandlers(
  store: Store,
  reads: InventoryReads,
  logger: HandlerLogger,
  parser?: DefinitionParser,
): InventoryServer {
  const unary = <Req, Res>(fn: (req: Req) => Promise<Res>) => unaryCall<Req, Res>(fn, logger);
  const writer = new InputWriter(store);

  /** Fails with `NotFound` (naming `field` when given) unless `path` is defined. */
  async function mustExist(path: string, field?: string): Promise<void> {
    if ((await store.getRaw(viewKey('definition', path))) === undefined) {
      throw new ChamberError(
        Code.NotFound,
        `no ${parseElementPath(path).type} "${path}" is defined`,
        field === undefined ? {} : { details: { field } },
      );
    }
  }

  /** Checks a command's target and action; fails naming the field `target`. */
  async function checkCommand(req: IssueCommandRequest): Promise<void> {
    const invalid = commandTargetError(req.action, req.target);
    if (invalid !== undefined)
      throw new ChamberError(Code.InvalidArgument, invalid, { details: { field: 'target' } });
    const target = parseElementPath(req.target);
    await mustExist(target.blade ?? target.path, 'target');
  }

  /** Writes checked commands as inputs for the next tick, in order; resolves with their records. */
  async function issueAll(
    commands: readonly IssueCommandRequest[],
    requestedBy: string,
  ): Promise<CommandRecord[]> {
    const records: CommandRecord[] = [];
    const who = requestedBy === '' ? 'grpc' : requestedBy;
    await writer.submitAll(
      commands.map((req, i) => ({
        id: { sequence: inventoryInputs.commandSequence },
        owner: inventoryParticipant,
        // Only people's and scripts' commands come this way: the repair
        // manager writes its own as effects of a tick, which a replay redoes.
        journal: {
          issueCommand: {
            target: parseElementPath(req.target).path,
            action: req.action,
            requestedBy: who,
            image: req.image,
          },
        },
        ops: (effectiveTick: number, id: string) => {
          const command: CommandRecord = {
            ...CommandRecord.fromPartial({}),
            id: id.slice(inventoryInputs.commandPrefix.length),
            target: parseElementPath(req.target).path,
            action: req.action,
            status: CommandStatus.COMMAND_STATUS_PENDING,
            effectiveTick,
            requestedBy: who,
            image: req.image,
            reason: `waiting for tick ${effectiveTick}`,
          };
          records[i] = command;
          return [op.put(CommandRecord, inventoryInbox + id, command)];
        },
      })),
    );
    return records;
  }

  return {
    loadDefinition: unary(async (req) => {
      const requested = requestedDefinition(req);
      const load = await submitDefinitionLoad(store, requested, parser, {
        loadDefinition: { fileName: requested.fileName, source: '', sample: req.sample },
      });
      await store.put(LoadProgress, keys.loadProgress, {
        ...LoadProgress.fromPartial({}),
        loadId: load.id,
        state: LoadProgress_State.STATE_WAITING,
        effectiveTick: load.effectiveTick,
        blades: load.bladeCount,
      });
      return { loadId: load.id, effectiveTick: load.effectiveTick, blades: load.bladeCount };
    }),

    planDefinition: unary(async (req) => {
      const { tick, records } = await reads.definitionRecords();
      return { ...(await planDefinitionLoad(requestedDefinition(req), records, parser)), tick };
    }),

    watchLoad: streamCall(async (req, call) => {
      if (req.loadId === '') throw new ChamberError(Code.InvalidArgument, 'load_id is required');
      await new Promise<void>((resolve, reject) => {
        let isDone = false;
        const consider = (text: string | undefined): void => {
          if (isDone || text === undefined) return;
          const progress = decode(LoadProgress, keys.loadProgress, text);
          if (progress.loadId === req.loadId) {
            call.write({ progress });
            if (progress.state === LoadProgress_State.STATE_DONE) finish();
          } else if (progress.state === LoadProgress_State.STATE_DONE) {
            void store.getRaw(keys.pending(req.loadId)).then((marker) => {
              if (marker === undefined && !isDone)
                finish(
                  new ChamberError(
                    Code.NotFound,
                    `load ${req.loadId} is not pending and not the latest load (it was replaced, or never existed)`,
                  ),
                );
            });
          }
        };
        const finish = (error?: Error): void => {
          isDone = true;
          void handle.then((h) => h.cancel());
          if (error === undefined) resolve();
          else reject(error);
        };
        const handle = store.watch(keys.loadProgress, {}, (events) => {
          for (const e of events) if (e.key === keys.loadProgress) consider(e.value);
        });
        call.on('cancelled', () => finish());
        void handle
          .then(() => store.getRaw(keys.loadProgress))
          .then((raw) => consider(raw?.value), reject);
      });
    }, logger),

    getSummary: unary(async (req) => ({ summary: await reads.summary(req.view, req.asOfTick) })),

    getDefinitionSource: unary((req) => reads.definitionSource(req.asOfTick)),

    listElements: unary((req) => reads.list(req.path, req.view, req.asOfTick)),

    getElement: unary((req) => reads.get(req.path, req.view, req.asOfTick)),

    listStates: unary((req) => reads.states(req.path, req.view, req.asOfTick)),

    setTarget: unary(async (req) => {
      const path = parseElementPath(req.path);
      // A rack or zone stands for its blades (expanded when the input applies).
      const isContainer = path.type === 'rack' || path.type === 'zone';
      if (path.type !== 'pdu' && path.type !== 'tor' && path.type !== 'blade' && !isContainer) {
        throw new ChamberError(
          Code.InvalidArgument,
          `targets are set on PDUs, TORs, blades, and racks or zones (meaning all their blades), not on a ${path.type} ("${path.path}")`,
        );
      }
      if (isContainer && req.matchRevision !== undefined) {
        throw new ChamberError(
          Code.InvalidArgument,
          `match_revision (If-Match): ${path.path} is a ${path.type}, whose target is set on each of its blades, each with its own revision; match a revision on a PDU, TOR or blade only`,
          { details: { field: 'match_revision' } },
        );
      }
      if (
        req.state === TargetState.TARGET_STATE_UNSPECIFIED ||
        TargetState[req.state] === undefined
      ) {
        throw new ChamberError(
          Code.InvalidArgument,
          'state must be in_service, out_for_repair or retired',
        );
      }
      if (
        req.drain &&
        req.state !== TargetState.TARGET_STATE_OUT_FOR_REPAIR &&
        req.state !== TargetState.TARGET_STATE_RETIRED
      ) {
        throw new ChamberError(
          Code.InvalidArgument,
          `drain: only a target out_for_repair or retired drains ${path.path} (asked: ${fromWire(enumTypes.targetState, TargetState[req.state] ?? '') ?? 'not set'})`,
          { details: { field: 'drain' } },
        );
      }
      await mustExist(path.path);
      const id = inventoryInputs.target(path.path);
      const guarded = req.matchRevision !== undefined;
      const target = {
        state: req.state,
        powered: req.powered,
        reason: req.reason === '' ? 'set by request' : req.reason,
        drain: req.drain,
      };
      const { effectiveTick } = await writer.submit({
        id,
        owner: inventoryParticipant,
        journal: { setTarget: { ...target, path: path.path, matchRevision: undefined } },
        ops: () => [op.put(TargetInput, inventoryInbox + id, target)],
        ...(guarded
          ? {
              compares: [
                cmp.modRevision(viewKey('target', path.path), '==', req.matchRevision!),
                cmp.absent(keys.pending(id)),
              ],
              conflict: () =>
                new ChamberError(
                  Code.FailedPrecondition,
                  `the target of ${path.path} changed since revision ${req.matchRevision!} (or a change is pending); read it again`,
                ),
            }
          : {}),
      });
      return { effectiveTick };
    }),

    issueCommand: unary(async (req) => {
      await checkCommand(req);
      const [command] = await issueAll([req], req.requestedBy);
      return { command: command! };
    }),

    issueCommands: unary(async (req) => {
      if (req.commands.length === 0) {
        throw new ChamberError(Code.InvalidArgument, 'commands: give at least one command', {
          details: { field: 'commands' },
        });
      }
      for (const [i, command] of req.commands.entries()) {
        try {
          await checkCommand(command);
        } catch (error) {
          throw entryError('commands', i, error);
        }
      }
      return { commands: await issueAll(req.commands, req.requestedBy) };
    }),

    getCommand: unary(async (req) => {
      const command =
        (await store.get(CommandRecord, keys.command(req.id))) ??
        (await store.get(CommandRecord, inventoryInbox + inventoryInputs.commandPrefix + req.id));
      if (command === undefined) throw new ChamberError(Code.NotFound, `no command "${req.id}"`);
      return { command: command.value };
    }),

    listCommands: unary(async (req) => {
      const [stored, pending] = await Promise.all([
        store.list(CommandRecord, keys.commandsPrefix),
        store.list(CommandRecord, inventoryInbox + inventoryInputs.commandPrefix),
      ]);
      const commands = [...stored.entries, ...pending.entries]
        .map((e) => e.value)
        .filter(
          (c) =>
            (req.target === '' || isUnder(c.target, req.target.replace(/^\/+|\/+$/g, ''))) &&
            (req.statuses.length === 0 || req.statuses.includes(c.status)),
        )
        .sort((a, b) => a.effectiveTick - b.effectiveTick || a.id.localeCompare(b.id));
      return { commands };
    }),
  };
}
