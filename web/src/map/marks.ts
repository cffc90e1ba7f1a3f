import { wordOf } from '@chamber/world';
import { useEffect, useMemo, useRef, useState } from 'react';
import { call, type Fault, type Repair } from '../api.js';
import { oneAtATime } from '../serial.js';

/** What happened at a mark of the timeline. */
export type MarkKind = 'fault' | 'opened' | 'closed';

/** The words for each kind of mark, as the timeline's legend shows them. */
export const markWords: Readonly<Record<MarkKind, string>> = {
  fault: 'fault started',
  opened: 'repair opened',
  closed: 'repair closed',
};

/** One event on the timeline: a fault starting, a repair opening or closing, at a tick, on an element. */
export interface Mark {
  readonly kind: MarkKind;
  readonly tick: number;
  /** The element it concerns (a fault's first target, a repair's target). */
  readonly target: string;
  /** It in words: `power loss started at tick 12 on small/z1/rack1/pdu/0`. */
  readonly words: string;
}

/** The marks of one kind at one tick, shown as one. */
export interface MarkGroup {
  readonly kind: MarkKind;
  readonly tick: number;
  readonly marks: readonly Mark[];
}

/**
 * The marks of `faults` and `repairs`: the tick each fault became active
 * (its first time, from its history; a fault never active has none), and
 * the ticks each repair opened and closed. Sorted by tick.
 */
export function marksOf(faults: readonly Fault[], repairs: readonly Repair[]): Mark[] {
  const marks: Mark[] = [];
  for (const f of faults) {
    const started =
      f.history?.find((h) => wordOf(h.status ?? '') === 'active')?.tick ??
      (wordOf(f.status ?? '') === 'active' ? f.sinceTick : undefined);
    const target = f.targets?.[0];
    if (started === undefined || target === undefined) continue;
    const more = (f.targets?.length ?? 1) > 1 ? ` and ${f.targets!.length - 1} more` : '';
    marks.push({
      kind: 'fault',
      tick: Number(started),
      target,
      words: `${wordOf(f.kind ?? '')} started at tick ${started} on ${target}${more}`,
    });
  }
  for (const r of repairs) {
    if (r.target === undefined) continue;
    if (r.openedTick !== undefined) {
      marks.push({
        kind: 'opened',
        tick: Number(r.openedTick),
        target: r.target,
        words: `repair of ${r.target} opened at tick ${r.openedTick}`,
      });
    }
    if (r.closedTick !== undefined && Number(r.closedTick) > 0) {
      marks.push({
        kind: 'closed',
        tick: Number(r.closedTick),
        target: r.target,
        words: `repair of ${r.target} closed at tick ${r.closedTick} (${wordOf(r.status ?? '')})`,
      });
    }
  }
  return marks.sort((a, b) => a.tick - b.tick);
}

/**
 * `marks` grouped by kind and tick (many faults at one tick are one mark),
 * the latest `limit` groups, by tick.
 */
export function groupMarks(marks: readonly Mark[], limit: number): MarkGroup[] {
  const groups = new Map<string, { kind: MarkKind; tick: number; marks: Mark[] }>();
  for (const m of marks) {
    const key = `${m.kind}@${m.tick}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { kind: m.kind, tick: m.tick, marks: [m] });
    else group.marks.push(m);
  }
  return [...groups.values()].sort((a, b) => a.tick - b.tick).slice(-limit);
}

/**
 * The timeline's marks, read from `GET /faults` and `GET /repairs`, and
 * read again whenever `version` moves (bumped by the live stream's fault
 * and repair events). One read at a time: bumps during a read are caught up
 * by one more read after it. A failed read keeps the marks read before.
 */
export function useMarks(version: number): readonly Mark[] {
  const [marks, setMarks] = useState<readonly Mark[]>([]);
  const isMounted = useRef(true);
  const read = useMemo(
    () =>
      oneAtATime(async () => {
        const [faults, repairs] = await Promise.all([call('listFaults'), call('listRepairs')]);
        if (isMounted.current) setMarks(marksOf(faults.body.faults, repairs.body.repairs));
      }),
    [],
  );
  useEffect(read, [version, read]);
  useEffect(() => {
    isMounted.current = true;
    return () => {
      isMounted.current = false;
    };
  }, []);
  return marks;
}
