import { unary, type HandlerLogger } from '@chamber/grpc';
import { TickRecord, type MonitorServer } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { keys } from '@chamber/world';
import type { Thresholds } from '../domain/observe.js';

/** The Monitor RPCs: its thresholds, and how many elements it observes in each state. */
export function createMonitorHandlers(
  store: Store,
  thresholds: Thresholds,
  logger: HandlerLogger,
): MonitorServer {
  return {
    getStatus: unary(async () => {
      const [observed, tick] = await Promise.all([
        store.listRaw(keys.observedPrefix),
        store.get(TickRecord, keys.clockTick),
      ]);
      // Counted from the stored text: decoding every record of a large
      // inventory for one field would cost far more.
      const states: Record<string, number> = {};
      for (const { value } of observed.entries) {
        const state = /"state":"([A-Z_]+)"/.exec(value)?.[1] ?? 'OBSERVED_STATE_UNSPECIFIED';
        states[state] = (states[state] ?? 0) + 1;
      }
      return { ...thresholds, states, tick: tick?.value.tick ?? 0 };
    }, logger),
  };
}
