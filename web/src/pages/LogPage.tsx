import { useCallback, useEffect, useRef, useState } from 'react';
import {
  defaultPorts,
  deviceOf,
  isBookkeepingSpan,
  isOneOf,
  parentOf,
  severities,
  wordOf,
} from '@chamber/world';
import { call, type LogEntry } from '../api.js';
import { useLiveEvents } from '../live.js';
import { ChoiceFilter, Problem, TextFilter, useInventoryExample } from './common.js';
import { mapLink } from './WorkloadsPage.js';

interface Filters {
  /** One service, chosen. */
  readonly service: string;
  /** The start of services' names, typed. */
  readonly servicePrefix: string;
  readonly target: string;
  readonly severity: string;
  /** Whether the per-tick bookkeeping spans are shown too. */
  readonly hasBookkeeping: boolean;
}

/** The services of the simulator, as their spans name them: the choices of the service filter. */
const services = Object.keys(defaultPorts).sort();

/** The most entries kept in memory; older ones are dropped. */
const cap = 2000;
/** The first page: the newest this many entries that match the filters. */
const firstPage = 200;
const severityOf = (e: LogEntry) => wordOf(e.severity ?? 'SEVERITY_INFO');

/**
 * When an entry happened: `run 2 tick 5`, so ticks of an earlier run are not
 * taken for the current one's; `tick 5` without a run; empty without a tick.
 */
function whenOf(e: LogEntry): string {
  if ((e.tick ?? -1) < 0) return '';
  return (e.run ?? 0) < 1 ? `tick ${e.tick}` : `run ${e.run} tick ${e.tick}`;
}

function matches(entry: LogEntry, f: Filters): boolean {
  if (f.service !== '' && entry.service !== f.service) return false;
  if (!(entry.service ?? '').startsWith(f.servicePrefix)) return false;
  if (!f.hasBookkeeping && isBookkeepingSpan(entry.name ?? '')) return false;
  const target = entry.target ?? '';
  if (f.target !== '' && target !== f.target && !target.startsWith(`${f.target}/`)) return false;
  const rank = (word: string): number => (severities as readonly string[]).indexOf(word);
  return f.severity === '' || rank(severityOf(entry)) >= rank(f.severity);
}

/** The device the map selects for `target` (a cable's blade), if it names one. */
function deviceAt(target: string): string | undefined {
  if (deviceOf(target) !== undefined) return target;
  const parent = parentOf(target);
  return deviceOf(parent) === undefined ? undefined : parent;
}

/**
 * The trace/decision log: its newest {@link firstPage} entries that match
 * the filters, from `GET /logs?tail=true`, then live through the `logs`
 * events, filtered by service (chosen, or by the start of its name),
 * target and severity (at most {@link cap} entries kept). The per-tick
 * bookkeeping spans (`isBookkeepingSpan`) are left out unless asked for, by
 * the sink itself (`decisions`). A device target links to the map with it
 * selected. Choosing an entry shows its trace as a causality tree.
 */
export function LogPage() {
  const [filters, setFilters] = useState<Filters>({
    service: '',
    servicePrefix: '',
    target: '',
    severity: '',
    hasBookkeeping: false,
  });
  const example = useInventoryExample();
  const prefixed = services.filter((name) => name.startsWith(filters.servicePrefix));
  const [entries, setEntries] = useState<readonly LogEntry[]>([]);
  const [error, setError] = useState<unknown>();
  const [traceId, setTraceId] = useState<string | undefined>();
  /** Moves when the live stream had to start afresh: the page reads again. */
  const [generation, setGeneration] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  useEffect(() => {
    let isCurrent = true;
    setEntries([]);
    const load = async (): Promise<void> => {
      const { body: answer } = await call('listLogs', {
        query: {
          tail: true,
          limit: firstPage,
          ...(filters.service === '' ? {} : { service: filters.service }),
          ...(filters.servicePrefix === '' ? {} : { servicePrefix: filters.servicePrefix }),
          ...(filters.hasBookkeeping ? {} : { decisions: true }),
          ...(filters.target === '' ? {} : { target: filters.target }),
          ...(isOneOf(severities, filters.severity) ? { severity: filters.severity } : {}),
        },
      });
      if (!isCurrent) return;
      // Live entries may have arrived meanwhile: merge by seq.
      setEntries((live) => merge(answer.entries ?? [], live));
      setError(undefined);
    };
    load().catch((e: unknown) => isCurrent && setError(e));
    return () => {
      isCurrent = false;
    };
  }, [filters, generation]);

  const onEvent = useCallback((_kind: string, data: string) => {
    const entry = JSON.parse(data) as LogEntry;
    if (matches(entry, filtersRef.current)) setEntries((old) => merge(old, [entry]));
  }, []);
  // A stream that cannot go on (the tracesink restarted, say) loses entries: read again.
  const readAgain = useCallback(() => setGeneration((g) => g + 1), []);
  const live = useLiveEvents('logs', onEvent, undefined, readAgain);
  const newestFirst = [...entries].reverse();

  return (
    <div className="log-layout">
      <section className="panel wide" aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        <form className="filters" aria-label="Filter the log" onSubmit={(e) => e.preventDefault()}>
          <ChoiceFilter
            label="Service"
            value={filters.service}
            options={services}
            onChange={(service) => setFilters({ ...filters, service })}
          />
          <TextFilter
            label="Service starts with"
            value={filters.servicePrefix}
            example={services.find((name) =>
              services.some((o) => o !== name && o.startsWith(name)),
            )}
            shape="start of a service name"
            onChange={(servicePrefix) => setFilters({ ...filters, servicePrefix })}
          />
          <TextFilter
            label="Target"
            value={filters.target}
            example={example.rack}
            onChange={(target) => setFilters({ ...filters, target })}
          />
          <ChoiceFilter
            label="Severity"
            value={filters.severity}
            options={severities}
            onChange={(severity) => setFilters({ ...filters, severity })}
            optionLabel={(s) => `${s} or more`}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={filters.hasBookkeeping}
              onChange={(e) => setFilters({ ...filters, hasBookkeeping: e.target.checked })}
            />
            Show per-tick bookkeeping
          </label>
          {error === undefined && (
            <span className="muted">
              {live} · {entries.length} entries (newest first, at most {cap})
            </span>
          )}
        </form>
        {filters.servicePrefix !== '' && (
          <p className={prefixed.length === 0 ? 'error' : 'muted'} role="status">
            {prefixed.length === 0
              ? `No service starts with “${filters.servicePrefix}”: the services are ${services.join(', ')}.`
              : `Services starting with “${filters.servicePrefix}”: ${prefixed.join(', ')}.`}
          </p>
        )}
        <Problem error={error} />
        {error === undefined && entries.length === 0 && <p>No entries yet.</p>}
        {entries.length > 0 && (
          <div className="scroll tall">
            <table>
              <thead>
                <tr>
                  <th scope="col">Seq</th>
                  <th scope="col">When</th>
                  <th scope="col">Service</th>
                  <th scope="col">Name</th>
                  <th scope="col">Target</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Trace</th>
                </tr>
              </thead>
              <tbody>
                {newestFirst.map((e) => (
                  <tr key={e.seq} className={e.traceId === traceId ? 'selected' : undefined}>
                    <td className="num">{e.seq}</td>
                    <td className="num">{whenOf(e)}</td>
                    <td>{e.service ?? ''}</td>
                    <td>{e.name ?? ''}</td>
                    <td className="mono path">
                      <Target target={e.target ?? ''} />
                    </td>
                    <td>
                      <span className={`severity severity-${severityOf(e)}`}>{severityOf(e)}</span>
                    </td>
                    <td>{e.reason ?? e.statusMessage ?? ''}</td>
                    <td>
                      {e.traceId !== undefined && (
                        <button
                          type="button"
                          aria-label={`Trace of entry ${e.seq}`}
                          onClick={() => setTraceId(e.traceId)}
                        >
                          Trace
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {traceId !== undefined && (
        <Trace traceId={traceId} onOpen={setTraceId} onClose={() => setTraceId(undefined)} />
      )}
    </div>
  );
}

/** A target, linked to the map with its device selected when it names one (a cable: its blade). */
function Target({ target }: { target: string }) {
  const device = deviceAt(target);
  if (device === undefined) return <>{target}</>;
  return (
    <a href={mapLink({ blade: device })} title={`show ${device} on the map`}>
      {target}
    </a>
  );
}

function merge(older: readonly LogEntry[], newer: readonly LogEntry[]): readonly LogEntry[] {
  const bySeq = new Map<number, LogEntry>();
  // Proto3 JSON leaves out a zero: the first entry's seq is absent.
  for (const e of [...older, ...newer]) bySeq.set(e.seq ?? 0, e);
  return [...bySeq.values()].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)).slice(-cap);
}

/** One trace as a tree by parent span, with each span's links (which open the trace linked to). */
function Trace({
  traceId,
  onOpen,
  onClose,
}: {
  traceId: string;
  onOpen: (traceId: string) => void;
  onClose: () => void;
}) {
  const [spans, setSpans] = useState<readonly LogEntry[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let isCurrent = true;
    setSpans(undefined);
    call('listLogs', { query: { traceId, limit: 1000 } }).then(
      ({ body }) => isCurrent && setSpans(body.entries ?? []),
      (e: unknown) => isCurrent && setError(e),
    );
    return () => {
      isCurrent = false;
    };
  }, [traceId]);

  const ids = new Set((spans ?? []).map((s) => s.spanId));
  const children = new Map<string, LogEntry[]>();
  const roots: LogEntry[] = [];
  for (const s of spans ?? []) {
    const parent = s.parentSpanId ?? '';
    if (parent === '' || !ids.has(parent)) roots.push(s);
    else children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const node = (s: LogEntry) => (
    <li key={s.seq}>
      <span className={`severity severity-${severityOf(s)}`}>{severityOf(s)}</span>{' '}
      <strong>
        {s.service}: {s.name}
      </strong>
      {whenOf(s) !== '' && <> · {whenOf(s)}</>}
      {s.target !== undefined && (
        <span className="mono">
          {' '}
          · <Target target={s.target} />
        </span>
      )}
      {(s.reason ?? s.statusMessage) !== undefined && (
        <div className="reason">{s.reason ?? s.statusMessage}</div>
      )}
      {(s.links ?? []).length > 0 && (
        <div className="muted">
          links:{' '}
          {(s.links ?? []).map((l) => (
            <button
              key={`${l.traceId}/${l.spanId}`}
              type="button"
              className="link mono"
              title="open the linked trace"
              onClick={() => l.traceId !== undefined && onOpen(l.traceId)}
            >
              {l.traceId}/{l.spanId}
            </button>
          ))}
        </div>
      )}
      {(children.get(s.spanId ?? '') ?? []).length > 0 && (
        <ul>{children.get(s.spanId ?? '')!.map(node)}</ul>
      )}
    </li>
  );

  return (
    <section className="panel trace" aria-labelledby="trace-title">
      <h2 id="trace-title">Causality tree</h2>
      <p className="mono muted">trace {traceId}</p>
      <button type="button" onClick={onClose}>
        Close
      </button>
      <Problem error={error} />
      {spans !== undefined && (
        <ul className="tree" aria-label={`Trace ${traceId}`}>
          {roots.map(node)}
        </ul>
      )}
    </section>
  );
}
