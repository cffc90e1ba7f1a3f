// The element-path grammar, the one place a path is taken apart or put
// together: `region`, `region/zone`, `region/zone/rack`,
// `region/zone/rack/{pdu,tor,blade}/<n>`, and a blade's cables
// `…/blade/<n>/{power,network}-cable`. Paths are relative: no leading `/`.

/** The levels that hold other elements. */
export const containerTypes = ['region', 'zone', 'rack'] as const;
/** The devices a rack holds: the elements with a state of their own. */
export const deviceKinds = ['pdu', 'tor', 'blade'] as const;
/** A blade's cables. */
export const cableKinds = ['power', 'network'] as const;

export type ContainerType = (typeof containerTypes)[number];
export type DeviceKind = (typeof deviceKinds)[number];
export type CableKind = (typeof cableKinds)[number];
/** The kinds of element a path can name. */
export type ElementType = ContainerType | DeviceKind | 'cable';

/** A parsed element path. */
export interface ElementPath {
  readonly type: ElementType;
  /** The path, normalised (no leading or trailing `/`). */
  readonly path: string;
  /** The rack path (`region/zone/rack`) for racks and what they hold. */
  readonly rack?: string;
  /** For a cable: the blade it belongs to, and which of its cables. */
  readonly blade?: string;
  readonly cable?: CableKind;
}

/** What a path looks like, for error messages. */
export const elementPathGrammar =
  'region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]';

/** Thrown by {@link parseElementPath}; services turn it into an `InvalidArgument`. */
export class ElementPathError extends Error {
  constructor(readonly input: string) {
    super(`"${input}" is not an element path: expected ${elementPathGrammar}`);
    this.name = 'ElementPathError';
  }
}

const indexPattern = /^(0|[1-9]\d{0,8})$/;
const cableSuffix = { power: 'power-cable', network: 'network-cable' } as const;

/** The path of a blade's power or network cable. */
export function cablePath(blade: string, cable: CableKind): string {
  return `${blade}/${cableSuffix[cable]}`;
}

/** The path of device `index` of `kind` in `rack`: `rack/kind/index`. */
export function devicePath(rack: string, kind: DeviceKind, index: number | string): string {
  return `${rack}/${kind}/${index}`;
}

/** The path of the element named by `parts` (`['r', 'z1', 'rack1']` → `r/z1/rack1`). */
export function formatElementPath(parts: readonly string[]): string {
  return parts.join('/');
}

/**
 * The element `input` names, or `undefined` when it is no element path (see
 * {@link elementPathGrammar}). Leading and trailing `/` are ignored.
 */
export function tryParseElementPath(input: string): ElementPath | undefined {
  const path = input.replace(/^\/+|\/+$/g, '');
  const parts = path.split('/');
  if (path === '' || parts.some((p) => p === '')) return undefined;
  if (parts.length <= 3) {
    return {
      type: containerTypes[parts.length - 1]!,
      path,
      ...(parts.length === 3 ? { rack: path } : {}),
    };
  }
  const rack = parts.slice(0, 3).join('/');
  const [kind, index, cable] = parts.slice(3);
  if (!indexPattern.test(index ?? '') || parts.length > 6) return undefined;
  if (kind !== 'pdu' && kind !== 'tor' && kind !== 'blade') return undefined;
  if (cable === undefined) return { type: kind, path, rack };
  if (kind !== 'blade' || (cable !== 'power-cable' && cable !== 'network-cable')) return undefined;
  return {
    type: 'cable',
    path,
    rack,
    blade: parts.slice(0, 5).join('/'),
    cable: cable === 'power-cable' ? 'power' : 'network',
  };
}

/**
 * The element `input` names. Throws {@link ElementPathError}, saying what a
 * path looks like, when it is none.
 */
export function parseElementPath(input: string): ElementPath {
  const parsed = tryParseElementPath(input);
  if (parsed === undefined) throw new ElementPathError(input);
  return parsed;
}

/** A device's place, read from its path without checking the rest of it. */
export interface DeviceAddress {
  /** `region/zone/rack`. */
  readonly rack: string;
  readonly kind: DeviceKind;
  /** The device's index in its rack, as written in the path. */
  readonly index: string;
}

/**
 * The rack, kind and index of the device at `path`, or `undefined` when
 * `path` names no PDU, TOR or blade (a container, a cable, anything else).
 * Cheap: made for loops over every device of a view.
 */
export function deviceOf(path: string): DeviceAddress | undefined {
  const a = path.indexOf('/');
  const b = a < 0 ? -1 : path.indexOf('/', a + 1);
  const c = b < 0 ? -1 : path.indexOf('/', b + 1);
  const d = c < 0 ? -1 : path.indexOf('/', c + 1);
  if (d < 0 || path.indexOf('/', d + 1) >= 0) return undefined;
  const kind = path.slice(c + 1, d);
  if (kind !== 'pdu' && kind !== 'tor' && kind !== 'blade') return undefined;
  return { rack: path.slice(0, c), kind, index: path.slice(d + 1) };
}

/** The kind of the device at `path` (`pdu`, `tor`, `blade`), or `undefined`; see {@link deviceOf}. */
export function deviceKindOf(path: string): DeviceKind | undefined {
  return deviceOf(path)?.kind;
}

/** The first `depth` segments of `path` (the whole path when it has fewer). */
function prefixOf(path: string, depth: number): string {
  let end = -1;
  for (let i = 0; i < depth; i++) {
    end = path.indexOf('/', end + 1);
    if (end < 0) return path;
  }
  return path.slice(0, end);
}

/** The region of any path under it: `r/z1/rack1/blade/3` → `r`. */
export const regionOf = (path: string): string => prefixOf(path, 1);
/** The zone of any path at or under one: `r/z1/rack1/blade/3` → `r/z1`. */
export const zoneOf = (path: string): string => prefixOf(path, 2);
/** The rack of any path at or under one: `r/z1/rack1/blade/3` → `r/z1/rack1`. */
export const rackOf = (path: string): string => prefixOf(path, 3);

/** How many levels deep `path` is: a region 1, a zone 2, a rack 3, a device 5, a cable 6. */
export function depthOf(path: string): number {
  return path === '' ? 0 : path.split('/').length;
}

/** The last segment of `path`: a region, zone or rack's name, a device's index. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The element that holds `path`: a device's rack (not `rack/kind`), a
 * cable's blade, a rack's zone, a zone's region; `''` for a region.
 */
export function parentOf(path: string): string {
  const device = deviceOf(path);
  if (device !== undefined) return device.rack;
  const parsed = tryParseElementPath(path);
  if (parsed?.type === 'cable') return parsed.blade!;
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Whether `path` is `ancestor` or lies under it (`''` is above everything). */
export function isUnder(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * Every path that `path` is under by {@link isUnder}, shortest first: each
 * leading run of its segments, `path` itself last (`r/z1/rack1/blade/3` →
 * `r`, `r/z1`, `r/z1/rack1`, `r/z1/rack1/blade`, `r/z1/rack1/blade/3`);
 * none for `''`. What an index keyed by subtree files an entry under.
 */
export function leadingPathsOf(path: string): string[] {
  if (path === '') return [];
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  out.push(path);
  return out;
}

/** The deepest path every one of `paths` is at or under (`''` when they share none). */
export function commonAncestor(paths: readonly string[]): string {
  const [first, ...rest] = paths.map((p) => p.split('/'));
  if (first === undefined) return '';
  let n = first.length;
  for (const parts of rest) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/');
}
