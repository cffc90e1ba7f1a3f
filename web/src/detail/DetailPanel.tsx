import { containerTypes, depthOf, deviceOf, rackOf, wireNameOf, wordOf } from '@chamber/world';
import { useEffect, useState } from 'react';
import {
  call,
  type BladeUse,
  type Element,
  type Fault,
  type Instance,
  type Repair,
} from '../api.js';
import { describeError } from '../pages/common.js';
import { demandWords, workloadLink, words } from '../pages/WorkloadsPage.js';
import { FaultForm, TargetForm } from './forms.js';

const views = ['definition', 'target', 'actual', 'observed'] as const;

type Record_ = Readonly<Record<string, unknown>>;

/** Where a blade's cable plugs in: a PDU's or TOR's index and port. */
interface Plug {
  readonly device?: number;
  readonly port?: number;
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

/** `sinceTick` → `since tick`: a record's field name as people read it. */
function fieldWords(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Faults applied to a device (fault id → the tick it began), each a link to the Faults page. */
function FaultLinks({ faults }: { faults: Record_ }) {
  const entries = Object.entries(faults);
  if (entries.length === 0) return <>none</>;
  return (
    <ul className="fault-links" aria-label="Faults applied">
      {entries.map(([id, tick]) => (
        <li key={id}>
          <a href="#/faults" title={`fault ${id} on the Faults page`}>
            {id}
          </a>{' '}
          since tick {String(tick)}
        </li>
      ))}
    </ul>
  );
}

/** One value of a record in words: enum names as words, lists joined, records nested. */
function Value({ name, value }: { name: string; value: unknown }) {
  if (name === 'faults' && isRecord(value)) return <FaultLinks faults={value} />;
  if (isRecord(value)) return <Fields record={value} />;
  if (Array.isArray(value)) return <>{value.map((v) => wordOf(String(v))).join(', ')}</>;
  return <>{typeof value === 'string' ? wordOf(value) : String(value)}</>;
}

/** A record's fields in words (see libs/world): `state: working`, never `BLADE_STATE_WORKING`. */
function Fields({ record }: { record: Record_ | undefined }) {
  if (record === undefined || Object.keys(record).length === 0) return <p>no record</p>;
  return (
    <dl className="fields">
      {Object.entries(record).map(([key, value]) => (
        <div key={key}>
          <dt>{fieldWords(key)}</dt>
          <dd>
            <Value name={key} value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A fault's schedule in words: `duration 15, every 3`. */
function scheduleWords(schedule: Record_ | undefined): string {
  return Object.entries(schedule ?? {})
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}

/**
 * The blades a PDU feeds or a TOR connects, from the rack's definition
 * (each blade names the PDU port that feeds it and the TOR port that
 * connects it); each opens that blade's panel.
 */
function Wiring({
  path,
  version,
  onSelect,
}: {
  path: string;
  version: number;
  onSelect: (path: string) => void;
}) {
  const { kind = '', index = '' } = deviceOf(path) ?? {};
  const [blades, setBlades] = useState<ReadonlyArray<{ path: string; port: number }>>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let isCancelled = false;
    const plug = kind === 'pdu' ? 'power' : 'network';
    call('listElements', {
      query: { path: rackOf(path), kind: 'blade', view: 'definition' },
    }).then(
      ({ body: answer }) => {
        if (isCancelled) return;
        setBlades(
          // A blade's definition record (free-form in the contract) holds its power and network plugs.
          (answer.elements as ReadonlyArray<Element & { blade?: Record<string, Plug | undefined> }>)
            .filter((e) => (e.blade?.[plug]?.device ?? 0) === Number(index))
            .map((e) => ({ path: e.path, port: e.blade?.[plug]?.port ?? 0 })),
        );
        setError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setError(describeError(e));
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [path, kind, index, version]);
  const title = kind === 'pdu' ? 'Blades it feeds' : 'Blades it connects';
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {blades !== undefined && blades.length === 0 && <p>none</p>}
      {blades !== undefined && blades.length > 0 && (
        <ul className="history">
          {blades.map((b) => (
            <li key={b.path}>
              <button type="button" className="link" onClick={() => onSelect(b.path)}>
                {b.path}
              </button>{' '}
              on port {b.port}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The instances placed on a blade: each with its state, observed health and
 * demand, a link to its workload on the Workloads page, and the blade's
 * cores used. Read again at every tick (`version`); always as of now.
 */
function BladeInstances({ path, version }: { path: string; version: number }) {
  const [read, setRead] = useState<
    { use: BladeUse | undefined; instances: readonly Instance[] } | undefined
  >();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let isCancelled = false;
    // The instances' states are asked of the workloads service only when
    // the blade holds any: an empty blade costs one store read.
    call('getCapacity', { query: { under: path } })
      .then(async (capacity) => {
        const use = capacity.body.blades.find((b) => b.blade === path);
        const instances =
          use === undefined || use.instances.length === 0
            ? []
            : (await call('listInstances', { query: { under: path } })).body.instances;
        return { use, instances };
      })
      .then(
        (answer) => {
          if (isCancelled) return;
          setRead(answer);
          setError(undefined);
        },
        (e: unknown) => {
          if (!isCancelled) setError(describeError(e));
        },
      );
    return () => {
      isCancelled = true;
    };
  }, [path, version]);
  const placed = read?.use?.instances ?? [];
  const stateOf = (workload: string, n: number) =>
    read?.instances.find((i) => i.workload === workload && i.n === n);
  return (
    <section aria-label="Instances">
      <h3>Instances</h3>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {read !== undefined && placed.length === 0 && <p>none placed</p>}
      {read?.use !== undefined && placed.length > 0 && (
        <>
          <p className="used">
            {read.use.used.cores} of {read.use.capacity.cores} cores used
            <meter
              min={0}
              max={read.use.capacity.cores || 1}
              value={read.use.used.cores}
              aria-label="Cores used"
            />
          </p>
          <ul className="history">
            {placed.map((p) => {
              const instance = stateOf(p.workload, p.n);
              return (
                <li key={`${p.workload}/${p.n}`}>
                  <a href={workloadLink(p.workload)} title={`${p.workload} on the Workloads page`}>
                    {p.workload}/{p.n}
                  </a>{' '}
                  <strong>{words(instance?.state ?? 'placed')}</strong>
                  {instance?.observed === undefined
                    ? ''
                    : ` · observed ${words(instance.observed)}`}{' '}
                  · {demandWords(p.demand)}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
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
  tickVersion,
  onClose,
  onSelect,
}: {
  path: string;
  rights: readonly string[];
  at: number | undefined;
  version: number;
  /** Bumped by every clock event: a blade's instances are read again. */
  tickVersion: number;
  onClose: () => void;
  /** Opens another element's panel (a blade this PDU or TOR is wired to). */
  onSelect: (path: string) => void;
}) {
  const [records, setRecords] = useState<Partial<Record<(typeof views)[number], Record_>>>({});
  const [faults, setFaults] = useState<readonly Fault[]>([]);
  const [repairs, setRepairs] = useState<readonly Repair[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [ownVersion, setOwnVersion] = useState(0);

  useEffect(() => {
    let isCancelled = false;
    Promise.all([
      Promise.all(
        views.map((view) =>
          call('getElement', { query: { path, view, ...(at === undefined ? {} : { at }) } }).then(
            ({ body: a }) => [view, recordOf(a.element as Record_)] as const,
          ),
        ),
      ),
      call('listFaults', { query: { target: path } }).then((a) => a.body),
      call('listRepairs', { query: { target: path } }).then((a) => a.body),
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

  const kindName = deviceOf(path)?.kind ?? containerTypes[depthOf(path) - 1];
  const kind = wordOf(wireNameOf('ELEMENT_KIND', kindName ?? ''));
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
      {kindName === 'blade' && <BladeInstances path={path} version={tickVersion + ownVersion} />}
      {views.map((view) => (
        <section key={view} aria-label={view} className="detail-view">
          <h3>{view}</h3>
          <Fields record={records[view]} />
        </section>
      ))}
      {(kindName === 'pdu' || kindName === 'tor') && (
        <Wiring path={path} version={version + ownVersion} onSelect={onSelect} />
      )}
      <section aria-label="Faults">
        <h3>Faults ({active.length} active or scheduled)</h3>
        {faults.length === 0 ? (
          <p>none</p>
        ) : (
          <ul className="history">
            {faults.map((f) => (
              <li key={f.id}>
                <a href="#/faults" title={`fault ${f.id ?? ''} on the Faults page`}>
                  {f.id}
                </a>{' '}
                <strong>{wordOf(f.kind)}</strong> {wordOf(f.status)} since tick {f.sinceTick ?? 0}{' '}
                on {(f.targets ?? []).join(', ')}
                {scheduleWords(f.schedule) === '' ? '' : ` · ${scheduleWords(f.schedule)}`}
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
                <strong>{wordOf(r.status)}</strong> opened at tick {r.openedTick ?? 0}
                {r.closedTick ? `, closed at ${r.closedTick}` : ''}
                {r.reason ? ` — ${r.reason}` : ''}
                <ol>
                  {(r.history ?? []).map((h, i) => (
                    <li key={i}>
                      tick {h.tick ?? 0}: {wordOf(h.action)} {wordOf(h.outcome)} — {h.reason ?? ''}
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
          The records above are as of tick {at}; instances, faults and repairs are as of now. Go
          back to live to act.
        </p>
      )}
      {at === undefined && (
        <FaultForm
          path={path}
          canInject={rights.includes('inject_faults')}
          onDone={() => setOwnVersion((v) => v + 1)}
        />
      )}
      {at === undefined && deviceOf(path) !== undefined && (
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
