import { SettledRecord, TickRecord } from '@chamber/protos';
import { decode, type Store } from '@chamber/store';
import {
  deviceKindOf,
  enumTypes,
  fromWire,
  instanceName,
  instanceOfKey,
  keys,
  pathOfViewKey,
} from '@chamber/world';
import { instanceHealth, instanceState, type InstancePart } from './domain/instances.js';
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

/** What the store holds about one instance, kept per event: the inputs of its state and health. */
interface KeptInstance {
  intent: { readonly isWanted: boolean; readonly createdTick: number } | undefined;
  /** Its placement keys (one, but a move may show two for a moment). */
  readonly placements: Set<string>;
  actual: InstancePart | undefined;
  observed: InstancePart | undefined;
}

/** A tick of a proto3 JSON record (a uint64 is a string; 0 is left out). */
function tickOf(value: unknown): number {
  return typeof value === 'string' || typeof value === 'number' ? Number(value) : 0;
}

/** An instance state record's tick and enum wire name (`state` or `health`), or none for a delete. */
function partOf(e: FeedEvent, field: string): InstancePart | undefined {
  if (e.event.type === 'delete') return undefined;
  const wire = e.field(field);
  return { sinceTick: tickOf(e.field('sinceTick')), wire: typeof wire === 'string' ? wire : '' };
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
 * workloads by phase, instances by state and by observed health, pending
 * instances, placement latency in ticks, and HTTP request durations by
 * route. The simulation's figures follow the frontend's {@link StoreFeed}
 * and change per store event, never by rescanning; an instance's figures
 * are joined from its records kept by instance name.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly actual = new Tally();
  private readonly observed = new Tally();
  private readonly faults = new Tally();
  private readonly repairs = new Tally();
  private readonly workloads = new Tally();
  /** Wanted instances by state word, by instance name. */
  private readonly instanceStates = new Tally();
  /** Instances by observed health word, by instance name. */
  private readonly instanceHealths = new Tally();
  /** Wanted instances with no placement. */
  private readonly pending = new Set<string>();
  /** What each instance's figures are joined from, by instance name (`web/3`). */
  private readonly instances = new Map<string, KeptInstance>();
  /** While the figures are (re)loaded from a list: no placement is new then. */
  private isLoading = false;
  private readonly placementLatency: Histogram;
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
    this.placementLatency = new Histogram({
      name: 'chamber_placement_latency_ticks',
      help: "Ticks from an instance's creation to its placement, observed once per new placement.",
      buckets: [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    const pending = this.pending;
    new Gauge({
      name: 'chamber_instances_pending',
      help: 'Wanted instances with no placement.',
      registers,
      collect() {
        this.set(pending.size);
      },
    });
    const tallies: Array<[string, string, Tally, string]> = [
      ['chamber_blades_actual', 'Blades by actual state.', this.actual, 'state'],
      ['chamber_blades_observed', 'Blades by observed state.', this.observed, 'state'],
      ['chamber_faults_active', 'Active faults by kind.', this.faults, 'kind'],
      ['chamber_repairs', 'Repairs by status.', this.repairs, 'status'],
      ['chamber_workloads', 'Workloads by phase.', this.workloads, 'phase'],
      ['chamber_instances', 'Wanted instances by state.', this.instanceStates, 'state'],
      [
        'chamber_instances_observed',
        'Instances (wanted or being stopped) by observed health: what the monitor believes.',
        this.instanceHealths,
        'health',
      ],
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
    for (const tally of [
      this.actual,
      this.observed,
      this.faults,
      this.repairs,
      this.workloads,
      this.instanceStates,
      this.instanceHealths,
    ]) {
      tally.clear();
    }
    this.pending.clear();
    this.instances.clear();
    this.isLoading = true;
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
    this.isLoading = false;
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
    } else if (e.kind === 'workloads') {
      // Availability samples count in no gauge: the phase is the workload record's.
      if (key.startsWith(keys.availabilityPrefix)) return;
      const phase = e.field('phase');
      this.workloads.set(
        key,
        typeof phase === 'string' ? fromWire(enumTypes.workloadPhase, phase) : undefined,
      );
    } else if (e.kind === 'instances') {
      this.applyInstance(e);
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

  /** Joins one instance record into its instance's figures (its other records are kept by name). */
  private applyInstance(e: FeedEvent): void {
    const id = instanceOfKey(e.key);
    // The scheduler's refusals (`unplaced/`) change none of these figures.
    if (id === undefined || e.key.startsWith(keys.unplacedPrefix)) return;
    const name = instanceName(id.workload, id.n);
    let kept = this.instances.get(name);
    if (kept === undefined) {
      kept = { intent: undefined, placements: new Set(), actual: undefined, observed: undefined };
      this.instances.set(name, kept);
    }
    const isPut = e.event.type === 'put';
    if (e.key.startsWith(keys.instancesPrefix)) {
      kept.intent = isPut
        ? { isWanted: e.field('wanted') === true, createdTick: tickOf(e.field('createdTick')) }
        : undefined;
    } else if (e.key.startsWith(keys.placementsPrefix)) {
      if (!isPut) kept.placements.delete(e.key);
      else {
        // A new placement (not one rewritten, nor one listed on a reload) is observed once.
        const isNew = e.event.createRevision === e.event.modRevision && !this.isLoading;
        if (isNew && kept.intent !== undefined) {
          const waited = tickOf(e.field('placedTick')) - kept.intent.createdTick;
          if (waited >= 0) this.placementLatency.observe(waited);
        }
        kept.placements.add(e.key);
      }
    } else if (e.key.startsWith(keys.instanceActualPrefix)) {
      kept.actual = partOf(e, 'state');
    } else if (e.key.startsWith(keys.instanceObservedPrefix)) {
      kept.observed = partOf(e, 'health');
    }
    const isWanted = kept.intent?.isWanted === true;
    const parts = { ...kept, isPlaced: kept.placements.size > 0 };
    this.instanceStates.set(name, isWanted ? instanceState(parts) : undefined);
    this.instanceHealths.set(name, instanceHealth(parts));
    if (isWanted && kept.placements.size === 0) this.pending.add(name);
    else this.pending.delete(name);
    const isEmpty =
      kept.intent === undefined &&
      kept.placements.size === 0 &&
      kept.actual === undefined &&
      kept.observed === undefined;
    if (isEmpty) this.instances.delete(name);
  }
}
