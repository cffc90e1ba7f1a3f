/**
 * How long tests wait, set once for the whole repository: vitest.config.ts
 * takes its test, hook and `expect.poll` timeouts from here, and a test that
 * waits on the system by other means (a process's output line, a stream's
 * status) takes `waitMs`.
 *
 * A wait follows the system — a tick settled, an event seen, a mark
 * rendered — and ends as soon as that happens, so a budget costs nothing when
 * the machine is quick. It is sized for a shared, loaded 2-core machine (CI,
 * a newcomer's laptop running other work): there a scenario that takes a
 * fraction of a second on a quiet machine has been seen to take several
 * seconds, so a budget only fails a test that is really stuck.
 */
export const budgets = {
  /** One wait on the system: a tick, an event, a line, a rendered mark. */
  waitMs: 20_000,
  /**
   * Starting processes: etcd and a set of services, or the whole launcher.
   * Each loads its modules at once, so on a loaded machine this takes longer
   * than any one wait (a launcher start under load was seen at over 20 s).
   */
  startMs: 60_000,
  /** One test, which may wait several times. */
  testMs: 120_000,
  /**
   * A test that runs thousands of ticks, or starts the whole simulator more
   * than once: its time grows with the machine's load.
   */
  longTestMs: 600_000,
  /**
   * A test on the 100,000-blade `large` sample that runs hundreds of its
   * ticks (the shipped fault storm): ~3 minutes on a quiet 2-core machine,
   * over 10 with another test run beside it.
   */
  scaleTestMs: 1_800_000,
  /** One hook: starting etcd or a set of services, stopping them. */
  hookMs: 120_000,
  /**
   * How long (s) a test's stepper lets a participant go without its lease
   * before it drops it, and waits at tick 0 for the expected ones. A loaded
   * machine can starve a process (or etcd) of time for longer than the
   * product's default grace (10 s); a drop would make the run stop being
   * deterministic, and its results would then depend on that machine's load.
   */
  participantGraceSeconds: 600,
} as const;
