import {
  Element,
  elementKindToJSON,
  Policy,
  policyToJSON,
  viewToJSON,
  type ClockStatus,
} from '@chamber/protos';
import { enumTypes, fromWire, wordOf } from '@chamber/world';

/** How many hex digits of the world digest the readable output shows. */
const digestDigits = 8;

/** The policy in the API's word (`manual`, `no_wait`); `unspecified` for none. */
export function policyName(policy: Policy): string {
  return fromWire(enumTypes.policy, policyToJSON(policy)) ?? 'unspecified';
}

/**
 * The status in one line: `tick 42 (settled) · policy manual · epoch 3 · run 1
 * seed 1 · digest 3fa2c9d1…`, with the rate, bound, lag and lost determinism
 * when they apply.
 */
export function formatHeadline(status: ClockStatus): string {
  const parts = [
    status.settled
      ? `tick ${status.tick} (settled)`
      : `tick ${status.tick} (settling; ${status.settledTick} settled)`,
    status.policy === Policy.POLICY_MEASURED
      ? `policy measured at ${status.rate} ticks/s`
      : `policy ${policyName(status.policy)}`,
  ];
  if (status.until !== undefined) parts.push(`until ${status.until}`);
  parts.push(`epoch ${status.epoch}`, `run ${status.run} seed ${status.seed}`);
  if (status.digest !== '') parts.push(`digest ${status.digest.slice(0, digestDigits)}…`);
  if (status.lagSeconds > 0) parts.push(`lag ${status.lagSeconds.toFixed(2)} s`);
  if (!status.deterministic) parts.push('not deterministic');
  return parts.join(' · ');
}

/**
 * The status for people: the headline, then who the tick waits for, the
 * participants and the notes on lost determinism, each only when there are
 * any.
 */
export function formatStatus(status: ClockStatus): string[] {
  const lines = [formatHeadline(status)];
  if (status.waitingFor.length > 0) lines.push(`waiting for: ${status.waitingFor.join(', ')}`);
  if (status.participants.length > 0) lines.push(`participants: ${status.participants.join(', ')}`);
  if (status.oldestTick > 0) {
    lines.push(
      `history: ticks ${status.oldestTick} to ${status.settledTick} (older ones compacted; --at reads these)`,
    );
  }
  for (const note of status.notes) lines.push(`note: ${note}`);
  return lines;
}

/**
 * One line per change, for `watch`: the headline and, while the tick is
 * unsettled, who it waits for.
 */
export function formatWatchLine(status: ClockStatus): string {
  const headline = formatHeadline(status);
  return status.waitingFor.length > 0
    ? `${headline} · waiting for ${status.waitingFor.join(', ')}`
    : headline;
}

/** The JSON form of a status: every field, always present (`until` null when unbounded). */
export type ClockStatusJson = ReturnType<typeof statusToJson>;

/**
 * The status for programs: the proto's field names (camelCase) and enum
 * names, but every field present, including the zeros and empty lists that
 * proto JSON leaves out, and `until` null when unbounded.
 */
export function statusToJson(status: ClockStatus) {
  const { policy, until, ...rest } = status;
  return { ...rest, policy: policyToJSON(policy), until: until ?? null };
}

/** `sinceTick` → `since tick`: a record's field name as people read it. */
function fieldWords(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** One value of a record in words: enum names as words, lists joined. */
function valueWords(value: unknown): string {
  if (typeof value === 'string') return wordOf(value);
  if (Array.isArray(value)) return value.map(valueWords).join(', ');
  return String(value);
}

/**
 * The fields of `record`, one per line as `name: value`, in words: enum
 * names are words (`working`, `PDU`, `in service`), a faults map is the list
 * of its fault ids with the tick each began, nested records are indented.
 */
function recordLines(record: Readonly<Record<string, unknown>>, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    const name = fieldWords(key);
    if (key === 'faults' && typeof value === 'object' && value !== null) {
      const faults = Object.entries(value as Record<string, unknown>);
      lines.push(`${indent}${name}: ${faults.length === 0 ? 'none' : ''}`.trimEnd());
      for (const [id, tick] of faults)
        lines.push(`${indent}  - ${id} (since tick ${String(tick)})`);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      lines.push(`${indent}${name}:`);
      lines.push(...recordLines(value as Record<string, unknown>, `${indent}  `));
    } else {
      lines.push(`${indent}${name}: ${valueWords(value)}`);
    }
  }
  return lines;
}

/**
 * An element for people, as `inventory get` prints it: a headline (`PDU
 * standard/z1/rack3/pdu/0 · actual · revision 41`) and its record's fields
 * in words, one per line (see {@link recordLines}); `(no record in this
 * view)` when the view holds none.
 */
export function formatElement(element: Element): string[] {
  const headline = [
    `${wordOf(elementKindToJSON(element.kind))} ${element.path}`,
    wordOf(viewToJSON(element.view)),
    ...(element.revision === 0 ? [] : [`revision ${element.revision}`]),
  ].join(' · ');
  // The records are the element's only object fields (path, kind, view and revision are not).
  const bodies = Object.values(Element.toJSON(element) as Record<string, unknown>).filter(
    (r): r is Record<string, unknown> => typeof r === 'object' && r !== null,
  );
  if (bodies.length === 0) return [headline, '  (no record in this view)'];
  return [headline, ...bodies.flatMap((r) => recordLines(r, '  '))];
}

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `1 tick`, `12,345 ticks`. */
export const ticks = (n: number): string => `${n.toLocaleString('en')} tick${n === 1 ? '' : 's'}`;
/** `1 tick`, `2.5 ticks` (a mean to one decimal at most). */
export const meanTicks = (n: number): string => ticks(Math.round(n * 10) / 10);
