import { nameOf } from '@chamber/world';
import { colourOf, disagreementColours, noRecordColour, worstOf } from './colours.js';
import {
  disagreementOf,
  geometry,
  rackSize,
  type Device,
  type MapModel,
  type Rack,
} from './model.js';

/** Where the map is: screen = map × scale + (x, y), in CSS pixels. */
export interface Transform {
  scale: number;
  x: number;
  y: number;
}

/** How devices are coloured. */
export interface Colouring {
  readonly view: 'actual' | 'observed';
  readonly isDisagreement: boolean;
}

/** What is drawn over the devices: used capacity, and a workload's blades. */
export interface Overlay {
  /** The share of each blade's cores its placed instances take (0–1), by path. */
  readonly fills: ReadonlyMap<string, number>;
  /** When set, the blades holding the highlighted workload's instances: the rest are dimmed. */
  readonly highlighted: ReadonlySet<string> | undefined;
}

/** The highlighted workload's outline. */
export const highlightColour = '#7b2cbf';
/** The used-capacity bar, and the track it fills. */
export const fillColour = '#1d2433';
const fillTrack = 'rgba(255, 255, 255, 0.85)';

/** The largest picture of the whole map kept in memory (device pixels): 64 MB. */
const maxCachedPixels = 16_000_000;
const rackColour = '#eceef2';
const { deviceWidth, rowHeight, rackPadding, rackGap } = geometry;

/**
 * The smallest height of a device's row on screen (CSS pixels) at which
 * devices are drawn one by one; below it each rack is one cell.
 */
export const deviceRowMinPx = 3;

/**
 * Whether the map at `scale` draws each rack as one cell (its devices'
 * rows would be thinner than {@link deviceRowMinPx}) rather than device
 * by device.
 */
export function isAggregateAt(scale: number): boolean {
  return rowHeight * scale < deviceRowMinPx;
}

/**
 * The state a rack drawn as one cell shows in a view: the worst of its
 * blades' (of all its devices' when it has no blades); '' with no record.
 */
export function rackStateOf(rack: Rack, view: 'actual' | 'observed'): string {
  const keys = [...rack.counts[view].keys()];
  const blades = keys.filter((k) => !k.includes(':'));
  return worstOf(blades.length > 0 ? blades : keys.map((k) => k.slice(k.indexOf(':') + 1)));
}

/** The colour of a rack drawn as one cell: its worst state's, or its worst disagreement's. */
function rackCellColourFor(rack: Rack, c: Colouring): string {
  if (!c.isDisagreement) return colourOf(rackStateOf(rack, c.view));
  if (rack.counts.unnoticed > 0) return disagreementColours.unnoticed;
  if (rack.counts.mistaken > 0) return disagreementColours.mistaken;
  return noRecordColour;
}

/** A rack as one cell: its outline, and inside it one bar in its cell colour. */
function paintRackCell(ctx: CanvasRenderingContext2D, rack: Rack, c: Colouring): void {
  const { width, height } = rackSize(rack.devices.length);
  ctx.fillStyle = rackColour;
  ctx.fillRect(rack.x, rack.y, width, height);
  ctx.fillStyle = rackCellColourFor(rack, c);
  ctx.fillRect(rack.x + 1, rack.y + 1, width - 2, height - 2);
}

function colourFor(d: Device, c: Colouring): string {
  if (!c.isDisagreement) return colourOf(d[c.view]);
  const diff = disagreementOf(d);
  return diff === undefined ? noRecordColour : disagreementColours[diff];
}

/** One device's row: the rack behind it, its bar (PDUs and TORs narrower), and its name when readable. */
function paintDevice(
  ctx: CanvasRenderingContext2D,
  d: Device,
  c: Colouring,
  hasLabels: boolean,
): void {
  const x = d.rack.x + rackPadding;
  const y = d.rack.y + rackPadding + d.slot * rowHeight;
  ctx.fillStyle = rackColour;
  ctx.fillRect(x, y, deviceWidth, rowHeight);
  ctx.fillStyle = colourFor(d, c);
  const inset = d.kind === 'blade' ? 0 : 3;
  ctx.fillRect(x + inset, y + 0.4, deviceWidth - 2 * inset, rowHeight - 0.8);
  if (hasLabels) paintLabel(ctx, d, c);
}

/** A device's name on its bar, in a colour readable on the bar's. */
function paintLabel(ctx: CanvasRenderingContext2D, d: Device, c: Colouring): void {
  const inset = d.kind === 'blade' ? 0 : 3;
  const state = d[c.view];
  ctx.font = '2.6px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillStyle = state === 'off' || state === 'failed' ? '#ffffff' : '#1d2129';
  ctx.fillText(
    `${d.kind} ${d.index}`,
    d.rack.x + rackPadding + inset + 0.8,
    d.rack.y + rackPadding + d.slot * rowHeight + 1.6,
  );
}

function paintRack(ctx: CanvasRenderingContext2D, rack: Rack, c: Colouring, scale: number): void {
  ctx.fillStyle = rackColour;
  ctx.fillRect(
    rack.x,
    rack.y,
    deviceWidth + 2 * rackPadding,
    rack.devices.length * rowHeight + 2 * rackPadding,
  );
  const hasLabels = rowHeight * scale >= 11;
  for (const d of rack.devices) paintDevice(ctx, d, c, hasLabels);
}

/**
 * Paints every rack and device of `model` into a fresh picture: the racks,
 * then the devices' bars one colour at a time, then names when readable.
 * The same picture as {@link paintRack} on each rack, at a fraction of the
 * cost for 100,000 devices: a colour is set a handful of times instead of
 * twice per device, and nothing is painted twice (a device's rack
 * background is already the rack's).
 */
function paintWhole(
  ctx: CanvasRenderingContext2D,
  model: MapModel,
  c: Colouring,
  scale: number,
): void {
  ctx.fillStyle = rackColour;
  const byColour = new Map<string, Device[]>();
  for (const rack of model.racks) {
    ctx.fillRect(
      rack.x,
      rack.y,
      deviceWidth + 2 * rackPadding,
      rack.devices.length * rowHeight + 2 * rackPadding,
    );
    for (const d of rack.devices) groupInto(byColour, colourFor(d, c), d);
  }
  for (const [colour, devices] of byColour) {
    ctx.fillStyle = colour;
    for (const d of devices) {
      const inset = d.kind === 'blade' ? 0 : 3;
      ctx.fillRect(
        d.rack.x + rackPadding + inset,
        d.rack.y + rackPadding + d.slot * rowHeight + 0.4,
        deviceWidth - 2 * inset,
        rowHeight - 0.8,
      );
    }
  }
  if (rowHeight * scale >= 11) {
    for (const rack of model.racks) for (const d of rack.devices) paintLabel(ctx, d, c);
  }
}

/** Adds `item` to its group `key` of `groups`. */
function groupInto<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const same = groups.get(key);
  if (same === undefined) groups.set(key, [item]);
  else same.push(item);
}

/** Paints every rack of `model` as one cell, one colour at a time. */
function paintWholeCells(ctx: CanvasRenderingContext2D, model: MapModel, c: Colouring): void {
  ctx.fillStyle = rackColour;
  const byColour = new Map<string, Rack[]>();
  for (const rack of model.racks) {
    const { width, height } = rackSize(rack.devices.length);
    ctx.fillRect(rack.x, rack.y, width, height);
    groupInto(byColour, rackCellColourFor(rack, c), rack);
  }
  for (const [colour, racks] of byColour) {
    ctx.fillStyle = colour;
    for (const rack of racks) {
      const { width, height } = rackSize(rack.devices.length);
      ctx.fillRect(rack.x + 1, rack.y + 1, width - 2, height - 2);
    }
  }
}

/** A name on a white plate, on screen (CSS pixels), its top left at (x, y). */
function paintPlate(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  const width = ctx.measureText(text).width;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.fillRect(x - 2, y - 1, width + 4, labelPx + 3);
  ctx.fillStyle = '#1d2129';
  ctx.fillText(text, x, y);
}

/** The size of rack names on screen (CSS pixels); zone names are a little larger. */
const labelPx = 11;

/**
 * Names zones and racks on screen at any zoom, at a readable size: each
 * zone's name at its top left (kept in view while any of the zone is),
 * and the names of the racks in view, every rack's when there is room,
 * otherwise every n-th rack's of each row, evenly, so names never overlap.
 * Where the gap above a rack can hold its name it sits there; otherwise on
 * a plate over the rack's top, or at the canvas's top while the rack's own
 * top is out of view. Costs the racks, never the devices.
 */
function paintNames(
  ctx: CanvasRenderingContext2D,
  model: MapModel,
  t: Transform,
  width: number,
  height: number,
  widestName: number,
): void {
  const pitch = rackSize(0).width + rackGap;
  const every = Math.max(1, Math.ceil((widestName + 8) / (pitch * t.scale)));
  const isAbove = rackGap * t.scale >= labelPx + 2;
  ctx.textBaseline = 'top';
  ctx.font = `${labelPx}px system-ui, sans-serif`;
  for (const rack of model.racks) {
    if (Math.round(rack.x / pitch) % every !== 0) continue;
    const x = rack.x * t.scale + t.x;
    const y = rack.y * t.scale + t.y;
    const bottom = y + rackSize(rack.devices.length).height * t.scale;
    if (x > width || x + widestName < 0 || y > height || bottom < 0) continue;
    if (isAbove && y - labelPx - 1 >= 0) {
      ctx.fillStyle = '#5b6270';
      ctx.fillText(nameOf(rack.path), x, y - labelPx - 1);
    } else {
      // On its top, or, with its top out of view, at the canvas's top while the rack is in view.
      const top = Math.min(Math.max(y + 1, 2), bottom - labelPx - 4);
      paintPlate(ctx, nameOf(rack.path), x + 1, top);
    }
  }
  ctx.font = `bold ${labelPx + 2}px system-ui, sans-serif`;
  model.zones.forEach((zone, i) => {
    const next = model.zones[i + 1]?.y ?? model.height;
    const top = zone.y * t.scale + t.y;
    const bottom = next * t.scale + t.y;
    if (bottom < 0 || top > height) return;
    // Kept in view while the zone is, and above its own foot.
    const y = Math.min(Math.max(top + 2, 4), bottom - labelPx - 6);
    paintPlate(ctx, zone.path, Math.max(zone.x * t.scale + t.x, 4), y);
  });
}

/**
 * Paints the overlay on the map's transform: with a workload highlighted,
 * everything dimmed but its blades (painted again, outlined); then each
 * blade's used capacity as a bar along its foot. Costs the blades holding
 * placements, never the inventory.
 */
function paintOverlay(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  model: MapModel,
  c: Colouring,
  overlay: Overlay,
  scale: number,
): void {
  const { highlighted, fills } = overlay;
  const shown: Device[] = [];
  if (highlighted !== undefined) {
    const transform = ctx.getTransform();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.75)';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(transform);
    for (const path of highlighted) {
      const d = model.devices.get(path);
      if (d === undefined) continue;
      paintDevice(ctx, d, c, rowHeight * scale >= 11);
      shown.push(d);
    }
  }
  for (const [path, share] of fills) {
    if (highlighted !== undefined && !highlighted.has(path)) continue;
    const d = model.devices.get(path);
    if (d === undefined) continue;
    const x = d.rack.x + rackPadding + 1;
    const y = d.rack.y + rackPadding + d.slot * rowHeight + rowHeight - 1.6;
    const width = deviceWidth - 2;
    ctx.fillStyle = fillTrack;
    ctx.fillRect(x, y, width, 1.1);
    ctx.fillStyle = fillColour;
    ctx.fillRect(x, y, width * Math.min(1, Math.max(0, share)), 1.1);
  }
  ctx.lineWidth = Math.max(0.8, 2.5 / scale);
  ctx.strokeStyle = highlightColour;
  for (const d of shown) {
    ctx.strokeRect(
      d.rack.x + rackPadding - 0.8,
      d.rack.y + rackPadding + d.slot * rowHeight - 0.3,
      deviceWidth + 1.6,
      rowHeight + 0.6,
    );
  }
}

/**
 * Draws the map on a canvas. Zoomed out so far that a device's row would
 * be thinner than {@link deviceRowMinPx}, each rack is drawn as one cell in
 * its worst state (its counts are the rack's own, kept as devices change).
 * While the whole map fits in a picture of at most 16 million pixels at
 * the current zoom, it is painted once into that picture, changed devices
 * (or their racks' cells) are repainted into it one by one, and each frame
 * only copies it: panning costs a copy, whatever the inventory's size.
 * Zoomed in further, only the racks in view are drawn, which are then few.
 * Zone and rack names are drawn over it on screen, at a readable size.
 */
export class MapRenderer {
  private picture:
    | {
        canvas: HTMLCanvasElement;
        scale: number;
        colouring: Colouring;
        layoutVersion: number;
      }
    | undefined;
  /** The widest rack name on screen (CSS pixels), for the layout it was measured in. */
  private widestName = { layoutVersion: -1, width: 0 };

  /**
   * Draws `model` on `canvas` at transform `t`: devices (or rack cells),
   * the overlay, outlines around `marked` (the `selected` one darker; their
   * racks' when drawn as cells), and the names. Never throws; a canvas
   * without a 2D context is left as it is.
   */
  draw(
    canvas: HTMLCanvasElement,
    model: MapModel,
    t: Transform,
    colouring: Colouring,
    marked: readonly Device[],
    selected: string | undefined,
    overlay: Overlay = { fills: new Map(), highlighted: undefined },
  ): void {
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
    if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);

    const scale = t.scale * dpr;
    const isAggregate = isAggregateAt(t.scale);
    const changed = model.takeChanged();
    const pictureWidth = Math.ceil(model.width * scale);
    const pictureHeight = Math.ceil(model.height * scale);
    if (pictureWidth === 0 || pictureHeight === 0) {
      // Nothing to draw: no inventory (yet).
    } else if (
      pictureWidth * pictureHeight <= maxCachedPixels &&
      pictureWidth <= 16_384 &&
      pictureHeight <= 16_384
    ) {
      const picture = this.pictureFor(
        model,
        scale,
        colouring,
        pictureWidth,
        pictureHeight,
        changed,
      );
      ctx.drawImage(picture, Math.round(t.x * dpr), Math.round(t.y * dpr));
    } else {
      this.picture = undefined;
      ctx.setTransform(scale, 0, 0, scale, dpr * t.x, dpr * t.y);
      const left = -t.x / t.scale;
      const top = -t.y / t.scale;
      const right = left + width / t.scale;
      const bottom = top + height / t.scale;
      for (const rack of model.racks) {
        const size = rackSize(rack.devices.length);
        if (
          rack.x + size.width >= left &&
          rack.x <= right &&
          rack.y + size.height >= top &&
          rack.y <= bottom
        ) {
          if (isAggregate) paintRackCell(ctx, rack, colouring);
          else paintRack(ctx, rack, colouring, t.scale);
        }
      }
    }

    ctx.setTransform(scale, 0, 0, scale, dpr * t.x, dpr * t.y);
    paintOverlay(ctx, canvas, model, colouring, overlay, t.scale);
    ctx.lineWidth = Math.max(0.6, 2 / t.scale);
    for (const d of marked) {
      ctx.strokeStyle = d.path === selected ? '#1d2129' : '#4c8bf5';
      if (isAggregate) {
        const size = rackSize(d.rack.devices.length);
        ctx.strokeRect(d.rack.x - 1, d.rack.y - 1, size.width + 2, size.height + 2);
      } else {
        ctx.strokeRect(
          d.rack.x + rackPadding - 0.5,
          d.rack.y + rackPadding + d.slot * rowHeight,
          deviceWidth + 1,
          rowHeight,
        );
      }
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintNames(ctx, model, t, width, height, this.widestNameOf(ctx, model));
  }

  /** The widest rack name of `model` on screen, measured once per layout. */
  private widestNameOf(ctx: CanvasRenderingContext2D, model: MapModel): number {
    if (this.widestName.layoutVersion !== model.layoutVersion) {
      ctx.font = `${labelPx}px system-ui, sans-serif`;
      let longest = '';
      for (const rack of model.racks) {
        const name = nameOf(rack.path);
        if (name.length > longest.length) longest = name;
      }
      this.widestName = {
        layoutVersion: model.layoutVersion,
        width: ctx.measureText(longest).width,
      };
    }
    return this.widestName.width;
  }

  /** The picture of the whole map at `scale`, painted anew or brought up to date with `changed`. */
  private pictureFor(
    model: MapModel,
    scale: number,
    colouring: Colouring,
    width: number,
    height: number,
    changed: ReadonlySet<Device>,
  ): HTMLCanvasElement {
    const p = this.picture;
    const ctx = (canvas: HTMLCanvasElement): CanvasRenderingContext2D => {
      const c = canvas.getContext('2d')!;
      c.setTransform(scale, 0, 0, scale, 0, 0);
      return c;
    };
    const cssScale = scale / (window.devicePixelRatio || 1);
    const isAggregate = isAggregateAt(cssScale);
    if (
      p !== undefined &&
      p.scale === scale &&
      p.layoutVersion === model.layoutVersion &&
      p.colouring.view === colouring.view &&
      p.colouring.isDisagreement === colouring.isDisagreement
    ) {
      if (changed.size > 0) {
        const c = ctx(p.canvas);
        if (isAggregate) {
          // A rack's cell once, however many of its devices changed.
          for (const rack of new Set([...changed].map((d) => d.rack))) {
            paintRackCell(c, rack, colouring);
          }
        } else {
          const hasLabels = rowHeight * cssScale >= 11;
          for (const d of changed) paintDevice(c, d, colouring, hasLabels);
        }
      }
      return p.canvas;
    }
    const canvas = p?.canvas ?? document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    if (isAggregate) paintWholeCells(ctx(canvas), model, colouring);
    else paintWhole(ctx(canvas), model, colouring, cssScale);
    this.picture = { canvas, scale, colouring, layoutVersion: model.layoutVersion };
    return canvas;
  }
}
