import { SettledRecord, TickRecord } from '@chamber/protos';
import { decode, type Store } from '@chamber/store';
import { deviceKindOf, keys, pathOfViewKey } from '@chamber/world';
import {
  allFollowedPrefixes,
  FeedEvent,
  followedKinds,
  kindOfKey,
  type StoreFeed,
} from './feeds.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestTiming } from './http/server.js';

/** Counts of records by a label, kept exact as records change. */
class Tally {
  private readonly byKey = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** Records that `key` now has `label` (undefined: gone or not counted). */
  set(key: string, label: string | undefined): void {
    const before = this.byKey.get(key);
    if (before === label) return;
    if (before !== undefined) this.counts.set(before, (this.counts.get(before) ?? 1) - 1);
    if (label === undefined) this.byKey.delete(key);
    else {
      this.byKey.set(key, label);
      this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    }
  }

  /** Forgets every key (the labels stay, at 0). */
  clear(): void {
    this.byKey.clear();
    for (const label of this.counts.keys()) this.counts.set(label, 0);
  }

  /** Every label ever seen with its count (0 once none are left, so a series drops to 0). */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}

/** `BLADE_STATE_WORKING` → `working`. */
function short(value: unknown, prefix: string): string | undefined {
  return typeof value === 'string' && value.startsWith(prefix)
    ? value.slice(prefix.length).toLowerCase()
    : undefined;
}

/**
 * The frontend's Prometheus metrics: the clock (tick, settle latency), blades
 * by actual and by observed state, active faults by kind, repairs by status,
 * and HTTP request durations by route. The simulation's figures follow the
 * frontend's {@link StoreFeed} and change per store event, never by rescanning.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly actual = new Tally();
  private readonly observed = new Tally();
  private readonly faults = new Tally();
  private readonly repairs = new Tally();
  private readonly tick: Gauge;
  private readonly settledTick: Gauge;
  private readonly settle: Histogram;
  private readonly http: Histogram;
  private readonly received: Counter;
  /** Wall time (ms) each tick was seen published, until it is seen settled. */
  private readonly publishedAt = new Map<number, number>();
  private stop: (() => void) | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'chamber_frontend_' });
    this.tick = new Gauge({ name: 'chamber_tick', help: 'The last published tick.', registers });
    this.settledTick = new Gauge({
      name: 'chamber_settled_tick',
      help: 'The last settled tick.',
      registers,
    });
    this.settle = new Histogram({
      name: 'chamber_tick_settle_seconds',
      help: 'Wall time from a tick being published to it being settled, as the frontend sees the store.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.http = new Histogram({
      name: 'chamber_http_request_duration_seconds',
      help: 'HTTP request durations by route (operation id), method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers,
    });
    this.received = new Counter({
      name: 'chamber_frontend_store_events_total',
      help: 'Store changes etcd delivered to the frontend, by the kind it follows (it watches nothing else).',
      labelNames: ['kind'],
      registers,
    });
    const tallies: Array<[string, string, Tally, string]> = [
      ['chamber_blades_actual', 'Blades by actual state.', this.actual, 'state'],
      ['chamber_blades_observed', 'Blades by observed state.', this.observed, 'state'],
      ['chamber_faults_active', 'Active faults by kind.', this.faults, 'kind'],
      ['chamber_repairs', 'Repairs by status.', this.repairs, 'status'],
    ];
    for (const [name, help, tally, label] of tallies) {
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          for (const [value, count] of tally.entries()) this.set({ [label]: value }, count);
        },
      });
    }
  }

  /**
   * Loads the current figures from the store and follows their changes
   * through `feed`; loads them again when the feed falls behind a compaction.
   */
  async follow(store: Store, feed: StoreFeed): Promise<void> {
    const revision = await store.currentRevision();
    await this.load(store, revision);
    this.stop = await feed.subscribe(
      followedKinds,
      { fromRevision: revision + 1, onReload: (at) => this.load(store, at) },
      (events) => {
        for (const e of events) this.apply(e);
      },
    );
  }

  /** Replaces the figures by the store's at `revision`. */
  private async load(store: Store, revision: number): Promise<void> {
    const lists = await Promise.all(
      allFollowedPrefixes.map((prefix) => store.listRaw(prefix, { revision })),
    );
    for (const tally of [this.actual, this.observed, this.faults, this.repairs]) tally.clear();
    for (const { entries } of lists) {
      for (const e of entries) {
        this.apply(
          new FeedEvent(kindOfKey(e.key)!, {
            type: 'put',
            key: e.key,
            value: e.value,
            modRevision: e.modRevision,
            createRevision: e.createRevision,
          }),
        );
      }
    }
  }

  /** Stops following the store. */
  close(): Promise<void> {
    this.stop?.();
    return Promise.resolve();
  }

  /** Records that etcd delivered `count` changes of `kind` to the frontend. */
  countReceived(kind: string, count: number): void {
    this.received.inc({ kind }, count);
  }

  /** Records one HTTP answer. */
  observe(timing: RequestTiming): void {
    this.http.observe(
      { route: timing.route, method: timing.method, status: String(timing.status) },
      timing.seconds,
    );
  }

  private apply(e: FeedEvent): void {
    const { key } = e;
    const { value } = e.event;
    if (e.kind === 'actual' || e.kind === 'observed') {
      if (deviceKindOf(pathOfViewKey(e.kind, key) ?? '') !== 'blade') return;
      const isActual = e.kind === 'actual';
      const state = short(e.field('state'), isActual ? 'BLADE_STATE_' : 'OBSERVED_STATE_');
      (isActual ? this.actual : this.observed).set(key, state);
    } else if (e.kind === 'faults') {
      const isActive = e.field('status') === 'FAULT_STATUS_ACTIVE';
      this.faults.set(key, isActive ? short(e.field('kind'), 'FAULT_KIND_') : undefined);
    } else if (e.kind === 'repairs') {
      this.repairs.set(key, short(e.field('status'), 'REPAIR_STATUS_'));
    } else if (key === keys.clockTick && value !== undefined) {
      const { tick } = decode(TickRecord, key, value);
      this.tick.set(tick);
      this.publishedAt.set(tick, performance.now());
    } else if (key === keys.clockSettled && value !== undefined) {
      const { tick } = decode(SettledRecord, key, value);
      this.settledTick.set(tick);
      const published = this.publishedAt.get(tick);
      if (published !== undefined) this.settle.observe((performance.now() - published) / 1000);
      for (const t of this.publishedAt.keys()) if (t <= tick) this.publishedAt.delete(t);
    }
  }
}
