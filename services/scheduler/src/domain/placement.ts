import type {
  Candidate,
  FilteredCount,
  PlacementExplanation,
  ScoreComponent,
} from '@chamber/protos';
import type { PlacementLevelWord, PlacementRuleWord, ScoringStrategyWord } from '@chamber/world';
import { rangeOf, type CapacityIndex, type Resources } from './capacity.js';
import { domainOf, type WorkloadSpread } from './spread.js';

/** How the scheduler chooses among the blades that fit. */
export interface PlacementOptions {
  /** `spread`: most free cores after placing; `bin_pack`: fewest that still fit. */
  readonly strategy: ScoringStrategyWord;
  /** How many of the best candidates an explanation lists (at least 1). */
  readonly candidatesShown: number;
  /** The score a weak affinity adds, or a weak anti-affinity takes away, in free-core units. */
  readonly weakWeight: number;
}

/** One instance to place: its workload, what it needs, and the workload's placement rule. */
export interface PlacementRequest {
  readonly workload: string;
  readonly demand: Resources;
  readonly rule: PlacementRuleWord;
  readonly level: PlacementLevelWord;
}

/** A placement decision: the blade (`undefined`: none fits), why, and how many blades it looked at. */
export interface PlacementOutcome {
  readonly blade: string | undefined;
  readonly explanation: PlacementExplanation;
  /** Blades that reached the per-blade filters (the decision's cost). */
  readonly examined: number;
}

/**
 * The filters, in the order explanations list them. A blade is counted by
 * the first it fails, met in this order: target, observed health, cores,
 * then the workload's strong rule, then memory, disk and network.
 */
export const filters = [
  'not_in_service',
  'observed_unhealthy',
  'cores',
  'memory',
  'disk',
  'network',
  'affinity',
  'anti_affinity',
] as const;
export type FilterName = (typeof filters)[number];

// Fractions of GiB or Gbps summed in floating point: a blade that fits
// exactly must not fail by rounding.
const epsilon = 1e-9;

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** `n` with thousands separators: 1,204. */
export function formatCount(n: number): string {
  return number.format(n);
}

const blades = (n: number): string => `${formatCount(n)} blade${n === 1 ? '' : 's'}`;
const lack = (n: number): string => (n === 1 ? 'lacks' : 'lack');

/** A placement rule in words: `strong anti-affinity`. */
export function ruleWords(rule: PlacementRuleWord): string {
  return rule.replace('anti_affinity', 'anti-affinity').replace('_', ' ');
}

/** A strategy in words: `spread`, `bin-pack`. */
export function strategyWords(strategy: ScoringStrategyWord): string {
  return strategy === 'bin_pack' ? 'bin-pack' : strategy;
}

/** What an instance needs, in words: `8 cores, 16 GiB memory, 100 GiB disk`. */
export function demandWords(demand: Resources): string {
  const parts = [`${formatCount(demand.cores)} core${demand.cores === 1 ? '' : 's'}`];
  if (demand.memoryGib > 0) parts.push(`${formatCount(demand.memoryGib)} GiB memory`);
  if (demand.diskGib > 0) parts.push(`${formatCount(demand.diskGib)} GiB disk`);
  if (demand.networkGbps > 0) parts.push(`${formatCount(demand.networkGbps)} Gbps network`);
  return parts.join(', ');
}

/** A group of blades set aside for one reason in several cases: `4 blades not in service (3 out for repair, 1 draining)`. */
function groupSentence(
  byWords: ReadonlyMap<string, number>,
  single: (n: number, words: string) => string,
  many: string,
): { blades: number; reason: string } {
  const entries = [...byWords];
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (entries.length === 1) return { blades: total, reason: single(total, entries[0]![0]) };
  const parts = entries.map(([words, n]) => `${formatCount(n)} ${words}`).join(', ');
  return { blades: total, reason: `${blades(total)} ${many} (${parts})` };
}

function sentence(filter: FilterName, n: number, request: PlacementRequest): string {
  const d = request.demand;
  switch (filter) {
    case 'cores':
      return `${blades(n)} ${lack(n)} ${formatCount(d.cores)} free core${d.cores === 1 ? '' : 's'}`;
    case 'memory':
      return `${blades(n)} ${lack(n)} ${formatCount(d.memoryGib)} GiB of free memory`;
    case 'disk':
      return `${blades(n)} ${lack(n)} ${formatCount(d.diskGib)} GiB of free disk`;
    case 'network':
      return `${blades(n)} ${lack(n)} ${formatCount(d.networkGbps)} Gbps of free network`;
    case 'affinity':
      return `${blades(n)} would break strong affinity by ${request.level}`;
    case 'anti_affinity':
      return `${blades(n)} would break strong anti-affinity by ${request.level}`;
    default:
      return `${blades(n)} ${filter}`;
  }
}

const byScore = (a: Candidate, b: Candidate): number =>
  b.score - a.score || (a.blade < b.blade ? -1 : a.blade > b.blade ? 1 : 0);

/**
 * Places one instance, kube-scheduler style: filters, then scores, then the
 * best (ties broken by blade path), with its explanation. Pure: reads the
 * index and the workload's spread, changes neither (the caller reserves the
 * chosen blade before the next decision).
 *
 * Blades that cannot take anything (not in service, not observed healthy)
 * and those short of cores are counted from the index without being looked
 * at. The rest come best-first by their capacity score (free cores after
 * placing: most first for spread, fewest for bin-pack) and meet the per-blade
 * filters (strong affinity and anti-affinity, memory, disk, network); a blade
 * that breaks a strong anti-affinity by rack or zone takes the rest of its
 * rack or zone in its bucket with it, passed over in O(log n); a strong
 * affinity looks only in the blades, racks or zones that hold the
 * workload's instances (found by binary search in each bucket), and counts
 * the blades elsewhere from the index. The scan stops once
 * `candidatesShown` blades pass and no blade still to come could outscore
 * the last of them (a weak affinity can add at most `weakWeight`). So a
 * decision costs O(log n + examined); the counts of the per-blade filters
 * cover the blades examined (and passed over), which is every blade with
 * enough cores when the instance cannot be placed.
 */
export function decidePlacement(
  index: CapacityIndex,
  spread: WorkloadSpread,
  request: PlacementRequest,
  options: PlacementOptions,
  tick: number,
): PlacementOutcome {
  const { workload, demand, rule, level } = request;
  const shown = Math.max(1, options.candidatesShown);
  const isSpread = options.strategy === 'spread';
  const hasStrongAffinity = rule === 'strong_affinity' && spread.hasAny(workload);
  const maxBonus = rule === 'weak_affinity' ? options.weakWeight : 0;
  const counted = new Map<FilterName, number>();
  const count = (filter: FilterName): void => {
    counted.set(filter, (counted.get(filter) ?? 0) + 1);
  };
  const top: Candidate[] = [];
  let examined = 0;

  // A strong affinity looks only where the workload already is.
  const within = hasStrongAffinity
    ? spread
        .domains(workload, level)
        .map((d) => rangeOf(d, level === 'blade'))
        // By where they start: `rack1-a/` sorts before `rack1/`, though `rack1` is before `rack1-a`.
        .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))
    : undefined;
  const cursor = index.cursor(isSpread ? 'most_free' : 'least_free', demand.cores, within);
  for (let slot = cursor.next(); slot !== undefined; slot = cursor.next()) {
    const left = slot.freeCores - demand.cores;
    const capacityScore = isSpread ? left : -left;
    const last = top.length >= shown ? top[shown - 1] : undefined;
    if (last !== undefined) {
      const bound = capacityScore + maxBonus;
      // Every later blade scores at most this bound, and ties go by path.
      if (bound < last.score || (bound === last.score && slot.blade > last.blade)) break;
    }
    examined++;
    const near = spread.count(workload, slot.blade, level);
    if (rule === 'strong_anti_affinity' && near > 0) {
      // The rest of its rack or zone with these free cores breaks the rule too.
      const passed = level === 'blade' ? 0 : cursor.skip(`${domainOf(slot.blade, level)}/`);
      counted.set('anti_affinity', (counted.get('anti_affinity') ?? 0) + 1 + passed);
      continue;
    }
    const free = index.free(slot.blade)!;
    if (free.memoryGib + epsilon < demand.memoryGib) count('memory');
    else if (free.diskGib + epsilon < demand.diskGib) count('disk');
    else if (demand.networkGbps > 0 && free.networkGbps + epsilon < demand.networkGbps)
      count('network');
    else {
      const components: ScoreComponent[] = [{ name: options.strategy, value: capacityScore }];
      if (rule === 'weak_affinity')
        components.push({ name: 'affinity', value: near > 0 ? options.weakWeight : 0 });
      if (rule === 'weak_anti_affinity')
        components.push({ name: 'anti_affinity', value: near > 0 ? -options.weakWeight : 0 });
      const score = components.reduce((sum, c) => sum + c.value, 0);
      const candidate: Candidate = { blade: slot.blade, score, components };
      top.push(candidate);
      top.sort(byScore);
      if (top.length > shown && top.pop() === candidate && near > 0 && level !== 'blade') {
        // The rest of its rack or zone with these free cores scores the same
        // and sorts after it: none of them can enter the candidates either.
        cursor.skip(`${domainOf(slot.blade, level)}/`);
      }
    }
  }

  const filtered: FilteredCount[] = [];
  const ineligible = index.ineligibleCounts();
  const notInService = ineligible.get('not_in_service');
  if (notInService !== undefined)
    filtered.push({
      filter: 'not_in_service',
      ...groupSentence(notInService, (n, words) => `${blades(n)} ${words}`, 'not in service'),
    });
  const unhealthy = ineligible.get('observed_unhealthy');
  if (unhealthy !== undefined)
    filtered.push({
      filter: 'observed_unhealthy',
      ...groupSentence(
        unhealthy,
        (n, words) =>
          words === 'not observed yet' ? `${blades(n)} ${words}` : `${blades(n)} observed ${words}`,
        'not observed healthy',
      ),
    });
  const lackingCores = index.countLackingCores(demand.cores);
  if (lackingCores > 0) counted.set('cores', lackingCores);
  if (within !== undefined) {
    const elsewhere = index.eligibleCount - lackingCores - index.countWithin(demand.cores, within);
    if (elsewhere > 0) counted.set('affinity', elsewhere);
  }
  for (const filter of filters) {
    const n = counted.get(filter);
    if (n !== undefined) filtered.push({ filter, blades: n, reason: sentence(filter, n, request) });
  }

  const chosen = top[0]?.blade;
  const reasons = filtered.map((f) => f.reason);
  const how =
    strategyWords(options.strategy) +
    (rule === 'none' ? '' : ` with ${ruleWords(rule)} by ${level}`);
  let summary: string;
  if (chosen !== undefined) {
    summary =
      `placed on ${chosen} by ${how}, the best of ${blades(examined)} examined` +
      (reasons.length === 0 ? '' : `; ${reasons.join('; ')}`);
  } else if (reasons.length === 0) {
    summary = `no blade fits ${demandWords(demand)}: no blade is defined`;
  } else {
    summary = `no blade fits ${demandWords(demand)} by ${how}: ${reasons.join('; ')}`;
  }
  return {
    blade: chosen,
    explanation: { tick, blade: chosen ?? '', candidates: top, filtered, summary },
    examined,
  };
}
