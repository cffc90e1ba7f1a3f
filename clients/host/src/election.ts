import { randomBytes } from 'node:crypto';
import {
  pause,
  reconnectDelay,
  type Leadership,
  type Store,
  type WatchHandle,
} from '@chamber/store';
import type { Logger } from '@chamber/telemetry';
import { keys } from '@chamber/world';

/** What a replica does while it leads, and how it stops doing it. */
export interface Term {
  /** Stops acting at once; must not delete what a successor needs. */
  stop(): Promise<void>;
}

/** What {@link elect} runs. */
export interface ElectionOptions {
  readonly store: Store;
  /** The singleton role: `election/<role>`. A participant's name, so each shard elects its own leader. */
  readonly role: string;
  /** This replica's name, in its campaign value and its log lines. */
  readonly instance: string;
  /** Where this replica serves, in its campaign value (who leads, for people and tests). */
  readonly endpoint: string;
  /** Seconds of the leader's lease: how long a dead leader keeps a standby waiting. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
  /**
   * Starts acting as the leader of `role` (joins the clock). A failure gives
   * the leadership up (a standby may do better) and campaigns again after a
   * backoff.
   */
  readonly lead: (leadership: Leadership) => Promise<Term>;
}

/** A replica in the election of its role. */
export interface Elected {
  /** Resolves once this replica leads (its term started) or stands by behind another leader. */
  readonly isSettled: Promise<void>;
  /** Whether this replica leads now. */
  isLeader(): boolean;
  /**
   * Leaves the election: a leader stops acting, then resigns, so a standby
   * takes over at once instead of after the lease's TTL.
   */
  stop(): Promise<void>;
}

/** The campaign value of a replica: unique per campaign, so a retried write is recognised as ours. */
interface CampaignValue {
  readonly instance: string;
  readonly endpoint: string;
  readonly pid: number;
  readonly nonce: string;
}

/**
 * Campaigns for `election/<role>` in the background, for as long as it is
 * not stopped: the winner runs `lead` (logged `leading <role>`, or `took
 * over <role> after N ms` when it stood by, N counted from the moment the
 * previous leader's key went); the others stand by (`standing by for
 * <role>`). A leader that loses its leadership (its lease lost while etcd
 * was away) stops its term at once and campaigns again, clearing its own
 * stale key, if etcd restored it, rather than waiting out its TTL.
 * Fails only when the election key cannot be read at start.
 */
export async function elect(options: ElectionOptions): Promise<Elected> {
  const { store, role, logger } = options;
  const key = keys.election(role);
  const stopping = new AbortController();
  let settle: () => void = () => undefined;
  const isSettled = new Promise<void>((resolve) => (settle = resolve));
  // Who holds the key now, and when (performance.now()) it was last vacated:
  // a standby's takeover time is counted from there.
  let holder: string | undefined;
  let vacatedAt: number | undefined;
  // Our campaign value of the moment: another value in the key means we stand by.
  let ours: string | undefined;
  let isLeading = false;
  let hasSaidStandingBy = false;

  const onHolder = (): void => {
    if (holder === undefined || holder === ours || isLeading || hasSaidStandingBy) return;
    hasSaidStandingBy = true;
    logger.info({ role, leader: describe(holder) }, `standing by for ${role}`);
    settle();
  };

  const revision = await store.currentRevision();
  holder = (await store.getRaw(key, { revision }))?.value;
  const watch: WatchHandle = await store.watch(key, { fromRevision: revision + 1 }, (events) => {
    for (const e of events) {
      if (e.key !== key) continue;
      if (e.type === 'put') holder = e.value;
      else {
        holder = undefined;
        vacatedAt = performance.now();
      }
    }
    onHolder();
  });

  async function campaignLoop(): Promise<void> {
    // The value of the last term won: once lost, its key is ours to clear.
    let staleValue: string | undefined;
    for (let failures = 0; !stopping.signal.aborted;) {
      let leadership: Leadership | undefined;
      let term: Term | undefined;
      try {
        const value: CampaignValue = {
          instance: options.instance,
          endpoint: options.endpoint,
          pid: process.pid,
          nonce: randomBytes(6).toString('hex'),
        };
        ours = JSON.stringify(value);
        onHolder();
        leadership = await store.campaign(role, ours, {
          ttlSeconds: options.ttlSeconds,
          signal: stopping.signal,
          ...(staleValue === undefined ? {} : { staleValue }),
        });
        staleValue = ours;
        const tookOver = hasSaidStandingBy && vacatedAt !== undefined;
        const won = leadership;
        const lost = new Promise<boolean>((resolve) => {
          won.onLost(() => resolve(true));
          stopping.signal.addEventListener('abort', () => resolve(false), { once: true });
          if (stopping.signal.aborted) resolve(false);
        });
        isLeading = true;
        hasSaidStandingBy = false;
        term = await options.lead(won);
        failures = 0;
        if (tookOver) {
          const ms = Math.round(performance.now() - vacatedAt!);
          logger.info(
            { role, instance: options.instance, term: won.term, takeoverMs: ms },
            `took over ${role} after ${ms} ms`,
          );
        } else logger.info({ role, instance: options.instance, term: won.term }, `leading ${role}`);
        settle();
        if (await lost) {
          logger.warn(
            { role, instance: options.instance },
            `lost the leadership of ${role} (etcd away too long): stopping at once; campaigning again`,
          );
        }
      } catch (error) {
        if (!stopping.signal.aborted) {
          // Said once per outage: etcd may stay away for long.
          if (failures === 0)
            logger.error(
              { err: error, role },
              `${role} campaign failed; retrying until it succeeds`,
            );
          await endTerm(term, leadership, true);
          term = undefined;
          leadership = undefined;
          await pause(reconnectDelay(failures++), stopping.signal);
        }
      } finally {
        isLeading = false;
        // Stops acting before the key goes, so two replicas never act at once.
        await endTerm(term, leadership, stopping.signal.aborted);
      }
    }
  }

  async function endTerm(
    term: Term | undefined,
    leadership: Leadership | undefined,
    isResigning: boolean,
  ): Promise<void> {
    await term?.stop().catch((error: unknown) => {
      logger.warn({ err: error, role }, `${role}: stopping its term failed`);
    });
    if (isResigning) await leadership?.resign().catch(() => undefined);
  }

  const running = campaignLoop();
  return {
    isSettled,
    isLeader: () => isLeading,
    async stop() {
      stopping.abort();
      await running;
      await watch.cancel();
      settle();
    },
  };
}

/** The leader named in its campaign value, for a log line. */
function describe(value: string): string {
  try {
    const v = JSON.parse(value) as Partial<CampaignValue>;
    return `${v.instance ?? '?'} (${v.endpoint ?? '?'}, pid ${v.pid ?? '?'})`;
  } catch {
    return value;
  }
}
