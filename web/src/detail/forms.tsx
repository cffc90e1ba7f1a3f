import {
  enumTypes,
  faultKinds,
  fromWire,
  isOneOf,
  targetStates,
  type FaultKindWord,
  type TargetStateWord,
} from '@chamber/world';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { BodyOf } from '@chamber/api';
import { call } from '../api.js';
import {
  ConfirmDialog,
  describeError,
  focusInvalid,
  ScheduleFields,
  scheduleOf,
} from '../pages/common.js';

function Outcome({ error, done }: { error: string | undefined; done: string | undefined }) {
  if (error !== undefined) {
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  }
  return done === undefined ? null : <p role="status">{done}</p>;
}

/**
 * Injects a fault of any kind on the element (a rack, zone or region means
 * everything in it), with any schedule; empty fields are left out. Each
 * field says its unit and is checked as typed against the API's limits;
 * nothing is sent while one is broken.
 */
export function FaultForm({
  path,
  canInject,
  onDone,
}: {
  path: string;
  canInject: boolean;
  onDone: () => void;
}) {
  const [kind, setKind] = useState<FaultKindWord>(faultKinds[0]);
  const [schedule, setSchedule] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setDone(undefined);
    setError(undefined);
    // Refused here as the API would refuse it (its schema's limits, said by the field), unsent.
    if (focusInvalid(e.currentTarget)) return;
    setBusy(true);
    setError(undefined);
    const body: BodyOf<'injectFault'> = { kind, targets: [path], ...scheduleOf(schedule) };
    try {
      const { body: fault } = await call('injectFault', { body });
      setError(undefined);
      setDone(`Fault ${'id' in fault ? fault.id : ''} injected.`);
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="detail-form"
      aria-label="Inject a fault"
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h3>Inject a fault</h3>
      {!canInject && <p className="note">You lack the inject_faults right; it will be refused.</p>}
      <label>
        Kind
        <select
          value={kind}
          onChange={(e) => isOneOf(faultKinds, e.target.value) && setKind(e.target.value)}
        >
          {faultKinds.map((k) => (
            <option key={k} value={k}>
              {k.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <div className="schedule">
        <ScheduleFields schedule={schedule} onChange={setSchedule} />
      </div>
      <button type="submit" disabled={isBusy}>
        Inject
      </button>
      <Outcome error={error} done={done} />
    </form>
  );
}

/**
 * Sets the element's target, with If-Match: the ETag its current target was
 * read with, so a change made meanwhile is refused (412) rather than lost.
 * Retiring is confirmed in the page first.
 */
export function TargetForm({
  path,
  canModify,
  version,
  onDone,
}: {
  path: string;
  canModify: boolean;
  version: number;
  onDone: () => void;
}) {
  const [etag, setEtag] = useState<string | undefined>();
  const [state, setState] = useState<TargetStateWord>('in_service');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);
  // A ref, not state: the read's answer must see a choice made while it was on its way.
  const isEdited = useRef(false);
  const [isConfirming, setConfirming] = useState(false);

  useEffect(() => {
    let isCancelled = false;
    call('getTarget', { query: { path } }).then(
      ({ body, etag: tag }) => {
        if (isCancelled) return;
        setEtag(tag);
        // The element's record in the target view: its `target` field (the schema's open part).
        const target = (body.element as { target?: { state?: string } }).target;
        const current = fromWire(enumTypes.targetState, target?.state ?? '');
        if (!isEdited.current && isOneOf(targetStates, current)) setState(current);
      },
      (e: unknown) => {
        if (!isCancelled) setError(describeError(e));
      },
    );
    return () => {
      isCancelled = true;
    };
    // A user's pending choice (isEdited) is kept when the target is re-read.
  }, [path, version]);

  const submit = async (e?: FormEvent): Promise<void> => {
    e?.preventDefault();
    if (e !== undefined && state === 'retired') {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const { body: answer } = await call('setTarget', {
        query: { path },
        body: { state, ...(reason.trim() === '' ? {} : { reason: reason.trim() }) },
        ...(etag === undefined ? {} : { ifMatch: etag }),
      });
      setDone(
        `Target set to ${state.replaceAll('_', ' ')} from tick ${answer.effectiveTick ?? 0}.`,
      );
      isEdited.current = false;
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="detail-form" aria-label="Set the target" onSubmit={(e) => void submit(e)}>
      <h3>Set the target</h3>
      {!canModify && (
        <p className="note">You lack the modify_inventory right; it will be refused.</p>
      )}
      <label>
        State
        <select
          value={state}
          onChange={(e) => {
            if (isOneOf(targetStates, e.target.value)) setState(e.target.value);
            isEdited.current = true;
          }}
        >
          {targetStates.map((s) => (
            <option key={s} value={s}>
              {s.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason
        <input value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      </label>
      <button type="submit" disabled={isBusy || etag === undefined}>
        Set target
      </button>
      {isConfirming && (
        <ConfirmDialog
          title={`Retire ${path}?`}
          confirmLabel="Retire"
          isBusy={isBusy}
          onConfirm={() => void submit()}
          onCancel={() => setConfirming(false)}
        >
          From the next tick {path} is meant to be out of service for good: the control plane stops
          keeping it in service, until its target is set back.
        </ConfirmDialog>
      )}
      <Outcome error={error} done={done} />
    </form>
  );
}
