import { scheduleFields } from '@chamber/api';
import { keys } from '@chamber/world';
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, call, type Fault, type Repair, type ScenarioRun } from '../api.js';
import {
  bodySchema,
  inputBounds,
  numberProblem,
  scheduleInputs,
  type FieldSchema,
} from '../detail/limits.js';
import { type LiveState, useLiveEvents } from '../live.js';

/**
 * An error in words for people, with its status: unreachable, refused
 * (403), not accepted (400, naming the field), unavailable (503) or other.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const words: Readonly<Record<number, string>> = {
    400: 'Not accepted',
    403: 'Refused',
    503: 'Unavailable',
  };
  if (error.status === 0) return 'The Chamber frontend cannot be reached; is it running?';
  return `${words[error.status] ?? 'Failed'} (${error.status} ${error.code}): ${error.message}`;
}

/** A refused or failed request, announced to screen readers. */
export function Problem({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}

/**
 * A counter bumped by every event of `kinds`: a page re-reads what it shows
 * when it changes. Nothing polls.
 */
export function useVersion(kinds: string): { version: number; live: LiveState } {
  const [version, setVersion] = useState(0);
  const onEvent = useCallback(() => setVersion((v) => v + 1), []);
  const live = useLiveEvents(kinds, onEvent, undefined, onEvent);
  return { version, live };
}

/** Whether `path` is `ancestor` or lies under it (`r/z/rack1` is under `r/z`), as the API filters. */
export function isUnder(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** A path typed into a filter, without leading or trailing slashes. */
export function trimPath(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

/**
 * The records `isShown` keeps, oldest first by `tickOf`, then by id
 * (`f2` before `f10`): as the API filters and orders its lists.
 */
export function shownOldestFirst<T extends { readonly id: string }>(
  records: Iterable<T>,
  isShown: (record: T) => boolean,
  tickOf: (record: T) => number | undefined,
): T[] {
  return [...records]
    .filter(isShown)
    .sort(
      (a, b) =>
        (tickOf(a) ?? 0) - (tickOf(b) ?? 0) || a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
}

/** The records each store-fed event kind carries. */
interface LiveRecords {
  faults: Fault;
  repairs: Repair;
  scenarios: ScenarioRun;
}

/** The store prefix of each kind's keys, which its events carry: the record's id follows it. */
const livePrefix: { [K in keyof LiveRecords]: string } = {
  faults: keys.faultsPrefix,
  repairs: keys.repairsPrefix,
  scenarios: keys.scenarioRunsPrefix,
};

/** How each kind's records are read whole. */
const readLive: { [K in keyof LiveRecords]: () => Promise<Array<LiveRecords[K]>> } = {
  faults: async () => (await call('listFaults')).body.faults ?? [],
  repairs: async () => (await call('listRepairs')).body.repairs ?? [],
  scenarios: async () => (await call('listScenarioRuns')).body.runs,
};

/**
 * The records of a store-fed event kind (`faults`, `repairs`, `scenarios`), read once
 * through `GET /<kind>` and then kept current by the kind's events, which
 * carry each changed record whole: a change costs that record, never a
 * re-read. The read waits until the stream is live, and events arriving
 * meanwhile are applied after it, in order, so none is lost; changes are
 * applied once per frame. Undefined until read. `reread` reads again: an
 * input accepted for the next tick is listed before its record is written.
 */
export function useLiveRecords<K extends keyof LiveRecords>(
  kind: K,
): {
  records: ReadonlyMap<string, LiveRecords[K]> | undefined;
  error: unknown;
  reread: () => void;
} {
  type T = LiveRecords[K];
  const [records, setRecords] = useState<ReadonlyMap<string, T> | undefined>();
  const [error, setError] = useState<unknown>();
  const queue = useRef<Array<readonly [string, T | undefined]>>([]);
  const isRead = useRef(false);
  const frame = useRef(0);
  const flush = useCallback(() => {
    frame.current = 0;
    if (!isRead.current || queue.current.length === 0) return;
    const changes = queue.current.splice(0);
    setRecords((old) => {
      const next = new Map(old);
      for (const [id, record] of changes) {
        if (record === undefined) next.delete(id);
        else next.set(id, record);
      }
      return next;
    });
  }, []);
  const onEvent = useCallback(
    (_kind: string, data: string) => {
      const event = JSON.parse(data) as { type: string; key: string; value?: T };
      const id = event.key.slice(livePrefix[kind].length);
      queue.current.push([id, event.type === 'delete' ? undefined : event.value]);
      if (frame.current === 0) frame.current = requestAnimationFrame(flush);
    },
    [kind, flush],
  );
  const read = useCallback(() => {
    flush();
    readLive[kind]().then(
      (list) => {
        setRecords(new Map(list.map((r) => [r.id, r])));
        isRead.current = true;
        setError(undefined);
        flush();
      },
      (e: unknown) => setError(e),
    );
  }, [kind, flush]);
  // A stream that cannot resume loses changes: read the whole list again.
  const live = useLiveEvents(kind, onEvent, undefined, read);
  useEffect(() => {
    if (live === 'live' && !isRead.current) read();
  }, [live, read]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  return { records, error, reread: read };
}

/** The schedule fields of a fault form, as numbers; blank ones left out. */
export function scheduleOf(
  values: Readonly<Record<string, string>>,
): Partial<Record<(typeof scheduleFields)[number], number>> {
  const schedule: Partial<Record<(typeof scheduleFields)[number], number>> = {};
  for (const name of scheduleFields) {
    const value = values[name]?.trim() ?? '';
    if (value !== '') schedule[name] = Number(value);
  }
  return schedule;
}

/** A filter choosing one of `options`, or any (the empty value). */
export function ChoiceFilter({
  label,
  value,
  options,
  onChange,
  optionLabel = (o) => o,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  optionLabel?: (option: string) => string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {optionLabel(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * A free-text filter, trimmed. Its placeholder is `e.g. <example>` (a real
 * one, see {@link useInventoryExample}), or `shape` while none is known.
 */
export function TextFilter({
  label,
  value,
  example,
  shape = 'region/zone/rack',
  onChange,
}: {
  label: string;
  value: string;
  example: string | undefined;
  shape?: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        value={value}
        placeholder={exampleText(example, shape)}
        onChange={(e) => onChange(e.target.value.trim())}
      />
    </label>
  );
}

/**
 * A number field with its unit, if any, in its label (`At (tick)`), checked against
 * the API's `schema` as it is typed: what the API would refuse is said next
 * to the field (and the input marked invalid) before anything is sent.
 * Empty is fine here; a form says when a value is required.
 */
export function NumberField({
  label,
  unit,
  schema,
  value,
  onChange,
  size,
}: {
  label: string;
  unit?: string;
  schema: FieldSchema | undefined;
  value: string;
  onChange: (value: string) => void;
  size?: number;
}) {
  const problem = numberProblem(label, schema, value);
  const id = useId();
  return (
    <span className="field">
      <label title={schema?.description}>
        <span>
          {label}
          {unit !== undefined && <span className="unit"> ({unit})</span>}
        </span>
        <input
          type="number"
          step="any"
          {...inputBounds(schema)}
          {...(size === undefined ? {} : { size })}
          value={value}
          aria-invalid={problem !== undefined}
          {...(problem === undefined ? {} : { 'aria-describedby': id })}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      {problem !== undefined && (
        <span id={id} role="alert" className="field-error">
          {problem}
        </span>
      )}
    </span>
  );
}

/**
 * A fault's schedule fields (`POST /faults`), each a {@link NumberField}
 * with its unit and the API's limits; `schedule` holds them as typed.
 */
export function ScheduleFields({
  schedule,
  onChange,
}: {
  schedule: Readonly<Record<string, string>>;
  onChange: (schedule: Record<string, string>) => void;
}) {
  const schemas = bodySchema('injectFault');
  return scheduleInputs.map(({ name, label, unit }) => (
    <NumberField
      key={name}
      label={label}
      unit={unit}
      schema={schemas[name]}
      value={schedule[name] ?? ''}
      onChange={(value) => onChange({ ...schedule, [name]: value })}
    />
  ));
}

/** Moves the focus to the first field of `form` marked invalid; whether there was one. */
export function focusInvalid(form: HTMLFormElement): boolean {
  const field = form.querySelector<HTMLElement>('[aria-invalid="true"]');
  field?.focus();
  return field !== null;
}

/**
 * An in-page confirmation of a destructive action: a modal `<dialog>`
 * (role alertdialog) titled `title`, saying the consequence in words
 * (`children`), with Cancel focused first (Escape cancels too) and the
 * action's own button (`confirmLabel`).
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  isBusy = false,
  onConfirm,
  onCancel,
  children,
}: {
  title: string;
  confirmLabel: string;
  isBusy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const d = dialog.current;
    if (d !== null && !d.open) d.showModal();
    cancel.current?.focus();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      role="alertdialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      className="confirm-dialog"
      onCancel={(e) => {
        // Escape: the page closes it, as Cancel does.
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <p id={`${id}-text`}>{children}</p>
      <div className="buttons">
        <button ref={cancel} type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={isBusy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Real elements of the loaded inventory, for placeholders; each absent until read (or with nothing loaded). */
export interface InventoryExample {
  /** The loaded definition's name (`standard`). */
  readonly definition?: string;
  /** Its first rack (`standard/z1/rack1`). */
  readonly rack?: string;
  /** That rack's first blade (`standard/z1/rack1/blade/0`). */
  readonly blade?: string;
}

/** The first element of `path`'s children (of `kind`), if any. */
async function firstUnder(path: string | undefined, kind?: 'blade'): Promise<string | undefined> {
  const { body } = await call('listElements', {
    query: { ...(path === undefined ? {} : { path }), ...(kind === undefined ? {} : { kind }) },
  });
  return body.elements[0]?.path;
}

/**
 * The first rack and blade of the loaded inventory and its definition's
 * name, read once, so placeholders name what exists rather than a fixed
 * sample. A failed read leaves them absent (a placeholder is no place for
 * an error).
 */
export function useInventoryExample(): InventoryExample {
  const [example, setExample] = useState<InventoryExample>({});
  useEffect(() => {
    let isCurrent = true;
    const read = async (): Promise<InventoryExample> => {
      const { body: summary } = await call('getSummary');
      const region = await firstUnder(undefined);
      const zone = region === undefined ? undefined : await firstUnder(region);
      const rack = zone === undefined ? undefined : await firstUnder(zone);
      const blade = rack === undefined ? undefined : await firstUnder(rack, 'blade');
      return {
        ...(summary.definition === undefined ? {} : { definition: summary.definition }),
        ...(rack === undefined ? {} : { rack }),
        ...(blade === undefined ? {} : { blade }),
      };
    };
    read().then(
      (read) => isCurrent && setExample(read),
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, []);
  return example;
}

/** `e.g. <example>` for a placeholder, or the shape of one while no example is known. */
export function exampleText(example: string | undefined, shape: string): string {
  return example === undefined ? shape : `e.g. ${example}`;
}
