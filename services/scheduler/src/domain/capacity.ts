/** What a blade has or an instance needs: cores, GiB of memory and disk, Gbps of network. */
export interface Resources {
  readonly cores: number;
  readonly memoryGib: number;
  readonly diskGib: number;
  readonly networkGbps: number;
}

/** No resources. */
export const none: Resources = { cores: 0, memoryGib: 0, diskGib: 0, networkGbps: 0 };

/** The resources of a proto Demand or Capacity, and nothing more (absent: none). */
export function resourcesOf(value: Resources | undefined): Resources {
  if (value === undefined) return none;
  return {
    cores: value.cores,
    memoryGib: value.memoryGib,
    diskGib: value.diskGib,
    networkGbps: value.networkGbps,
  };
}

function plus(a: Resources, b: Resources, sign: 1 | -1): Resources {
  return {
    cores: a.cores + sign * b.cores,
    memoryGib: a.memoryGib + sign * b.memoryGib,
    diskGib: a.diskGib + sign * b.diskGib,
    networkGbps: a.networkGbps + sign * b.networkGbps,
  };
}

/**
 * Why a blade cannot take any instance, whatever it needs: `not_in_service`
 * (its target is out for repair or retired, it is draining, or it has no
 * target) or `observed_unhealthy` (the monitor does not see it healthy), each
 * with the words of the particular case (`draining`, `failed`).
 */
export interface Ineligibility {
  readonly filter: 'not_in_service' | 'observed_unhealthy';
  readonly words: string;
}

/** What the index knows of a blade's target: in service (and not draining), or why not. */
export type TargetStatus =
  { readonly inService: true } | { readonly inService: false; readonly words: string };

/** What the index knows of a blade's observed state: healthy, or its state in words. */
export type HealthStatus =
  { readonly healthy: true } | { readonly healthy: false; readonly words: string };

/** A blade as a candidate: its path and its free cores. */
export interface Slot {
  readonly blade: string;
  readonly freeCores: number;
}

/**
 * Counts by a non-negative integer (free cores), with prefix sums in
 * O(log n) (a Fenwick tree); grows as larger values appear.
 */
class CountTree {
  private tree: number[] = [0];
  private counts: number[] = [];

  add(value: number, delta: number): void {
    if (value >= this.counts.length) this.grow(value + 1);
    this.counts[value] = (this.counts[value] ?? 0) + delta;
    for (let i = value + 1; i < this.tree.length; i += i & -i)
      this.tree[i] = (this.tree[i] ?? 0) + delta;
  }

  /** How many counted values are below `value`. */
  countBelow(value: number): number {
    let sum = 0;
    for (let i = Math.min(value, this.counts.length); i > 0; i -= i & -i) sum += this.tree[i] ?? 0;
    return sum;
  }

  private grow(size: number): void {
    const counts = this.counts;
    const length = Math.max(size, counts.length * 2, 64);
    this.counts = Array.from({ length }, (_, i) => counts[i] ?? 0);
    this.tree = new Array<number>(length + 1).fill(0);
    for (let i = 1; i <= length; i++) {
      this.tree[i] = (this.tree[i] ?? 0) + (this.counts[i - 1] ?? 0);
      const parent = i + (i & -i);
      if (parent <= length) this.tree[parent] = (this.tree[parent] ?? 0) + (this.tree[i] ?? 0);
    }
  }
}

/** The position of `path` in the sorted `list`, or where it would go. */
function search(list: readonly string[], path: string, from = 0): number {
  let lo = from;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < path) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Place = { eligible: true; freeCores: number } | { eligible: false; key: string };

/**
 * The blades with the same free cores, in path order. Blades leave it in
 * O(1) (marked gone, and dropped from the front as the front goes: spread
 * and bin-pack both take blades from the front); they join at either end in
 * O(1) (a rebuild adds them in key order, a placement moves blades down in
 * the order it takes them), elsewhere by a splice.
 */
class Bucket {
  private items: string[] = [];
  private head = 0;
  private readonly gone = new Set<string>();
  size = 0;

  add(blade: string): void {
    this.size++;
    // Still held, marked gone: it is back in its place.
    if (this.gone.delete(blade)) return;
    const { items } = this;
    if (this.head === items.length || items[items.length - 1]! < blade) items.push(blade);
    else if (blade < items[this.head]!) {
      if (this.head > 0) items[--this.head] = blade;
      else items.unshift(blade);
    } else items.splice(search(items, blade, this.head), 0, blade);
  }

  remove(blade: string): void {
    this.size--;
    if (this.size === 0) {
      this.items = [];
      this.head = 0;
      this.gone.clear();
      return;
    }
    this.gone.add(blade);
    const { items, gone } = this;
    while (this.head < items.length && gone.delete(items[this.head]!)) this.head++;
    if (gone.size > 1024 && gone.size > this.size) {
      this.items = items.slice(this.head).filter((b) => !gone.has(b));
      this.head = 0;
      gone.clear();
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }

  /** The position of the first blade held at or after `from` (at least the head), or -1. */
  liveFrom(from: number, limit = this.items.length): number {
    for (let i = Math.max(from, this.head); i < limit; i++)
      if (!this.gone.has(this.items[i]!)) return i;
    return -1;
  }

  bladeAt(i: number): string {
    return this.items[i]!;
  }

  /** The position after the last blade whose path is below `bound`, from `from` on. */
  end(bound: string, from: number): number {
    return search(this.items, bound, Math.max(from, this.head));
  }

  /** How many blades are held between positions `from` and `to`. */
  countLive(from: number, to: number): number {
    let n = to - from;
    if (this.gone.size === 0) return n;
    for (let i = from; i < to; i++) if (this.gone.has(this.items[i]!)) n--;
    return n;
  }
}

/** The paths from `from` (included) to `to` (excluded), in code-unit order. */
export interface PathRange {
  readonly from: string;
  readonly to: string;
}

/** The range of the paths at or under `domain`, a blade, rack or zone path. */
export function rangeOf(domain: string, isBlade: boolean): PathRange {
  return isBlade
    ? { from: domain, to: `${domain}\u0000` }
    : { from: `${domain}/`, to: `${domain}/\uffff` };
}

/**
 * The eligible blades best-first, one at a time (see {@link CapacityIndex.cursor}).
 * The index must not change while a cursor is in use.
 */
export interface SlotCursor {
  /** The next blade, or `undefined` when none is left. */
  next(): Slot | undefined;
  /**
   * Passes over the blades after the current one, in its free-core bucket,
   * whose path starts with `prefix` (the rest of its rack or zone: a bucket
   * holds them side by side, in path order); returns how many it passed.
   */
  skip(prefix: string): number;
}

/**
 * The scheduler's view of the blades' free capacity, kept as records change
 * so that one placement decision never scans the inventory:
 *
 * - the blades that can take an instance at all (defined, target in service
 *   and not draining, observed healthy) in buckets by free cores, each
 *   bucket in path order, the bucket values themselves sorted: the best
 *   candidate for either strategy is found in O(log b) (b: distinct free-core
 *   values, a few dozen), then blades come best-first;
 * - a Fenwick tree of those blades by free cores: "how many lack N free
 *   cores" in O(log c) (c: the largest free-core count);
 * - counts of the other blades by why they cannot take anything.
 *
 * Updating one blade (a target, an observation, a definition, a placement
 * made or deleted) costs O(log c + b) plus moving it between two buckets:
 * O(1) amortized when it leaves or joins a bucket at an end (every
 * placement does), a splice (O(bucket size) of memory moves) when capacity
 * freed puts it in the middle of one. Free capacity is the
 * definition's capacity minus the demand of every placement on the blade
 * (an unwanted, stopping instance still occupies it).
 */
export class CapacityIndex {
  private readonly capacity = new Map<string, Resources>();
  private readonly used = new Map<string, Resources>();
  private readonly targets = new Map<string, TargetStatus>();
  private readonly health = new Map<string, HealthStatus>();
  private readonly places = new Map<string, Place>();
  // Eligible blades by free cores, each bucket in path order.
  private readonly buckets = new Map<number, Bucket>();
  // The free-core values of the non-empty buckets, ascending.
  private coreValues: number[] = [];
  private readonly tree = new CountTree();
  private readonly ineligible = new Map<string, number>();

  /** Defines a blade with its capacity, or forgets it (`undefined`: no longer defined). */
  define(blade: string, capacity: Resources | undefined): void {
    if (capacity === undefined) this.capacity.delete(blade);
    else this.capacity.set(blade, capacity);
    this.refresh(blade);
  }

  /** Sets a blade's target status; `undefined`: it has no target record. */
  setTarget(blade: string, status: TargetStatus | undefined): void {
    if (status === undefined) this.targets.delete(blade);
    else this.targets.set(blade, status);
    this.refresh(blade);
  }

  /** Sets a blade's observed health; `undefined`: not observed yet. */
  setHealth(blade: string, status: HealthStatus | undefined): void {
    if (status === undefined) this.health.delete(blade);
    else this.health.set(blade, status);
    this.refresh(blade);
  }

  /** Takes `demand` on `blade` (a placement); the blade need not be defined. */
  reserve(blade: string, demand: Resources): void {
    this.used.set(blade, plus(this.used.get(blade) ?? none, demand, 1));
    this.refresh(blade);
  }

  /** Gives back what {@link reserve} took. */
  release(blade: string, demand: Resources): void {
    const left = plus(this.used.get(blade) ?? none, demand, -1);
    if (
      left.cores <= 0 &&
      left.memoryGib <= 1e-9 &&
      left.diskGib <= 1e-9 &&
      left.networkGbps <= 1e-9
    )
      this.used.delete(blade);
    else this.used.set(blade, left);
    this.refresh(blade);
  }

  /** The blade's free resources (capacity minus placements), or `undefined` when it is not defined. */
  free(blade: string): Resources | undefined {
    const capacity = this.capacity.get(blade);
    return capacity === undefined ? undefined : plus(capacity, this.used.get(blade) ?? none, -1);
  }

  /** Why the blade can take nothing, or `undefined` when it can (or is not defined). */
  ineligibility(blade: string): Ineligibility | undefined {
    if (!this.capacity.has(blade)) return undefined;
    const target = this.targets.get(blade);
    if (target === undefined) return { filter: 'not_in_service', words: 'without a target' };
    if (!target.inService) return { filter: 'not_in_service', words: target.words };
    const health = this.health.get(blade);
    if (health === undefined) return { filter: 'observed_unhealthy', words: 'not observed yet' };
    if (!health.healthy) return { filter: 'observed_unhealthy', words: health.words };
    return undefined;
  }

  /** Whether the blade can take an instance that fits (defined, in service, observed healthy). */
  isEligible(blade: string): boolean {
    return this.places.get(blade)?.eligible === true;
  }

  /** The defined blades that can take nothing, counted by filter and then by words, each in key order. */
  ineligibleCounts(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const key of [...this.ineligible.keys()].sort()) {
      const [filter, words] = splitKey(key);
      let byWords = out.get(filter);
      if (byWords === undefined) out.set(filter, (byWords = new Map<string, number>()));
      byWords.set(words, this.ineligible.get(key)!);
    }
    return out;
  }

  /** How many eligible blades have fewer than `cores` free cores: O(log c). */
  countLackingCores(cores: number): number {
    return this.tree.countBelow(cores);
  }

  /** How many eligible blades with at least `minCores` free cores lie in `ranges` (disjoint). */
  countWithin(minCores: number, ranges: readonly PathRange[]): number {
    let n = 0;
    for (const value of this.coreValues.slice(searchNumber(this.coreValues, minCores))) {
      const bucket = this.buckets.get(value)!;
      for (const { from, to } of ranges) {
        const start = bucket.end(from, 0);
        n += bucket.countLive(start, bucket.end(to, start));
      }
    }
    return n;
  }

  /** How many eligible blades there are. */
  get eligibleCount(): number {
    return this.tree.countBelow(Number.MAX_SAFE_INTEGER);
  }

  /**
   * The eligible blades with at least `minCores` free cores, best-first for
   * the strategy: `most_free` (spread) from the most free cores down,
   * `least_free` (bin-pack) from the fewest that fit up; blades with the
   * same free cores in path order. Lazy: the caller stops when it has
   * enough. The index must not change while it is iterated.
   */
  *slots(order: 'most_free' | 'least_free', minCores: number): Generator<Slot> {
    const cursor = this.cursor(order, minCores);
    for (let slot = cursor.next(); slot !== undefined; slot = cursor.next()) yield slot;
  }

  /**
   * {@link slots} as a cursor that can also pass over the rest of a rack or
   * zone in O(log n) ({@link SlotCursor.skip}); `within`: only the blades in
   * these ranges (sorted, disjoint), each found by binary search.
   */
  cursor(
    order: 'most_free' | 'least_free',
    minCores: number,
    within?: readonly PathRange[],
  ): SlotCursor {
    const first = searchNumber(this.coreValues, minCores);
    const values =
      order === 'most_free' ? this.coreValues.slice(first).reverse() : this.coreValues.slice(first);
    const ranges = within ?? [{ from: '', to: '\uffff' }];
    let v = -1;
    let bucket: Bucket | undefined;
    let r = ranges.length;
    let at = -1;
    let limit = 0;
    return {
      next: () => {
        for (;;) {
          if (bucket !== undefined) {
            at = bucket.liveFrom(at + 1, limit);
            if (at >= 0) return { blade: bucket.bladeAt(at), freeCores: values[v]! };
            if (++r < ranges.length) {
              at = bucket.end(ranges[r]!.from, 0) - 1;
              limit = bucket.end(ranges[r]!.to, at + 1);
              continue;
            }
          }
          if (++v >= values.length) return undefined;
          bucket = this.buckets.get(values[v]!);
          r = -1;
          at = -1;
          limit = 0;
        }
      },
      skip: (prefix) => {
        if (bucket === undefined || at < 0) return 0;
        const end = Math.min(limit, bucket.end(`${prefix}\uffff`, at + 1));
        const passed = bucket.countLive(at + 1, end);
        at = end - 1;
        return passed;
      },
    };
  }

  /** Moves the blade to where it now belongs: a bucket, an ineligible count, or nowhere. */
  private refresh(blade: string): void {
    const before = this.places.get(blade);
    const after = this.placeOf(blade);
    if (samePlace(before, after)) return;
    if (before !== undefined) this.leave(blade, before);
    if (after === undefined) this.places.delete(blade);
    else {
      this.places.set(blade, after);
      this.enter(blade, after);
    }
  }

  private placeOf(blade: string): Place | undefined {
    const free = this.free(blade);
    if (free === undefined) return undefined;
    const why = this.ineligibility(blade);
    if (why !== undefined) return { eligible: false, key: `${why.filter}\u0000${why.words}` };
    return { eligible: true, freeCores: Math.max(0, free.cores) };
  }

  private enter(blade: string, place: Place): void {
    if (!place.eligible) {
      this.ineligible.set(place.key, (this.ineligible.get(place.key) ?? 0) + 1);
      return;
    }
    this.tree.add(place.freeCores, 1);
    let bucket = this.buckets.get(place.freeCores);
    if (bucket === undefined) {
      this.buckets.set(place.freeCores, (bucket = new Bucket()));
      const at = searchNumber(this.coreValues, place.freeCores);
      this.coreValues = [
        ...this.coreValues.slice(0, at),
        place.freeCores,
        ...this.coreValues.slice(at),
      ];
    }
    bucket.add(blade);
  }

  private leave(blade: string, place: Place): void {
    if (!place.eligible) {
      const left = (this.ineligible.get(place.key) ?? 1) - 1;
      if (left === 0) this.ineligible.delete(place.key);
      else this.ineligible.set(place.key, left);
      return;
    }
    this.tree.add(place.freeCores, -1);
    const bucket = this.buckets.get(place.freeCores);
    if (bucket === undefined) return;
    bucket.remove(blade);
    if (bucket.size === 0) {
      this.buckets.delete(place.freeCores);
      this.coreValues = this.coreValues.filter((v) => v !== place.freeCores);
    }
  }
}

function searchNumber(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function samePlace(a: Place | undefined, b: Place | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.eligible && b.eligible) return a.freeCores === b.freeCores;
  if (!a.eligible && !b.eligible) return a.key === b.key;
  return false;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
