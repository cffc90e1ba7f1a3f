import {
  apiPrefix,
  scheduleFields,
  type AnswerOf,
  type BodyOf,
  type OperationId,
} from '@chamber/api';
import type { ClockClient } from '@chamber/clock-client';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
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
import { exportScenario as scenarioOf, formatScenario } from '@chamber/scenario';
import { readServiceFailures, type Store } from '@chamber/store';
import { keys, serviceOfKey, tryParseElementPath } from '@chamber/world';
import { revisionOf, type AccountId } from './accounts.js';
import type { Handlers, Reply, RequestContext } from '../http/server.js';
import type { SettledCache } from '../settled-cache.js';
import type { ScenarioId } from './scenarios.js';
import type { WorkloadId } from './workloads.js';
import type { CapacityId } from './capacity.js';
import type { ReportId } from './reports.js';

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

function readOptions(
  query: { readonly view?: string; readonly at?: number },
  defaultView = 'definition',
): {
  view: ReturnType<typeof viewFromJSON>;
  asOfTick?: number;
} {
  const view = enumOf(viewFromJSON, 'VIEW', query.view ?? defaultView);
  return query.at === undefined ? { view } : { view, asOfTick: query.at };
}

/**
 * A stored record's JSON (a message's `toJSON`) as the answer type the API
 * documents for it: the component schema describes that JSON, and the
 * OpenAPI test checks answers against it.
 */
function recordJson<T>(json: unknown): T {
  return json as T;
}

/** One fault of a `POST /faults` body: the body itself, or an entry of its `faults`. */
type FaultFields = Omit<BodyOf<'injectFault'>, 'faults'>;

/** The faults of `POST /faults` bodies (one, or each of `faults`) as the faults service takes them. */
function faultsOf(
  bodies: readonly FaultFields[],
): { kind: FaultKind; targets: string[]; schedule: Schedule }[] {
  return bodies.map((b) => {
    const schedule: Schedule = {};
    for (const key of scheduleFields) {
      const value = b[key];
      if (value !== undefined) schedule[key] = value;
    }
    return {
      kind: enumOf(faultKindFromJSON, 'FAULT_KIND', b.kind ?? ''),
      targets: b.targets ?? [],
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

/** The routes {@link simulationHandlers} serves. */
type SimulationId = Exclude<
  OperationId,
  | AccountId
  | WorkloadId
  | ScenarioId
  | CapacityId
  | ReportId
  | 'listLogs'
  | 'streamEvents'
  | 'getAbout'
  | 'getOpenApi'
>;

/** The handlers of the clock, inventory, faults, repairs and services routes. */
export function simulationHandlers(deps: SimulationDeps): Pick<Handlers, SimulationId> {
  const { clock, inventory, faults, repairs } = deps;
  /**
   * The clock's status with its epoch as ETag, once this frontend has seen
   * its settled tick (so a read that follows sees that tick's world).
   */
  const clockReply = async (status: ClockStatus): Promise<Reply<AnswerOf<'getClock'>>> => {
    await deps.cache?.caughtUp(status.run, status.settledTick);
    return { body: recordJson(ClockStatus.toJSON(status)), etag: status.epoch };
  };
  const who = (request: { readonly caller: RequestContext<OperationId>['caller'] }): string =>
    `user:${request.caller?.user.name ?? '?'}`;

  /** An inventory read's answer, through the cache when there is one (keyed by the URL). */
  const read = async <A>(
    request: Pick<RequestContext<OperationId>, 'koa' | 'op'>,
    load: () => Promise<A>,
  ): Promise<Reply<A>> =>
    deps.cache === undefined
      ? { body: await load() }
      : { json: await deps.cache.get(request.koa.url, load, request.op.id) };

  return {
    async getClock(request) {
      return clockReply(await clock.getStatus({ signal: request.signal }));
    },
    async setPolicy(request) {
      const { rate } = request.input.body;
      const policy = enumOf(policyFromJSON, 'POLICY', request.input.body.policy);
      const isMeasured = request.input.body.policy === 'measured';
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
        await clock.step(request.input.body.count ?? 1, { signal: request.signal }),
      );
    },
    async runUntil(request) {
      return clockReply(await clock.runUntil(request.input.body.tick, { signal: request.signal }));
    },
    async exportScenario(request) {
      const run = await clock.listInputs({ signal: request.signal });
      const text = formatScenario(scenarioOf(run));
      // YAML, not JSON: the answer is written here, as a stream's is.
      request.koa.status = 200;
      request.koa.type = 'text/yaml';
      request.koa.body = text;
      return { isStreamed: true };
    },
    async resetClock(request) {
      const { seed } = request.input.body;
      return clockReply(
        await clock.reset({ signal: request.signal, ...(seed === undefined ? {} : { seed }) }),
      );
    },
    async waitForTick(request) {
      const { tick } = request.input.query;
      if (tick === undefined) {
        throw new ChamberError(Code.InvalidArgument, 'tick: is required', {
          details: { field: 'tick' },
        });
      }
      const timeout = AbortSignal.timeout(request.input.query.timeoutMs ?? 30_000);
      const signal = AbortSignal.any([request.signal, timeout]);
      try {
        const status = await clock.waitForTick(tick, { signal });
        await deps.cache?.caughtUp(status.run, status.settledTick);
        return { body: { reached: true, status: recordJson(ClockStatus.toJSON(status)) } };
      } catch (error) {
        if (!timeout.aborted || request.signal.aborted) throw error;
        const status = await clock.getStatus({ signal: request.signal });
        // A short timeout (0) can pass before the answer for a tick settled long ago.
        const reached = status.settledTick >= tick;
        return { body: { reached, status: recordJson(ClockStatus.toJSON(status)) } };
      }
    },

    getSummary: (request) =>
      read(request, async () =>
        recordJson(Summary.toJSON(await inventory.getSummary(readOptions(request.input.query)))),
      ),
    listStates: (request) =>
      read(request, async () => {
        const { tick, revision, states, racks } = await inventory.listStates(
          request.input.query.path ?? '',
          readOptions(request.input.query, 'actual'),
        );
        return { tick, revision, states, racks };
      }),
    getElement: (request) =>
      read(request, async () => {
        const { path } = request.input.query;
        if (path === undefined) throw pathRequired();
        const element = await inventory.getElement(path, readOptions(request.input.query));
        return { element: recordJson(Element.toJSON(element)) };
      }),
    listElements: (request) =>
      read(request, async () => {
        const { path = '', kind } = request.input.query;
        const elements = await inventory.listElements(path, readOptions(request.input.query));
        return {
          elements: elements
            .filter((e) => kind === undefined || tryParseElementPath(e.path)?.type === kind)
            .map((e) => recordJson<AnswerOf<'getElement'>['element']>(Element.toJSON(e))),
        };
      }),
    async getTarget(request) {
      const { path, at } = request.input.query;
      const element = await inventory.getElement(path ?? '', {
        view: enumOf(viewFromJSON, 'VIEW', 'target'),
        ...(at === undefined ? {} : { asOfTick: at }),
      });
      return { body: { element: recordJson(Element.toJSON(element)) }, etag: element.revision };
    },
    async setTarget(request) {
      const { path } = request.input.query;
      if (path === undefined) throw pathRequired();
      const { state, powered, reason, drain } = request.input.body;
      const matchRevision = revisionOf(request, 'target');
      // The inventory's code crosses as it is: a stale revision is 412 (If-Match was sent).
      const effectiveTick = await inventory.setTarget(path, {
        state: enumOf(targetStateFromJSON, 'TARGET_STATE', state),
        powered: powered ?? true,
        reason: reason ?? `set by ${who(request)}`,
        drain: drain ?? false,
        ...(matchRevision === undefined ? {} : { matchRevision }),
      });
      return { body: { effectiveTick } };
    },
    async loadDefinition(request) {
      const { source, fileName } = request.input.body;
      const res = await inventory.loadDefinition(source, fileName ?? 'definition.yaml');
      return {
        body: {
          loadId: res.loadId,
          effectiveTick: res.effectiveTick,
          blades: res.blades,
        },
      };
    },
    async getLoad(request) {
      const loadId = request.input.params.id;
      const timeout = AbortSignal.timeout(request.input.query.timeoutMs ?? 30_000);
      let last: LoadProgress | undefined;
      try {
        const done = await inventory.watchLoad(loadId, (p) => (last = p), {
          signal: AbortSignal.any([request.signal, timeout]),
        });
        return { body: recordJson(LoadProgress.toJSON(done)) };
      } catch (error) {
        if (timeout.aborted && !request.signal.aborted && last !== undefined) {
          return { body: recordJson(LoadProgress.toJSON(last)) };
        }
        throw error;
      }
    },
    async issueCommand(request) {
      const { image, target, targets } = request.input.body;
      const action = enumOf(commandActionFromJSON, 'COMMAND_ACTION', request.input.body.action);
      if (targets === undefined) {
        const command = await inventory.issueCommand(target ?? '', action, {
          requestedBy: who(request),
          ...(image === undefined ? {} : { image }),
        });
        return { body: recordJson(CommandRecord.toJSON(command)) };
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
      return { body: { commands: commands.map((c) => recordJson(CommandRecord.toJSON(c))) } };
    },
    async listCommands(request) {
      const { status, target } = request.input.query;
      const commands = await inventory.listCommands({
        ...(target === undefined ? {} : { target }),
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(commandStatusFromJSON, 'COMMAND_STATUS', status)] }),
      });
      return { body: { commands: commands.map((c) => recordJson(CommandRecord.toJSON(c))) } };
    },
    async getCommand(request) {
      const command = await inventory.getCommand(request.input.params.id);
      return { body: recordJson(CommandRecord.toJSON(command)) };
    },

    async injectFault(request) {
      const { faults: many, ...one } = request.input.body;
      if (many === undefined) {
        const [fault] = faultsOf([one]);
        const injected = await faults.inject(
          fault!.kind,
          fault!.targets,
          fault!.schedule,
          who(request),
        );
        return { body: recordJson(FaultRecord.toJSON(injected)) };
      }
      const beside = Object.keys(one)[0];
      if (beside !== undefined) {
        throw new ChamberError(
          Code.InvalidArgument,
          `${beside}: give it in each fault of faults, not beside them`,
          { details: { field: beside } },
        );
      }
      const injected = await faults.injectMany(faultsOf(many), who(request));
      return { body: { faults: injected.map((f) => recordJson(FaultRecord.toJSON(f))) } };
    },
    async listFaults(request) {
      const { status, kind, target } = request.input.query;
      const found = await faults.list({
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(faultStatusFromJSON, 'FAULT_STATUS', status)] }),
        ...(kind === undefined ? {} : { kinds: [enumOf(faultKindFromJSON, 'FAULT_KIND', kind)] }),
        ...(target === undefined ? {} : { target }),
      });
      return { body: { faults: found.map((f) => recordJson(FaultRecord.toJSON(f))) } };
    },
    async getFault(request) {
      return { body: recordJson(FaultRecord.toJSON(await faults.get(request.input.params.id))) };
    },
    async clearFault(request) {
      const cleared = await faults.clear(request.input.params.id, who(request));
      return { body: recordJson(FaultRecord.toJSON(cleared)) };
    },
    async clearAllFaults(request) {
      const res = await faults.clearAll(who(request));
      return { body: { ids: res.ids, effectiveTick: res.effectiveTick } };
    },

    async listRepairs(request) {
      const { status, target } = request.input.query;
      const found = await repairs.list({
        ...(status === undefined
          ? {}
          : { statuses: [enumOf(repairStatusFromJSON, 'REPAIR_STATUS', status)] }),
        ...(target === undefined ? {} : { target }),
      });
      return { body: { repairs: found.map((r) => recordJson(RepairRecord.toJSON(r))) } };
    },
    async getRepair(request) {
      return { body: recordJson(RepairRecord.toJSON(await repairs.get(request.input.params.id))) };
    },

    async listServices() {
      const [{ entries }, failures] = await Promise.all([
        deps.store.listRaw(keys.servicesPrefix),
        readServiceFailures(deps.store),
      ]);
      const running = await Promise.all(
        entries.map(async (e) => {
          const { name = '', instance = '' } = serviceOfKey(e.key) ?? {};
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
          return { name, instance, endpoint, health } as const;
        }),
      );
      // A service with no instance running whose last start failed: down, and why.
      const down = [...failures.values()]
        .filter((f) => !running.some((r) => r.name === f.name))
        .map((f) => ({
          name: f.name,
          instance: '',
          endpoint: '',
          health: 'down' as const,
          lastError: f.message,
          failedAt: f.at,
        }));
      const services = [...running, ...down].sort((a, b) => a.name.localeCompare(b.name));
      return { body: { services } };
    },
  };
}

function pathRequired(): ChamberError {
  return new ChamberError(Code.InvalidArgument, 'path: is required', {
    details: { field: 'path' },
  });
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
