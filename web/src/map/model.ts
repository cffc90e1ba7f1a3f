import { deviceOf, wordOf, zoneOf, type DeviceKind as WorldDeviceKind } from '@chamber/world';
import { call, type States } from '../api.js';

/** A device kind on the map. */
export type DeviceKind = WorldDeviceKind;

/** One device: its states in actual and observed, and where it is drawn. */
export interface Device {
  readonly path: string;
  readonly kind: DeviceKind;
  readonly index: number;
  /** The short state (`working`, `off`, …); '' when there is no record. */
  actual: string;
  observed: string;
  /** The store revisions of those states: an older event never overwrites a newer read. */
  actualRevision: number;
  observedRevision: number;
  /** The slot in its rack (row from the top). */
  slot: number;
  rack: Rack;
}

/**
 * How many devices of a rack (or of the whole map) are in each state: per
 * view by legend key ({@link legendKey}), and the disagreements.
 */
export interface Counts {
  readonly actual: Map<string, number>;
  readonly observed: Map<string, number>;
  unnoticed: number;
  mistaken: number;
}

/** One rack and its devices (PDUs, then TORs, then blades), with its place on the map. */
export interface Rack {
  readonly path: string;
  readonly zone: string;
  devices: Device[];
  /** Its devices by state, kept as they change (never recounted). */
  readonly counts: Counts;
  x: number;
  y: number;
}

/** A zone's heading on the map. */
export interface ZoneLabel {
  readonly path: string;
  readonly x: number;
  readonly y: number;
}

/** The map's geometry, in map units (scaled by the zoom). */
export const geometry = {
  deviceWidth: 24,
  rowHeight: 6,
  rackPadding: 3,
  rackGap: 8,
  zoneGap: 24,
} as const;

/** The width and height of a rack with `devices` devices, in map units. */
export function rackSize(devices: number): { width: number; height: number } {
  const { deviceWidth, rowHeight, rackPadding } = geometry;
  return { width: deviceWidth + 2 * rackPadding, height: devices * rowHeight + 2 * rackPadding };
}

/** `BLADE_STATE_WORKING` → `working`; `OBSERVED_STATE_HEALTHY` → `healthy` (libs/world). */
export function stateName(value: unknown): string {
  return typeof value === 'string' ? wordOf(value) : '';
}

/** Whether the control plane's belief disagrees with the truth for a device. */
export type Disagreement = 'unnoticed' | 'mistaken' | undefined;

/**
 * A blade is `unnoticed` when it is not working but observed healthy (the
 * control plane has not noticed yet), `mistaken` when it works but is
 * observed suspect or failed. Devices without an observed record agree.
 */
export function disagreementOf(d: Device): Disagreement {
  if (d.kind !== 'blade' || d.observed === '' || d.actual === '') return undefined;
  const isWorking = d.actual === 'working';
  if (!isWorking && d.observed === 'healthy') return 'unnoticed';
  if (isWorking && (d.observed === 'suspect' || d.observed === 'failed')) return 'mistaken';
  return undefined;
}

/** The key a device is counted under in a view's legend: blades by state, others apart (`pdu:on`). */
export function legendKey(d: Device, view: 'actual' | 'observed'): string {
  const state = d[view];
  return d.kind === 'blade' ? state : `${d.kind}:${state}`;
}

const kindOrder: Readonly<Record<DeviceKind, number>> = { pdu: 0, tor: 1, blade: 2 };

/** The live `actual` states asked for as the page loads ({@link readStatesEarly}), until the map takes them. */
let early: Promise<States> | undefined;

/**
 * Asks for the live `actual` states as the page loads, when a session may
 * exist (the `chamber_signed_in` cookie) and the page opened is the map's:
 * the read (the longest step before the map's first picture) then runs
 * while the bundle starts, the session is checked and the map mounts,
 * instead of after them. The map's first load takes it ({@link MapModel.load});
 * a failed one (no session after all) is read again there. Whatever the
 * read's age, the map's event stream resumes after its revision.
 */
export function readStatesEarly(): void {
  const isMapPage = ['', '#', '#/'].includes(location.hash.split('?')[0] ?? '');
  if (!isMapPage || !document.cookie.split('; ').includes('chamber_signed_in=1')) return;
  early = call('listStates', { query: { view: 'actual' } }).then((a): States => a.body);
  // Not read yet: a failure is handled by the reader, not reported here.
  early.catch(() => undefined);
}

/** The early read, once: later loads read afresh. */
function takeEarly(): Promise<States> | undefined {
  const taken = early;
  early = undefined;
  return taken;
}

/**
 * The inventory as the map draws it: racks in zones, devices by path, each
 * with its actual and observed state, and the counts the legend shows.
 * Loaded with one `GET /inventory/states` per view (now, or as of a past
 * tick), then, when live, kept up to date by {@link MapModel.apply} from the
 * event stream. Counts change with each change, never by a rescan.
 */
export class MapModel {
  readonly racks: Rack[] = [];
  readonly zones: ZoneLabel[] = [];
  readonly devices = new Map<string, Device>();
  /** Devices by legend key, per view; and the disagreements. */
  readonly counts: Counts = newCounts();
  /** Devices changed since the renderer last took them ({@link takeChanged}). */
  private changed = new Set<Device>();
  private readonly rackByPath = new Map<string, Rack>();
  /** The views read so far. */
  readonly loaded = new Set<'actual' | 'observed'>();
  /** The tick the loaded states are as of. */
  tick = 0;
  /** The store revision every later change has (resume the event stream after it). */
  revision = 0;
  width = 0;
  height = 0;
  /** The width / height of the space the map is shown in: the layout fills it ({@link fitTo}). */
  private aspect = 2.5;
  /** Moves with every change of layout (racks placed anew). */
  layoutVersion = 0;
  /** Moves with every change of a state or a count. */
  version = 0;

  /**
   * Reads the states of both views (as of tick `at`, or now), actual first,
   * calling `onView` as each arrives: the map draws as soon as the view it
   * opens with is in, and the other view is asked for once that frame is
   * painted, so its read (seconds on a large region) does not compete with
   * the first paint. Answers the revision to follow the event stream after.
   */
  async load(
    at: number | undefined,
    onView: (view: 'actual' | 'observed') => void,
  ): Promise<number> {
    const revisions: number[] = [];
    const first = at === undefined ? takeEarly() : undefined;
    for (const view of ['actual', 'observed'] as const) {
      const read = async (): Promise<States> =>
        (await call('listStates', { query: { view, ...(at === undefined ? {} : { at }) } })).body;
      const answer =
        view === 'actual' && first !== undefined ? await first.catch(read) : await read();
      this.take(view, answer);
      this.loaded.add(view);
      this.tick = answer.tick;
      revisions.push(answer.revision);
      onView(view);
      if (view === 'actual') await afterNextPaint();
    }
    this.revision = Math.min(...revisions);
    return this.revision;
  }

  private take(view: 'actual' | 'observed', answer: States): void {
    const names = answer.states.map(stateName);
    let hasNewRacks = false;
    for (const r of answer.racks) {
      let rack = this.rackByPath.get(r.path);
      const isNewRack = rack === undefined;
      if (rack === undefined) {
        rack = {
          path: r.path,
          zone: zoneOf(r.path),
          devices: [],
          counts: newCounts(),
          x: 0,
          y: 0,
        };
        this.rackByPath.set(r.path, rack);
        this.racks.push(rack);
        hasNewRacks = true;
      }
      const lists = [
        ['pdu', r.pdus, r.pduStates],
        ['tor', r.tors, r.torStates],
        ['blade', r.blades, r.bladeStates],
      ] as const;
      if (isNewRack) {
        for (const [kind, indices, states] of lists)
          this.addAll(rack, kind, indices, states, names, view, answer.revision);
        this.order(rack);
        continue;
      }
      let isNewDevice = false;
      for (const [kind, indices, states] of lists) {
        indices.forEach((index, i) => {
          const path = `${r.path}/${kind}/${index}`;
          const state = names[states[i] ?? -1] ?? '';
          const device = this.devices.get(path);
          if (device === undefined) {
            this.add(rack, path, kind, index, { view, state, revision: answer.revision });
            isNewDevice = true;
          } else {
            // The picture is painted anew after a read: no device is marked changed.
            this.set(device, view, state, answer.revision, false);
          }
        });
      }
      if (isNewDevice) this.order(rack);
    }
    if (hasNewRacks) this.racks.sort((a, b) => byNumbers(a.path, b.path));
    this.layout();
  }

  /**
   * Applies one `actual` or `observed` event (`{type, key, revision, value}`);
   * answers whether it changed the map, or 'unknown' when it names a rack
   * the map does not have (the inventory was reloaded).
   */
  apply(kind: string, data: string): boolean | 'unknown' {
    if (kind !== 'actual' && kind !== 'observed') return false;
    const event = JSON.parse(data) as {
      type: string;
      key: string;
      revision: number;
      value?: { state?: string };
    };
    const path = event.key.slice(kind.length + 1);
    const address = deviceOf(path);
    if (address === undefined) return false;
    let device = this.devices.get(path);
    if (device === undefined) {
      const rack = this.rackByPath.get(address.rack);
      if (rack === undefined) return 'unknown';
      device = this.add(rack, path, address.kind, Number(address.index));
      this.order(rack);
      this.layout();
    }
    const state = event.type === 'delete' ? '' : stateName(event.value?.state);
    return this.set(device, kind, state, event.revision);
  }

  /** The devices changed since the last call (their colours need drawing again). */
  takeChanged(): Set<Device> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  /** Adds a device, with its state in one view when known, and counts it. */
  private add(
    rack: Rack,
    path: string,
    kind: DeviceKind,
    index: number,
    known?: { view: 'actual' | 'observed'; state: string; revision: number },
  ): Device {
    const device = this.place(rack, path, kind, index);
    if (known !== undefined) {
      device[known.view] = known.state;
      device[known.view === 'actual' ? 'actualRevision' : 'observedRevision'] = known.revision;
    }
    this.count(device, 1);
    return device;
  }

  /** A new device of `rack`, on the map with no state yet (not counted). */
  private place(rack: Rack, path: string, kind: DeviceKind, index: number): Device {
    const device: Device = {
      path,
      kind,
      index,
      actual: '',
      observed: '',
      actualRevision: 0,
      observedRevision: 0,
      slot: 0,
      rack,
    };
    this.devices.set(path, device);
    rack.devices.push(device);
    return device;
  }

  /**
   * Adds the devices of one kind of a new rack, with their state in `view`,
   * counted by state rather than one by one: a large region's first read
   * adds 100,000 devices at once.
   */
  private addAll(
    rack: Rack,
    kind: DeviceKind,
    indices: readonly number[],
    states: readonly number[],
    names: readonly string[],
    view: 'actual' | 'observed',
    revision: number,
  ): void {
    const revisionKey = view === 'actual' ? 'actualRevision' : 'observedRevision';
    // By state (its place in `names`; -1 none): how many, and the first device in it.
    const tally = new Map<number, { like: Device; n: number }>();
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      const path = `${rack.path}/${kind}/${index}`;
      const named = states[i] ?? -1;
      const state = names[named] ?? '';
      const device = this.place(rack, path, kind, index);
      device[view] = state;
      device[revisionKey] = revision;
      const same = tally.get(named);
      if (same === undefined) tally.set(named, { like: device, n: 1 });
      else same.n++;
    }
    // Devices in the same state count alike.
    for (const { like, n } of tally.values()) this.count(like, n);
  }

  private order(rack: Rack): void {
    const before = (a: Device, b: Device) =>
      kindOrder[a.kind] - kindOrder[b.kind] || a.index - b.index;
    // A read lists them in order already.
    if (rack.devices.some((d, i) => i > 0 && before(rack.devices[i - 1]!, d) > 0))
      rack.devices.sort(before);
    rack.devices.forEach((d, i) => (d.slot = i));
  }

  /**
   * Sets a device's state in a view unless the map already has a newer one;
   * answers whether it changed. A changed device is repainted at the next
   * draw when `isRepainted`.
   */
  private set(
    device: Device,
    view: 'actual' | 'observed',
    state: string,
    revision: number,
    isRepainted = true,
  ): boolean {
    const revisionKey = view === 'actual' ? 'actualRevision' : 'observedRevision';
    if (revision < device[revisionKey]) return false;
    device[revisionKey] = revision;
    if (device[view] === state) return false;
    this.count(device, -1);
    device[view] = state;
    this.count(device, 1);
    if (isRepainted) this.changed.add(device);
    this.version++;
    return true;
  }

  /**
   * Counts a device in (`by` 1) or out (-1) of the map's counts and its
   * rack's; `by` n counts n devices in the same state at once.
   */
  private count(device: Device, by: number): void {
    const actual = legendKey(device, 'actual');
    const observed = legendKey(device, 'observed');
    const diff = disagreementOf(device);
    for (const counts of [this.counts, device.rack.counts]) {
      bump(counts.actual, actual, by);
      bump(counts.observed, observed, by);
      if (diff !== undefined) counts[diff] += by;
    }
  }

  /**
   * Lays the map out anew to fill a space `width` × `height` (CSS pixels)
   * when its proportions differ from the last; answers whether it did.
   */
  fitTo(width: number, height: number): boolean {
    if (width <= 0 || height <= 0) return false;
    const aspect = width / height;
    if (Math.abs(aspect - this.aspect) < 0.01 * this.aspect) return false;
    this.aspect = aspect;
    this.layout();
    return true;
  }

  /**
   * Places racks in rows per zone, zones one under another, every zone with
   * as many racks per row as makes the whole map largest when fitted to the
   * space it is shown in ({@link fitTo}): a few racks in one row across a
   * wide screen, a large region in a block of its proportions.
   */
  layout(): void {
    const { rackGap, zoneGap } = geometry;
    const groups: Array<{ zone: string; start: number; count: number; rackHeight: number }> = [];
    for (let i = 0; i < this.racks.length;) {
      const zone = this.racks[i]!.zone;
      let end = i;
      let tallest = 1;
      while (end < this.racks.length && this.racks[end]!.zone === zone) {
        tallest = Math.max(tallest, this.racks[end]!.devices.length);
        end++;
      }
      groups.push({ zone, start: i, count: end - i, rackHeight: rackSize(tallest).height });
      i = end;
    }
    const pitch = rackSize(0).width + rackGap;
    const heightWith = (perRow: number): number =>
      groups.reduce(
        (y, g) => y + zoneGap + Math.ceil(g.count / perRow) * (g.rackHeight + rackGap),
        0,
      );
    const widest = Math.max(1, ...groups.map((g) => g.count));
    let perRow = 1;
    let best = 0;
    for (let n = 1; n <= widest; n++) {
      // The scale at which the map fits a space of the aspect, height 1.
      const scale = Math.min(this.aspect / (n * pitch), 1 / heightWith(n));
      if (scale > best) [best, perRow] = [scale, n];
    }
    this.zones.length = 0;
    let y = 0;
    for (const g of groups) {
      this.zones.push({ path: g.zone, x: 0, y });
      y += zoneGap;
      for (let n = 0; n < g.count; n++) {
        const rack = this.racks[g.start + n]!;
        rack.x = (n % perRow) * pitch;
        rack.y = y + Math.floor(n / perRow) * (g.rackHeight + rackGap);
      }
      y += Math.ceil(g.count / perRow) * (g.rackHeight + rackGap);
    }
    this.width = groups.length === 0 ? 0 : Math.min(perRow, widest) * pitch - rackGap;
    this.height = y - (groups.length === 0 ? 0 : rackGap);
    this.layoutVersion++;
    this.version++;
  }

  /**
   * The rack at map point (x, y), if any: within its outline, or with
   * `isGapIncluded` also within the gaps after it (right and below), so
   * that racks drawn as small cells leave no dead space between them.
   */
  rackAt(x: number, y: number, isGapIncluded = false): Rack | undefined {
    const gap = isGapIncluded ? geometry.rackGap : 0;
    for (const rack of this.racks) {
      const { width, height } = rackSize(rack.devices.length);
      if (x >= rack.x && x < rack.x + width + gap && y >= rack.y && y < rack.y + height + gap) {
        return rack;
      }
    }
    return undefined;
  }

  /** The device at map point (x, y), if any. */
  deviceAt(x: number, y: number): Device | undefined {
    const { deviceWidth, rowHeight, rackPadding } = geometry;
    const rack = this.rackAt(x, y);
    if (rack === undefined) return undefined;
    const left = rack.x + rackPadding;
    const top = rack.y + rackPadding;
    if (x < left || x >= left + deviceWidth || y < top) return undefined;
    const slot = Math.floor((y - top) / rowHeight);
    return rack.devices[slot];
  }

  /** Devices whose path contains `text` (case-insensitive), at most `limit`. */
  search(text: string, limit: number): Device[] {
    const needle = text.trim().toLowerCase();
    if (needle === '') return [];
    const found: Device[] = [];
    for (const d of this.devices.values()) {
      if (d.path.toLowerCase().includes(needle)) {
        found.push(d);
        if (found.length >= limit) break;
      }
    }
    return found;
  }
}

/** Counts of nothing yet. */
function newCounts(): Counts {
  return { actual: new Map(), observed: new Map(), unnoticed: 0, mistaken: 0 };
}

/** Resolves once the frame after this one's drawing has been painted. */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Adds `by` to `key`'s count, deleting it at 0. */
function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}

const numeric = new Intl.Collator(undefined, { numeric: true });

/** Sorts `rack2` before `rack10`. */
function byNumbers(a: string, b: string): number {
  return numeric.compare(a, b);
}
