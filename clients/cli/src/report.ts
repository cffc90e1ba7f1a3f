import type { Report, ReportSeries } from '@chamber/api';
import { meanTicks, table, ticks } from './format.js';
import { show, type AreaExtension, type Context, type ExtraOption } from './program.js';

const csvOption: ExtraOption = {
  flags: '--csv',
  description: 'print comma-separated values (a header line, then one line per row)',
};

/**
 * The `report` area: `chamber report` is `chamber report show` (the run's
 * figures by rack, element, zone or workload), `chamber report series` the
 * run tick by tick. Each prints a table, `--json` the answer, `--csv` rows.
 */
export const reportArea: AreaExtension = {
  summary: 'reports of the run: availability, failures, MTBF/MTTR, detection and repair',
  defaultCommand: 'show',
  commands: {
    show: {
      options: [csvOption],
      print: (ctx, body) => {
        const r = body as Report;
        if (ctx.options['csv'] === true && !ctx.isJson) printCsv(ctx, reportRows(r, true));
        else show(ctx, r, formatReport(r));
      },
    },
    series: {
      options: [csvOption],
      print: (ctx, body) => {
        const s = body as ReportSeries;
        if (ctx.options['csv'] === true && !ctx.isJson) printCsv(ctx, seriesRows(s));
        else show(ctx, s, table(seriesRows(s)));
      },
    },
  },
};

type Figures = Report['total'];

const percent = (share: number): string => `${(Math.floor(share * 10000) / 100).toFixed(2)} %`;
const optional = (n: number | undefined): string => (n === undefined ? '-' : meanTicks(n));
/** A figure in a CSV cell: the number, or empty when there is none. */
const cell = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** The figures {@link figureWords} reads: an API answer's or a scenario report's. */
export interface FigureFields {
  readonly availability: number;
  readonly failures: number;
  readonly openOutages: number;
  readonly longestOutageTicks: number;
  readonly mtbfTicks?: number | undefined;
  readonly mttrTicks?: number | undefined;
  readonly meanDetectionTicks?: number | undefined;
  readonly meanRepairTicks?: number | undefined;
}

/** `availability 97.78 %, 2 failures, MTBF 35 ticks, MTTR 10 ticks, …` */
export function figureWords(f: FigureFields): string {
  const parts = [
    `availability ${percent(f.availability)}`,
    `${f.failures} failure${f.failures === 1 ? '' : 's'}${f.openOutages === 0 ? '' : ` (${f.openOutages} outage${f.openOutages === 1 ? '' : 's'} open)`}`,
  ];
  if (f.mtbfTicks !== undefined) parts.push(`MTBF ${meanTicks(f.mtbfTicks)}`);
  if (f.mttrTicks !== undefined) parts.push(`MTTR ${meanTicks(f.mttrTicks)}`);
  if (f.longestOutageTicks > 0) parts.push(`longest outage ${ticks(f.longestOutageTicks)}`);
  if (f.meanDetectionTicks !== undefined)
    parts.push(`detected after ${meanTicks(f.meanDetectionTicks)}`);
  if (f.meanRepairTicks !== undefined) parts.push(`repaired in ${meanTicks(f.meanRepairTicks)}`);
  return parts.join(', ');
}

function repairWords(r: Report['repairs']): string {
  if (r.opened === 0) return 'no repair opened';
  const outcomes = Object.entries(r.byOutcome).map(([word, n]) => `${n} ${word}`);
  const steps = Object.entries(r.byStep).map(([word, n]) => `${word.replaceAll('_', ' ')} ×${n}`);
  return `${r.opened} opened (${outcomes.join(', ')})${steps.length === 0 ? '' : `; steps: ${steps.join(', ')}`}; ${r.escalations} escalated`;
}

/** The report for people: the totals in sentences, the groups and workloads as tables. */
export function formatReport(r: Report): string[] {
  const lines = [
    `run ${r.run}, ticks ${r.fromTick} to ${r.toTick}: ${r.total.elements} elements`,
    `  ${figureWords(r.total)}`,
    `  repairs: ${repairWords(r.repairs)}`,
    `  at tick ${r.toTick}: ${r.openFaults} fault${r.openFaults === 1 ? '' : 's'} active, ${r.openRepairs} repair${r.openRepairs === 1 ? '' : 's'} open, ${r.pendingInstances} instance${r.pendingInstances === 1 ? '' : 's'} pending`,
  ];
  if (r.groups.length > 0) lines.push('', ...table(reportRows(r)).map((l) => `  ${l}`));
  if (r.workloads.length > 0) lines.push('', ...table(workloadRows(r)).map((l) => `  ${l}`));
  return lines;
}

/**
 * One column of a report's table: its head for people and its value as
 * text (absent: CSV only), its CSV head and number (absent: people only).
 */
interface Column<T> {
  readonly head?: string;
  readonly text?: (x: T) => string;
  readonly csv?: string;
  readonly value?: (x: T) => number | undefined;
}

/** A group's figures and repairs, as a row of the table. */
interface GroupRow {
  readonly f: Figures;
  readonly repairs: Report['repairs'];
}

const orDash = (n: number): string => (n === 0 ? '-' : ticks(n));

const groupColumns: ReadonlyArray<Column<GroupRow>> = [
  { csv: 'elements', value: (x) => x.f.elements },
  { csv: 'element_ticks', value: (x) => x.f.elementTicks },
  { csv: 'working_ticks', value: (x) => x.f.workingTicks },
  {
    head: 'availability',
    text: (x) => percent(x.f.availability),
    csv: 'availability',
    value: (x) => x.f.availability,
  },
  {
    head: 'failures',
    text: (x) => String(x.f.failures),
    csv: 'failures',
    value: (x) => x.f.failures,
  },
  {
    head: 'open',
    text: (x) => String(x.f.openOutages),
    csv: 'open_outages',
    value: (x) => x.f.openOutages,
  },
  {
    head: 'MTBF',
    text: (x) => optional(x.f.mtbfTicks),
    csv: 'mtbf_ticks',
    value: (x) => x.f.mtbfTicks,
  },
  {
    head: 'MTTR',
    text: (x) => optional(x.f.mttrTicks),
    csv: 'mttr_ticks',
    value: (x) => x.f.mttrTicks,
  },
  {
    head: 'longest',
    text: (x) => orDash(x.f.longestOutageTicks),
    csv: 'longest_outage_ticks',
    value: (x) => x.f.longestOutageTicks,
  },
  {
    head: 'detection',
    text: (x) => optional(x.f.meanDetectionTicks),
    csv: 'mean_detection_ticks',
    value: (x) => x.f.meanDetectionTicks,
  },
  {
    head: 'repair',
    text: (x) => optional(x.f.meanRepairTicks),
    csv: 'mean_repair_ticks',
    value: (x) => x.f.meanRepairTicks,
  },
  {
    head: 'repairs',
    text: (x) => String(x.repairs.opened),
    csv: 'repairs_opened',
    value: (x) => x.repairs.opened,
  },
  {
    head: 'escalated',
    text: (x) => String(x.repairs.escalations),
    csv: 'escalations',
    value: (x) => x.repairs.escalations,
  },
];

type WorkloadRow = Report['workloads'][number];

const workloadColumns: ReadonlyArray<Column<WorkloadRow>> = [
  {
    head: 'availability',
    text: (w) => percent(w.availability),
    csv: 'availability',
    value: (w) => w.availability,
  },
  {
    head: 'lost',
    text: (w) =>
      `${w.instanceTicksLost.toLocaleString('en')} of ${w.instanceTicksDesired.toLocaleString('en')} instance-ticks`,
  },
  { csv: 'instance_ticks_desired', value: (w) => w.instanceTicksDesired },
  { csv: 'instance_ticks_lost', value: (w) => w.instanceTicksLost },
  { head: 'outages', text: (w) => String(w.outages), csv: 'outages', value: (w) => w.outages },
  {
    head: 'open',
    text: (w) => String(w.openOutages),
    csv: 'open_outages',
    value: (w) => w.openOutages,
  },
  {
    head: 'worst',
    text: (w) => orDash(w.worstOutageTicks),
    csv: 'worst_outage_ticks',
    value: (w) => w.worstOutageTicks,
  },
  {
    head: 'detection',
    text: (w) => optional(w.meanDetectionTicks),
    csv: 'mean_detection_ticks',
    value: (w) => w.meanDetectionTicks,
  },
  {
    head: 'recovery',
    text: (w) => optional(w.meanRecoveryTicks),
    csv: 'mean_recovery_ticks',
    value: (w) => w.meanRecoveryTicks,
  },
];

/**
 * Named rows under `columns`, a header first (`first` heads the names):
 * for people (`isCsv` false: the columns with a text) or as CSV (the
 * columns with a number; a figure that does not exist is an empty cell).
 */
function rowsOf<T>(
  first: string,
  columns: ReadonlyArray<Column<T>>,
  rows: ReadonlyArray<readonly [string, T]>,
  isCsv: boolean,
): string[][] {
  const shown = columns.filter((c) => (isCsv ? c.value !== undefined : c.text !== undefined));
  const head = shown.map((c) => (isCsv ? c.csv : c.head) ?? '');
  const cells = (x: T): string[] => shown.map((c) => (isCsv ? cell(c.value!(x)) : c.text!(x)));
  return [[first, ...head], ...rows.map(([name, x]) => [name, ...cells(x)])];
}

/** The groups (`by` element, rack or zone) and the total, or the workloads `by` workload. */
function reportRows(r: Report, isCsv = false): string[][] {
  if (r.by === 'workload') return workloadRows(r, isCsv);
  return rowsOf(
    r.by,
    groupColumns,
    [
      ...r.groups.map((g): [string, GroupRow] => [g.name, { f: g.figures, repairs: g.repairs }]),
      ['total', { f: r.total, repairs: r.repairs }],
    ],
    isCsv,
  );
}

function workloadRows(r: Report, isCsv = false): string[][] {
  return rowsOf(
    'workload',
    workloadColumns,
    r.workloads.map((w) => [w.workload, w] as const),
    isCsv,
  );
}

function seriesRows(s: ReportSeries): string[][] {
  const words = (pick: (p: ReportSeries['points'][number]) => Record<string, number>) =>
    [...new Set(s.points.flatMap((p) => Object.keys(pick(p))))].sort();
  const actual = words((p) => p.actual);
  const observed = words((p) => p.observed);
  return [
    ['tick', ...actual, ...observed.map((w) => `observed ${w}`), 'repairs open'],
    ...s.points.map((p) => [
      String(p.tick),
      ...actual.map((w) => String(p.actual[w] ?? 0)),
      ...observed.map((w) => String(p.observed[w] ?? 0)),
      String(p.repairsOpen),
    ]),
  ];
}

/** Rows as CSV (RFC 4180: a cell with a comma, quote or line break quoted). */
function printCsv(ctx: Context, rows: readonly (readonly string[])[]): void {
  for (const row of rows)
    ctx.print(row.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(','));
}
