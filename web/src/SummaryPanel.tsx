import { useEffect, useState } from 'react';
import { api, shortName, type Summary } from './api.js';

const colours: Readonly<Record<string, string>> = {
  working: '#2e9d57',
  healthy: '#2e9d57',
  booting: '#c9a227',
  powered: '#c9a227',
  suspect: '#e07b24',
  unknown: '#8a8f98',
  off: '#5b6270',
  stopping: '#5b6270',
  isolated: '#b35ab8',
  hung: '#d9534f',
  crashed: '#d9534f',
  failed: '#a3261f',
};

function States({
  title,
  counts,
  prefix,
}: {
  title: string;
  counts: Summary['bladeStates'];
  prefix: string;
}) {
  const entries = Object.entries(counts ?? {})
    .map(([state, n]) => [shortName(state, prefix), n] as const)
    .sort((a, b) => b[1] - a[1]);
  return (
    <section aria-label={title} className="states">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p>none yet</p>
      ) : (
        <ul>
          {entries.map(([state, n]) => (
            <li key={state}>
              <span
                className="swatch"
                style={{ background: colours[state] ?? '#8a8f98' }}
                aria-hidden="true"
              />
              {state} <strong>{n}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The blades by state in `actual` (the simulated truth) beside `observed`
 * (what the control plane believes), re-read at every clock event.
 */
export function SummaryPanel({ version }: { version: number }) {
  const [actual, setActual] = useState<Summary | undefined>();
  const [observed, setObserved] = useState<Summary | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    Promise.all([
      api<Summary>('GET', '/inventory/summary?view=actual'),
      api<Summary>('GET', '/inventory/summary?view=observed'),
    ]).then(
      ([a, o]) => {
        setActual(a);
        setObserved(o);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [version]);
  return (
    <section className="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">Inventory</h2>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {actual !== undefined && (
        <p>
          {actual.definition ?? ''}: {actual.racks ?? 0} racks, {actual.blades ?? 0} blades,{' '}
          {actual.pdus ?? 0} PDUs, {actual.tors ?? 0} TORs
        </p>
      )}
      <div className="side-by-side">
        <States title="Blades, actual" counts={actual?.bladeStates} prefix="BLADE_STATE_" />
        <States title="Blades, observed" counts={observed?.bladeStates} prefix="OBSERVED_STATE_" />
      </div>
    </section>
  );
}
