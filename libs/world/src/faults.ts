import { containerTypes, type ElementPath } from './paths.js';
import type { FaultKindWord } from './vocabulary.js';

/** The element a fault acts on, once a region, zone or rack target is expanded. */
export type FaultSite = 'pdu' | 'tor' | 'blade' | 'power-cable' | 'network-cable';

/** What each kind of fault acts on. A region, zone or rack target means every such element in it. */
export const faultSites: Readonly<Record<FaultKindWord, readonly FaultSite[]>> = {
  power_loss: ['pdu', 'blade', 'power-cable'],
  network_loss: ['tor', 'network-cable'],
  crash: ['blade'],
  hang: ['blade'],
  stuck_cable: ['power-cable', 'network-cable'],
  hardware_failure: ['pdu', 'tor', 'blade'],
};

/**
 * Whether a fault of each kind lasts: its effect stays on an element until
 * something fixes it (a reboot, a power-cycle, a replacement), so it ends
 * by itself only after a `duration` given in its schedule.
 */
export const faultLasts: Readonly<Record<FaultKindWord, boolean>> = {
  power_loss: false,
  network_loss: false,
  crash: true,
  hang: true,
  stuck_cable: false,
  hardware_failure: true,
};

/**
 * Why a fault of `kind` cannot target `target`, or `undefined` when it can.
 * A blade target of a network loss or stuck cable means its cables.
 */
export function faultTargetError(kind: FaultKindWord, target: ElementPath): string | undefined {
  const accepted = faultSites[kind];
  if ((containerTypes as readonly string[]).includes(target.type)) return undefined;
  const site: FaultSite =
    target.type === 'cable' ? `${target.cable!}-cable` : (target.type as FaultSite);
  if (accepted.includes(site)) return undefined;
  if (target.type === 'blade' && accepted.some((s) => s.endsWith('-cable'))) return undefined;
  return `a ${kind} fault cannot target ${site} "${target.path}"; it acts on ${accepted.join(', ')} (or everything of those in a region, zone or rack)`;
}
