/** Keys remembered at most; beyond, the one failed longest ago is forgotten. */
const maxKeys = 10_000;

/**
 * Counts failed log-ins per key (a user name, an address) in a sliding
 * window, so guessing passwords is slow. In memory, per frontend replica:
 * with N replicas an attacker gets at most N times the limit.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly windowMs: number;

  constructor(windowSeconds: number) {
    this.windowMs = windowSeconds * 1000;
  }

  /**
   * Seconds until `key` may try again when it has `limit` or more failures
   * in the window; 0 when it may try now.
   */
  retryAfter(key: string, limit: number, now = Date.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < limit) return 0;
    const oldest = recent[recent.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  /** Records a failure of `key`. */
  fail(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    this.failures.delete(key);
    if (this.failures.size >= maxKeys) {
      // Bounded memory under a flood of names: forget the stalest key.
      const stalest = this.failures.keys().next().value;
      if (stalest !== undefined) this.failures.delete(stalest);
    }
    this.failures.set(key, [...recent, now]);
  }

  /** Forgets `key`'s failures (after a successful log-in). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const all = this.failures.get(key);
    if (all === undefined) return [];
    const recent = all.filter((t) => t > now - this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent;
  }
}
