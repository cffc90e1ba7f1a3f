import { ChamberError, Code } from '@chamber/errors';

/** The kinds of element a path can name. */
export type ElementType = 'region' | 'zone' | 'rack' | 'pdu' | 'tor' | 'blade' | 'cable';

/** A parsed element path. */
export interface ElementPath {
  readonly type: ElementType;
  /** The path as given, normalised (no leading or trailing `/`). */
  readonly path: string;
  /** The rack path (`region/zone/rack`) for racks and what they hold. */
  readonly rack?: string;
  /** For a cable: the blade it belongs to, and which of its cables. */
  readonly blade?: string;
  readonly cable?: 'power' | 'network';
}

const cableSuffix = { power: 'power-cable', network: 'network-cable' } as const;

/** The path of a blade's power or network cable. */
export function cablePath(blade: string, cable: 'power' | 'network'): string {
  return `${blade}/${cableSuffix[cable]}`;
}

/**
 * Parses an element path: `region`, `region/zone`, `region/zone/rack`,
 * `…/rack/{pdu,tor,blade}/<n>`, or `…/blade/<n>/{power,network}-cable`.
 * Fails with `InvalidArgument` saying what a path looks like.
 */
export function parseElementPath(input: string): ElementPath {
  const path = input.replace(/^\/+|\/+$/g, '');
  const parts = path.split('/');
  const bad = (): ChamberError =>
    new ChamberError(
      Code.InvalidArgument,
      `"${input}" is not an element path: expected region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]`,
    );
  if (path === '' || parts.some((p) => p === '')) throw bad();
  if (parts.length <= 3) {
    return {
      type: (['region', 'zone', 'rack'] as const)[parts.length - 1]!,
      path,
      ...(parts.length === 3 ? { rack: path } : {}),
    };
  }
  const rack = parts.slice(0, 3).join('/');
  const [kind, index, cable] = parts.slice(3);
  if (!/^(0|[1-9]\d{0,8})$/.test(index ?? '') || parts.length > 6) throw bad();
  if (kind === 'pdu' || kind === 'tor' || kind === 'blade') {
    if (cable === undefined) return { type: kind, path, rack };
    if (kind === 'blade' && (cable === 'power-cable' || cable === 'network-cable')) {
      return {
        type: 'cable',
        path,
        rack,
        blade: parts.slice(0, 5).join('/'),
        cable: cable === 'power-cable' ? 'power' : 'network',
      };
    }
  }
  throw bad();
}

/** Whether `path` is `ancestor` or lies under it. */
export function isUnder(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}
