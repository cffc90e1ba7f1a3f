import { useEffect, useState } from 'react';
import { api } from '../api.js';
import { itemUrl } from '../map/model.js';
import { describeError } from '../pages/common.js';
import { FaultForm, TargetForm } from './forms.js';

const views = ['definition', 'target', 'actual', 'observed'] as const;

type Record_ = Readonly<Record<string, unknown>>;

interface Fault {
  readonly id?: string;
  readonly kind?: string;
  readonly status?: string;
  readonly targets?: readonly string[];
  readonly schedule?: Record_;
  readonly sinceTick?: number;
  readonly reason?: string;
}

interface RepairEvent {
  readonly tick?: number;
  readonly action?: string;
  readonly outcome?: string;
  readonly reason?: string;
}

interface Repair {
  readonly id?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly openedTick?: number;
  readonly closedTick?: number;
  readonly history?: readonly RepairEvent[];
}

/** An element's record without the envelope (path, kind, view, revision). */
function recordOf(element: Record_ | undefined): Record_ | undefined {
  if (element === undefined) return undefined;
  const rest = Object.fromEntries(
    Object.entries(element).filter(([k]) => !['path', 'kind', 'view', 'revision'].includes(k)),
  );
  const values = Object.values(rest);
  return values.length === 1 && typeof values[0] === 'object' ? (values[0] as Record_) : rest;
}

function Fields({ record }: { record: Record_ | undefined }) {
  if (record === undefined || Object.keys(record).length === 0) return <p>no record</p>;
  return (
    <dl className="fields">
      {Object.entries(record).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * One element in full: its definition, target, actual and observed
 * records, its faults and its repairs with every decision's reason, and
 * forms to inject a fault and to set its target. Re-read when `version`
 * changes (an event about it). With `at`, the records are those of that
 * past tick, and the forms wait for the way back to live.
 */
export function DetailPanel({
  path,
  rights,
  at,
  version,
  onClose,
}: {
  path: string;
  rights: readonly string[];
  at: number | undefined;
  version: number;
  onClose: () => void;
}) {
  const [records, setRecords] = useState<Partial<Record<(typeof views)[number], Record_>>>({});
  const [faults, setFaults] = useState<readonly Fault[]>([]);
  const [repairs, setRepairs] = useState<readonly Repair[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [ownVersion, setOwnVersion] = useState(0);

  useEffect(() => {
    let isCancelled = false;
    const target = encodeURIComponent(path);
    Promise.all([
      Promise.all(
        views.map((view) =>
          api<{ element: Record_ }>(
            'GET',
            `${itemUrl(path)}?view=${view}${at === undefined ? '' : `&at=${at}`}`,
          ).then((a) => [view, recordOf(a.element)] as const),
        ),
      ),
      api<{ faults?: Fault[] }>('GET', `/faults?target=${target}`),
      api<{ repairs?: Repair[] }>('GET', `/repairs?target=${target}`),
    ]).then(
      ([read, f, r]) => {
        if (isCancelled) return;
        setRecords(Object.fromEntries(read));
        setFaults(f.faults ?? []);
        setRepairs(r.repairs ?? []);
        setError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setError(describeError(e));
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [path, at, version, ownVersion]);

  const kind = path.split('/')[3] ?? ['region', 'zone', 'rack'][path.split('/').length - 1];
  const active = faults.filter((f) => f.status !== 'FAULT_STATUS_CLEARED');
  return (
    <section className="panel detail" aria-labelledby="detail-title">
      <div className="detail-head">
        <h2 id="detail-title">
          {kind} {path}
          {at === undefined ? '' : ` at tick ${at}`}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {views.map((view) => (
        <section key={view} aria-label={view} className="detail-view">
          <h3>{view}</h3>
          <Fields record={records[view]} />
        </section>
      ))}
      <section aria-label="Faults">
        <h3>Faults ({active.length} active or scheduled)</h3>
        {faults.length === 0 ? (
          <p>none</p>
        ) : (
          <ul className="history">
            {faults.map((f) => (
              <li key={f.id}>
                <strong>{(f.kind ?? '').replace('FAULT_KIND_', '').toLowerCase()}</strong>{' '}
                {(f.status ?? '').replace('FAULT_STATUS_', '').toLowerCase()} since tick{' '}
                {f.sinceTick ?? 0} on {(f.targets ?? []).join(', ')}
                {f.schedule !== undefined && Object.keys(f.schedule).length > 0
                  ? ` · ${JSON.stringify(f.schedule)}`
                  : ''}
                {f.reason ? ` — ${f.reason}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Repairs">
        <h3>Repairs</h3>
        {repairs.length === 0 ? (
          <p>none</p>
        ) : (
          <ul className="history">
            {repairs.map((r) => (
              <li key={r.id}>
                <strong>{(r.status ?? '').replace('REPAIR_STATUS_', '').toLowerCase()}</strong>{' '}
                opened at tick {r.openedTick ?? 0}
                {r.closedTick ? `, closed at ${r.closedTick}` : ''}
                {r.reason ? ` — ${r.reason}` : ''}
                <ol>
                  {(r.history ?? []).map((h, i) => (
                    <li key={i}>
                      tick {h.tick ?? 0}:{' '}
                      {(h.action ?? '').replace('STEP_ACTION_', '').toLowerCase()} {h.outcome ?? ''}{' '}
                      — {h.reason ?? ''}
                    </li>
                  ))}
                </ol>
              </li>
            ))}
          </ul>
        )}
      </section>
      {at !== undefined && (
        <p className="note">
          The records above are as of tick {at}; faults and repairs are as of now. Go back to live
          to act.
        </p>
      )}
      {at === undefined && (
        <FaultForm
          path={path}
          canInject={rights.includes('inject_faults')}
          onDone={() => setOwnVersion((v) => v + 1)}
        />
      )}
      {at === undefined && path.split('/').length === 5 && (
        <TargetForm
          path={path}
          canModify={rights.includes('modify_inventory')}
          version={version + ownVersion}
          onDone={() => setOwnVersion((v) => v + 1)}
        />
      )}
    </section>
  );
}
