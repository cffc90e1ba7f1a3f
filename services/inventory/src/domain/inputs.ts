// The inventory's own inputs: target changes and commands, each written
// for the next tick into its inbox (`inputs/inventory/<id>`) with a
// `pending/<id>` marker, and applied here at their tick.
import { CommandRecord, PendingRecord, TargetInput, TargetRecord } from '@chamber/protos';
import { op, type Op, type Snapshot } from '@chamber/reactor';
import { keys, pathOfViewKey, viewKey } from '@chamber/world';
import type { Topology } from './topology.js';

/** The inventory's participant name, and the owner of its inputs. */
export const inventoryParticipant = 'inventory';

/** The inventory's inbox: `inputs/inventory/<id>`. */
export const inventoryInbox = keys.inputsOf(inventoryParticipant);

/** The ids of the inventory's inputs. */
export const inventoryInputs = {
  /** A change of `path`'s target: named by the key it writes, `target/<path>`. */
  target: (path: string): string => viewKey('target', path),
  /** Where commands' input ids begin: `command/c12-1` is command `c12-1`. */
  commandPrefix: 'command/',
  /** The sequence commands' input ids are drawn from (`command/c<tick>-<n>`). */
  commandSequence: 'command/c',
} as const;

/**
 * The writes that apply the target changes due at `tick` (those of elements
 * defined and not `removed` by this tick's load), and the commands due at
 * it, to be started. Each input and its marker are deleted.
 */
export function applyInputs(
  tick: number,
  view: Snapshot,
  topology: Topology,
  removed: ReadonlySet<string>,
): { ops: Op[]; commands: CommandRecord[] } {
  const ops: Op[] = [];
  const commands: CommandRecord[] = [];
  for (const marker of view.list(PendingRecord, keys.pendingPrefix)) {
    if (marker.value.owner !== inventoryParticipant || marker.value.effectiveTick > tick) continue;
    const id = marker.key.slice(keys.pendingPrefix.length);
    const inputKey = inventoryInbox + id;
    const path = pathOfViewKey('target', id);
    if (path !== undefined) {
      const input = view.value(TargetInput, inputKey);
      ops.push(op.delete(marker.key), op.delete(inputKey));
      if (input !== undefined && topology.has(path) && !removed.has(path)) {
        ops.push(
          op.put(TargetRecord, viewKey('target', path), {
            state: input.state,
            powered: input.powered,
            sinceTick: tick,
            reason: input.reason,
            drain: input.drain,
          }),
        );
      }
    } else if (id.startsWith(inventoryInputs.commandPrefix)) {
      const input = view.value(CommandRecord, inputKey);
      ops.push(op.delete(marker.key), op.delete(inputKey));
      if (input !== undefined) commands.push(input);
    }
  }
  return { ops, commands };
}
