import type { ElementPath, ElementType } from '@chamber/world';
import { FaultKind } from '@chamber/protos';

/** The element a fault acts on, once a region, zone or rack target is expanded. */
export type FaultSite = 'pdu' | 'tor' | 'blade' | 'power-cable' | 'network-cable';

/** What each kind acts on. A region, zone or rack target means every such element in it. */
const sites: Readonly<Record<FaultKind, readonly FaultSite[]>> = {
  [FaultKind.FAULT_KIND_UNSPECIFIED]: [],
  [FaultKind.FAULT_KIND_POWER_LOSS]: ['pdu', 'blade', 'power-cable'],
  [FaultKind.FAULT_KIND_NETWORK_LOSS]: ['tor', 'network-cable'],
  [FaultKind.FAULT_KIND_CRASH]: ['blade'],
  [FaultKind.FAULT_KIND_HANG]: ['blade'],
  [FaultKind.FAULT_KIND_STUCK_CABLE]: ['power-cable', 'network-cable'],
  [FaultKind.FAULT_KIND_HARDWARE_FAILURE]: ['pdu', 'tor', 'blade'],
  [FaultKind.UNRECOGNIZED]: [],
};

/** The elements `kind` acts on, e.g. `['tor', 'network-cable']` for a network loss. */
export function faultSites(kind: FaultKind): readonly FaultSite[] {
  return sites[kind] ?? [];
}

const containers: readonly ElementType[] = ['region', 'zone', 'rack'];

/**
 * Why `kind` cannot target `target`, or `undefined` when it can. A blade
 * target of a network loss or stuck cable means its cables.
 */
export function faultTargetError(kind: FaultKind, target: ElementPath): string | undefined {
  const accepted = faultSites(kind);
  if (accepted.length === 0) return `unknown fault kind ${String(kind)}`;
  if (containers.includes(target.type)) return undefined;
  const site: FaultSite =
    target.type === 'cable' ? `${target.cable!}-cable` : (target.type as FaultSite);
  if (accepted.includes(site)) return undefined;
  if (target.type === 'blade' && accepted.some((s) => s.endsWith('-cable'))) return undefined;
  return `a ${kindName(kind)} fault cannot target ${site} "${target.path}"; it acts on ${accepted.join(', ')} (or everything of those in a region, zone or rack)`;
}

/** `FAULT_KIND_POWER_LOSS` -> `power_loss`. */
export function kindName(kind: FaultKind): string {
  return (FaultKind[kind] ?? String(kind)).replace(/^FAULT_KIND_/, '').toLowerCase();
}
