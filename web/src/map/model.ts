import { api } from '../api.js';

/** A device kind on the map. */
export type DeviceKind = 'pdu' | 'tor' | 'blade';

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

/** One rack and its devices (PDUs, then TORs, then blades), with its place on the map. */
export interface Rack {
  readonly path: string;
  readonly zone: string;
  devices: Device[];
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

/** `BLADE_STATE_WORKING` → `working`; `OBSERVED_STATE_HEALTHY` → `healthy`. */
export function stateName(value: unknown): string {
  return typeof value === 'string'
    ? value
        .replace(/^[A-Z]+_STATE_/, '')
        .replaceAll('_', ' ')
        .toLowerCase()
    : '';
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

interface ElementJson {
  readonly path: string;
  readonly revision?: number;
  readonly [record: string]: unknown;
}

const recordOf = (e: ElementJson, view: 'actual' | 'observed'): unknown => {
  if (view === 'observed') return (e['observed'] as { state?: string } | undefined)?.state;
  for (const key of ['bladeActual', 'pduActual', 'torActual']) {
    const record = e[key] as { state?: string } | undefined;
    if (record !== undefined) return record.state;
  }
  return undefined;
};

/** `r/z/k` → `/inventory/regions/r/zones/z/racks/k`; devices add `/blades/N` etc. */
export function itemUrl(path: string): string {
  const [region, zone, rack, kind, index] = path.split('/').map(encodeURIComponent);
  let url = `/inventory/regions/${region ?? ''}`;
  if (zone !== undefined) url += `/zones/${zone}`;
  if (rack !== undefined) url += `/racks/${rack}`;
  if (kind !== undefined && index !== undefined) url += `/${kind}s/${index}`;
  return url;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The inventory as the map draws it: racks in zones, devices by path, each
 * with its actual and observed state. Loaded once through the list routes
 * (racks first, then their devices a few racks at a time), then kept up to
 * date by {@link MapModel.apply} from the event stream.
 */
export class MapModel {
  readonly racks: Rack[] = [];
  readonly zones: ZoneLabel[] = [];
  readonly devices = new Map<string, Device>();
  private readonly rackByPath = new Map<string, Rack>();
  width = 0;
  height = 0;
  /** Racks whose devices have been read. */
  loadedRacks = 0;

  /** Reads the regions, zones and racks, and lays them out; devices come with {@link loadDevices}. */
  async loadRacks(): Promise<void> {
    type List = { elements: ElementJson[] };
    const regions = await api<List>('GET', '/inventory/regions');
    const zones: string[] = [];
    for (const region of regions.elements) {
      const list = await api<List>('GET', `${itemUrl(region.path)}/zones`);
      zones.push(...list.elements.map((e) => e.path));
    }
    const racksByZone = await Promise.all(
      zones.map(async (zone) => {
        const list = await api<List>('GET', `${itemUrl(zone)}/racks`);
        return list.elements.map((e) => e.path).sort(byNumbers);
      }),
    );
    zones.forEach((zone, i) => {
      for (const path of racksByZone[i] ?? []) {
        const rack: Rack = { path, zone, devices: [], x: 0, y: 0 };
        this.racks.push(rack);
        this.rackByPath.set(path, rack);
      }
    });
    this.layout();
  }

  /**
   * Reads every rack's devices in actual and observed, a few racks at a
   * time; calls `onProgress` after each rack so the map draws as it fills.
   * Stops reading once `isStopped` answers true.
   */
  async loadDevices(onProgress: () => void, isStopped: () => boolean): Promise<void> {
    type List = { elements: ElementJson[] };
    await inParallel(this.racks, 3, async (rack) => {
      if (isStopped()) return;
      const base = itemUrl(rack.path);
      const [actual, observed] = await Promise.all(
        (['actual', 'observed'] as const).map(async (view) => {
          const lists = await Promise.all(
            ['pdus', 'tors', 'blades'].map((kind) =>
              api<List>('GET', `${base}/${kind}?view=${view}`),
            ),
          );
          return lists.flatMap((l) => l.elements);
        }),
      );
      for (const e of actual ?? []) this.put(e.path, 'actual', recordOf(e, 'actual'), e.revision);
      for (const e of observed ?? []) {
        this.put(e.path, 'observed', recordOf(e, 'observed'), e.revision);
      }
      this.loadedRacks++;
      this.layout();
      onProgress();
    });
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
    const parts = path.split('/');
    if (parts.length !== 5) return false;
    const rackPath = parts.slice(0, 3).join('/');
    if (!this.devices.has(path) && !this.rackByPath.has(rackPath)) return 'unknown';
    const state = event.type === 'delete' ? undefined : event.value?.state;
    return this.put(path, kind, state, event.revision);
  }

  private put(path: string, view: 'actual' | 'observed', state: unknown, revision = 0): boolean {
    let device = this.devices.get(path);
    if (device === undefined) {
      const parts = path.split('/');
      const rack = this.rackByPath.get(parts.slice(0, 3).join('/'));
      const kind = parts[3] as DeviceKind;
      if (rack === undefined || !['pdu', 'tor', 'blade'].includes(kind)) return false;
      device = {
        path,
        kind,
        index: Number(parts[4]),
        actual: '',
        observed: '',
        actualRevision: 0,
        observedRevision: 0,
        slot: 0,
        rack,
      };
      this.devices.set(path, device);
      rack.devices.push(device);
      const order: Record<DeviceKind, number> = { pdu: 0, tor: 1, blade: 2 };
      rack.devices.sort((a, b) => order[a.kind] - order[b.kind] || a.index - b.index);
      rack.devices.forEach((d, i) => (d.slot = i));
    }
    if (view === 'actual') {
      if (revision < device.actualRevision) return false;
      device.actualRevision = revision;
      device.actual = stateName(state);
    } else {
      if (revision < device.observedRevision) return false;
      device.observedRevision = revision;
      device.observed = stateName(state);
    }
    return true;
  }

  /** Places racks in rows per zone, each zone roughly square, zones one under another. */
  layout(): void {
    const { deviceWidth, rowHeight, rackPadding, rackGap, zoneGap } = geometry;
    const rackWidth = deviceWidth + 2 * rackPadding;
    this.zones.length = 0;
    let y = 0;
    let width = 0;
    let i = 0;
    while (i < this.racks.length) {
      const zone = this.racks[i]?.zone ?? '';
      let end = i;
      while (end < this.racks.length && this.racks[end]?.zone === zone) end++;
      const inZone = this.racks.slice(i, end);
      const tallest = Math.max(1, ...inZone.map((r) => r.devices.length));
      const rackHeight = tallest * rowHeight + 2 * rackPadding;
      const perRow = Math.max(
        1,
        Math.ceil(Math.sqrt((inZone.length * rackHeight) / (rackWidth + rackGap))),
      );
      this.zones.push({ path: zone, x: 0, y });
      y += zoneGap;
      inZone.forEach((rack, n) => {
        rack.x = (n % perRow) * (rackWidth + rackGap);
        rack.y = y + Math.floor(n / perRow) * (rackHeight + rackGap);
      });
      y += Math.ceil(inZone.length / perRow) * (rackHeight + rackGap);
      width = Math.max(width, perRow * (rackWidth + rackGap));
      i = end;
    }
    this.width = width;
    this.height = y;
  }

  /** The device at map point (x, y), if any. */
  deviceAt(x: number, y: number): Device | undefined {
    const { deviceWidth, rowHeight, rackPadding } = geometry;
    for (const rack of this.racks) {
      const left = rack.x + rackPadding;
      const top = rack.y + rackPadding;
      if (x < left || x >= left + deviceWidth || y < top) continue;
      const slot = Math.floor((y - top) / rowHeight);
      if (slot < rack.devices.length) return rack.devices[slot];
    }
    return undefined;
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

/** Sorts `rack2` before `rack10`. */
function byNumbers(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
