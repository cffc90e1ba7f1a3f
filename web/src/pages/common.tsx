import { scheduleFields } from '@chamber/api';
import { keys } from '@chamber/world';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, call, type Fault, type Repair, type ScenarioRun } from '../api.js';
import { type LiveState, useLiveEvents } from '../live.js';

/**
 * An error in words for people, with its status: unreachable, refused
 * (403), not accepted (400, naming the field), unavailable (503) or other.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const words: Readonly<Record<number, string>> = {
    400: 'Not accepted',
    403: 'Refused',
    503: 'Unavailable',
  };
  if (error.status === 0) return 'The Chamber frontend cannot be reached; is it running?';
  return `${words[error.status] ?? 'Failed'} (${error.status} ${error.code}): ${error.message}`;
}

/** A refused or failed request, announced to screen readers. */
export function Problem({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}

/**
 * A counter bumped by every event of `kinds`: a page re-reads what it shows
 * when it changes. Nothing polls.
 */
export function useVersion(kinds: string): { version: number; live: LiveState } {
  const [version, setVersion] = useState(0);
  const onEvent = useCallback(() => setVersion((v) => v + 1), []);
  const live = useLiveEvents(kinds, onEvent, undefined, onEvent);
  return { version, live };
}

/** Whether `path` is `ancestor` or lies under it (`r/z/rack1` is under `r/z`), as the API filters. */
export function isUnder(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** A path typed into a filter, without leading or trailing slashes. */
export function trimPath(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

/**
 * The records `isShown` keeps, oldest first by `tickOf`, then by id
 * (`f2` before `f10`): as the API filters and orders its lists.
 */
export function shownOldestFirst<T extends { readonly id: string }>(
  records: Iterable<T>,
  isShown: (record: T) => boolean,
  tickOf: (record: T) => number | undefined,
): T[] {
  return [...records]
    .filter(isShown)
    .sort(
      (a, b) =>
        (tickOf(a) ?? 0) - (tickOf(b) ?? 0) || a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
}

/** The records each store-fed event kind carries. */
interface LiveRecords {
  faults: Fault;
  repairs: Repair;
  scenarios: ScenarioRun;
}

/** The store prefix of each kind's keys, which its events carry: the record's id follows it. */
const livePrefix: { [K in keyof LiveRecords]: string } = {
  faults: keys.faultsPrefix,
  repairs: keys.repairsPrefix,
  scenarios: keys.scenarioRunsPrefix,
};

/** How each kind's records are read whole. */
const readLive: { [K in keyof LiveRecords]: () => Promise<Array<LiveRecords[K]>> } = {
  faults: async () => (await call('listFaults')).body.faults ?? [],
  repairs: async () => (await call('listRepairs')).body.repairs ?? [],
  scenarios: async () => (await call('listScenarioRuns')).body.runs,
};

/**
 * The records of a store-fed event kind (`faults`, `repairs`, `scenarios`), read once
 * through `GET /<kind>` and then kept current by the kind's events, which
 * carry each changed record whole: a change costs that record, never a
 * re-read. The read waits until the stream is live, and events arriving
 * meanwhile are applied after it, in order, so none is lost; changes are
 * applied once per frame. Undefined until read. `reread` reads again: an
 * input accepted for the next tick is listed before its record is written.
 */
export function useLiveRecords<K extends keyof LiveRecords>(
  kind: K,
): {
  records: ReadonlyMap<string, LiveRecords[K]> | undefined;
  error: unknown;
  reread: () => void;
} {
  type T = LiveRecords[K];
  const [records, setRecords] = useState<ReadonlyMap<string, T> | undefined>();
  const [error, setError] = useState<unknown>();
  const queue = useRef<Array<readonly [string, T | undefined]>>([]);
  const isRead = useRef(false);
  const frame = useRef(0);
  const flush = useCallback(() => {
    frame.current = 0;
    if (!isRead.current || queue.current.length === 0) return;
    const changes = queue.current.splice(0);
    setRecords((old) => {
      const next = new Map(old);
      for (const [id, record] of changes) {
        if (record === undefined) next.delete(id);
        else next.set(id, record);
      }
      return next;
    });
  }, []);
  const onEvent = useCallback(
    (_kind: string, data: string) => {
      const event = JSON.parse(data) as { type: string; key: string; value?: T };
      const id = event.key.slice(livePrefix[kind].length);
      queue.current.push([id, event.type === 'delete' ? undefined : event.value]);
      if (frame.current === 0) frame.current = requestAnimationFrame(flush);
    },
    [kind, flush],
  );
  const read = useCallback(() => {
    flush();
    readLive[kind]().then(
      (list) => {
        setRecords(new Map(list.map((r) => [r.id, r])));
        isRead.current = true;
        setError(undefined);
        flush();
      },
      (e: unknown) => setError(e),
    );
  }, [kind, flush]);
  // A stream that cannot resume loses changes: read the whole list again.
  const live = useLiveEvents(kind, onEvent, undefined, read);
  useEffect(() => {
    if (live === 'live' && !isRead.current) read();
  }, [live, read]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  return { records, error, reread: read };
}

/** The schedule fields of a fault form, as numbers; blank ones left out. */
export function scheduleOf(
  values: Readonly<Record<string, string>>,
): Partial<Record<(typeof scheduleFields)[number], number>> {
  const schedule: Partial<Record<(typeof scheduleFields)[number], number>> = {};
  for (const name of scheduleFields) {
    const value = values[name]?.trim() ?? '';
    if (value !== '') schedule[name] = Number(value);
  }
  return schedule;
}

/** A filter choosing one of `options`, or any (the empty value). */
export function ChoiceFilter({
  label,
  value,
  options,
  onChange,
  optionLabel = (o) => o,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  optionLabel?: (option: string) => string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {optionLabel(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A free-text filter, trimmed. */
export function TextFilter({
  label,
  value,
  example,
  onChange,
}: {
  label: string;
  value: string;
  example: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        value={value}
        placeholder={`e.g. ${example}`}
        onChange={(e) => onChange(e.target.value.trim())}
      />
    </label>
  );
}
