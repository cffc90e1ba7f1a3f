import { useCallback, useEffect, useState } from 'react';
import { wordOf } from '@chamber/world';
import type { PolicyWord } from '@chamber/world';
import { ApiError, call, type ClockStatus } from './api.js';
import { bodySchema, numberProblem } from './detail/limits.js';
import { ConfirmDialog, NumberField, Problem } from './pages/common.js';

/**
 * The clock: tick, policy, epoch and run, re-read at every clock event, and
 * its controls (for users with the step_time right): step 1, 10 or 100, run
 * at a rate (ticks per second) and pause, run until a tick, and reset
 * after an in-page confirmation. The rate and the tick are checked as typed
 * against the API's limits (nothing is sent while one is broken). A refused
 * or failed action says why.
 */
export function ClockBar({
  version,
  canStep,
  onClock,
}: {
  version: number;
  canStep: boolean;
  /** Told of every status read or answered. */
  onClock: (clock: ClockStatus) => void;
}) {
  const [clock, setOwnClock] = useState<ClockStatus | undefined>();
  const setClock = useCallback(
    (status: ClockStatus) => {
      setOwnClock(status);
      onClock(status);
    },
    [onClock],
  );
  const [error, setError] = useState<unknown>();
  const [rate, setRate] = useState('5');
  const [until, setUntil] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [isConfirming, setConfirming] = useState(false);
  const rateSchema = bodySchema('setPolicy').rate;
  const untilSchema = bodySchema('runUntil').tick;
  const isRateBad = numberProblem('Rate', rateSchema, rate) !== undefined || rate.trim() === '';
  const isUntilBad = numberProblem('Run until', untilSchema, until) !== undefined;

  useEffect(() => {
    call('getClock').then(({ body: read }) => {
      setClock(read);
      // The frontend is back: a refusal stays until the next action, "cannot be reached" goes.
      setError((e: unknown) => (e instanceof ApiError && e.status === 0 ? undefined : e));
    }, setError);
  }, [version, setClock]);

  const act = async (what: () => Promise<ClockStatus | undefined>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await what();
      if (next !== undefined) setClock(next);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const epoch = `"${clock?.epoch ?? 0}"`;
  const step = (count: number) => act(async () => (await call('step', { body: { count } })).body);
  const setPolicy = (policy: PolicyWord, extra: { rate?: number } = {}) =>
    act(async () => (await call('setPolicy', { body: { policy, ...extra }, ifMatch: epoch })).body);
  const reset = () => {
    setConfirming(false);
    void act(async () => (await call('resetClock', { body: {} })).body);
  };
  const policy = wordOf(clock?.policy ?? 'POLICY_PAUSED');
  const isRunning = policy === 'measured' || policy === 'no wait';

  return (
    <section className="clock" aria-label="Clock">
      <output className="tick" aria-live="polite" aria-label="Tick">
        {clock === undefined ? 'tick …' : `tick ${clock.tick ?? 0}`}
        {clock !== undefined && clock.settled !== true && ' (settling)'}
      </output>
      <span>
        {policy}
        {policy === 'measured' ? ` at ${clock?.rate ?? 0}/s` : ''} · epoch {clock?.epoch ?? 0} · run{' '}
        {clock?.run ?? 0}
      </span>
      {canStep && (
        <span className="controls" role="group" aria-label="Clock controls">
          {[1, 10, 100].map((n) => (
            <button
              key={n}
              type="button"
              disabled={isBusy || isRunning}
              onClick={() => void step(n)}
            >
              Step {n}
            </button>
          ))}
          {isRunning ? (
            <button type="button" onClick={() => void setPolicy('paused')}>
              Pause
            </button>
          ) : (
            <button
              type="button"
              disabled={isRateBad}
              onClick={() => void setPolicy('measured', { rate: Number(rate) })}
            >
              Run
            </button>
          )}
          <NumberField
            label="Rate"
            unit="ticks/s"
            schema={rateSchema}
            value={rate}
            onChange={setRate}
            size={4}
          />
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              if (isUntilBad) return;
              void act(
                async () => (await call('runUntil', { body: { tick: Number(until) } })).body,
              );
            }}
          >
            <NumberField
              label="Run until"
              unit="tick"
              schema={untilSchema}
              value={until}
              onChange={setUntil}
              size={6}
            />
            <button
              type="submit"
              disabled={isBusy || isRunning || isUntilBad || until.trim() === ''}
            >
              Go
            </button>
          </form>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Reset…
          </button>
        </span>
      )}
      {isConfirming && (
        <ConfirmDialog
          title="Reset the simulation?"
          confirmLabel="Reset"
          isBusy={isBusy}
          onConfirm={reset}
          onCancel={() => setConfirming(false)}
        >
          Reset deletes the simulated world of run {clock?.run ?? 0}, now at tick {clock?.tick ?? 0}{' '}
          (its faults, repairs, workloads and every element&apos;s state), and starts run{' '}
          {(clock?.run ?? 0) + 1} at tick 0, paused, rebuilt from the definition and the seed. It
          cannot be undone.
        </ConfirmDialog>
      )}
      <Problem error={error} />
    </section>
  );
}
