import { ChamberError, Code } from '@chamber/errors';
import { unary, type HandlerLogger } from '@chamber/grpc';
import { RepairRecord, type RepairsServer } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { isUnder, keys } from '@chamber/world';

/** The Repairs RPCs: the repair records, read from the store. */
export function createRepairsHandlers(store: Store, logger: HandlerLogger): RepairsServer {
  return {
    listRepairs: unary(async (req) => {
      const target = req.target.replace(/^\/+|\/+$/g, '');
      const { entries } = await store.list(RepairRecord, keys.repairsPrefix);
      const repairs = entries
        .map((e) => e.value)
        .filter(
          (x) =>
            (req.statuses.length === 0 || req.statuses.includes(x.status)) &&
            (target === '' || isUnder(x.target, target)),
        )
        .sort(
          (a, b) =>
            a.openedTick - b.openedTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
        );
      return { repairs };
    }, logger),
    getRepair: unary(async (req) => {
      const repair = await store.get(RepairRecord, keys.repair(req.id));
      if (repair === undefined) throw new ChamberError(Code.NotFound, `no repair "${req.id}"`);
      return { repair: repair.value };
    }, logger),
  };
}
