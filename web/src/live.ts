import { useEffect, useState } from 'react';

/** The state of the live event stream. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows `GET /api/v1/events?kinds=…` with the browser's EventSource,
 * which reconnects by itself and resumes with Last-Event-ID. Calls
 * `onEvent` with each event's kind and its JSON data (text); answers the
 * stream's state.
 */
export function useLiveEvents(
  kinds: string,
  onEvent: (kind: string, data: string) => void,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    const source = new EventSource(`/api/v1/events?kinds=${encodeURIComponent(kinds)}`);
    const handle = (e: MessageEvent<string>): void => onEvent(e.type, e.data);
    for (const kind of kinds.split(',')) source.addEventListener(kind, handle);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    return () => source.close();
  }, [kinds, onEvent]);
  return state;
}
