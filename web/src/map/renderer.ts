import { nameOf } from '@chamber/world';
import { colourOf, disagreementColours, noRecordColour } from './colours.js';
import { disagreementOf, geometry, type Device, type MapModel, type Rack } from './model.js';

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
const { deviceWidth, rowHeight, rackPadding } = geometry;

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

/** A rack's name above it. */
function paintRackName(ctx: CanvasRenderingContext2D, rack: Rack): void {
  ctx.font = '3px system-ui, sans-serif';
  ctx.fillStyle = '#5b6270';
  ctx.textBaseline = 'top';
  ctx.fillText(nameOf(rack.path), rack.x, rack.y - 3.4);
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
  if (scale >= 1.5) paintRackName(ctx, rack);
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
    for (const d of rack.devices) {
      const colour = colourFor(d, c);
      const same = byColour.get(colour);
      if (same === undefined) byColour.set(colour, [d]);
      else same.push(d);
    }
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
  if (scale >= 1.5) for (const rack of model.racks) paintRackName(ctx, rack);
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
 * Draws the map on a canvas. While the whole map fits in a picture of at
 * most 16 million pixels at the current zoom, it is painted once into that
 * picture, changed devices are repainted into it one by one, and each frame
 * only copies it: panning costs a copy, whatever the inventory's size.
 * Zoomed in further, only the racks in view are drawn, which are then few.
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
        const rackHeight = rack.devices.length * rowHeight + 2 * rackPadding;
        if (
          rack.x + deviceWidth + 2 * rackPadding >= left &&
          rack.x <= right &&
          rack.y + rackHeight >= top &&
          rack.y - 4 <= bottom
        ) {
          paintRack(ctx, rack, colouring, t.scale);
        }
      }
    }

    ctx.setTransform(scale, 0, 0, scale, dpr * t.x, dpr * t.y);
    paintOverlay(ctx, canvas, model, colouring, overlay, t.scale);
    ctx.fillStyle = '#1d2129';
    ctx.textBaseline = 'top';
    // Zone names keep a readable size on screen at any zoom.
    ctx.font = `${Math.min(10, 13 / t.scale)}px system-ui, sans-serif`;
    for (const zone of model.zones) ctx.fillText(zone.path, zone.x, zone.y + 6);
    ctx.lineWidth = Math.max(0.6, 2 / t.scale);
    for (const d of marked) {
      ctx.strokeStyle = d.path === selected ? '#1d2129' : '#4c8bf5';
      ctx.strokeRect(
        d.rack.x + rackPadding - 0.5,
        d.rack.y + rackPadding + d.slot * rowHeight,
        deviceWidth + 1,
        rowHeight,
      );
    }
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
    if (
      p !== undefined &&
      p.scale === scale &&
      p.layoutVersion === model.layoutVersion &&
      p.colouring.view === colouring.view &&
      p.colouring.isDisagreement === colouring.isDisagreement
    ) {
      if (changed.size > 0) {
        const c = ctx(p.canvas);
        const hasLabels = rowHeight * (scale / (window.devicePixelRatio || 1)) >= 11;
        for (const d of changed) paintDevice(c, d, colouring, hasLabels);
      }
      return p.canvas;
    }
    const canvas = p?.canvas ?? document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    paintWhole(ctx(canvas), model, colouring, scale / (window.devicePixelRatio || 1));
    this.picture = { canvas, scale, colouring, layoutVersion: model.layoutVersion };
    return canvas;
  }
}
