import { apiPrefix } from '@chamber/api';
import type { ClockClient } from '@chamber/clock-client';
import { ChamberError, Code, isChamberError, toChamberError } from '@chamber/errors';
import type { FaultsClient } from '@chamber/faults-client';
import { checkHealth } from '@chamber/grpc';
import type { InventoryClient } from '@chamber/inventory-client';
import {
  ClockStatus,
  CommandRecord,
  Element,
  FaultRecord,
  type FaultKind,
  LoadProgress,
  RepairRecord,
  Summary,
  commandActionFromJSON,
  commandStatusFromJSON,
  faultKindFromJSON,
  faultStatusFromJSON,
  policyFromJSON,
  repairStatusFromJSON,
  targetStateFromJSON,
  viewFromJSON,
  type Schedule,
} from '@chamber/protos';
import type { RepairsClient } from '@chamber/repair-client';
import { readServiceFailures, type Store } from '@chamber/store';
import { keys } from '@chamber/world';
import { revisionOf } from './accounts.js';
import { numberOf, textOf, type Handler, type Reply, type RequestContext } from '../http/server.js';
import type { SettledCache } from '../settled-cache.js';

/** The gRPC services and the store behind the simulation routes. */
export interface SimulationDeps {
  readonly clock: ClockClient;
  readonly inventory: InventoryClient;
  readonly faults: FaultsClient;
  readonly repairs: RepairsClient;
  readonly store: Store;
  /** Keeps inventory answers until the next settle; every read goes to the inventory without it. */
  readonly cache?: SettledCache;
}

/** The enum value named `short` (`no_wait`) by its proto name (`POLICY_NO_WAIT`). */
function enumOf<E>(fromJSON: (name: string) => E, prefix: string, short: string): E {
  return fromJSON(`${prefix}_${short.toUpperCase()}`);
}

/** The element path of an inventory route's parameters. */
function elementPath(request: RequestContext, device?: 'pdu' | 'tor' | 'blade'): string {
  const p = request.input.params;
  const parts = [p['region'], p['zone'], p['rack']].filter(
    (x): x is string => typeof x === 'string',
  );
  if (device !== undefined) parts.push(device, String(p['index']));
  // The route says `cables/power`; the element path says `power-cable`.
  if (typeof p['cable'] === 'string') parts.push(`${p['cable']}-cable`);
  return parts.join('/');
}

function readOptions(
  request: RequestContext,
  defaultView = 'definition',
): {
  view: ReturnType<typeof viewFromJSON>;
  asOfTick?: number;
} {
  const view = enumOf(viewFromJSON, 'VIEW', textOf(request, 'query', 'view') ?? defaultView);
  const at = numberOf(request, 'query', 'at');
  return at === undefined ? { view } : { view, asOfTick: at };
}

const elementKinds = {
  zones: 'ELEMENT_KIND_ZONE',
  racks: 'ELEMENT_KIND_RACK',
  pdus: 'ELEMENT_KIND_PDU',
  tors: 'ELEMENT_KIND_TOR',
  blades: 'ELEMENT_KIND_BLADE',
} as const;

/** The faults of `POST /faults` bodies (one, or each of `faults`) as the faults service takes them. */
function faultsOf(
  bodies: readonly Readonly<Record<string, unknown>>[],
): { kind: FaultKind; targets: string[]; schedule: Schedule }[] {
  return bodies.map((b) => {
    const schedule: Schedule = {};
    for (const key of ['at', 'duration', 'every', 'probability', 'mtbf', 'mttr'] as const) {
      const value = b[key];
      if (typeof value === 'number') schedule[key] = value;
    }
    return {
      kind: enumOf(faultKindFromJSON, 'FAULT_KIND', typeof b['kind'] === 'string' ? b['kind'] : ''),
      targets: (b['targets'] as string[] | undefined) ?? [],
      schedule,
    };
  });
}

/**
 * An error of the inventory's IssueCommands about `commands.<i>.target` in
 * the words of `POST /inventory/commands`, whose bulk form lists `targets`.
 */
function commandsAsTargets(error: unknown): unknown {
  if (!isChamberError(error)) return error;
  const field = error.details?.['field'];
  const entry = typeof field === 'string' ? /^commands\.(\d+)\.target$/.exec(field) : null;
  if (entry === null) return error;
  return new ChamberError(
    error.code,
    error.message.replace(/^commands\[(\d+)\]: /, 'targets[$1]: '),
    { details: { ...error.details, field: `targets.${entry[1]}` }, cause: error },
  );
}

/** The handlers of the clock, inventory, faults, repairs and services routes. */
export function simulationHandlers(deps: SimulationDeps): Record<string, Handler> {
  const { clock, inventory, faults, repairs } = deps;
  /**
   * The clock's status with its epoch as ETag, once this frontend has seen
   * its settled tick (so a read that follows sees that tick's world).
   */
  const clockReply = async (status: ClockStatus): Promise<Reply> => {
    await deps.cache?.caughtUp(status.run, status.settledTick);
    return { body: ClockStatus.toJSON(status), etag: status.epoch };
  };
  const who = (request: RequestContext): string => `user:${request.caller?.user.name ?? '?'}`;

  /** An inventory read's answer, through the cache when there is one (keyed by the URL). */
  const read = async (request: RequestContext, load: () => Promise<unknown>): Promise<Reply> =>
    deps.cache === undefined
      ? { body: await load() }
      : { json: await deps.cache.get(request.koa.url, load, request.op.id) };
  const list =
    (kind: keyof typeof elementKinds | 'regions'): Handler =>
    (request) =>
      read(request, async () => {
        // A rack lists all its devices; each device route keeps its own kind.
        const elements = await inventory.listElements(elementPath(request), readOptions(request));
        const wanted = kind === 'regions' ? undefined : elementKinds[kind];
        return {
          elements: elements
            .map((e) => Element.toJSON(e) as { kind?: string })
            .filter((e) => wanted === undefined || e.kind === wanted),
        };
      });
  const get =
    (device?: 'pdu' | 'tor' | 'blade'): Handler =>
    (request) =>
      read(request, async () => {
        const element = await inventory.getElement(
          elementPath(request, device),
          readOptions(request),
        );
        return { element: Element.toJSON(element) };
      });

  return {
    async getClock(request) {
      return clockReply(await clock.getStatus({ signal: request.signal }));
    },
    async setPolicy(request) {
      const policy = enumOf(policyFromJSON, 'POLICY', textOf(request, 'body', 'policy') ?? '');
      const rate = numberOf(request, 'body', 'rate');
      const isMeasured = textOf(request, 'body', 'policy') === 'measured';
      if (isMeasured !== (rate !== undefined)) {
        throw new ChamberError(
          Code.InvalidArgument,
          isMeasured
            ? 'rate: is required with policy measured'
            : 'rate: applies only to policy measured',
          { details: { field: 'rate' } },
        );
      }
      const epoch = revisionOf(request, 'clock');
      return clockReply(
        await clock.setPolicy(policy, {
          signal: request.signal,
          ...(rate === undefined ? {} : { rate }),
          ...(epoch === undefined ? {} : { matchEpoch: epoch }),
        }),
      );
    },
    async step(request) {
      return clockReply(
        await clock.step(numberOf(request, 'body', 'count') ?? 1, { signal: request.signal }),
      );
    },
    async runUntil(request) {
      return clockReply(
        await clock.runUntil(numberOf(request, 'body', 'tick') ?? 0, { signal: request.signal }),
      );
    },
    async resetClock(request) {
      const seed = numberOf(request, 'body', 'seed');
      return clockReply(
        await clock.reset({ signal: request.signal, ...(seed === undefined ? {} : { seed }) }),
      );
    },
    async waitForTick(request) {
      const tick = numberOf(request, 'query', 'tick');
      if (tick === undefined) {
        throw new ChamberError(Code.InvalidArgument, 'tick: is required', {
          details: { field: 'tick' },
        });
      }
      const timeout = AbortSignal.timeout(numberOf(request, 'query', 'timeoutMs') ?? 30_000);
      const signal = AbortSignal.any([request.signal, timeout]);
      try {
        const status = await clock.waitForTick(tick, { signal });
        await deps.cache?.caughtUp(status.run, status.settledTick);
        return { body: { reached: true, status: ClockStatus.toJSON(status) } };
      } catch (error) {
        if (!timeout.aborted || request.signal.aborted) throw error;
        const status = await clock.getStatus({ signal: request.signal });
        // A short timeout (0) can pass before the answer for a tick settled long ago.
        const reached = status.settledTick >= tick;
        return { body: { reached, status: ClockStatus.toJSON(status) } };
      }
    },

    getSummary: (request) =>
      read(request, async () => Summary.toJSON(await inventory.getSummary(readOptions(request)))),
    listStates: (request) =>
      read(request, async () => {
        const { tick, revision, states, racks } = await inventory.listStates(
          textOf(request, 'query', 'path') ?? '',
          readOptions(request, 'actual'),
        );
        return { tick, revision, states, racks };
      }),
    listRegions: list('regions'),
    getRegion: get(),
    listZones: list('zones'),
    getZone: get(),
    listRacks: list('racks'),
    getRack: get(),
    listPdus: list('pdus'),
    getPdu: get('pdu'),
    listTors: list('tors'),
    getTor: get('tor'),
    listBlades: list('blades'),
    getBlade: get('blade'),
    getCable: get('blade'),
    async getTarget(request) {
      const at = numberOf(request, 'query', 'at');
      const element = await inventory.getElement(textOf(request, 'query', 'path') ?? '', {
        view: enumOf(viewFromJSON, 'VIEW', 'target'),
        ...(at === undefined ? {} : { asOfTick: at }),
      });
      return { body: { element: Element.toJSON(element) }, etag: element.revision };
    },
    async setTarget(request) {
      const path = textOf(request, 'query', 'path');
      if (path === undefined) {
        throw new ChamberError(Code.InvalidArgument, 'path: is required', {
          details: { field: 'path' },
        });
      }
      const powered = request.input.body['powered'];
      const matchRevision = revisionOf(request, 'target');
      const reason = textOf(request, 'body', 'reason');
      const effectiveTick = await inventory
        .setTarget(path, {
          state: enumOf(
            targetStateFromJSON,
            'TARGET_STATE',
            textOf(request, 'body', 'state') ?? '',
          ),
          powered: typeof powered === 'boolean' ? powered : true,
          reason: reason ?? `set by ${who(request)}`,
          ...(matchRevision === undefined ? {} : { matchRevision }),
        })
        .catch((error: unknown) => {
          // A stale revision or a pending change is a conflict: 412 with If-Match, else 409.
          const e = toChamberError(error);
          throw e.code === Code.FailedPrecondition ? new ChamberError(Code.Aborted, e.message) : e;
        });
      return { body: { effectiveTick } };
    },
    async loadDefinition(request) {
      const res = await inventory.loadDefinition(
        textOf(request, 'body', 'source') ?? '',
        textOf(request, 'body', 'fileName') ?? 'definition.yaml',
      );
      return {
        body: {
          loadId: res.loadId,
          effectiveTick: res.effectiveTick,
          blades: res.blades,
        },
      };
    },
    async getLoad(request) {
      const loadId = textOf(request, 'params', 'id') ?? '';
      const timeout = AbortSignal.timeout(numberOf(request, 'query', 'timeoutMs') ?? 30_000);
      let last: LoadProgress | undefined;
      try {
        const done = await inventory.watchLoad(loadId, (p) => (last = p), {
          signal: AbortSignal.any([request.signal, timeout]),
        });
        return { body: LoadProgress.toJSON(done) };
      } catch (error) {
        if (timeout.aborted && !request.signal.aborted && last !== undefined) {
          return { body: LoadProgress.toJSON(last) };
        }
        throw error;
      }
    },
    async issueCommand(request) {
      const image = textOf(request, 'body', 'image');
      const action = enumOf(
        commandActionFromJSON,
        'COMMAND_ACTION',
        textOf(request, 'body', 'action') ?? '',
      );
      const targets = request.input.body['targets'] as string[] | undefined;
      if (targets === undefined) {
        const command = await inventory.issueCommand(
          textOf(request, 'body', 'target') ?? '',
          action,
          {
            requestedBy: who(request),
            ...(image === undefined ? {} : { image }),
          },
        );
        return { body: CommandRecord.toJSON(command) };
      }
      let commands: CommandRecord[];
      try {
        commands = await inventory.issueCommands(
          targets.map((target) => ({ target, action, ...(image === undefined ? {} : { image }) })),
          { requestedBy: who(request) },
        );
      } catch (error) {
        throw commandsAsTargets(error);
      }
      return { body: { commands: commands.map((c) => CommandRecord.toJSON(c)) } };
    },
    async listCommands(request) {
      const status = textOf(request, 'query', 'status');
      const target = textOf(request, 'query', 'target');
      const commands = await inventory.listCommands({
        ...(target === undefined ? {} : { target }),
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(commandStatusFromJSON, 'COMMAND_STATUS', status)] }),
      });
      return { body: { commands: commands.map((c) => CommandRecord.toJSON(c)) } };
    },
    async getCommand(request) {
      return {
        body: CommandRecord.toJSON(
          await inventory.getCommand(textOf(request, 'params', 'id') ?? ''),
        ),
      };
    },

    async injectFault(request) {
      const b = request.input.body;
      const many = b['faults'] as Record<string, unknown>[] | undefined;
      if (many === undefined) {
        const [fault] = faultsOf([b]);
        return {
          body: FaultRecord.toJSON(
            await faults.inject(fault!.kind, fault!.targets, fault!.schedule, who(request)),
          ),
        };
      }
      const beside = Object.keys(b).find((key) => key !== 'faults');
      if (beside !== undefined) {
        throw new ChamberError(
          Code.InvalidArgument,
          `${beside}: give it in each fault of faults, not beside them`,
          { details: { field: beside } },
        );
      }
      const injected = await faults.injectMany(faultsOf(many), who(request));
      return { body: { faults: injected.map((f) => FaultRecord.toJSON(f)) } };
    },
    async listFaults(request) {
      const status = textOf(request, 'query', 'status');
      const kind = textOf(request, 'query', 'kind');
      const target = textOf(request, 'query', 'target');
      const found = await faults.list({
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(faultStatusFromJSON, 'FAULT_STATUS', status)] }),
        ...(kind === undefined ? {} : { kinds: [enumOf(faultKindFromJSON, 'FAULT_KIND', kind)] }),
        ...(target === undefined ? {} : { target }),
      });
      return { body: { faults: found.map((f) => FaultRecord.toJSON(f)) } };
    },
    async getFault(request) {
      return { body: FaultRecord.toJSON(await faults.get(textOf(request, 'params', 'id') ?? '')) };
    },
    async clearFault(request) {
      return {
        body: FaultRecord.toJSON(
          await faults.clear(textOf(request, 'params', 'id') ?? '', who(request)),
        ),
      };
    },
    async clearAllFaults(request) {
      const res = await faults.clearAll(who(request));
      return { body: { ids: res.ids, effectiveTick: res.effectiveTick } };
    },

    async listRepairs(request) {
      const status = textOf(request, 'query', 'status');
      const target = textOf(request, 'query', 'target');
      const found = await repairs.list({
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(repairStatusFromJSON, 'REPAIR_STATUS', status)] }),
        ...(target === undefined ? {} : { target }),
      });
      return { body: { repairs: found.map((r) => RepairRecord.toJSON(r)) } };
    },
    async getRepair(request) {
      return {
        body: RepairRecord.toJSON(await repairs.get(textOf(request, 'params', 'id') ?? '')),
      };
    },

    async listServices() {
      const [{ entries }, failures] = await Promise.all([
        deps.store.listRaw(keys.servicesPrefix),
        readServiceFailures(deps.store),
      ]);
      const running = await Promise.all(
        entries.map(async (e) => {
          const [name = '', instance = ''] = e.key.slice(keys.servicesPrefix.length).split('/');
          let endpoint = '';
          try {
            const value = (JSON.parse(e.value) as { endpoint?: unknown }).endpoint;
            endpoint = typeof value === 'string' ? value : '';
          } catch {
            // A registration not written by Chamber: listed without an endpoint.
          }
          const health =
            endpoint === ''
              ? 'unreachable'
              : /^https?:/.test(endpoint)
                ? await httpHealth(endpoint)
                : await checkHealth(endpoint, { timeoutMs: 1000 });
          return { name, instance, endpoint, health };
        }),
      );
      // A service with no instance running whose last start failed: down, and why.
      const down = [...failures.values()]
        .filter((f) => !running.some((r) => r.name === f.name))
        .map((f) => ({
          name: f.name,
          instance: '',
          endpoint: '',
          health: 'down',
          lastError: f.message,
          failedAt: f.at,
        }));
      const services = [...running, ...down].sort((a, b) => a.name.localeCompare(b.name));
      return { body: { services } };
    },
  };
}

/**
 * The health of a frontend (an HTTP endpoint, not gRPC): serving when its
 * OpenAPI document answers within a second.
 */
async function httpHealth(endpoint: string): Promise<'serving' | 'not_serving' | 'unreachable'> {
  try {
    const res = await fetch(`${endpoint.replace(/\/+$/, '')}${apiPrefix}/openapi.json`, {
      signal: AbortSignal.timeout(1000),
    });
    await res.body?.cancel();
    return res.ok ? 'serving' : 'not_serving';
  } catch {
    return 'unreachable';
  }
}
