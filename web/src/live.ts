import { useEffect, useState } from 'react';

/** The state of the live event stream; `off` when none is wanted. */
export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';

/**
 * Follows `GET /api/v1/events?kinds=…` with the browser's EventSource,
 * which reconnects by itself and resumes with Last-Event-ID. Calls
 * `onEvent` with each event's kind and data (its JSON text); answers the
 * stream's state. With `after`, the stream starts with the store's changes
 * after that revision (that of a read), so none between the read and the
 * stream is missed. No stream while `kinds` is undefined.
 *
 * When the frontend cannot resume the stream (etcd has compacted the
 * history it would resume from, say after a long sleep), it sends an
 * `error` event: then `onLost` is told (what was read is stale: read again).
 * A stream that started `after` a read is not reopened here: the caller's
 * new read gives the revision the next stream starts after (reopening with
 * the stale one would only be refused again). Without `after`, a fresh
 * stream is opened at once.
 */
export function useLiveEvents(
  kinds: string | undefined,
  onEvent: (kind: string, data: string) => void,
  after?: number,
  onLost?: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (kinds === undefined) {
      setState('off');
      return;
    }
    setState('connecting');
    const query = `kinds=${encodeURIComponent(kinds)}${after === undefined ? '' : `&after=${after}`}`;
    const source = new EventSource(`/api/v1/events?${query}`);
    const handle = (e: MessageEvent<string>): void => onEvent(e.type, e.data);
    for (const kind of kinds.split(',')) source.addEventListener(kind, handle);
    source.addEventListener('error', (e) => {
      // The connection's own errors are plain events; the frontend's carry data.
      if (!(e instanceof MessageEvent)) return;
      source.close();
      setState('reconnecting');
      onLost?.();
      if (after === undefined) setAttempt((n) => n + 1);
    });
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    return () => source.close();
  }, [kinds, onEvent, after, onLost, attempt]);
  return state;
}
