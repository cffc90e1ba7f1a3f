import { Severity, type LogEntry, type TraceSpan } from '@chamber/protos';
import { isBookkeepingSpan, leadingPathsOf } from '@chamber/world';
import { matches, toEntry, type EntryFilter } from './entries.js';

/** A selection from the log, as {@link TraceLog.select} makes it. */
export interface Selection {
  /** Matching entries, in ascending seq order. */
  readonly entries: LogEntry[];
  /**
   * Every seq up to this one was looked at (ascending selections): a reader
   * continuing after it misses no match. The range's end when the limit was
   * not reached.
   */
  readonly scannedTo: number;
}

/** Which part of the log to select from, and how much. */
export interface Range {
  /** Only seqs above this. */
  readonly afterSeq: number;
  /** Only seqs below this; 0: no bound. */
  readonly beforeSeq: number;
  readonly limit: number;
  /** The newest `limit` matches rather than the oldest. */
  readonly fromEnd: boolean;
}

/** Seq numbers in ascending order, dropped from the front without moving the rest. */
class SeqQueue {
  private seqs: number[] = [];
  private start = 0;

  get length(): number {
    return this.seqs.length - this.start;
  }

  at(i: number): number {
    return this.seqs[this.start + i]!;
  }

  push(seq: number): void {
    this.seqs.push(seq);
  }

  /** Drops the front if it is `seq`. */
  dropFront(seq: number): void {
    if (this.length === 0 || this.at(0) !== seq) return;
    this.start++;
    if (this.start > 64 && this.start * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.start);
      this.start = 0;
    }
  }

  /** The index of the first seq above `seq` (binary search). */
  firstAbove(seq: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The index keys an entry is found under: its trace, its service, its run,
 * its target and each element above it (`r1`, `r1/z1`, … for
 * `r1/z1/rack1/blade/0`: a target filter is a subtree), its severity
 * when it is a warning or an error, and `decision` when it is no per-tick
 * bookkeeping span.
 */
function keysOf(entry: LogEntry): string[] {
  const keys = [`trace:${entry.traceId}`, `service:${entry.service}`];
  if (!isBookkeepingSpan(entry.name)) keys.push('decision');
  if (entry.run !== 0) keys.push(`run:${entry.run}`);
  for (const path of leadingPathsOf(entry.target)) keys.push(`target:${path}`);
  if (entry.severity >= Severity.SEVERITY_WARN) keys.push('severity:warn');
  if (entry.severity >= Severity.SEVERITY_ERROR) keys.push('severity:error');
  return keys;
}

/** The index keys that hold every entry `filter` can match (one per field it sets). */
function keysFor(filter: EntryFilter): string[] {
  const keys: string[] = [];
  if (filter.traceId !== '') keys.push(`trace:${filter.traceId}`);
  if (filter.service !== '') keys.push(`service:${filter.service}`);
  if (filter.run !== 0) keys.push(`run:${filter.run}`);
  if (filter.isDecisionsOnly) keys.push('decision');
  if (filter.target !== '') keys.push(`target:${filter.target}`);
  if (filter.minSeverity >= Severity.SEVERITY_ERROR) keys.push('severity:error');
  else if (filter.minSeverity >= Severity.SEVERITY_WARN) keys.push('severity:warn');
  return keys;
}

/**
 * The trace log: the last `capacity` entries in arrival order, in a ring
 * buffer (the oldest dropped first, so memory stays bounded). Seqs count
 * from 1 without gaps, so an entry is found from its seq by offset. Indexes
 * by trace, service, run, target (each element and everything under it),
 * decisions (every entry but bookkeeping spans) and warning or error severity hold the seqs of each, so a filtered selection
 * walks only the entries of its most selective index, never the whole log
 * for a filter that matches few (a rack with no decisions costs one look-up).
 * Listeners hear of every append. Pure memory: no I/O.
 */
export class TraceLog {
  private readonly ring: Array<LogEntry | undefined>;
  /** Ring index of the oldest entry. */
  private head = 0;
  private size = 0;
  private last = 0;
  private readonly index = new Map<string, SeqQueue>();
  private readonly listeners = new Set<() => void>();

  /** `capacity` must be a whole number of at least 1. */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
    this.ring = [];
  }

  /** The newest seq (0 while nothing has arrived). */
  get lastSeq(): number {
    return this.last;
  }

  /** The oldest seq held (0 while the log is empty). */
  get firstSeq(): number {
    return this.size === 0 ? 0 : this.last - this.size + 1;
  }

  /** Appends `spans` in order, dropping the oldest entries beyond capacity; tells the listeners once. */
  append(spans: readonly TraceSpan[]): LogEntry[] {
    const added: LogEntry[] = [];
    for (const span of spans) {
      const entry = toEntry(span, ++this.last);
      if (this.size === this.capacity) this.dropOldest();
      const index = (this.head + this.size) % this.capacity;
      this.ring[index] = entry;
      this.size++;
      for (const key of keysOf(entry)) {
        let queue = this.index.get(key);
        if (queue === undefined) this.index.set(key, (queue = new SeqQueue()));
        queue.push(entry.seq);
      }
      added.push(entry);
    }
    if (added.length > 0) for (const l of [...this.listeners]) l();
    return added;
  }

  /** The entry `seq`, if still held. */
  get(seq: number): LogEntry | undefined {
    if (this.size === 0 || seq < this.firstSeq || seq > this.last) return undefined;
    return this.ring[(this.head + (seq - this.firstSeq)) % this.capacity];
  }

  /**
   * The entries matching `filter` in `range`, in ascending seq order: the
   * first `limit` of them, or the last `limit` with `fromEnd`. It walks the
   * seqs of the filter's smallest index in the range (the whole range only
   * for a filter that sets no indexed field).
   */
  select(filter: EntryFilter, range: Range): Selection {
    const lo = Math.max(range.afterSeq + 1, this.firstSeq === 0 ? 1 : this.firstSeq);
    const hi = Math.min(range.beforeSeq > 0 ? range.beforeSeq - 1 : this.last, this.last);
    const entries: LogEntry[] = [];
    if (lo > hi || range.limit <= 0) return { entries, scannedTo: Math.max(hi, range.afterSeq) };
    let seqs: { length: number; at(i: number): number } = {
      length: hi - lo + 1,
      at: (i) => lo + i,
    };
    for (const key of keysFor(filter)) {
      const queue = this.index.get(key);
      if (queue === undefined) return { entries, scannedTo: hi };
      const from = queue.firstAbove(lo - 1);
      const to = queue.firstAbove(hi);
      if (to - from < seqs.length) seqs = { length: to - from, at: (i) => queue.at(from + i) };
    }
    const n = seqs.length;
    for (let k = 0; k < n && entries.length < range.limit; k++) {
      const seq = seqs.at(range.fromEnd ? n - 1 - k : k);
      const entry = this.get(seq)!;
      if (matches(entry, filter)) entries.push(entry);
    }
    if (range.fromEnd) entries.reverse();
    const isFull = entries.length === range.limit;
    return { entries, scannedTo: isFull && !range.fromEnd ? entries.at(-1)!.seq : hi };
  }

  /** Calls `listener` after each append; returns a function that stops it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dropOldest(): void {
    const entry = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    for (const key of keysOf(entry)) {
      const queue = this.index.get(key);
      queue?.dropFront(entry.seq);
      if (queue?.length === 0) this.index.delete(key);
    }
  }
}
