// The hardware's part of a tick: the PDUs, TORs and blades woken (by a
// fault, a command, a timer, a neighbour's change) are evaluated, PDUs and
// TORs first, so the blades they feed and connect see their new state.
import { PduActual, TorActual } from '@chamber/protos';
import { viewKey } from '@chamber/world';
import type { Bench } from './commands.js';
import { draw, evaluateBlade, evaluatePdu, evaluateTor } from './hardware.js';
import { replacing, wake, type Indexes, type TickWork } from './tick-work.js';

/**
 * Evaluates the elements in `order` (in key order) that are PDUs, TORs or
 * blades, keeping their new records in `work`; a PDU or TOR whose state
 * changed wakes the blades it feeds or connects after a propagation delay,
 * and a blade asks to be woken again when it has a delay running. Resolves
 * with how many elements it evaluated.
 */
export async function evaluate(
  work: TickWork,
  ix: Indexes,
  bench: Bench,
  order: readonly string[],
): Promise<number> {
  const { c, view, slicer } = work;
  const { topology, effects } = ix;
  let evaluated = 0;
  for (const path of order) {
    const isPdu = topology.pdus.has(path);
    if (!isPdu && !topology.tors.has(path)) continue;
    await slicer.pause();
    evaluated++;
    const replacement = replacing(ix, view, path);
    const result = isPdu
      ? evaluatePdu(c, bench.pdu(path)!, effects.on(path), replacement)
      : evaluateTor(c, bench.tor(path)!, effects.on(path), replacement);
    if (isPdu) work.pdus.set(path, result.next as PduActual);
    else work.tors.set(path, result.next as TorActual);
    const before = isPdu
      ? view.value(PduActual, viewKey('actual', path))
      : view.value(TorActual, viewKey('actual', path));
    if (before !== undefined && before.state !== result.next.state) {
      const dependents = isPdu ? topology.fedBy(path) : topology.linkedTo(path);
      for (const blade of dependents) {
        const at = c.tick + draw(c, blade, c.tick, 'propagation', c.timings.propagationTicks);
        wake(ix, at, blade);
      }
    }
  }
  for (const path of order) {
    const info = topology.blades.get(path);
    if (info === undefined) continue;
    await slicer.pause();
    evaluated++;
    const current = bench.blade(path)!.actual;
    const result = evaluateBlade(
      c,
      info,
      current,
      { pdu: bench.pdu(info.pdu), tor: bench.tor(info.tor) },
      effects.on(path),
      replacing(ix, view, path),
    );
    work.blades.set(path, result.next);
    if (result.wake !== undefined) wake(ix, result.wake, path);
  }
  return evaluated;
}
