import { useCallback, useEffect, useRef, useState } from 'react';
import { DetailPanel } from '../detail/DetailPanel.js';
import { useLiveEvents } from '../live.js';
import { colourOf, disagreementColours, noRecordColour } from './colours.js';
import { disagreementOf, geometry, MapModel, type Device } from './model.js';

type View = 'actual' | 'observed';

interface Transform {
  scale: number;
  x: number;
  y: number;
}

/** Counts drawn in the last frame: the legend and the summary line. */
interface Counts {
  readonly states: ReadonlyArray<readonly [string, number]>;
  readonly unnoticed: number;
  readonly mistaken: number;
}

const noCounts: Counts = { states: [], unnoticed: 0, mistaken: 0 };

/**
 * The inventory map: every rack of every zone with its PDUs, TORs and
 * blades, drawn on a canvas and coloured by state in `actual` or
 * `observed`, or by where the two disagree. Loaded once through the list
 * routes, then live through the event stream. Pan by dragging or with the
 * arrow keys, zoom with the wheel or the +/- buttons, search by name; a
 * click (or a search result) opens the element's detail panel.
 */
export function InventoryMap({ rights }: { rights: readonly string[] }) {
  const [model, setModel] = useState<MapModel | undefined>();
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [view, setView] = useState<View>('actual');
  const [isDisagreement, setDisagreement] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [counts, setCounts] = useState<Counts>(noCounts);
  const [loaded, setLoaded] = useState(0);
  const [detailVersion, setDetailVersion] = useState(0);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const transform = useRef<Transform>({ scale: 1, x: 0, y: 0 });
  const isFitted = useRef(false);
  // Until the user pans or zooms, the map is refitted as racks fill in.
  const isMovedByUser = useRef(false);
  const frame = useRef(0);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // What the next frame draws, read by the frame callback.
  const drawn = useRef({ model, view, isDisagreement, selected, query });
  drawn.current = { model, view, isDisagreement, selected, query };

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    const { model: m, view: v, isDisagreement: isDiff, selected: sel, query: q } = drawn.current;
    const ctx = canvas?.getContext('2d');
    if (canvas === null || ctx === null || ctx === undefined || m === undefined) return;
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
    if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
    if (!isFitted.current && m.width > 0) {
      const scale = Math.min(width / m.width, height / m.height, 4) * 0.95;
      transform.current = {
        scale,
        x: (width - m.width * scale) / 2,
        y: (height - m.height * scale) / 2,
      };
      isFitted.current = true;
    }
    const t = transform.current;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.setTransform(dpr * t.scale, 0, 0, dpr * t.scale, dpr * t.x, dpr * t.y);

    const { deviceWidth, rowHeight, rackPadding } = geometry;
    const left = -t.x / t.scale;
    const top = -t.y / t.scale;
    const right = left + width / t.scale;
    const bottom = top + height / t.scale;
    const hasLabels = rowHeight * t.scale >= 11;
    const needle = q.trim().toLowerCase();
    const states = new Map<string, number>();
    let unnoticed = 0;
    let mistaken = 0;
    const marked: Device[] = [];

    ctx.font = '2.6px system-ui, sans-serif';
    ctx.fillStyle = '#1d2129';
    ctx.textBaseline = 'top';
    for (const zone of m.zones) {
      // Zone names keep a readable size on screen at any zoom.
      ctx.font = `${Math.min(10, 13 / t.scale)}px system-ui, sans-serif`;
      ctx.fillText(zone.path, zone.x, zone.y + 6);
    }
    for (const rack of m.racks) {
      const rackHeight = rack.devices.length * rowHeight + 2 * rackPadding;
      const isVisible =
        rack.x + deviceWidth + 2 * rackPadding >= left &&
        rack.x <= right &&
        rack.y + rackHeight >= top &&
        rack.y <= bottom;
      if (isVisible) {
        ctx.fillStyle = '#eceef2';
        ctx.fillRect(rack.x, rack.y, deviceWidth + 2 * rackPadding, rackHeight);
      }
      for (const d of rack.devices) {
        const state = v === 'actual' ? d.actual : d.observed;
        // Blades by state; PDUs and TORs apart (`pdu:on`), since their states differ.
        const key = d.kind === 'blade' ? state : `${d.kind}:${state}`;
        states.set(key, (states.get(key) ?? 0) + 1);
        const diff = disagreementOf(d);
        if (diff === 'unnoticed') unnoticed++;
        if (diff === 'mistaken') mistaken++;
        if (d.path === sel || (needle !== '' && d.path.toLowerCase().includes(needle))) {
          marked.push(d);
        }
        if (!isVisible) continue;
        const x = rack.x + rackPadding;
        const y = rack.y + rackPadding + d.slot * rowHeight;
        ctx.fillStyle = isDiff
          ? diff === undefined
            ? noRecordColour
            : disagreementColours[diff]
          : colourOf(state);
        // PDUs and TORs are narrower, so they read apart from blades.
        const inset = d.kind === 'blade' ? 0 : 3;
        ctx.fillRect(x + inset, y + 0.4, deviceWidth - 2 * inset, rowHeight - 0.8);
        if (hasLabels) {
          ctx.font = '2.6px system-ui, sans-serif';
          ctx.fillStyle = state === 'off' || state === 'failed' ? '#ffffff' : '#1d2129';
          ctx.fillText(`${d.kind} ${d.index}`, x + inset + 0.8, y + 1.6);
        }
      }
      if (isVisible && t.scale >= 1.5) {
        ctx.font = '3px system-ui, sans-serif';
        ctx.fillStyle = '#5b6270';
        ctx.fillText(rack.path.split('/')[2] ?? '', rack.x, rack.y - 3.4);
      }
    }
    ctx.lineWidth = Math.max(0.6, 2 / t.scale);
    for (const d of marked) {
      ctx.strokeStyle = d.path === sel ? '#1d2129' : '#4c8bf5';
      ctx.strokeRect(
        d.rack.x + rackPadding - 0.5,
        d.rack.y + rackPadding + d.slot * rowHeight,
        deviceWidth + 1,
        rowHeight,
      );
    }
    const sorted = [...states].sort(
      (a, b) => Number(a[0].includes(':')) - Number(b[0].includes(':')) || b[1] - a[1],
    );
    setCounts((old) =>
      JSON.stringify(old.states) === JSON.stringify(sorted) &&
      old.unnoticed === unnoticed &&
      old.mistaken === mistaken
        ? old
        : { states: sorted, unnoticed, mistaken },
    );
  }, []);

  /** One draw per change: changes within a frame are drawn together. */
  const requestDraw = useCallback(() => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  useEffect(() => {
    const m = new MapModel();
    let isCancelled = false;
    isFitted.current = false;
    setLoaded(0);
    const load = async (): Promise<void> => {
      await m.loadRacks();
      if (isCancelled) return;
      setModel(m);
      await m.loadDevices(
        () => {
          if (isCancelled) return;
          setLoaded(m.loadedRacks);
          if (!isMovedByUser.current) isFitted.current = false;
          requestDraw();
        },
        () => isCancelled,
      );
    };
    load().catch((e: Error) => {
      if (!isCancelled) setError(e.message);
    });
    return () => {
      isCancelled = true;
    };
  }, [generation, requestDraw]);

  useEffect(requestDraw, [model, view, isDisagreement, selected, query, requestDraw]);

  const onEvent = useCallback(
    (kind: string, data: string) => {
      const m = drawn.current.model;
      if (kind === 'faults' || kind === 'repairs') {
        setDetailVersion((v) => v + 1);
        return;
      }
      if (m === undefined) return;
      const changed = m.apply(kind, data);
      if (changed === 'unknown') {
        // An element of a rack the map lacks: the inventory was (re)loaded.
        reloadTimer.current ??= setTimeout(() => {
          reloadTimer.current = undefined;
          setGeneration((g) => g + 1);
        }, 1000);
      } else if (changed) {
        requestDraw();
        const sel = drawn.current.selected;
        if (sel !== undefined && data.includes(`/${sel}"`)) setDetailVersion((v) => v + 1);
      }
    },
    [requestDraw],
  );
  const live = useLiveEvents('actual,observed,faults,repairs', onEvent);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas === null) return;
    const observer = new ResizeObserver(requestDraw);
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
    isFitted.current = false;
    isMovedByUser.current = false;
    requestDraw();
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

  const drag = useRef<{ x: number; y: number; moved: number } | undefined>(undefined);
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, moved: 0 };
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    if (d === undefined) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    drag.current = { x: e.clientX, y: e.clientY, moved: d.moved + Math.abs(dx) + Math.abs(dy) };
    pan(dx, dy);
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    drag.current = undefined;
    if (d === undefined || d.moved > 4 || model === undefined) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const t = transform.current;
    const hit = model.deviceAt(
      (e.clientX - rect.left - t.x) / t.scale,
      (e.clientY - rect.top - t.y) / t.scale,
    );
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

  const matches = model?.search(query, 50) ?? [];
  const deviceCount = model?.devices.size ?? 0;
  const rackCount = model?.racks.length ?? 0;
  const label =
    `Inventory map: ${rackCount} racks, ${deviceCount} devices, coloured by ` +
    (isDisagreement ? 'where actual and observed disagree' : `${view} state`);

  return (
    <div className="map-layout">
      <section className="panel map-panel" aria-labelledby="map-title">
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
          onKeyDown={onKeyDown}
        />
        <p className="map-status" aria-live="polite">
          {model === undefined
            ? 'Loading the inventory…'
            : loaded < rackCount
              ? `Loading racks: ${loaded} of ${rackCount}`
              : `${rackCount} racks, ${deviceCount} devices`}
          {live === 'live' ? '' : ' · connecting to the live stream…'}
        </p>
        <Legend counts={counts} view={view} isDisagreement={isDisagreement} />
        <label className="map-search">
          Search
          <input
            type="search"
            value={query}
            placeholder="rack1/blade/0"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        {query.trim() !== '' && (
          <ul className="matches" aria-label="Matching elements">
            {matches.length === 0 && <li>No element matches.</li>}
            {matches.map((d) => (
              <li key={d.path}>
                <button
                  type="button"
                  aria-current={d.path === selected ? 'true' : undefined}
                  onClick={() => focus(d)}
                >
                  <span className="swatch" style={{ background: colourOf(d.actual) }} />
                  <span className="swatch" style={{ background: colourOf(d.observed) }} />
                  {d.path} — {d.actual || 'no record'} / {d.observed || 'not observed'}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {selected !== undefined && (
        <DetailPanel
          key={selected}
          path={selected}
          rights={rights}
          version={detailVersion}
          onClose={() => setSelected(undefined)}
        />
      )}
    </div>
  );
}

function Legend({
  counts,
  view,
  isDisagreement,
}: {
  counts: Counts;
  view: View;
  isDisagreement: boolean;
}) {
  if (isDisagreement) {
    return (
      <ul className="legend" aria-label="Legend, disagreements">
        <li>
          <span className="swatch" style={{ background: disagreementColours.unnoticed }} />
          not noticed yet (down, observed healthy) <strong>{counts.unnoticed}</strong>
        </li>
        <li>
          <span className="swatch" style={{ background: disagreementColours.mistaken }} />
          wrongly believed down (working, observed suspect or failed){' '}
          <strong>{counts.mistaken}</strong>
        </li>
        <li>
          <span className="swatch" style={{ background: noRecordColour }} />
          agree
        </li>
      </ul>
    );
  }
  return (
    <ul className="legend" aria-label={`Legend, ${view}`}>
      {counts.states.map(([key, n]) => {
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
