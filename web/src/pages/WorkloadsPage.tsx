import {
  isOneOf,
  placementLevels as levels,
  placementRules as rules,
  type PlacementLevelWord,
  type PlacementRuleWord,
} from '@chamber/world';
import type { BodyOf } from '@chamber/api';
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { ApiError, call, type Instance, type PlacementExplanation, type Workload } from '../api.js';
import { bodySchema, numberProblem, type FieldSchema } from '../detail/limits.js';
import { AvailabilityChart } from './AvailabilityChart.js';
import { ConfirmDialog, focusInvalid, NumberField, Problem } from './common.js';

/** A word of the API as people read it: `strong_anti_affinity` → `strong anti-affinity`, `bin_pack` → `bin pack`. */
export function words(word: string | undefined): string {
  return (word ?? '').replaceAll('anti_', 'anti-').replaceAll('_', ' ');
}

/** The map's address showing `blade` selected, or `workload` highlighted. */
export function mapLink(to: { blade?: string; highlight?: string }): string {
  const params = new URLSearchParams();
  if (to.blade !== undefined) params.set('blade', to.blade);
  if (to.highlight !== undefined) params.set('highlight', to.highlight);
  return `#/?${params.toString()}`;
}

/** The Workloads page's address with `name` selected. */
export function workloadLink(name: string): string {
  return `#/workloads?${new URLSearchParams({ name }).toString()}`;
}

/** A placement rule in words, with its level: `strong anti affinity by rack`. */
function placementWords(p: Workload['placement']): string {
  if (p.rule === 'none') return 'none';
  return `${words(p.rule)}${p.level === undefined ? '' : ` by ${p.level}`}`;
}

/** A demand in words, with units: `4 cores, 8 GiB memory, 20 GiB disk`. */
export function demandWords(d: {
  cores: number;
  memoryGib?: number;
  diskGib?: number;
  networkGbps?: number;
}): string {
  const parts = [`${d.cores} core${d.cores === 1 ? '' : 's'}`];
  if (d.memoryGib) parts.push(`${d.memoryGib} GiB memory`);
  if (d.diskGib) parts.push(`${d.diskGib} GiB disk`);
  if (d.networkGbps) parts.push(`${d.networkGbps} Gbps network`);
  return parts.join(', ');
}

/** How many of a workload's instances are in `state`. */
const inState = (w: Workload, state: string): number => w.instancesByState[state] ?? 0;

/**
 * The workloads: each with desired, running and observed running instances,
 * its phase and why; for users with `modify_workloads`, a create form, a
 * scale control (If-Match: the revision shown) and delete after an in-page
 * confirmation. A selected workload shows its availability since tick 0 (a
 * chart and its figures) and its instances, and an instance the scheduler's
 * explanation of its placement. Re-read at every tick.
 */
export function WorkloadsPage({
  canModify,
  version,
  now,
  selected,
}: {
  canModify: boolean;
  /** Bumped by every clock event. */
  version: number;
  /** The last settled tick, as the clock said it last. */
  now: number;
  /** The workload selected (from the address), if any. */
  selected: string | undefined;
}) {
  const [workloads, setWorkloads] = useState<readonly Workload[] | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  const [ownVersion, setOwnVersion] = useState(0);
  /** Moves with every read of the list: a selected workload's instances are read after it. */
  const [listed, setListed] = useState(0);
  const [notice, setNotice] = useState('');
  const reread = () => setOwnVersion((v) => v + 1);

  useEffect(() => {
    let isCancelled = false;
    call('listWorkloads').then(
      ({ body }) => {
        if (isCancelled) return;
        setWorkloads(body.workloads);
        setListed((n) => n + 1);
        setLoadError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setLoadError(e);
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [version, ownVersion]);

  const shown = workloads?.find((w) => w.name === selected);
  return (
    <section className="panel wide" aria-labelledby="workloads-title">
      <h2 id="workloads-title">Workloads</h2>
      {canModify && (
        <CreateForm
          onDone={(text) => {
            setNotice(text);
            reread();
          }}
        />
      )}
      {notice !== '' && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <Problem error={loadError} />
      {workloads !== undefined && workloads.length === 0 && <p>No workloads.</p>}
      {workloads !== undefined && workloads.length > 0 && (
        <div className="scroll">
          <table aria-label="Workloads">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Desired</th>
                <th scope="col">Running</th>
                <th scope="col">Observed running</th>
                <th scope="col">Phase</th>
                <th scope="col">Reason</th>
                <th scope="col">Demand per instance</th>
                <th scope="col">Image</th>
                <th scope="col">Placement</th>
                <th scope="col">Max unavailable</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {workloads.map((w) => (
                <WorkloadRow
                  key={w.name}
                  workload={w}
                  isSelected={w.name === selected}
                  canModify={canModify}
                  onDone={(text) => {
                    setNotice(text);
                    reread();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected !== undefined && workloads !== undefined && shown === undefined && (
        <p>No workload {selected}.</p>
      )}
      {shown !== undefined && (
        <Fragment key={shown.name}>
          <AvailabilityChart
            name={shown.name}
            version={listed}
            // Its first sample is taken the tick after it was created.
            hasStarted={shown.phase !== undefined && shown.createdTick < now}
          />
          <Instances workload={shown} version={listed} />
        </Fragment>
      )}
    </section>
  );
}

/** One workload's row: its figures, and its scale, highlight and delete controls. */
function WorkloadRow({
  workload: w,
  isSelected,
  canModify,
  onDone,
}: {
  workload: Workload;
  isSelected: boolean;
  canModify: boolean;
  onDone: (text: string) => void;
}) {
  /** The instances typed, and the revision of the workload when typing began (its ETag). */
  const [scale, setScale] = useState<{ text: string; revision: number } | undefined>();
  const [isConfirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const phase = w.phase ?? 'pending';
  const ifMatch = (revision: number) => (revision === 0 ? {} : { ifMatch: `"${revision}"` });

  /** Runs a change; a 412 (changed meanwhile) re-reads and says so. */
  const change = async (what: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onDone(await what());
      setScale(undefined);
      setConfirming(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setScale(undefined);
        setConfirming(false);
        onDone(`${w.name} changed meanwhile, reloaded: look again and retry.`);
      } else {
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };
  const instancesSchema = bodySchema('updateWorkload').instances;
  // Scale waits for a count the API would take (NumberField says what is wrong with one).
  const isScaleBad =
    scale === undefined ||
    scale.text.trim() === '' ||
    numberProblem('Instances', instancesSchema, scale.text) !== undefined;
  const submitScale = (e: FormEvent): void => {
    e.preventDefault();
    if (scale === undefined || isScaleBad) return;
    const instances = Number(scale.text);
    void change(async () => {
      const { body } = await call('updateWorkload', {
        params: { name: w.name },
        body: { instances },
        ...ifMatch(scale.revision),
      });
      return `${w.name} scales to ${instances} at tick ${body.effectiveTick ?? 0}.`;
    });
  };
  const remove = (): void =>
    void change(async () => {
      const { body } = await call('deleteWorkload', {
        params: { name: w.name },
        ...ifMatch(w.revision),
      });
      return `${w.name} is deleted at tick ${body.effectiveTick ?? 0}: its instances stop.`;
    });

  return (
    <>
      <tr className={isSelected ? 'selected' : undefined}>
        <td>
          <a href={workloadLink(w.name)} aria-current={isSelected ? 'true' : undefined}>
            {w.name}
          </a>
        </td>
        <td className="num">{w.instances}</td>
        <td className="num">{inState(w, 'running')}</td>
        <td className="num">{w.observedRunning}</td>
        <td>
          <span className={`status state-${phase}`}>{words(phase)}</span>
        </td>
        <td className="reason">{w.reason}</td>
        <td>{demandWords(w.demand)}</td>
        <td className="mono">{w.image}</td>
        <td>{placementWords(w.placement)}</td>
        <td className="num">{w.maxUnavailable}</td>
        <td className="actions">
          <div>
            <a href={mapLink({ highlight: w.name })}>Show on map</a>
            {canModify && phase !== 'deleting' && (
              <>
                <form
                  className="scale"
                  aria-label={`Scale ${w.name}`}
                  noValidate
                  onSubmit={submitScale}
                >
                  <NumberField
                    label="Instances"
                    schema={instancesSchema}
                    value={scale?.text ?? String(w.instances)}
                    onChange={(text) => setScale({ text, revision: scale?.revision ?? w.revision })}
                  />
                  <button type="submit" disabled={isBusy || isScaleBad}>
                    Scale
                  </button>
                </form>
                {!isConfirming && (
                  <button type="button" className="danger" onClick={() => setConfirming(true)}>
                    Delete…
                  </button>
                )}
              </>
            )}
          </div>
        </td>
      </tr>
      {isConfirming && (
        <tr className="history">
          <td colSpan={11}>
            <ConfirmDialog
              title={`Delete ${w.name}?`}
              confirmLabel={`Delete ${w.name}`}
              isBusy={isBusy}
              onConfirm={remove}
              onCancel={() => setConfirming(false)}
            >
              {w.name} is deleted at the next tick and its {w.instances} instance
              {w.instances === 1 ? '' : 's'} stop{w.instances === 1 ? 's' : ''}: nothing replaces
              them.
            </ConfirmDialog>
          </td>
        </tr>
      )}
      {error !== undefined && (
        <tr className="history">
          <td colSpan={11}>
            <Problem error={error} />
          </td>
        </tr>
      )}
    </>
  );
}

/** The number fields of the create form: the body field, its label and its unit. */
const numberFields = [
  ['instances', 'Instances', 'instances'],
  ['cores', 'Cores', 'cores per instance'],
  ['memoryGib', 'Memory', 'GiB per instance'],
  ['diskGib', 'Disk', 'GiB per instance'],
  ['networkGbps', 'Network', 'Gbps per instance, optional'],
  ['maxUnavailable', 'Max unavailable', 'instances at once'],
] as const;
type NumberField = (typeof numberFields)[number][0];

/** The create form: name, instances, demand, image, placement rule and level, max unavailable. */
function CreateForm({ onDone }: { onDone: (text: string) => void }) {
  const [name, setName] = useState('');
  const [image, setImage] = useState('');
  const [values, setValues] = useState<Record<NumberField, string>>({
    instances: '2',
    cores: '2',
    memoryGib: '4',
    diskGib: '10',
    networkGbps: '',
    maxUnavailable: '1',
  });
  const [rule, setRule] = useState<PlacementRuleWord>('none');
  const [level, setLevel] = useState<PlacementLevelWord | ''>('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const body = bodySchema('createWorkload');
  const demand = (body.demand as { properties?: Record<string, FieldSchema> }).properties ?? {};
  const schemaOf = (field: NumberField): FieldSchema | undefined =>
    field === 'instances' || field === 'maxUnavailable' ? body[field] : demand[field];

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    // Refused here as the API's schema would refuse it (said by the field), without sending.
    if (focusInvalid(e.currentTarget)) return;
    const number = (field: NumberField) =>
      values[field].trim() === '' ? undefined : Number(values[field]);
    const request: BodyOf<'createWorkload'> = {
      name: name.trim(),
      instances: number('instances') ?? 0,
      demand: {
        cores: number('cores') ?? 0,
        ...(number('memoryGib') === undefined ? {} : { memoryGib: number('memoryGib')! }),
        ...(number('diskGib') === undefined ? {} : { diskGib: number('diskGib')! }),
        ...(number('networkGbps') === undefined ? {} : { networkGbps: number('networkGbps')! }),
      },
      image: image.trim(),
      placement: { rule, ...(level === '' ? {} : { level }) },
      ...(number('maxUnavailable') === undefined
        ? {}
        : { maxUnavailable: number('maxUnavailable')! }),
    };
    setBusy(true);
    setError(undefined);
    try {
      const { body: answer } = await call('createWorkload', { body: request });
      onDone(`Workload ${request.name} is created at tick ${answer.effectiveTick ?? 0}.`);
      setName('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="inject"
      aria-label="Create a workload"
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h3>Create a workload</h3>
      <div className="fields">
        <label>
          Name
          <input
            value={name}
            placeholder="web"
            maxLength={63}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="grow">
          Image
          <input value={image} placeholder="web-1" onChange={(e) => setImage(e.target.value)} />
        </label>
        <label>
          Placement rule
          <select
            value={rule}
            onChange={(e) => isOneOf(rules, e.target.value) && setRule(e.target.value)}
          >
            {rules.map((r) => (
              <option key={r} value={r}>
                {words(r)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select
            value={level}
            onChange={(e) => setLevel(isOneOf(levels, e.target.value) ? e.target.value : '')}
          >
            <option value="">none</option>
            {levels.map((l) => (
              <option key={l} value={l}>
                by {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="fields">
        {numberFields.map(([field, label, unit]) => (
          <NumberField
            key={field}
            label={label}
            unit={unit}
            schema={schemaOf(field)}
            value={values[field]}
            onChange={(value) => setValues({ ...values, [field]: value })}
          />
        ))}
      </div>
      <button type="submit" disabled={isBusy}>
        Create
      </button>
      <Problem error={error} />
    </form>
  );
}

/** A workload's instances; one opens the scheduler's explanation of its placement. */
function Instances({ workload, version }: { workload: Workload; version: number }) {
  const [instances, setInstances] = useState<readonly Instance[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [explained, setExplained] = useState<number | undefined>();
  useEffect(() => {
    let isCancelled = false;
    // Filtered by workload rather than the workload's own route: a workload removed (deleted)
    // between the list's read and this one then has no instances, not a 404.
    call('listInstances', { query: { workload: workload.name } }).then(
      ({ body }) => {
        if (isCancelled) return;
        setInstances(body.instances);
        setError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setError(e);
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [workload.name, version]);

  return (
    <section aria-labelledby="instances-title" className="instances">
      <h3 id="instances-title">Instances of {workload.name}</h3>
      <Problem error={error} />
      {instances !== undefined && instances.length === 0 && <p>No instances.</p>}
      {instances !== undefined && instances.length > 0 && (
        <div className="scroll">
          <table aria-label={`Instances of ${workload.name}`}>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">State</th>
                <th scope="col">Observed</th>
                <th scope="col">Blade</th>
                <th scope="col">Reason</th>
                <th scope="col">Since tick</th>
                <th scope="col">Placement</th>
              </tr>
            </thead>
            <tbody>
              {instances.map((i) => {
                const isOpen = explained === i.n;
                return (
                  <Fragment key={i.n}>
                    <tr className={isOpen ? 'selected' : undefined}>
                      <td className="num">{i.n}</td>
                      <td>
                        <span className={`status state-${i.state}`}>{words(i.state)}</span>
                        {i.wanted ? '' : ' (not wanted)'}
                      </td>
                      <td>{i.observed === undefined ? 'not observed' : words(i.observed)}</td>
                      <td className="mono path">
                        {i.blade === undefined ? (
                          '–'
                        ) : (
                          <a href={mapLink({ blade: i.blade, highlight: workload.name })}>
                            {i.blade}
                          </a>
                        )}
                      </td>
                      <td className="reason">{i.reason ?? ''}</td>
                      <td className="num">{i.sinceTick}</td>
                      <td>
                        <button
                          type="button"
                          aria-expanded={isOpen}
                          aria-controls={`explanation-${i.n}`}
                          onClick={() => setExplained(isOpen ? undefined : i.n)}
                        >
                          {isOpen ? 'Hide' : 'Explain'}
                        </button>
                      </td>
                    </tr>
                    {isOpen && (
                      <tr id={`explanation-${i.n}`} className="history">
                        <td colSpan={7}>
                          <Explanation workload={workload.name} n={i.n} version={version} />
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

/** The scheduler's explanation of an instance's placement (or of why it is pending), as tables. */
function Explanation({ workload, n, version }: { workload: string; n: number; version: number }) {
  const [explanation, setExplanation] = useState<PlacementExplanation | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let isCancelled = false;
    call('explainPlacement', { params: { name: workload, n } }).then(
      ({ body }) => {
        if (isCancelled) return;
        setExplanation(body);
        setError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setError(e);
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [workload, n, version]);
  if (error !== undefined) return <Problem error={error} />;
  if (explanation === undefined) return <p>Reading the explanation…</p>;
  const e = explanation;
  // Every component any candidate has, as columns, in the order first seen.
  const components = [...new Set(e.candidates.flatMap((c) => c.components.map((k) => k.name)))];
  return (
    <div className="explanation" aria-label={`Placement of ${workload}/${n}`}>
      <p>
        <strong>{e.placed ? `Placed on ${e.blade ?? ''}` : 'Pending'}</strong> at tick {e.tick}:{' '}
        {e.summary}
      </p>
      <table aria-label="Candidates">
        <caption>The best candidates, best first</caption>
        <thead>
          <tr>
            <th scope="col">Blade</th>
            <th scope="col">Score</th>
            {components.map((c) => (
              <th key={c} scope="col">
                {words(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {e.candidates.length === 0 && (
            <tr>
              <td colSpan={2 + components.length}>No blade passed every filter.</td>
            </tr>
          )}
          {e.candidates.map((c) => (
            <tr key={c.blade} className={c.blade === e.blade ? 'selected' : undefined}>
              <td className="mono path">
                {c.blade}
                {c.blade === e.blade ? ' (chosen)' : ''}
              </td>
              <td className="num">{c.score.toFixed(3)}</td>
              {components.map((name) => {
                const value = c.components.find((k) => k.name === name)?.value;
                return (
                  <td key={name} className="num">
                    {value === undefined ? '–' : value.toFixed(3)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <table aria-label="Filtered out">
        <caption>Blades set aside, by filter</caption>
        <thead>
          <tr>
            <th scope="col">Filter</th>
            <th scope="col">Blades</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {e.filtered.length === 0 && (
            <tr>
              <td colSpan={3}>None set aside.</td>
            </tr>
          )}
          {e.filtered.map((f) => (
            <tr key={f.filter}>
              <td>{words(f.filter)}</td>
              <td className="num">{f.blades}</td>
              <td>{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
