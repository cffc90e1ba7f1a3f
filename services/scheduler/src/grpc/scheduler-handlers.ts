import { ChamberError, Code } from '@chamber/errors';
import { unary, type HandlerLogger } from '@chamber/grpc';
import { PlacementRecord, UnplacedRecord, type SchedulerServer } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { instanceName, instanceOfKey, isValidWorkloadName, keys } from '@chamber/world';

/**
 * The Scheduler RPCs: an instance's placement explanation, read from the
 * store. `bladeOf` names the blade the scheduler's memory holds for the
 * instance, so a placed instance costs one read; without it (the scheduler
 * has not handled a tick yet) the placements are listed.
 */
export function createSchedulerHandlers(
  store: Store,
  logger: HandlerLogger,
  bladeOf: (workload: string, n: number) => string | undefined,
): SchedulerServer {
  return {
    explainPlacement: unary(async ({ workload, n }) => {
      if (!isValidWorkloadName(workload))
        throw new ChamberError(
          Code.InvalidArgument,
          `workload: "${workload}" is no workload name (1-63 lower-case letters, digits and "-", starting with a letter)`,
        );
      const name = instanceName(workload, n);
      const known = bladeOf(workload, n);
      let placement =
        known === undefined
          ? undefined
          : (await store.get(PlacementRecord, keys.placement(known, workload, n)))?.value;
      if (placement === undefined) {
        const { entries } = await store.list(PlacementRecord, keys.placementsPrefix);
        placement = entries.find((e) => {
          const id = instanceOfKey(e.key);
          return id?.workload === workload && id.n === n;
        })?.value;
      }
      if (placement !== undefined) return { explanation: placement.explanation, placed: true };
      const unplaced = await store.get(UnplacedRecord, keys.unplaced(workload, n));
      if (unplaced !== undefined) return { explanation: unplaced.value.explanation, placed: false };
      throw new ChamberError(
        Code.NotFound,
        `instance "${name}" has no placement and no unplaced record: it does not exist, is not wanted, or the scheduler has not seen it yet`,
      );
    }, logger),
  };
}
