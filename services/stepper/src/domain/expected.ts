import { participantService } from '@chamber/world';

/** A registered participant as the store holds it. */
export interface RegisteredParticipant {
  readonly name: string;
  /** The prefixes whose changes wake it (`participants/<name>.reactsTo`). */
  readonly reactsTo: readonly string[];
  /** Its last acknowledgement in this run; `undefined` when it has none (it joined since, or a new run). */
  readonly ack: { readonly nextWakeup: number | undefined } | undefined;
}

/** What decides who is expected after the settled tick `tick`, all from the store. */
export interface WakeInput {
  /** The settled tick T. */
  readonly tick: number;
  readonly participants: readonly RegisteredParticipant[];
  /** The pending inputs: their owner and effective tick. */
  readonly pending: ReadonlyArray<{ readonly owner: string; readonly effectiveTick: number }>;
  /**
   * The keys changed since R(T), the clock's own records left out: the
   * tick's window (R(T), S(T)] and the inputs written after it.
   */
  readonly changed: Iterable<string>;
}

/** Whether a change of `key` wakes a participant that reacts to `reactsTo`. */
export function isWokenBy(reactsTo: readonly string[], key: string): boolean {
  return reactsTo.some((prefix) => key.startsWith(prefix));
}

/**
 * The names of the participants a change since R(T) wakes at T+1: those with
 * a changed key under one of their declared prefixes. Stops looking at keys
 * once every participant is woken.
 */
function wokenByChange(input: WakeInput): Set<string> {
  const woken = new Set<string>();
  const waiting = input.participants.filter((p) => p.reactsTo.length > 0);
  if (waiting.length === 0) return woken;
  for (const key of input.changed) {
    for (const p of waiting) {
      if (!woken.has(p.name) && isWokenBy(p.reactsTo, key)) woken.add(p.name);
    }
    if (woken.size === waiting.length) break;
  }
  return woken;
}

/**
 * The earliest tick after the settled tick T at which each registered
 * participant has work, by name:
 *
 * - T+1 when it has no ack in this run (it joined since, or the run is new);
 * - T+1 when a key under a prefix it reacts to changed since R(T);
 * - its acked `nextWakeup` (none: `undefined`);
 * - the effective tick of a pending input it owns (T+1 for one already due
 *   that it has not applied yet, e.g. written while a later tick was being
 *   published).
 *
 * The earliest of these wins. The shards of a service (`inventory.0`,
 * `inventory.1`, …) are woken together, at the earliest of theirs, and an
 * input owned by the service (`inventory`) is owned by each of them: every
 * shard sees every tick the service as one process would, so together they
 * write what it would, whatever the number of shards. Pure: the same store
 * gives the same answer, also to a restarted leader.
 */
export function wakeTicks(input: WakeInput): Map<string, number | undefined> {
  const next = input.tick + 1;
  const woken = wokenByChange(input);
  const owned = new Map<string, number>();
  for (const { owner, effectiveTick } of input.pending) {
    const at = Math.max(effectiveTick, next);
    owned.set(owner, Math.min(owned.get(owner) ?? at, at));
  }
  const result = new Map<string, number | undefined>();
  const byService = new Map<string, number>();
  for (const p of input.participants) {
    let at: number | undefined = p.ack === undefined || woken.has(p.name) ? next : p.ack.nextWakeup;
    const service = participantService(p.name);
    const input = owned.get(p.name) ?? owned.get(service);
    if (input !== undefined && (at === undefined || input < at)) at = input;
    result.set(p.name, at);
    if (at !== undefined) byService.set(service, Math.min(byService.get(service) ?? at, at));
  }
  for (const name of result.keys()) {
    const at = byService.get(participantService(name));
    if (at !== undefined) result.set(name, at);
  }
  return result;
}

/**
 * The participants expected at tick `publishing` (published after the settled
 * tick T of `wakeTicks`), sorted: those whose wake tick is due by then. Empty
 * when nobody has work: such a tick settles as it is published.
 */
export function expectedAt(
  wakes: ReadonlyMap<string, number | undefined>,
  publishing: number,
): string[] {
  return [...wakes]
    .filter(([, at]) => at !== undefined && at <= publishing)
    .map(([name]) => name)
    .sort();
}
