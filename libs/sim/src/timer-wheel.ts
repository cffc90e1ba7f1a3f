/**
 * Keys due at ticks: what a participant has scheduled (a boot finishing, a
 * heartbeat deadline), so a tick's work follows what is due, never the size
 * of the world. One pending tick per key; O(log n) to schedule and take.
 */
export class TimerWheel<K extends string = string> {
  private readonly byTick = new Map<number, Set<K>>();
  private readonly tickOfKey = new Map<K, number>();
  // Min-heap of the distinct ticks in `byTick` (stale entries skipped lazily).
  private readonly heap: number[] = [];

  /** How many keys are scheduled. */
  get size(): number {
    return this.tickOfKey.size;
  }

  /** Schedules `key` at `tick`, moving it if it was scheduled elsewhere. */
  schedule(tick: number, key: K): void {
    this.cancel(key);
    let set = this.byTick.get(tick);
    if (set === undefined) {
      set = new Set();
      this.byTick.set(tick, set);
      this.push(tick);
    }
    set.add(key);
    this.tickOfKey.set(key, tick);
  }

  /** Unschedules `key`; whether it was scheduled. */
  cancel(key: K): boolean {
    const tick = this.tickOfKey.get(key);
    if (tick === undefined) return false;
    this.tickOfKey.delete(key);
    const set = this.byTick.get(tick)!;
    set.delete(key);
    if (set.size === 0) this.byTick.delete(tick);
    return true;
  }

  has(key: K): boolean {
    return this.tickOfKey.has(key);
  }

  /** The tick `key` is scheduled at, if any. */
  tickOf(key: K): number | undefined {
    return this.tickOfKey.get(key);
  }

  /** The earliest tick with a key scheduled. */
  next(): number | undefined {
    this.dropStale();
    return this.heap[0];
  }

  /** Removes and returns every key scheduled at or before `tick`, by tick then key. */
  takeDue(tick: number): K[] {
    const due: K[] = [];
    for (let t = this.next(); t !== undefined && t <= tick; t = this.next()) {
      this.pop();
      const set = this.byTick.get(t)!;
      this.byTick.delete(t);
      const keys = [...set].sort();
      for (const k of keys) this.tickOfKey.delete(k);
      due.push(...keys);
    }
    return due;
  }

  private dropStale(): void {
    while (this.heap.length > 0 && !this.byTick.has(this.heap[0]!)) this.pop();
  }

  private push(tick: number): void {
    const h = this.heap;
    h.push(tick);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= h[i]!) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]! < h[m]!) m = l;
      if (r < h.length && h[r]! < h[m]!) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}
