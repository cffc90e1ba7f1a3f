import { Code } from '@chamber/errors';
import type { Operation } from './operation.js';

// Every 4xx answer names the field it is about, in the API's own words: a
// path or query parameter (`index`, `at`), a body field as a JSON path
// (`targets[0]`), a header in lower case (`content-type`, `if-match`,
// `authorization`), `body` for the body as a whole, or `url`/`method` for
// the request line. Services name fields by their gRPC (proto) names; this is
// the one place those become the API's.

/** Service field names the API calls otherwise, on every route. */
const serviceFieldNames: Readonly<Record<string, string>> = {
  as_of_tick: 'at',
  load_id: 'id',
  match_epoch: 'if-match',
  match_revision: 'if-match',
};

/** Service field names on `op` by their API names: the shared ones, then the route's own. */
function namesOf(op: Operation | undefined): Readonly<Record<string, string>> {
  return op?.serviceFields === undefined
    ? serviceFieldNames
    : { ...serviceFieldNames, ...op.serviceFields };
}

/**
 * What a refusal of `op` is about when nothing more precise is known: its
 * `subject`, else its last path parameter (the thing the URL names), else its
 * `path` query parameter, else its first required body field, else `url`.
 */
export function subjectOf(op: Operation | undefined): string {
  if (op === undefined) return 'url';
  if (op.subject !== undefined) return op.subject;
  const params = Object.keys(op.params ?? {});
  if (params.length > 0) return params[params.length - 1]!;
  if (op.query?.['path'] !== undefined) return 'path';
  return op.body?.required[0] ?? 'url';
}

/**
 * The API's name of the field an error of `op` with `code` is about. `field`
 * is what the error names (a service's proto name, `schedule.duration`, or a
 * JSON path with dots, `targets.0`, `faults.3.schedule.duration`), renamed
 * as the route table says (in an entry of a bulk call, the entry's field) and
 * written with brackets for indexes (`targets[0]`). Without one: the
 * credentials (`authorization`) for 401 and 403, `if-match` for a refused
 * guarded write when the request sent it, otherwise {@link subjectOf}.
 */
export function apiFieldOf(
  op: Operation | undefined,
  field: string | undefined,
  code: Code,
  hasPrecondition = false,
): string {
  if (field !== undefined && field !== '') {
    const names = namesOf(op);
    // An entry of a bulk call (`faults.3.schedule.duration`): its own field renamed.
    const entry = /^([A-Za-z]+\.\d+\.)(.+)$/.exec(field);
    const renamed =
      entry === null ? (names[field] ?? field) : entry[1]! + (names[entry[2]!] ?? entry[2]!);
    return renamed.replace(/\.(\d+)(?=\.|\[|$)/g, '[$1]');
  }
  if (code === Code.Unauthenticated || code === Code.PermissionDenied) return 'authorization';
  if ((code === Code.Aborted || code === Code.FailedPrecondition) && hasPrecondition) {
    return 'if-match';
  }
  return subjectOf(op);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `message` with the service field names it quotes in the API's words
 * (`as_of_tick 99999 is after the current tick 12` → `at 99999 is after the
 * current tick 12`), as {@link apiFieldOf} names the field.
 */
export function inApiWords(op: Operation | undefined, message: string): string {
  const names = Object.entries(namesOf(op))
    .filter(([from, to]) => from !== to && !to.includes('-'))
    .sort(([a], [b]) => b.length - a.length);
  let out = message;
  for (const [from, to] of names) {
    out = out.replace(new RegExp(`(?<![\\w.])${escape(from)}(?![\\w])`, 'g'), to);
  }
  return out;
}
