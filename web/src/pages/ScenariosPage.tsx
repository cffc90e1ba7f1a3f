import { type ChangeEvent, type ReactNode, useEffect, useMemo, useState } from 'react';
import type { AnswerOf } from '@chamber/api';
import { wordOf } from '@chamber/world';
import { ApiError, call, callText, type ScenarioRun } from '../api.js';
import { describeError, Problem, useInventoryExample, useLiveRecords } from './common.js';

type Check = AnswerOf<'checkScenario'>;
type Plan = AnswerOf<'planScenario'>;
type Example = AnswerOf<'listScenarioExamples'>['examples'][number];
type Report = NonNullable<ScenarioRun['report']>;

/** The file name a pasted scenario is checked and run under. */
const pastedFileName = 'pasted.yaml';

/** The file name of the simulation's run exported as a scenario. */
const exportedFileName = 'exported.yaml';

/** The runs newest first: by start time, then by id (`run-<ms>-…`). */
function newestFirst(runs: Iterable<ScenarioRun>): ScenarioRun[] {
  return [...runs].sort(
    (a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.id.localeCompare(a.id),
  );
}

/** The state of a run in words (`passed`, `running`), `starting` before the service wrote one. */
function stateWord(run: ScenarioRun): string {
  return run.state === undefined ? 'starting' : wordOf(run.state);
}

/** The status class of a run's state word, as the other pages colour theirs. */
function stateClass(word: string): string {
  if (word === 'passed' || word === 'applied') return 'status status-succeeded';
  if (word === 'failed' || word === 'error' || word === 'interrupted')
    return 'status status-failed';
  return 'status status-running';
}

/** `n thing` or `n things`. */
function plural(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}

/** A rejected check or run as lines: each `file:line:col: …` of a 400 its own line. */
function errorLines(error: unknown): string[] {
  if (error instanceof ApiError && error.status === 400) {
    // The lines name the file and place; the body field they are about (`source: `) says nothing more.
    const prefix = error.field === undefined ? '' : `${error.field}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    return message.split('\n');
  }
  return [describeError(error)];
}

/**
 * The Scenarios page: a scenario file pasted, picked or one of the shipped
 * ones chosen, checked (its figures, or every problem at file:line:col),
 * and run headless on the running simulation after an in-page
 * confirmation (a run resets it). The run is followed live from the `scenarios` events (nothing polls): its
 * progress, then its report. Past runs are listed newest first, each
 * selectable to see its report. Run is disabled, saying why, without
 * `step_time`; a run whose inputs need more rights is refused by the API,
 * naming them.
 */
export function ScenariosPage({ rights }: { rights: readonly string[] }) {
  const [source, setSource] = useState('');
  const example = useInventoryExample();
  const [fileName, setFileName] = useState(pastedFileName);
  const [check, setCheck] = useState<Check | undefined>();
  const [checkError, setCheckError] = useState<unknown>();
  const [plan, setPlan] = useState<Plan | undefined>();
  /** The change being confirmed in the page: a fresh run (a reset), or an apply. */
  const [confirming, setConfirming] = useState<'run' | 'apply' | undefined>();
  const [seed, setSeed] = useState('');
  const [runError, setRunError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const { records, error: loadError } = useLiveRecords('scenarios');
  const runs = useMemo(
    () => (records === undefined ? undefined : newestFirst(records.values())),
    [records],
  );
  const shown = selected === undefined ? runs?.[0] : records?.get(selected);
  const isRunning = runs?.some((r) => r.state === 'RUN_STATE_RUNNING') ?? false;
  const canRun = rights.includes('step_time');
  // The shipped scenarios, read when the page opens (not at dashboard start).
  const [examples, setExamples] = useState<readonly Example[]>([]);
  useEffect(() => {
    call('listScenarioExamples').then(
      ({ body }) => setExamples(body.examples),
      () => setExamples([]),
    );
  }, []);

  const changeSource = (text: string, name: string): void => {
    setSource(text);
    setFileName(name);
    setCheck(undefined);
    setPlan(undefined);
    setCheckError(undefined);
    setRunError(undefined);
    setConfirming(undefined);
  };
  // The simulation's run so far as a scenario: into the box, and as a file to download.
  const [download, setDownload] = useState<string | undefined>();
  useEffect(() => () => URL.revokeObjectURL(download ?? ''), [download]);
  const exportRun = async (): Promise<void> => {
    setBusy(true);
    try {
      const text = await callText('exportScenario');
      changeSource(text, exportedFileName);
      setDownload(URL.createObjectURL(new Blob([text], { type: 'text/yaml' })));
    } catch (error) {
      setCheck(undefined);
      setPlan(undefined);
      setCheckError(error);
    } finally {
      setBusy(false);
    }
  };
  const pick = (e: ChangeEvent<HTMLInputElement>): void => {
    const file = e.target.files?.[0];
    if (file === undefined) return;
    file.text().then(
      (text) => changeSource(text, file.name),
      (error: unknown) => setCheckError(error),
    );
  };
  /** Asks the frontend about the file (check or plan: nothing written); shows the answer or its problems. */
  const ask = async (what: 'check' | 'plan'): Promise<void> => {
    setBusy(true);
    setCheck(undefined);
    setPlan(undefined);
    setCheckError(undefined);
    try {
      const body = { source, fileName };
      if (what === 'check') setCheck((await call('checkScenario', { body })).body);
      else setPlan((await call('planScenario', { body })).body);
    } catch (error) {
      setCheckError(error);
    } finally {
      setBusy(false);
    }
  };
  const seedValue = seed.trim() === '' ? undefined : Number(seed);
  const isSeedBad = seedValue !== undefined && !(Number.isInteger(seedValue) && seedValue >= 0);
  const startRun = async (mode: 'run' | 'apply'): Promise<void> => {
    setBusy(true);
    setRunError(undefined);
    try {
      const seeded = mode === 'run' && seedValue !== undefined ? { seed: seedValue } : {};
      const { body: run } = await call('startScenarioRun', {
        body: { source, fileName, mode, ...seeded },
      });
      setSelected(run.id);
      setConfirming(undefined);
    } catch (error) {
      setRunError(error);
    } finally {
      setBusy(false);
    }
  };
  const runTitle = !canRun
    ? 'Running or applying a scenario needs the right "step_time", which you do not hold.'
    : isRunning
      ? 'Another scenario run is in progress.'
      : source.trim() === ''
        ? 'Paste or pick a scenario first.'
        : undefined;

  return (
    <section className="panel wide scenarios" aria-labelledby="scenarios-title">
      <h2 id="scenarios-title">Scenarios</h2>
      <form
        className="scenario-source"
        aria-label="Scenario"
        onSubmit={(e) => {
          e.preventDefault();
          void ask('check');
        }}
      >
        <label className="grow">
          Scenario (YAML)
          <textarea
            value={source}
            rows={12}
            wrap="off"
            spellCheck={false}
            placeholder={`name: my-scenario\ninventory: { sample: ${example.definition ?? '…'} }\ntimeline: …`}
            onChange={(e) => changeSource(e.target.value, pastedFileName)}
          />
        </label>
        <div className="source-actions">
          {examples.length > 0 && (
            <label>
              Or a shipped one
              <select
                value={examples.some((x) => x.fileName === fileName) ? fileName : ''}
                onChange={(e) => {
                  const example = examples.find((x) => x.fileName === e.target.value);
                  if (example !== undefined) changeSource(example.source, example.fileName);
                }}
              >
                <option value="">choose…</option>
                {examples.map((x) => (
                  <option key={x.fileName} value={x.fileName}>
                    {x.fileName}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            Or pick a file
            <input type="file" accept=".yaml,.yml,text/yaml" onChange={pick} />
          </label>
          <span className="muted">
            As <span className="mono">{fileName}</span>
          </span>
          <div className="export">
            <button type="button" disabled={isBusy} onClick={() => void exportRun()}>
              Export the simulation&apos;s run
            </button>
            {download !== undefined && fileName === exportedFileName && (
              <a href={download} download={exportedFileName}>
                Download {exportedFileName}
              </a>
            )}
          </div>
          <label>
            Seed
            <input
              type="number"
              min={0}
              step={1}
              value={seed}
              placeholder="as in the file"
              onChange={(e) => setSeed(e.target.value)}
            />
          </label>
          <div className="buttons">
            <button type="submit" disabled={isBusy || source.trim() === ''}>
              Check
            </button>
            <button
              type="button"
              disabled={isBusy || source.trim() === ''}
              onClick={() => void ask('plan')}
            >
              Plan
            </button>
            <button
              type="button"
              disabled={isBusy || runTitle !== undefined || confirming !== undefined || isSeedBad}
              {...(runTitle === undefined ? {} : { title: runTitle })}
              onClick={() => setConfirming('run')}
            >
              Run…
            </button>
            <button
              type="button"
              disabled={isBusy || runTitle !== undefined || confirming !== undefined}
              {...(runTitle === undefined ? {} : { title: runTitle })}
              onClick={() => setConfirming('apply')}
            >
              Apply…
            </button>
          </div>
        </div>
      </form>
      {isSeedBad && <p className="error">The seed is a whole number, 0 or more.</p>}
      {confirming !== undefined && (
        <div
          role="alertdialog"
          aria-label={confirming === 'run' ? 'Run the scenario?' : 'Apply the scenario?'}
          className="confirm"
        >
          {confirming === 'run' ? (
            <span>
              Run {check?.name ?? plan?.name ?? fileName}? This resets the simulation: its clock
              goes back to tick 0 and the scenario&apos;s inventory and seed
              {seedValue === undefined ? '' : ` (${seedValue})`} are loaded.
            </span>
          ) : (
            <span>
              Apply {check?.name ?? plan?.name ?? fileName} into the running simulation? Nothing is
              reset: its inventory is loaded if it differs, its workloads created and each input
              takes effect at the current tick plus its own (Plan shows them).
            </span>
          )}
          <button
            type="button"
            className="danger"
            disabled={isBusy}
            onClick={() => void startRun(confirming)}
          >
            {confirming === 'run' ? 'Reset and run' : 'Apply now'}
          </button>
          <button type="button" onClick={() => setConfirming(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {check !== undefined && (
        <p role="status" className="notice">
          {check.name} checks out: {plural(check.inputs, 'input')} on its timeline,{' '}
          {plural(check.expectations, 'expectation')}, last tick {check.lastTick}.
        </p>
      )}
      {plan !== undefined && (
        <PlanView
          plan={plan}
          label="Plan"
          heading={`If ${plan.name ?? fileName} were applied now`}
        />
      )}
      {checkError !== undefined && <Problems label="Problems" lines={errorLines(checkError)} />}
      {runError !== undefined && <Problems label="Run refused" lines={errorLines(runError)} />}
      <div className="scenario-runs">
        <div className="run-list">
          <h3>Runs</h3>
          <Problem error={loadError} />
          {runs === undefined && loadError === undefined && <p className="muted">Loading…</p>}
          {runs?.length === 0 && <p className="muted">No runs yet.</p>}
          {runs !== undefined && runs.length > 0 && (
            <ul aria-label="Runs">
              {runs.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    className="link"
                    aria-current={r.id === shown?.id ? 'true' : undefined}
                    onClick={() => setSelected(r.id)}
                  >
                    {r.name ?? r.id}
                  </button>{' '}
                  <span className={stateClass(stateWord(r))}>{stateWord(r)}</span>{' '}
                  <span className="muted">
                    {r.mode === 'RUN_MODE_APPLY' ? '' : `seed ${r.seed ?? 0}, `}
                    {r.startedAt === undefined ? '' : new Date(r.startedAt).toLocaleString()}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {shown !== undefined && <RunView run={shown} />}
      </div>
    </section>
  );
}

/** Lines of problems (each `file:line:col: …`), announced to screen readers. */
function Problems({ label, lines }: { label: string; lines: readonly string[] }) {
  return (
    <div role="alert" aria-label={label} className="error problems">
      <ul>
        {lines.map((line, i) => (
          <li key={i} className="mono">
            {line}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A column of a {@link Table}: its heading, and the class of its cells (`num`, `mono`). */
type Column = readonly [heading: string, className?: string];

/** A row of a {@link Table}: its key, its class, a cell per column. */
interface Row {
  readonly key: string;
  readonly className?: string;
  readonly cells: readonly ReactNode[];
}

/** A table named `label` for screen readers, scrolling sideways in a narrow window. */
function Table({
  label,
  columns,
  rows,
}: {
  label: string;
  columns: readonly Column[];
  rows: readonly Row[];
}) {
  return (
    <div className="scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map(([heading]) => (
              <th key={heading}>{heading}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.className}>
              {row.cells.map((cell, i) => (
                <td key={i} className={columns[i]?.[1]}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Up to `n` paths, then how many more. */
function firstOf(paths: readonly string[] | undefined, n = 5): string {
  const all = paths ?? [];
  const more = all.length - n;
  return all.slice(0, n).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * A plan in words: the tick it counts from, the definition it loads and
 * what that changes, the workloads it creates, each input at its tick, the
 * clock policy it sets, and what stands in its way.
 */
function PlanView({ plan, label, heading }: { plan: Plan; label: string; heading: string }) {
  const now = plan.now ?? 0;
  const inventory = plan.inventory;
  const changes: Array<[string, number | undefined, readonly string[] | undefined]> = [
    ['added', inventory?.added, inventory?.addedPaths],
    ['changed', inventory?.updated, inventory?.updatedPaths],
    ['removed', inventory?.removed, inventory?.removedPaths],
  ];
  const workloads = plan.workloads ?? [];
  const inputs = plan.inputs ?? [];
  const problems = plan.problems ?? [];
  return (
    <section className="plan" aria-label={label}>
      <h3>{heading}</h3>
      <p>
        Counted from tick {now}: the scenario&apos;s tick t is tick {now} + t.
      </p>
      <ul>
        <li>
          {inventory === undefined ? (
            'The definition in force is the scenario’s: nothing to load.'
          ) : (
            <>
              Loads {inventory.fileName} ({plural(inventory.blades ?? 0, 'blade')}):{' '}
              {changes.map(([word, n]) => `${n ?? 0} ${word}`).join(', ')},{' '}
              {inventory.unchanged ?? 0} unchanged.
              {changes
                .filter(([, n]) => (n ?? 0) > 0)
                .map(([word, , paths]) => (
                  <span key={word} className="mono paths">
                    {' '}
                    {word}: {firstOf(paths)}.
                  </span>
                ))}
            </>
          )}
        </li>
        <li>
          {workloads.length === 0
            ? 'Creates no workload.'
            : `Creates at tick ${now + 1}: ${workloads.join('; ')}.`}
        </li>
        {plan.clockPolicy !== undefined && (
          <li>
            Sets the clock to {wordOf(plan.clockPolicy)}
            {plan.clockRate === undefined ? '' : ` at ${plan.clockRate} ticks a second`}.
          </li>
        )}
      </ul>
      {inputs.length === 0 ? (
        <p>No input on its timeline.</p>
      ) : (
        <Table
          label="Inputs"
          columns={[['Tick', 'num'], ['Input'], ['Where', 'mono']]}
          rows={inputs.map((input, i) => ({
            key: String(i),
            cells: [input.at ?? 0, input.what, input.where],
          }))}
        />
      )}
      {problems.length > 0 && <Problems label="In the way" lines={problems} />}
    </section>
  );
}

/** One run: where it stands while it runs, then its report; its reason when it ended in error. */
function RunView({ run }: { run: ScenarioRun }) {
  const word = stateWord(run);
  const tick = run.tick ?? 0;
  const lastTick = run.lastTick ?? 0;
  return (
    <section className="run" aria-label={`Run ${run.id}`}>
      <h3>
        {run.name ?? run.id} <span className={stateClass(word)}>{word}</span>
      </h3>
      <p className="muted">
        {run.fileName} ·{' '}
        {run.mode === 'RUN_MODE_APPLY' ? 'applied, nothing reset' : `seed ${run.seed ?? 0}`}
        {run.requestedBy === undefined ? '' : ` · by ${run.requestedBy.replace(/^user:/, '')}`}
        {run.startedAt === undefined
          ? ''
          : ` · started ${new Date(run.startedAt).toLocaleString()}`}
      </p>
      {run.state === 'RUN_STATE_RUNNING' && (
        <div className="progress">
          <progress aria-label="Progress" value={tick} max={Math.max(lastTick, 1)} />
          <span aria-label="Where it stands">
            tick {tick} of {lastTick} at most{run.doing === undefined ? '' : `: ${run.doing}`}
          </span>
        </div>
      )}
      {run.reason !== undefined && run.reason !== '' && (
        <p role="alert" className="error">
          {word === 'interrupted' ? 'Interrupted' : 'Ended'}: {run.reason}
        </p>
      )}
      {run.report !== undefined && <ReportView report={run.report} />}
      {run.mode === 'RUN_MODE_APPLY' && run.plan !== undefined && (
        <PlanView plan={run.plan} label="What it applied" heading="What it applied" />
      )}
    </section>
  );
}

/** A percentage with one decimal (`99.5%`). */
function percent(x: number | undefined): string {
  return x === undefined ? '' : `${(x * 100).toFixed(1)}%`;
}

/** A mean in ticks with one decimal, or a dash when there was nothing to average. */
function ticks(x: number | undefined): string {
  return x === undefined ? '–' : x.toFixed(1);
}

/** A run's report: the headline, each expectation, the workload figures, the repairs, the digest. */
function ReportView({ report }: { report: Report }) {
  const expectations = report.expectations ?? [];
  const held = expectations.filter((e) => e.passed === true).length;
  const repairs = Object.entries(report.repairs ?? {});
  return (
    <div className="report">
      <p className={report.passed === true ? 'headline passed' : 'headline failed'}>
        {report.passed === true ? 'Passed' : 'Failed'} at tick {report.tick ?? 0}: {held} of{' '}
        {plural(expectations.length, 'expectation')} held
        {report.wallMs === undefined ? '' : ` (${(report.wallMs / 1000).toFixed(1)} s)`}.
      </p>
      {expectations.length > 0 && (
        <Table
          label="Expectations"
          columns={[['Held'], ['Tick', 'num'], ['Expected'], ['Observed'], ['Where', 'mono']]}
          rows={expectations.map((e, i) => ({
            key: String(i),
            ...(e.passed === true ? {} : { className: 'missed' }),
            cells: [
              <abbr key="held" title={e.passed === true ? 'held' : 'not held'}>
                {e.passed === true ? '✓' : '✗'}
              </abbr>,
              e.tick ?? 0,
              e.expected,
              e.observed,
              e.where,
            ],
          }))}
        />
      )}
      {(report.workloads ?? []).length > 0 && (
        <Table
          label="Workload figures"
          columns={[
            ['Workload'],
            ['Availability', 'num'],
            ['Instance-ticks lost', 'num'],
            ['Outages', 'num'],
            ['Worst outage (ticks)', 'num'],
            ['Mean detection (ticks)', 'num'],
            ['Mean recovery (ticks)', 'num'],
          ]}
          rows={(report.workloads ?? []).map((w) => ({
            key: w.name ?? '',
            cells: [
              w.name,
              percent(w.availability ?? 0),
              w.instanceTicksLost ?? 0,
              w.outages ?? 0,
              w.worstOutageTicks ?? 0,
              ticks(w.meanDetectionTicks),
              ticks(w.meanRecoveryTicks),
            ],
          }))}
        />
      )}
      <dl className="report-facts">
        <dt>Repairs</dt>
        <dd>
          {repairs.length === 0
            ? 'none'
            : repairs.map(([status, n]) => `${n} ${wordOf(status)}`).join(', ')}
        </dd>
        <dt>Digest</dt>
        <dd className="mono" aria-label="Digest">
          {report.digest}
        </dd>
      </dl>
    </div>
  );
}
