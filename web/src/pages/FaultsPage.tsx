import { type FormEvent, useMemo, useState } from 'react';
import {
  faultKinds as kinds,
  faultStatuses as statuses,
  isOneOf,
  wordOf,
  type FaultKindWord,
} from '@chamber/world';
import type { BodyOf } from '@chamber/api';
import { call, type Fault } from '../api.js';
import {
  ChoiceFilter,
  ConfirmDialog,
  exampleText,
  focusInvalid,
  isUnder,
  Problem,
  ScheduleFields,
  scheduleOf,
  shownOldestFirst,
  TextFilter,
  trimPath,
  useInventoryExample,
  useLiveRecords,
  type InventoryExample,
} from './common.js';

/** The faults that pass the filters, oldest first (as `GET /faults` filters and orders them). */
function filtered(
  faults: Iterable<Fault>,
  filters: { status: string; kind: string; target: string },
): Fault[] {
  const target = trimPath(filters.target);
  return shownOldestFirst(
    faults,
    (f) =>
      (filters.status === '' || f.status === `FAULT_STATUS_${filters.status.toUpperCase()}`) &&
      (filters.kind === '' || f.kind === `FAULT_KIND_${filters.kind.toUpperCase()}`) &&
      (target === '' || (f.targets ?? []).some((t) => isUnder(t, target) || isUnder(target, t))),
    (f) => f.createdTick,
  );
}

/**
 * The faults: a filtered table, read once and then kept current by the
 * `faults` events, with Clear per fault and Clear all; and, for users with
 * `inject_faults`, a form to inject one. Refusals say why.
 */
export function FaultsPage({ canInject }: { canInject: boolean }) {
  const [filters, setFilters] = useState({ status: '', kind: '', target: '' });
  const { records, error: loadError, reread } = useLiveRecords('faults');
  const faults = useMemo(
    () => (records === undefined ? undefined : filtered(records.values(), filters)),
    [records, filters],
  );
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  const [isConfirming, setConfirming] = useState(false);
  const example = useInventoryExample();
  const open = faults?.filter((f) => f.status !== 'FAULT_STATUS_CLEARED').length ?? 0;

  const act = async (what: () => Promise<string>): Promise<void> => {
    setActionError(undefined);
    setNotice('');
    try {
      setNotice(await what());
      reread();
    } catch (e) {
      setActionError(e);
    }
  };
  const clear = (id: string) =>
    act(async () => {
      await call('clearFault', { params: { id } });
      return `Fault ${id} clears at the next tick.`;
    });
  const clearAll = () => {
    setConfirming(false);
    void act(async () => {
      const { body: answer } = await call('clearAllFaults');
      const n = answer.ids?.length ?? 0;
      return `${n} fault${n === 1 ? '' : 's'} clear${n === 1 ? 's' : ''} at tick ${answer.effectiveTick ?? 0}.`;
    });
  };

  return (
    <section className="panel wide" aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      {canInject && (
        <InjectForm
          example={example}
          onDone={(text) => {
            setNotice(text);
            setActionError(undefined);
            reread();
          }}
        />
      )}
      <form className="filters" aria-label="Filter faults" onSubmit={(e) => e.preventDefault()}>
        <ChoiceFilter
          label="Status"
          value={filters.status}
          options={statuses}
          onChange={(status) => setFilters({ ...filters, status })}
        />
        <ChoiceFilter
          label="Kind"
          value={filters.kind}
          options={kinds}
          onChange={(kind) => setFilters({ ...filters, kind })}
        />
        <TextFilter
          label="Target"
          value={filters.target}
          example={example.rack}
          onChange={(target) => setFilters({ ...filters, target })}
        />
        {canInject && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Clear all…
          </button>
        )}
      </form>
      {isConfirming && (
        <ConfirmDialog
          title="Clear all faults?"
          confirmLabel="Clear all faults"
          onConfirm={clearAll}
          onCancel={() => setConfirming(false)}
        >
          Every fault not cleared yet ({open} shown here) is cleared at the next tick: scheduled
          ones never occur and active ones end, so their elements may recover.
        </ConfirmDialog>
      )}
      {notice !== '' && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <Problem error={actionError} />
      <Problem error={loadError} />
      {faults !== undefined && faults.length === 0 && <p>No faults.</p>}
      {faults !== undefined && faults.length > 0 && (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Kind</th>
                <th scope="col">Targets</th>
                <th scope="col">Status</th>
                <th scope="col">Since tick</th>
                <th scope="col">Reason</th>
                {canInject && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {faults.map((f) => {
                const status = wordOf(f.status);
                return (
                  <tr key={f.id}>
                    <td className="mono">{f.id}</td>
                    <td>{wordOf(f.kind)}</td>
                    <td className="mono">
                      {(f.targets ?? []).map((t, i) => (
                        <span key={t} className="path">
                          {i > 0 && ', '}
                          {t}
                        </span>
                      ))}
                    </td>
                    <td>
                      <span className={`status status-${status}`}>{status}</span>
                    </td>
                    <td className="num">{f.sinceTick ?? 0}</td>
                    <td>{f.reason ?? ''}</td>
                    {canInject && (
                      <td>
                        {status !== 'cleared' && (
                          <button
                            type="button"
                            aria-label={`Clear ${f.id}`}
                            onClick={() => void clear(f.id)}
                          >
                            Clear
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
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
 * The inject form: kind, targets (one per line or comma-separated) and the
 * schedule, each field with its unit and checked as typed against the API's
 * limits (nothing is sent while one is broken).
 */
function InjectForm({
  example,
  onDone,
}: {
  example: InventoryExample;
  onDone: (text: string) => void;
}) {
  const [kind, setKind] = useState<FaultKindWord>('crash');
  const [targets, setTargets] = useState('');
  const [schedule, setSchedule] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    // Refused here as the API would refuse it (its schema's limits, said by the field), unsent.
    if (focusInvalid(e.currentTarget)) return;
    setBusy(true);
    setError(undefined);
    const body: BodyOf<'injectFault'> = {
      kind,
      targets: targets
        .split(/[\s,]+/)
        .map((t) => t.trim())
        .filter((t) => t !== ''),
      ...scheduleOf(schedule),
    };
    try {
      const { body: fault } = await call('injectFault', { body });
      setError(undefined);
      onDone(`Injected fault ${'id' in fault ? fault.id : ''}.`);
      setTargets('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="inject"
      aria-label="Inject a fault"
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h3>Inject a fault</h3>
      <div className="fields">
        <label>
          Kind
          <select
            value={kind}
            onChange={(e) => isOneOf(kinds, e.target.value) && setKind(e.target.value)}
          >
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          Targets
          <input
            value={targets}
            placeholder={exampleText(
              example.blade === undefined || example.rack === undefined
                ? undefined
                : `${example.blade}, ${example.rack}`,
              'element paths: region/zone/rack/blade/n, region/zone/rack, …',
            )}
            onChange={(e) => setTargets(e.target.value)}
            required
          />
        </label>
      </div>
      <fieldset className="fields">
        <legend>Schedule (optional)</legend>
        <ScheduleFields schedule={schedule} onChange={setSchedule} />
      </fieldset>
      <button type="submit" disabled={isBusy}>
        Inject
      </button>
      <Problem error={error} />
    </form>
  );
}
