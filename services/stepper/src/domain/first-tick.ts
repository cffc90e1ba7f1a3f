/** What the leader knows before tick 0 of a simulation that never ran, all from the store. */
export interface FirstTickInput {
  /** The participants the deployment runs (`stepper.participants`): tick 0 waits for them. */
  readonly expected: readonly string[];
  /** Names under `participants/`. */
  readonly registered: ReadonlySet<string>;
  /** Names under `alive/` (a lease held by a running process). */
  readonly alive: ReadonlySet<string>;
  /** Whether the bounded wait (`stepper.startWaitSeconds`) is over. */
  readonly isTimedOut: boolean;
}

/**
 * Wait for the expected participants still `missing`, or publish tick 0
 * expecting every registered participant (`expected`); `missing` then names
 * those it publishes without.
 */
export type FirstTick =
  | { readonly kind: 'wait'; readonly missing: readonly string[] }
  | {
      readonly kind: 'publish';
      readonly expected: readonly string[];
      readonly missing: readonly string[];
    };

/**
 * Tick 0 of run 1: published once every expected participant is registered
 * and alive — so that, like tick 0 after a reset, it is handled by the whole
 * set, and a fresh start replays a reset digest for digest — or once the
 * wait is over, without the missing ones. With nothing expected it is
 * published at once, with whoever is registered.
 */
export function firstTick(input: FirstTickInput): FirstTick {
  const missing = [...new Set(input.expected)]
    .filter((name) => !input.registered.has(name) || !input.alive.has(name))
    .sort();
  if (missing.length > 0 && !input.isTimedOut) return { kind: 'wait', missing };
  return { kind: 'publish', expected: [...input.registered].sort(), missing };
}

/** `"a", "b"`: participant names as messages quote them. */
export function quotedNames(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** The run note of a tick 0 published without some expected participants. */
export function missingAtStartNote(missing: readonly string[], waitedSeconds: number): string {
  return (
    `tick 0: published without participant(s) ${quotedNames(missing)}, ` +
    `not registered after ${waitedSeconds} s`
  );
}
