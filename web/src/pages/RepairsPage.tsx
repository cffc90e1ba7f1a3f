import { Fragment, useMemo, useState } from 'react';
import { repairStatuses as statuses, wordOf } from '@chamber/world';
import {
  ChoiceFilter,
  isUnder,
  Problem,
  shownOldestFirst,
  TextFilter,
  trimPath,
  useInventoryExample,
  useLiveRecords,
} from './common.js';
import type { Repair } from '../api.js';

const action = (value: string | undefined) => wordOf(value);

/**
 * The repairs: a filtered table (status, current step, reason), read once
 * and then kept current by the `repairs` events; each row opens its history
 * of steps.
 */
export function RepairsPage() {
  const [filters, setFilters] = useState({ status: '', target: '' });
  const example = useInventoryExample();
  const { records, error } = useLiveRecords('repairs');
  // As `GET /repairs` filters and orders them: by the tick opened, then id.
  const repairs = useMemo(() => {
    if (records === undefined) return undefined;
    const target = trimPath(filters.target);
    return shownOldestFirst(
      records.values(),
      (r) =>
        (filters.status === '' || r.status === `REPAIR_STATUS_${filters.status.toUpperCase()}`) &&
        isUnder(r.target ?? '', target),
      (r) => r.openedTick,
    );
  }, [records, filters]);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());

  const toggle = (id: string) => {
    const next = new Set(open);
    if (!next.delete(id)) next.add(id);
    setOpen(next);
  };

  return (
    <section className="panel wide" aria-labelledby="repairs-title">
      <h2 id="repairs-title">Repairs</h2>
      <form className="filters" aria-label="Filter repairs" onSubmit={(e) => e.preventDefault()}>
        <ChoiceFilter
          label="Status"
          value={filters.status}
          options={statuses}
          onChange={(status) => setFilters({ ...filters, status })}
        />
        <TextFilter
          label="Target"
          value={filters.target}
          example={example.rack}
          onChange={(target) => setFilters({ ...filters, target })}
        />
      </form>
      <Problem error={error} />
      {repairs !== undefined && repairs.length === 0 && <p>No repairs.</p>}
      {repairs !== undefined && repairs.length > 0 && (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Target</th>
                <th scope="col">Status</th>
                <th scope="col">Current step</th>
                <th scope="col">Opened</th>
                <th scope="col">Reason</th>
                <th scope="col">History</th>
              </tr>
            </thead>
            <tbody>
              {repairs.map((r) => {
                const status = wordOf(r.status);
                const isOpen = open.has(r.id);
                return (
                  <Fragment key={r.id}>
                    <tr>
                      <td className="mono">{r.id}</td>
                      <td className="mono path">{r.target ?? ''}</td>
                      <td>
                        <span className={`status status-${status}`}>{status}</span>
                      </td>
                      <td>{currentStep(r)}</td>
                      <td className="num">
                        {r.openedTick ?? 0}
                        {r.closedTick === undefined ? '' : `–${r.closedTick}`}
                      </td>
                      <td>{r.reason ?? ''}</td>
                      <td>
                        <button
                          type="button"
                          aria-expanded={isOpen}
                          aria-controls={`history-${r.id}`}
                          onClick={() => toggle(r.id)}
                        >
                          {isOpen ? 'Hide' : 'Show'} {r.history?.length ?? 0} steps
                        </button>
                      </td>
                    </tr>
                    {isOpen && (
                      <tr id={`history-${r.id}`} className="history">
                        <td colSpan={7}>
                          <History repair={r} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The step a repair is at, in words: `2/3 reimage (attempt 1 of 1)`, `… (not
 * tried yet)` while it waits; none for a repair that closed with no step taken.
 */
function currentStep(r: Repair): string {
  const step = r.currentStep ?? 0;
  const plan = r.plan ?? [];
  const current = plan[step];
  if (current === undefined || r.status === 'REPAIR_STATUS_RECOVERED') return '–';
  const attempts = r.attempts ?? 0;
  const tries =
    attempts === 0 ? 'not tried yet' : `attempt ${attempts} of ${current.maxAttempts ?? 1}`;
  return `${step + 1}/${plan.length} ${action(current.action)} (${tries})`;
}

function History({ repair }: { repair: Repair }) {
  const history = repair.history ?? [];
  if (history.length === 0) return <p>No steps yet.</p>;
  return (
    <table aria-label={`History of ${repair.id}`}>
      <thead>
        <tr>
          <th scope="col">Tick</th>
          <th scope="col">Step</th>
          <th scope="col">Command</th>
          <th scope="col">Outcome</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {history.map((h, i) => (
          <tr key={i}>
            <td className="num">{h.tick ?? 0}</td>
            <td>
              {(h.step ?? 0) + 1} {action(h.action)}
            </td>
            <td className="mono">{h.commandId ?? ''}</td>
            <td>{h.outcome ?? ''}</td>
            <td>{h.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
