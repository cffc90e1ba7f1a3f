import { FaultStatus, faultKindToJSON, type FaultKind, type FaultRecord } from '@chamber/protos';
import {
  enumTypes,
  faultKinds,
  faultSites,
  fromWire,
  isOneOf,
  tryParseElementPath,
  type FaultKindWord,
} from '@chamber/world';
import type { Topology } from './topology.js';

/** A fault in effect on one PDU, TOR or blade (or one of the blade's cables). */
export interface Effect {
  readonly faultId: string;
  readonly kind: FaultKind;
  /** The tick this occurrence began: a new value is a new occurrence. */
  readonly since: number;
  readonly cable?: 'power' | 'network';
}

/**
 * The active faults, expanded to the PDUs, TORs and blades they act on, and
 * kept up to date one fault at a time, so a tick's work follows the faults
 * that changed.
 */
export class FaultEffects {
  private readonly byElement = new Map<string, Effect[]>();
  private readonly elementsOf = new Map<string, string[]>();

  /** The effects on `element`, in fault id order. */
  on(element: string): readonly Effect[] {
    return this.byElement.get(element) ?? [];
  }

  /** The elements a fault currently acts on. */
  elements(faultId: string): readonly string[] {
    return this.elementsOf.get(faultId) ?? [];
  }

  /** Every fault in effect. */
  faultIds(): IterableIterator<string> {
    return this.elementsOf.keys();
  }

  /**
   * Sets fault `id` to `record` (`undefined`: gone) and returns every element
   * whose effects changed (those it acted on before and those it acts on now).
   */
  set(id: string, record: FaultRecord | undefined, topology: Topology): string[] {
    const before = this.elementsOf.get(id) ?? [];
    for (const element of before) {
      const rest = this.byElement.get(element)?.filter((e) => e.faultId !== id) ?? [];
      if (rest.length === 0) this.byElement.delete(element);
      else this.byElement.set(element, rest);
    }
    this.elementsOf.delete(id);
    const now: string[] = [];
    const kind = record === undefined ? undefined : kindWord(record.kind);
    if (record?.status === FaultStatus.FAULT_STATUS_ACTIVE && kind !== undefined) {
      for (const affected of record.affected) {
        for (const [element, cable] of expand(kind, affected.target, topology)) {
          const effect: Effect = {
            faultId: id,
            kind: record.kind,
            since: affected.sinceTick,
            ...(cable === undefined ? {} : { cable }),
          };
          const list = this.byElement.get(element) ?? [];
          list.push(effect);
          list.sort((a, b) => (a.faultId < b.faultId ? -1 : a.faultId > b.faultId ? 1 : 0));
          this.byElement.set(element, list);
          now.push(element);
        }
      }
      this.elementsOf.set(id, [...new Set(now)]);
    }
    return [...new Set([...before, ...now])];
  }
}

type Site = readonly [element: string, cable: 'power' | 'network' | undefined];

/** A record's fault kind in the words the rules are written in (`undefined`: none known). */
function kindWord(kind: FaultKind): FaultKindWord | undefined {
  const word = fromWire(enumTypes.faultKind, faultKindToJSON(kind));
  return isOneOf(faultKinds, word) ? word : undefined;
}

/** The PDUs, TORs, blades and cables that a fault of `kind` on `target` acts on. */
function expand(kind: FaultKindWord, target: string, topology: Topology): Site[] {
  const parsed = tryParseElementPath(target);
  if (parsed === undefined) return [];
  const sites = faultSites[kind];
  const bladeSites = (blade: string): Site[] => {
    const out: Site[] = [];
    if (sites.includes('blade')) out.push([blade, undefined]);
    if (sites.includes('power-cable') && kind !== 'power_loss') out.push([blade, 'power']);
    if (sites.includes('network-cable')) out.push([blade, 'network']);
    return out;
  };
  switch (parsed.type) {
    case 'cable':
      return topology.blades.has(parsed.blade!) ? [[parsed.blade!, parsed.cable]] : [];
    case 'blade':
      return topology.blades.has(parsed.path) ? bladeSites(parsed.path) : [];
    case 'pdu':
    case 'tor':
      return topology.has(parsed.path) ? [[parsed.path, undefined]] : [];
    default: {
      const under = topology.under(parsed.path);
      return [
        ...(sites.includes('pdu') ? under.pdus.map((p): Site => [p, undefined]) : []),
        ...(sites.includes('tor') ? under.tors.map((p): Site => [p, undefined]) : []),
        ...under.blades.flatMap(bladeSites),
      ];
    }
  }
}
