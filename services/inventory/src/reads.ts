import { ChamberError, Code, isChamberError } from '@chamber/errors';
import {
  BladeActual,
  BladeDefinition,
  DefinitionSource,
  DeviceDefinition,
  ElementKind,
  HistoryRecord,
  ObservedRecord,
  PduActual,
  RackDefinition,
  RegionDefinition,
  SettledRecord,
  TargetRecord,
  TickIndexRecord,
  TickRecord,
  TorActual,
  View,
  ZoneDefinition,
  type Element,
  type GetDefinitionSourceResponse,
  type ListStatesResponse,
  type RackStates,
  type Summary,
} from '@chamber/protos';
import { freshReader, type CachedView, type RawEntry, type Store } from '@chamber/store';
import { checkReadableTick } from '@chamber/timestamp';
import {
  depthOf,
  deviceOf,
  keys,
  parseElementPath,
  regionOf,
  viewKey,
  type ElementPath,
} from '@chamber/world';

/** A consistent point to read at: a revision and the tick it shows. */
export interface ReadPoint {
  /** `undefined`: the latest. */
  readonly revision: number | undefined;
  readonly tick: number;
}

/**
 * Where to read the state "as of" a tick: the revision at which tick `asOf`
 * had settled (a tick the clock skipped shows the one before it), or the
 * latest. Fails with `InvalidArgument` for a tick still to come and
 * `OutOfRange`, naming the window, for a tick older than the history kept.
 */
export async function readPoint(store: Store, asOf: number | undefined): Promise<ReadPoint> {
  const current = await store.get(TickRecord, keys.clockTick);
  const now = current?.value.tick ?? 0;
  if (asOf === undefined || asOf === now) return { revision: undefined, tick: now };
  if (asOf > now) {
    throw new ChamberError(
      Code.InvalidArgument,
      `as_of_tick ${asOf} is after the current tick ${now}`,
      { details: { field: 'as_of_tick' } },
    );
  }
  // A tick older than the history the stepper keeps: a clear refusal, not etcd's "compacted".
  checkReadableTick(
    asOf,
    (await store.get(HistoryRecord, keys.clockHistory))?.value,
    now,
    current!.value.run,
  );
  const exact = await store.get(TickIndexRecord, keys.tickIndex(asOf));
  if (exact !== undefined) return { revision: exact.value.settledRevision, tick: asOf };
  const after = await store.list(TickIndexRecord, keys.tickIndexPrefix, {
    startAfter: keys.tickIndex(asOf),
    limit: 1,
  });
  const next = after.entries[0];
  if (next === undefined) return { revision: undefined, tick: now };
  return { revision: next.value.snapshotRevision - 1, tick: asOf };
}

/** Runs a read at `point`, turning etcd's "compacted" into a message about the tick. */
async function at<T>(point: ReadPoint, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isChamberError(error) && error.code === Code.OutOfRange) {
      throw new ChamberError(
        Code.OutOfRange,
        `as_of_tick ${point.tick} is no longer available: etcd has compacted its history past revision ${point.revision ?? 0}`,
        { cause: error, details: { field: 'as_of_tick' } },
      );
    }
    throw error;
  }
}

const kindOf: Readonly<Record<ElementPath['type'], ElementKind>> = {
  region: ElementKind.ELEMENT_KIND_REGION,
  zone: ElementKind.ELEMENT_KIND_ZONE,
  rack: ElementKind.ELEMENT_KIND_RACK,
  pdu: ElementKind.ELEMENT_KIND_PDU,
  tor: ElementKind.ELEMENT_KIND_TOR,
  blade: ElementKind.ELEMENT_KIND_BLADE,
  cable: ElementKind.ELEMENT_KIND_CABLE,
};

const viewPrefix: Readonly<Record<View, string>> = {
  [View.VIEW_UNSPECIFIED]: keys.definitionPrefix,
  [View.VIEW_DEFINITION]: keys.definitionPrefix,
  [View.VIEW_TARGET]: keys.targetPrefix,
  [View.VIEW_ACTUAL]: keys.actualPrefix,
  [View.VIEW_OBSERVED]: keys.observedPrefix,
  [View.UNRECOGNIZED]: keys.definitionPrefix,
};

function normalView(view: View): View {
  if (view === View.VIEW_UNSPECIFIED) return View.VIEW_DEFINITION;
  if (!(view in viewPrefix) || view === View.UNRECOGNIZED)
    throw new ChamberError(Code.InvalidArgument, `unknown view ${String(view)}`);
  return view;
}

/** The element's record in `view`, decoded into an {@link Element}; `record` unset when absent. */
function toElement(path: ElementPath, view: View, raw: RawEntry | undefined): Element {
  const element: Element = {
    path: path.path,
    kind: kindOf[path.type],
    view,
    revision: raw?.modRevision ?? 0,
  };
  if (raw === undefined) return element;
  const json: unknown = JSON.parse(raw.value);
  if (view === View.VIEW_DEFINITION) {
    switch (path.type) {
      case 'region':
        return { ...element, region: RegionDefinition.fromJSON(json) };
      case 'zone':
        return { ...element, zone: ZoneDefinition.fromJSON(json) };
      case 'rack':
        return { ...element, rack: RackDefinition.fromJSON(json) };
      case 'pdu':
      case 'tor':
        return { ...element, device: DeviceDefinition.fromJSON(json) };
      case 'blade':
        return { ...element, blade: BladeDefinition.fromJSON(json) };
      case 'cable': {
        const blade = BladeDefinition.fromJSON(json);
        const port = path.cable === 'power' ? blade.power : blade.network;
        return port === undefined ? element : { ...element, cable: port };
      }
    }
  }
  if (view === View.VIEW_TARGET) return { ...element, target: TargetRecord.fromJSON(json) };
  if (view === View.VIEW_OBSERVED) return { ...element, observed: ObservedRecord.fromJSON(json) };
  switch (path.type) {
    case 'pdu':
      return { ...element, pduActual: PduActual.fromJSON(json) };
    case 'tor':
      return { ...element, torActual: TorActual.fromJSON(json) };
    case 'blade':
      return { ...element, bladeActual: BladeActual.fromJSON(json) };
    case 'cable': {
      const blade = BladeActual.fromJSON(json);
      const cable = path.cable === 'power' ? blade.powerCable : blade.networkCable;
      return cable === undefined ? element : { ...element, cableActual: cable };
    }
    default:
      return element;
  }
}

/**
 * Device records (`<prefix>region/zone/rack/kind/n`, in key order) grouped
 * by rack, each state as its position in a shared list of names. Only the
 * state is parsed: not 100,000 whole records.
 */
function groupStates(
  prefix: string,
  entries: readonly RawEntry[],
): Pick<ListStatesResponse, 'states' | 'racks'> {
  const states: string[] = [];
  const positions = new Map<string, number>();
  const racks: RackStates[] = [];
  let rack: RackStates | undefined;
  for (const { key, value } of entries) {
    const device = deviceOf(key.slice(prefix.length));
    if (device === undefined) continue;
    const { kind } = device;
    if (rack?.path !== device.rack) {
      rack = {
        path: device.rack,
        pdus: [],
        pduStates: [],
        tors: [],
        torStates: [],
        blades: [],
        bladeStates: [],
      };
      racks.push(rack);
    }
    // `state` is field 1 of every device record, so written first: the first
    // match is the record's own, not a cable's.
    const state = /"state":"([A-Z_]+)"/.exec(value)?.[1] ?? 'STATE_UNSPECIFIED';
    let position = positions.get(state);
    if (position === undefined) {
      position = states.push(state) - 1;
      positions.set(state, position);
    }
    rack[`${kind}s`].push(Number(device.index));
    rack[`${kind}States`].push(position);
  }
  return { states, racks };
}

/** The key of `path`'s record in `view` (a cable's is its blade's). */
function recordKey(path: ElementPath, view: View): string | undefined {
  const holder = path.blade ?? path.path;
  if (view === View.VIEW_DEFINITION) return viewKey('definition', holder);
  const isDevice = path.type === 'pdu' || path.type === 'tor' || path.type === 'blade';
  if (view === View.VIEW_ACTUAL && (isDevice || path.type === 'cable'))
    return viewKey('actual', holder);
  if (isDevice) return viewPrefix[view] + holder;
  return undefined;
}

/**
 * Reads of the inventory's views, at the latest revision or as of a past
 * tick. `live` gives the participant's in-memory view (definition and
 * actual, kept current by its watch), which answers a summary of the present
 * without reading 100,000 records from etcd.
 */
export class InventoryReads {
  /** The clock's records, by a read that starts after each call (see {@link freshReader}). */
  private readonly clockRecords = freshReader(() =>
    this.store.listRaw(keys.clockPrefix).then((r) => r.entries),
  );

  constructor(
    private readonly store: Store,
    private readonly live: () => CachedView | undefined = () => undefined,
  ) {}

  /** One element in one view. `NotFound` when the definition has no such element. */
  async get(
    pathText: string,
    viewIn: View,
    asOf?: number,
  ): Promise<{ element: Element; tick: number }> {
    const path = parseElementPath(pathText);
    const view = normalView(viewIn);
    if (asOf === undefined) {
      const present = await this.presentLive();
      const key = recordKey(path, view);
      if (present !== undefined && (key === undefined || present.view.covers(key))) {
        const defined = present.view.getRaw(keys.definitionPrefix + (path.blade ?? path.path));
        if (defined === undefined) {
          throw new ChamberError(Code.NotFound, `no ${path.type} "${path.path}" is defined`);
        }
        const raw = key === undefined ? undefined : present.view.getRaw(key);
        return { element: toElement(path, view, raw), tick: present.tick };
      }
    }
    const point = await readPoint(this.store, asOf);
    return at(point, async () => {
      const options = point.revision === undefined ? {} : { revision: point.revision };
      const defined = await this.store.getRaw(
        keys.definitionPrefix + (path.blade ?? path.path),
        options,
      );
      if (defined === undefined) {
        throw new ChamberError(
          Code.NotFound,
          `no ${path.type} "${path.path}" is defined${asOf === undefined ? '' : ` at tick ${point.tick}`}`,
        );
      }
      const key = recordKey(path, view);
      const raw =
        key === undefined
          ? undefined
          : key === keys.definitionPrefix + (path.blade ?? path.path)
            ? defined
            : await this.store.getRaw(key, options);
      return { element: toElement(path, view, raw), tick: point.tick };
    });
  }

  /** The children of `pathText` ("" for the regions) in one view, in key order. */
  async list(
    pathText: string,
    viewIn: View,
    asOf?: number,
  ): Promise<{ elements: Element[]; tick: number }> {
    const view = normalView(viewIn);
    const point = await readPoint(this.store, asOf);
    return at(point, async () => {
      const options = point.revision === undefined ? {} : { revision: point.revision };
      const children = await this.children(pathText, options);
      const elements: Element[] = [];
      if (
        children.length > 0 &&
        children[0]!.type !== 'region' &&
        children[0]!.type !== 'zone' &&
        children[0]!.type !== 'rack' &&
        view !== View.VIEW_DEFINITION
      ) {
        // A rack's PDUs, TORs and blades: one range read of the view.
        const prefix = `${viewPrefix[view]}${children[0]!.rack!}/`;
        const records = new Map(
          (await this.store.listRaw(prefix, options)).entries.map((e) => [e.key, e]),
        );
        for (const child of children)
          elements.push(toElement(child, view, records.get(viewPrefix[view] + child.path)));
      } else {
        for (let i = 0; i < children.length; i += 64) {
          const batch = children.slice(i, i + 64);
          const raws = await Promise.all(
            batch.map((child) => {
              const key = recordKey(child, view);
              return key === undefined
                ? Promise.resolve(undefined)
                : this.store.getRaw(key, options);
            }),
          );
          batch.forEach((child, j) => elements.push(toElement(child, view, raws[j])));
        }
      }
      return { elements, tick: point.tick };
    });
  }

  /**
   * The state of every PDU, TOR and blade under `pathText` ("" for all) in
   * the actual or observed view, grouped by rack and compact: what a map of
   * the whole inventory needs in one answer. The present actual view comes
   * from memory; the rest is one range read.
   */
  async states(pathText: string, viewIn: View, asOf?: number): Promise<ListStatesResponse> {
    const view = normalView(viewIn);
    if (view !== View.VIEW_ACTUAL && view !== View.VIEW_OBSERVED) {
      throw new ChamberError(
        Code.InvalidArgument,
        'states are listed in the actual or observed view',
      );
    }
    let under = '';
    if (pathText.replace(/\//g, '') !== '') {
      const path = parseElementPath(pathText);
      if (path.type !== 'region' && path.type !== 'zone' && path.type !== 'rack') {
        throw new ChamberError(
          Code.InvalidArgument,
          `states are listed under a region, zone or rack, not a ${path.type} ("${path.path}")`,
        );
      }
      under = `${path.path}/`;
    }
    const present =
      asOf === undefined && view === View.VIEW_ACTUAL ? await this.presentLive() : undefined;
    const point: ReadPoint =
      present === undefined
        ? await readPoint(this.store, asOf)
        : { revision: undefined, tick: present.tick };
    return at(point, async () => {
      const options = point.revision === undefined ? {} : { revision: point.revision };
      if (under !== '') {
        const key = keys.definitionPrefix + under.slice(0, -1);
        const defined = present?.view.getRaw(key) ?? (await this.store.getRaw(key, options));
        if (defined === undefined) {
          throw new ChamberError(
            Code.NotFound,
            `"${under.slice(0, -1)}" is not defined${asOf === undefined ? '' : ` at tick ${point.tick}`}`,
          );
        }
      }
      const prefix = viewPrefix[view] + under;
      const { entries, revision } =
        present === undefined
          ? await this.store.listRaw(prefix, options)
          : { entries: present.view.listRaw(prefix), revision: present.view.revision };
      return { tick: point.tick, revision, ...groupStates(viewPrefix[view], entries) };
    });
  }

  /** The definition in force (its file name and text), as of `asOf` or now. */
  async definitionSource(asOf?: number): Promise<GetDefinitionSourceResponse> {
    const point = await readPoint(this.store, asOf);
    return at(point, async () => {
      const options = point.revision === undefined ? {} : { revision: point.revision };
      const source = (await this.store.get(DefinitionSource, keys.definitionSource, options))
        ?.value;
      return { tick: point.tick, source };
    });
  }

  /** The `definition` view's records (keys and texts) as the latest tick settled them. */
  async definitionRecords(): Promise<{ tick: number; records: RawEntry[] }> {
    const point = await readPoint(this.store, undefined);
    const cached = await this.settledLive();
    const records =
      cached?.listRaw(keys.definitionPrefix) ??
      (await this.store.listRaw(keys.definitionPrefix)).entries;
    return { tick: point.tick, records: [...records] };
  }

  /** Counts of elements, and of their states in `view`. */
  async summary(viewIn: View, asOf?: number): Promise<Summary> {
    const view = normalView(viewIn);
    const point = await readPoint(this.store, asOf);
    return at(point, async () => {
      const options = point.revision === undefined ? {} : { revision: point.revision };
      const summary: Summary = {
        tick: point.tick,
        regions: 0,
        zones: 0,
        racks: 0,
        pdus: 0,
        tors: 0,
        blades: 0,
        bladeStates: {},
        pduStates: {},
        torStates: {},
        definition: '',
      };
      const cached =
        asOf === undefined && (view === View.VIEW_DEFINITION || view === View.VIEW_ACTUAL)
          ? await this.settledLive()
          : undefined;
      const defined =
        cached?.listRaw(keys.definitionPrefix).map((e) => e.key) ??
        (await this.store.listKeys(keys.definitionPrefix, options));
      for (const key of defined) {
        const path = key.slice(keys.definitionPrefix.length);
        const kind = deviceOf(path)?.kind;
        if (kind === 'pdu') summary.pdus++;
        else if (kind === 'tor') summary.tors++;
        else if (kind === 'blade') summary.blades++;
        else {
          const depth = depthOf(path);
          if (depth === 1) summary.regions++;
          else if (depth === 2) summary.zones++;
          else if (depth === 3) summary.racks++;
        }
      }
      const source =
        cached?.value(DefinitionSource, keys.definitionSource) ??
        (await this.store.get(DefinitionSource, keys.definitionSource, options))?.value;
      summary.definition = source?.fileName ?? '';
      if (view !== View.VIEW_DEFINITION) {
        const records =
          cached?.listRaw(viewPrefix[view]) ??
          (await this.store.listRaw(viewPrefix[view], options)).entries;
        const prefix = viewPrefix[view];
        for (const { key, value } of records) {
          const kind = deviceOf(key.slice(prefix.length))?.kind;
          // Only the state is wanted: no need to parse 100,000 whole records.
          const state = /"state":"([A-Z_]+)"/.exec(value)?.[1] ?? 'UNSPECIFIED';
          const counts =
            kind === 'pdu'
              ? summary.pduStates
              : kind === 'tor'
                ? summary.torStates
                : summary.bladeStates;
          counts[state] = (counts[state] ?? 0) + 1;
        }
      }
      return summary;
    });
  }

  /**
   * The live view and the current tick, if the view already holds
   * everything of the last settled tick: one read of the clock's records
   * (so a caller who has just seen a tick settle reads its effects), the
   * rest from memory. The view then shows the world of the last settled
   * tick, or of the snapshot of the tick in flight (which is the same world
   * plus nothing), never a tick half-written. Undefined during a reset or
   * before the first settled tick: then the store answers.
   */
  private async presentLive(): Promise<{ view: CachedView; tick: number } | undefined> {
    const view = this.live();
    if (view === undefined) return undefined;
    const clock = new Map((await this.clockRecords()).map((e) => [e.key, e] as const));
    const settled = clock.get(keys.clockSettled);
    const current = clock.get(keys.clockTick);
    if (settled === undefined || current === undefined) return undefined;
    const tick = TickRecord.fromJSON(JSON.parse(current.value));
    // The settling write comes after the tick's last ack: a view that has
    // seen it holds the whole settled world.
    if (tick.resetting || view.revision < settled.modRevision) return undefined;
    return { view, tick: tick.tick };
  }

  /**
   * The live view, if it already holds everything of the last settled tick
   * (its watch may still be delivering the tick's last writes; then the
   * store answers).
   */
  private async settledLive(): Promise<CachedView | undefined> {
    const view = this.live();
    if (view === undefined) return undefined;
    const settled = await this.store.get(SettledRecord, keys.clockSettled);
    if (settled === undefined) return undefined;
    const index = await this.store.get(TickIndexRecord, keys.tickIndex(settled.value.tick));
    // A tick that expected nobody has no index entry: it was settled in the
    // write that published it, and changed nothing.
    const settledRevision = index?.value.settledRevision ?? settled.modRevision;
    return view.revision >= settledRevision ? view : undefined;
  }

  private async children(pathText: string, options: { revision?: number }): Promise<ElementPath[]> {
    if (pathText.replace(/\//g, '') === '') {
      // The regions: skip from one region's subtree to the next.
      const regions: ElementPath[] = [];
      let after: string | undefined;
      for (;;) {
        const next = await this.store.listRaw(keys.definitionPrefix, {
          ...options,
          limit: 1,
          ...(after === undefined ? {} : { startAfter: after }),
        });
        const entry = next.entries[0];
        if (entry === undefined) return regions;
        const name = regionOf(entry.key.slice(keys.definitionPrefix.length));
        regions.push(parseElementPath(name));
        after = `${viewKey('definition', name)}/\uffff`;
      }
    }
    const path = parseElementPath(pathText);
    const raw = await this.store.getRaw(keys.definitionPrefix + path.path, options);
    if (raw === undefined || !['region', 'zone', 'rack'].includes(path.type)) {
      throw new ChamberError(
        raw === undefined ? Code.NotFound : Code.InvalidArgument,
        raw === undefined
          ? `no ${path.type} "${path.path}" is defined`
          : `a ${path.type} has no children to list; get it instead`,
      );
    }
    const json: unknown = JSON.parse(raw.value);
    if (path.type === 'region')
      return RegionDefinition.fromJSON(json).zones.map((z) =>
        parseElementPath(`${path.path}/${z}`),
      );
    if (path.type === 'zone')
      return ZoneDefinition.fromJSON(json).racks.map((r) => parseElementPath(`${path.path}/${r}`));
    const rack = RackDefinition.fromJSON(json);
    const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    return [
      ...range(rack.pdus).map((i) => parseElementPath(`${path.path}/pdu/${i}`)),
      ...range(rack.tors).map((i) => parseElementPath(`${path.path}/tor/${i}`)),
      ...rack.blades.map((i) => parseElementPath(`${path.path}/blade/${i}`)),
    ];
  }
}
