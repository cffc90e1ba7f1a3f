import { useCallback, useState } from 'react';
import { ApiError } from '../api.js';
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
  const live = useLiveEvents(kinds, onEvent);
  return { version, live };
}

/** A query string of the non-empty values, with its `?` (or nothing). */
export function queryOf(values: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== '')).toString();
  return query === '' ? '' : `?${query}`;
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

/** A free-text filter, trimmed. */
export function TextFilter({
  label,
  value,
  example,
  onChange,
}: {
  label: string;
  value: string;
  example: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        value={value}
        placeholder={`e.g. ${example}`}
        onChange={(e) => onChange(e.target.value.trim())}
      />
    </label>
  );
}
