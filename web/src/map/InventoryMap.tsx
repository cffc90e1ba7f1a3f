import { parentOf, wireNameOf, wordOf } from '@chamber/world';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { call, type BladeUse } from '../api.js';
import { DetailPanel } from '../detail/DetailPanel.js';
import { type LiveState, useLiveEvents } from '../live.js';
import { describeError } from '../pages/common.js';
import { mapLink } from '../pages/WorkloadsPage.js';
import { colourOf, disagreementColours, noRecordColour } from './colours.js';
import { useMarks } from './marks.js';
import { oneAtATime } from '../serial.js';
import { geometry, MapModel, type Device, type Rack } from './model.js';
import {
  fillColour,
  highlightColour,
  isAggregateAt,
  MapRenderer,
  rackStateOf,
  type Overlay,
  type Transform,
} from './renderer.js';
import { Timeline } from './Timeline.js';

type View = 'actual' | 'observed';

/**
 * The inventory map: every rack of every zone with its PDUs, TORs and
 * blades, drawn on a canvas and coloured by state in `actual` or
 * `observed`, or by where the two disagree; now and live through the event
 * stream, or as of a past tick on the timeline. The map is laid out to
 * fill the canvas; zoomed out until devices would be too thin to see, each
 * rack is one cell in its worst state (hover for its counts). Pan by
 * dragging or with the arrow keys, zoom with the wheel or the +/- buttons,
 * search by name; a click (or a search result, or a mark of the timeline)
 * opens the element's detail panel.
 */
export function InventoryMap({
  rights,
  now,
  oldest,
  live: dashboardLive,
  version,
  focus: focusPath,
  highlight,
}: {
  rights: readonly string[];
  now: number;
  /** The oldest tick time travel can show (the clock's `oldestTick`). */
  oldest: number;
  /** The dashboard's own (clock) stream: once it is live again, a failed read is tried again. */
  live: LiveState;
  /** Bumped by every clock event: the used capacity is read again. */
  version: number;
  /** A blade to select and centre on (from the address: a link of the Workloads page). */
  focus: string | undefined;
  /** A workload whose blades are marked, the rest dimmed. */
  highlight: string | undefined;
}) {
  const [model, setModel] = useState<MapModel | undefined>();
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [view, setView] = useState<View>('actual');
  const [isDisagreement, setDisagreement] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  /** What the pointer is over: a device, or a rack when racks are drawn as cells. */
  const [hovered, setHovered] = useState<
    { device?: Device; rack?: Rack; path: string; x: number; y: number } | undefined
  >();
  /** Whether racks are drawn as cells at the current zoom. */
  const [isAggregate, setAggregate] = useState(false);
  const [marksVersion, setMarksVersion] = useState(0);
  const marks = useMarks(marksVersion);
  const [query, setQuery] = useState('');
  /** Whether the search's matches drop down (closed once one is chosen, open again on typing or focus). */
  const [isMatchListOpen, setMatchListOpen] = useState(true);
  /** The tick shown; undefined: now, live. */
  const [at, setAt] = useState<number | undefined>();
  /** The revision the live stream resumes after, once the live states are read. */
  const [after, setAfter] = useState<number | undefined>();
  const [isLoading, setLoading] = useState(true);
  const [modelVersion, setModelVersion] = useState(0);
  /** A blade of the inventory shown, for the search's placeholder (never a fixed sample's). */
  const firstBlade = useMemo(() => {
    for (const d of model?.devices.values() ?? []) if (d.kind === 'blade') return d.path;
    return undefined;
  }, [model, modelVersion]);
  const [detailVersion, setDetailVersion] = useState(0);
  /** The blades holding placements, by path (now; none while showing a past tick). */
  const [uses, setUses] = useState<ReadonlyMap<string, BladeUse>>(new Map());
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const renderer = useRef(new MapRenderer());
  const transform = useRef<Transform>({ scale: 1, x: 0, y: 0 });
  // Until the user pans or zooms, the map is fitted to the canvas.
  const isMovedByUser = useRef(false);
  const frame = useRef(0);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const isDetailChanged = useRef(false);
  /** The model whose first drawing was marked. */
  const firstDrawn = useRef<MapModel | undefined>(undefined);
  const matches = useMemo(
    () => model?.search(query, 1000) ?? [],
    // The model changes in place: search again as it does.
    [model, query, modelVersion],
  );
  const overlay = useMemo((): Overlay => {
    const fills = new Map<string, number>();
    const highlighted = highlight === undefined ? undefined : new Set<string>();
    for (const [blade, use] of uses) {
      fills.set(blade, use.capacity.cores > 0 ? use.used.cores / use.capacity.cores : 1);
      if (use.instances.some((i) => i.workload === highlight)) highlighted?.add(blade);
    }
    return { fills, highlighted };
  }, [uses, highlight]);
  const workloadNames = useMemo(
    () =>
      [...new Set([...uses.values()].flatMap((u) => u.instances.map((i) => i.workload)))].sort(),
    [uses],
  );
  // What the next frame draws, read by the frame callback.
  const drawn = useRef({ model, view, isDisagreement, selected, matches, overlay });
  drawn.current = { model, view, isDisagreement, selected, matches, overlay };

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    const {
      model: m,
      view: v,
      isDisagreement: isDiff,
      selected: sel,
      matches: found,
      overlay: over,
    } = drawn.current;
    if (canvas === null || m === undefined) return;
    if (!isMovedByUser.current && m.width > 0) {
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      // Laid out anew to fill the canvas while it is fitted (the user's view is never moved).
      m.fitTo(width, height);
      const scale = Math.min(width / m.width, height / m.height, 16) * 0.97;
      transform.current = {
        scale,
        x: (width - m.width * scale) / 2,
        y: (height - m.height * scale) / 2,
      };
    }
    const marked = found.filter((d) => d.path !== sel);
    const chosen = sel === undefined ? undefined : m.devices.get(sel);
    if (chosen !== undefined) marked.push(chosen);
    renderer.current.draw(
      canvas,
      m,
      transform.current,
      { view: v, isDisagreement: isDiff },
      marked,
      sel,
      over,
    );
    if (m.loaded.has('actual') && firstDrawn.current !== m) {
      // The actual view drawn: the map's "first render", as benchmarks read it.
      firstDrawn.current = m;
      performance.clearMarks('chamber-map-first-render');
      performance.mark('chamber-map-first-render');
    }
    setModelVersion(m.version);
    setAggregate(isAggregateAt(transform.current.scale));
    if (isDetailChanged.current) {
      isDetailChanged.current = false;
      setDetailVersion((v) => v + 1);
    }
  }, []);

  /** One draw per change: changes within a frame are drawn together. */
  const requestDraw = useCallback(() => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  useEffect(() => {
    const m = new MapModel();
    let isCancelled = false;
    setLoading(true);
    setAfter(undefined);
    setError(undefined);
    m.load(at, () => {
      if (isCancelled) return;
      setModel(m);
      requestDraw();
    }).then(
      (revision) => {
        if (isCancelled) return;
        setLoading(false);
        if (at === undefined) setAfter(revision);
      },
      (e: unknown) => {
        if (!isCancelled) setError(describeError(e));
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [generation, at, requestDraw]);

  useEffect(requestDraw, [model, view, isDisagreement, selected, matches, overlay, requestDraw]);

  // The used capacity, read again at every tick while live (one read of the placements). One
  // read at a time: ticks that pass while it runs are caught up by one more read after it.
  const capacityRead = useRef({ isLive: true });
  const readCapacity = useMemo(
    () =>
      oneAtATime(async () => {
        if (!capacityRead.current.isLive) return;
        const { body } = await call('getCapacity');
        if (capacityRead.current.isLive) setUses(new Map(body.blades.map((b) => [b.blade, b])));
      }),
    [],
  );
  useEffect(() => {
    capacityRead.current.isLive = at === undefined;
    if (at !== undefined) setUses(new Map());
    else readCapacity();
  }, [at, version, readCapacity]);
  useEffect(
    () => () => {
      capacityRead.current.isLive = false;
    },
    [],
  );

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // A read that failed (the frontend was gone, say) is tried again once the
  // frontend is heard from: its stream is live again, or the clock moved.
  const isReadFailed = error !== undefined;
  useEffect(() => {
    if (isReadFailed && dashboardLive === 'live') reload();
    // Only those two say the frontend is back: a failure alone must not retry at once.
  }, [dashboardLive, now]);
  const onEvent = useCallback(
    (kind: string, data: string) => {
      const m = drawn.current.model;
      const sel = drawn.current.selected;
      if (sel !== undefined && mentions(data, sel)) {
        // The detail panel reads again, once for all the frame's events about it.
        isDetailChanged.current = true;
        requestDraw();
      }
      if (kind === 'faults' || kind === 'repairs') setMarksVersion((v) => v + 1);
      if (m === undefined || (kind !== 'actual' && kind !== 'observed')) return;
      const changed = m.apply(kind, data);
      if (changed === 'unknown') {
        // An element of a rack the map lacks: the inventory was (re)loaded.
        reloadTimer.current ??= setTimeout(() => {
          reloadTimer.current = undefined;
          reload();
        }, 1000);
      } else if (changed) {
        requestDraw();
      }
    },
    [requestDraw, reload],
  );
  const live = useLiveEvents(
    after === undefined ? undefined : 'actual,observed,faults,repairs',
    onEvent,
    after,
    reload,
  );

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas === null) return;
    // A moved map keeps what is at the canvas's centre there as the canvas resizes (a detail
    // panel opening beside it, say); a fitted one is fitted again anyway.
    let size = { width: canvas.clientWidth, height: canvas.clientHeight };
    const observer = new ResizeObserver(() => {
      const t = transform.current;
      transform.current = {
        ...t,
        x: t.x + (canvas.clientWidth - size.width) / 2,
        y: t.y + (canvas.clientHeight - size.height) / 2,
      };
      size = { width: canvas.clientWidth, height: canvas.clientHeight };
      requestDraw();
    });
    observer.observe(canvas);
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - rect.left, e.clientY - rect.top);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      observer.disconnect();
      canvas.removeEventListener('wheel', onWheel);
    };
  }, [requestDraw]);

  const zoom = (factor: number, cx?: number, cy?: number): void => {
    const canvas = canvasRef.current;
    const t = transform.current;
    const x = cx ?? (canvas?.clientWidth ?? 0) / 2;
    const y = cy ?? (canvas?.clientHeight ?? 0) / 2;
    isMovedByUser.current = true;
    const scale = Math.min(200, Math.max(0.02, t.scale * factor));
    transform.current = {
      scale,
      x: x - ((x - t.x) * scale) / t.scale,
      y: y - ((y - t.y) * scale) / t.scale,
    };
    requestDraw();
  };
  const pan = (dx: number, dy: number): void => {
    isMovedByUser.current = true;
    const t = transform.current;
    transform.current = { ...t, x: t.x + dx, y: t.y + dy };
    requestDraw();
  };
  const fit = (): void => {
    isMovedByUser.current = false;
    requestDraw();
  };
  /** Selects an element, centring the map on it when it is a device. */
  const select = (path: string): void => {
    const d = model?.devices.get(path);
    if (d === undefined) setSelected(path);
    else focus(d);
  };
  /** Selects a device and centres the map on it, zoomed in enough to read. */
  const focus = (d: Device): void => {
    setSelected(d.path);
    isMovedByUser.current = true;
    const canvas = canvasRef.current;
    const scale = Math.max(transform.current.scale, 4);
    const cx = d.rack.x + geometry.rackPadding + geometry.deviceWidth / 2;
    const cy = d.rack.y + geometry.rackPadding + (d.slot + 0.5) * geometry.rowHeight;
    transform.current = {
      scale,
      x: (canvas?.clientWidth ?? 0) / 2 - cx * scale,
      y: (canvas?.clientHeight ?? 0) / 2 - cy * scale,
    };
    requestDraw();
  };

  // A blade named in the address (a link of the Workloads page) is selected and centred, once.
  const focused = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (focusPath === undefined || focused.current === focusPath || model === undefined) return;
    const d = model.devices.get(focusPath);
    if (d === undefined) return;
    focused.current = focusPath;
    focus(d);
  }, [focusPath, model, modelVersion]);

  const drag = useRef<{ x: number; y: number; moved: number } | undefined>(undefined);
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, moved: 0 };
  };
  /** The map point under the pointer at `e`. */
  const pointOf = (e: React.PointerEvent<HTMLCanvasElement>): { x: number; y: number } => {
    const rect = e.currentTarget.getBoundingClientRect();
    const t = transform.current;
    return {
      x: (e.clientX - rect.left - t.x) / t.scale,
      y: (e.clientY - rect.top - t.y) / t.scale,
    };
  };
  /** The device under the pointer at `e`, if any. */
  const deviceUnder = (e: React.PointerEvent<HTMLCanvasElement>): Device | undefined => {
    const p = pointOf(e);
    return model?.deviceAt(p.x, p.y);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    if (d === undefined) {
      // Hovering: name what is under the pointer and its state (a rack and its counts when racks
      // are cells); a re-render only when it changes.
      const p = pointOf(e);
      const isCells = isAggregateAt(transform.current.scale);
      const rack = isCells ? model?.rackAt(p.x, p.y, true) : undefined;
      const device = isCells ? undefined : model?.deviceAt(p.x, p.y);
      const path = rack?.path ?? device?.path;
      if (path !== hovered?.path) {
        setHovered(
          path === undefined
            ? undefined
            : {
                ...(rack === undefined ? {} : { rack }),
                ...(device === undefined ? {} : { device }),
                path,
                x: e.clientX,
                y: e.clientY,
              },
        );
      }
      return;
    }
    if (hovered !== undefined) setHovered(undefined);
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    drag.current = { x: e.clientX, y: e.clientY, moved: d.moved + Math.abs(dx) + Math.abs(dy) };
    pan(dx, dy);
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    drag.current = undefined;
    if (d === undefined || d.moved > 4) return;
    if (isAggregateAt(transform.current.scale)) {
      // A rack's cell: select the rack.
      const p = pointOf(e);
      const rack = model?.rackAt(p.x, p.y, true);
      if (rack !== undefined) setSelected(rack.path);
      return;
    }
    const hit = deviceUnder(e);
    if (hit !== undefined) setSelected(hit.path);
  };
  const onKeyDown = (e: React.KeyboardEvent<HTMLCanvasElement>): void => {
    const step = 40;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => pan(step, 0),
      ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step),
      ArrowDown: () => pan(0, -step),
      '+': () => zoom(1.25),
      '=': () => zoom(1.25),
      '-': () => zoom(0.8),
    };
    const move = moves[e.key];
    if (move !== undefined) {
      e.preventDefault();
      move();
    }
  };

  const deviceCount = model?.devices.size ?? 0;
  const rackCount = model?.racks.length ?? 0;
  const when = at === undefined ? 'now' : `at tick ${at}`;
  const label =
    `Inventory map ${when}: ${rackCount} racks, ${deviceCount} devices, coloured by ` +
    (isDisagreement ? 'where actual and observed disagree' : `${view} state`) +
    (isAggregate ? ', each rack as one cell in its worst state' : '');

  return (
    <div className="map-layout">
      <section
        className={at === undefined ? 'panel map-panel' : 'panel map-panel past'}
        aria-labelledby="map-title"
      >
        <div className="map-toolbar">
          <h2 id="map-title">Map</h2>
          <span role="radiogroup" aria-label="View" className="segmented">
            {(['actual', 'observed'] as const).map((v) => (
              <label key={v}>
                <input
                  type="radio"
                  name="map-view"
                  value={v}
                  checked={view === v}
                  onChange={() => setView(v)}
                />
                {v}
              </label>
            ))}
          </span>
          <label>
            <input
              type="checkbox"
              checked={isDisagreement}
              onChange={(e) => setDisagreement(e.target.checked)}
            />
            Disagreements
          </label>
          <label>
            Highlight
            <select
              value={highlight ?? ''}
              onChange={(e) =>
                (window.location.hash =
                  e.target.value === ''
                    ? '#/'
                    : mapLink({
                        highlight: e.target.value,
                        ...(selected === undefined ? {} : { blade: selected }),
                      }))
              }
            >
              <option value="">no workload</option>
              {[
                ...new Set([...workloadNames, ...(highlight === undefined ? [] : [highlight])]),
              ].map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <div className="map-search-box">
            <label className="map-search">
              Search
              <input
                type="search"
                value={query}
                placeholder={firstBlade ?? 'a path or part of one'}
                onChange={(e) => {
                  setQuery(e.target.value);
                  setMatchListOpen(true);
                }}
                onFocus={() => setMatchListOpen(true)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') setMatchListOpen(false);
                }}
              />
            </label>
            {query.trim() !== '' && isMatchListOpen && (
              <ul className="matches" aria-label="Matching elements">
                {matches.length === 0 && <li>No element matches.</li>}
                {matches.slice(0, 50).map((d) => (
                  <li key={d.path}>
                    <button
                      type="button"
                      aria-current={d.path === selected ? 'true' : undefined}
                      onClick={() => {
                        setMatchListOpen(false);
                        focus(d);
                      }}
                    >
                      <span className="swatch" style={{ background: colourOf(d.actual) }} />
                      <span className="swatch" style={{ background: colourOf(d.observed) }} />
                      {d.path} — {d.actual || 'no record'} / {d.observed || 'not observed'}
                    </button>
                  </li>
                ))}
                {matches.length > 50 && (
                  <li>… and {matches.length >= 1000 ? 'many' : matches.length - 50} more</li>
                )}
              </ul>
            )}
          </div>
          <span role="group" aria-label="Zoom" className="zoom">
            <button type="button" aria-label="Zoom in" onClick={() => zoom(1.25)}>
              +
            </button>
            <button type="button" aria-label="Zoom out" onClick={() => zoom(0.8)}>
              −
            </button>
            <button type="button" onClick={fit}>
              Fit
            </button>
          </span>
        </div>
        <Timeline
          now={now}
          oldest={oldest}
          at={at}
          onChange={setAt}
          marks={marks}
          onSelect={select}
        />
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <canvas
          ref={canvasRef}
          className="map-canvas"
          role="img"
          aria-label={label}
          tabIndex={0}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => setHovered(undefined)}
          onKeyDown={onKeyDown}
        />
        {hovered !== undefined && (
          <div
            role="tooltip"
            className="map-tooltip"
            style={{ left: hovered.x + 12, top: hovered.y + 12 }}
          >
            <strong>{hovered.path}</strong>
            <br />
            {hovered.rack !== undefined && <RackCounts rack={hovered.rack} />}
            {hovered.device !== undefined && (
              <>
                {wordOf(wireNameOf('ELEMENT_KIND', hovered.device.kind))}{' '}
                {hovered.device.actual || 'no record'} · observed{' '}
                {hovered.device.observed || 'not observed'}
              </>
            )}
            {uses.get(hovered.path) !== undefined && (
              <>
                <br />
                {usedWords(uses.get(hovered.path)!)}
              </>
            )}
          </div>
        )}
        <p className="map-status" aria-live="polite">
          {model === undefined
            ? 'Loading the inventory…'
            : rackCount === 0 && !isLoading
              ? `No inventory ${at === undefined ? 'is loaded yet: load a definition (chamber inventory load FILE --yes)' : `was loaded at tick ${model.tick}`}.`
              : `${rackCount} racks, ${deviceCount} devices${at === undefined ? '' : `, as they were at tick ${model.tick}`}`}
          {isLoading && model !== undefined ? ' · loading…' : ''}
          {at === undefined && !isLoading && live !== 'live'
            ? ' · connecting to the live stream…'
            : ''}
        </p>
        {rackCount > 0 && isAggregate && (
          <p className="map-status">
            Each rack is drawn as one cell in its worst state: hover for its counts, zoom in for its
            devices.
          </p>
        )}
        {model !== undefined && deviceCount > 0 && (
          <>
            <Legend model={model} view={view} isDisagreement={isDisagreement} />
            {(uses.size > 0 || highlight !== undefined) && (
              <ul className="legend" aria-label="Legend, workloads">
                {uses.size > 0 && (
                  <li>
                    <span className="fill-swatch" style={{ background: fillColour }} />
                    bar at a blade's foot: the share of its cores its instances take ({
                      uses.size
                    }{' '}
                    blade{uses.size === 1 ? '' : 's'} hold instances)
                  </li>
                )}
                {highlight !== undefined && (
                  <li>
                    <span className="swatch" style={{ outline: `2px solid ${highlightColour}` }} />
                    workload {highlight}: {overlay.highlighted?.size ?? 0} blade
                    {overlay.highlighted?.size === 1 ? '' : 's'} marked, the rest dimmed{' '}
                    <a href="#/">clear</a>
                  </li>
                )}
              </ul>
            )}
            <BladeStates model={model} />
          </>
        )}
      </section>
      {selected !== undefined && (
        <DetailPanel
          key={selected}
          path={selected}
          rights={rights}
          at={at}
          version={detailVersion}
          tickVersion={version}
          onClose={() => setSelected(undefined)}
          onSelect={setSelected}
        />
      )}
    </div>
  );
}

/** A blade's used capacity in words: `6 of 16 cores used by 2 instances`. */
export function usedWords(use: BladeUse): string {
  const n = use.instances.length;
  return `${use.used.cores} of ${use.capacity.cores} cores used by ${n} instance${n === 1 ? '' : 's'}`;
}

/**
 * Whether an event's JSON names `path` or a region, zone or rack it lies in
 * (a fault on a rack concerns its blades).
 */
function mentions(data: string, path: string): boolean {
  for (let at = path; at !== ''; at = parentOf(at)) {
    if (data.includes(`"${at}"`)) return true;
  }
  return data.includes(`/${path}"`);
}

/**
 * A rack's devices by state: `40 blades: 38 working, 2 off · observed 40 healthy`,
 * then its PDUs and TORs in actual and the worst state its cell shows.
 */
function RackCounts({ rack }: { rack: Rack }) {
  const blades = (view: View): string =>
    [...rack.counts[view]]
      .filter(([key]) => !key.includes(':'))
      .sort((a, b) => b[1] - a[1])
      .map(([state, n]) => `${n} ${state || (view === 'actual' ? 'no record' : 'not observed')}`)
      .join(', ');
  const others = [...rack.counts.actual]
    .filter(([key]) => key.includes(':'))
    .map(([key, n]) => {
      const [kind = '', state = ''] = key.split(':');
      return `${n} ${kind.toUpperCase()}${n === 1 ? '' : 's'} ${state || 'no record'}`;
    });
  const bladeCount = rack.devices.filter((d) => d.kind === 'blade').length;
  return (
    <>
      {bladeCount} blade{bladeCount === 1 ? '' : 's'}: {blades('actual')} · observed{' '}
      {blades('observed')}
      <br />
      {others.length > 0 ? `${others.join(', ')} · ` : ''}worst:{' '}
      {rackStateOf(rack, 'actual') || 'no record'}
    </>
  );
}

/** The blades by state in actual (the simulated truth) beside observed (what the control plane believes). */
function BladeStates({ model }: { model: MapModel }) {
  return (
    <div className="side-by-side">
      {(['actual', 'observed'] as const).map((view) => {
        const blades = [...model.counts[view]]
          .filter(([key]) => !key.includes(':'))
          .sort((a, b) => b[1] - a[1]);
        return (
          <section key={view} aria-label={`Blades, ${view}`} className="states">
            <h3>Blades, {view}</h3>
            <ul>
              {blades.map(([state, n]) => (
                <li key={state}>
                  <span className="swatch" style={{ background: colourOf(state) }} />
                  {state || 'no record'} <strong>{n}</strong>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

/** The counts of the view shown (blades by state, then PDUs and TORs), or of the disagreements. */
function Legend({
  model,
  view,
  isDisagreement,
}: {
  model: MapModel;
  view: View;
  isDisagreement: boolean;
}) {
  if (isDisagreement) {
    return (
      <ul className="legend" aria-label="Legend, disagreements">
        <li>
          <span className="swatch" style={{ background: disagreementColours.unnoticed }} />
          not noticed yet (down, observed healthy) <strong>{model.counts.unnoticed}</strong>
        </li>
        <li>
          <span className="swatch" style={{ background: disagreementColours.mistaken }} />
          wrongly believed down (working, observed suspect or failed){' '}
          <strong>{model.counts.mistaken}</strong>
        </li>
        <li>
          <span className="swatch" style={{ background: noRecordColour }} />
          agree
        </li>
      </ul>
    );
  }
  const sorted = [...model.counts[view]].sort(
    (a, b) => Number(a[0].includes(':')) - Number(b[0].includes(':')) || b[1] - a[1],
  );
  return (
    <ul className="legend" aria-label={`Legend, ${view}`}>
      {sorted.map(([key, n]) => {
        const [kind = '', state = ''] = key.includes(':') ? key.split(':') : ['', key];
        return (
          <li key={key}>
            <span
              className={kind === '' ? 'swatch' : 'swatch narrow'}
              style={{ background: colourOf(state) }}
            />
            {kind === '' ? '' : `${kind.toUpperCase()}s `}
            {state || 'no record'} <strong>{n}</strong>
          </li>
        );
      })}
      <li className="legend-note">wide bars: blades; narrow: PDUs and TORs</li>
    </ul>
  );
}
