// The inventory's own inputs: target changes and commands, each written
// for the next tick into its inbox (`inputs/inventory/<id>`) with a
// `pending/<id>` marker, and applied here at their tick.
import { CommandRecord, PendingRecord, TargetInput, TargetRecord } from '@chamber/protos';
import { op, type Op, type Snapshot } from '@chamber/reactor';
import { deviceOf, keys, pathOfViewKey, viewKey } from '@chamber/world';
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
 *
 * A target change on a rack or a zone is one input naming it, expanded here,
 * when it applies, into the same target on every blade under it then (in
 * key order; none that this tick's load removes). Its PDUs and TORs keep their
 * targets: powering a PDU down would cut its blades before they are drained,
 * and a TOR is never powered down by the repair manager. Of two changes due
 * at the same tick for one blade, the later in key order wins (a blade's own
 * over its rack's, a rack's over its zone's).
 *
 * A shard writes the targets of the blades it `owns` (every shard deletes
 * the inputs and their markers: the same deletes, whoever lands first).
 */
export function applyInputs(
  tick: number,
  view: Snapshot,
  topology: Topology,
  removed: ReadonlySet<string>,
  owns: (path: string) => boolean = () => true,
): { ops: Op[]; commands: CommandRecord[] } {
  const ops: Op[] = [];
  const targets = new Map<string, TargetRecord>();
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
        const record: TargetRecord = {
          state: input.state,
          powered: input.powered,
          sinceTick: tick,
          reason: input.reason,
          drain: input.drain,
        };
        // A container (a rack or zone: the handler takes no other) means its blades.
        const paths = deviceOf(path) === undefined ? topology.under(path).blades : [path];
        for (const p of paths) if (!removed.has(p) && owns(p)) targets.set(p, record);
      }
    } else if (id.startsWith(inventoryInputs.commandPrefix)) {
      const input = view.value(CommandRecord, inputKey);
      ops.push(op.delete(marker.key), op.delete(inputKey));
      if (input !== undefined) commands.push(input);
    }
  }
  // One write per blade: a transaction may not name a key twice.
  for (const [path, record] of targets)
    ops.push(op.put(TargetRecord, viewKey('target', path), record));
  return { ops, commands };
}
