import type { AnswerOf, OperationId } from '@chamber/api';
import { BladeDefinition, PlacementRecord } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { instanceOfKey, keys, viewKey } from '@chamber/world';
import type { Handlers } from '../http/server.js';
import type { SettledCache } from '../settled-cache.js';

/** The store behind the capacity route. */
export interface CapacityDeps {
  readonly store: Store;
  /** Keeps answers until the next settle, as it keeps inventory reads; every read goes to the store without it. */
  readonly cache?: SettledCache;
}

/** The routes {@link capacityHandlers} serves. */
export type CapacityId = Extract<OperationId, 'getCapacity'>;

type BladeUse = AnswerOf<'getCapacity'>['blades'][number];
type Resources = BladeUse['used'];

/** Definitions read at once: enough to hide a round trip, few enough not to crowd etcd. */
const definitionsInFlight = 16;

const none = (): { -readonly [K in keyof Resources]: number } => ({
  cores: 0,
  memoryGib: 0,
  diskGib: 0,
  networkGbps: 0,
});

/** `value`'s four amounts (absent: 0). */
function resources(value: Partial<Resources> | undefined): Resources {
  return {
    cores: value?.cores ?? 0,
    memoryGib: value?.memoryGib ?? 0,
    diskGib: value?.diskGib ?? 0,
    networkGbps: value?.networkGbps ?? 0,
  };
}

/**
 * The blades on `under` that hold placements, each with its capacity, the
 * sum of its placed instances' demands and those instances. Reads the
 * placements under the path (one range, `placements/<under>`) and then the
 * definition of each blade holding one, at the same revision: the cost
 * follows the placements, never the inventory's size. A blade whose
 * definition is gone (an inventory reload under way) answers a capacity of
 * none.
 */
export async function bladeUses(
  store: Store,
  under: string,
): Promise<{ revision: number; blades: BladeUse[] }> {
  const path = under.replace(/^\/+|\/+$/g, '');
  const placed = await store.list(
    PlacementRecord,
    path === '' ? keys.placementsPrefix : keys.placementsOn(path),
  );
  const byBlade = new Map<
    string,
    { used: ReturnType<typeof none>; instances: BladeUse['instances'][number][] }
  >();
  for (const e of placed.entries) {
    const of = instanceOfKey(e.key);
    if (of?.blade === undefined) continue;
    const demand = resources(e.value.demand);
    let use = byBlade.get(of.blade);
    if (use === undefined) {
      use = { used: none(), instances: [] };
      byBlade.set(of.blade, use);
    }
    use.used.cores += demand.cores;
    use.used.memoryGib += demand.memoryGib;
    use.used.diskGib += demand.diskGib;
    use.used.networkGbps += demand.networkGbps;
    use.instances.push({ workload: of.workload, n: of.n, demand });
  }
  const blades = [...byBlade.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const capacities = new Map<string, Resources>();
  const at = { revision: placed.revision };
  for (let i = 0; i < blades.length; i += definitionsInFlight) {
    await Promise.all(
      blades.slice(i, i + definitionsInFlight).map(async (blade) => {
        const definition = await store.get(BladeDefinition, viewKey('definition', blade), at);
        capacities.set(blade, resources(definition?.value.capacity));
      }),
    );
  }
  return {
    revision: placed.revision,
    blades: blades.map((blade) => {
      const use = byBlade.get(blade)!;
      return {
        blade,
        capacity: capacities.get(blade) ?? resources(undefined),
        used: use.used,
        instances: use.instances.sort((a, b) => a.workload.localeCompare(b.workload) || a.n - b.n),
      };
    }),
  };
}

/** The handler of `GET /capacity`: the used capacity of the blades holding placements. */
export function capacityHandlers(deps: CapacityDeps): Pick<Handlers, CapacityId> {
  return {
    async getCapacity(request) {
      const load = () => bladeUses(deps.store, request.input.query.under ?? '');
      return deps.cache === undefined
        ? { body: await load() }
        : { json: await deps.cache.get(request.koa.url, load, request.op.id) };
    },
  };
}
