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
        if (ctx.options['csv'] === true && !ctx.isJson) printCsv(ctx, reportCsv(r));
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

/** The groups (`by` element, rack or zone; the workloads `by` workload) as rows, a header first. */
function reportRows(r: Report): string[][] {
  if (r.by === 'workload') return workloadRows(r);
  const row = (name: string, f: Figures, repairs: Report['repairs']): string[] => [
    name,
    percent(f.availability),
    String(f.failures),
    String(f.openOutages),
    optional(f.mtbfTicks),
    optional(f.mttrTicks),
    f.longestOutageTicks === 0 ? '-' : ticks(f.longestOutageTicks),
    optional(f.meanDetectionTicks),
    optional(f.meanRepairTicks),
    String(repairs.opened),
    String(repairs.escalations),
  ];
  return [
    [
      r.by,
      'availability',
      'failures',
      'open',
      'MTBF',
      'MTTR',
      'longest',
      'detection',
      'repair',
      'repairs',
      'escalated',
    ],
    ...r.groups.map((g) => row(g.name, g.figures, g.repairs)),
    row('total', r.total, r.repairs),
  ];
}

function workloadRows(r: Report): string[][] {
  return [
    ['workload', 'availability', 'lost', 'outages', 'open', 'worst', 'detection', 'recovery'],
    ...r.workloads.map((w) => [
      w.workload,
      percent(w.availability),
      `${w.instanceTicksLost.toLocaleString('en')} of ${w.instanceTicksDesired.toLocaleString('en')} instance-ticks`,
      String(w.outages),
      String(w.openOutages),
      w.worstOutageTicks === 0 ? '-' : ticks(w.worstOutageTicks),
      optional(w.meanDetectionTicks),
      optional(w.meanRecoveryTicks),
    ]),
  ];
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

/** The report's numbers as CSV rows: the groups and the total, or the workloads `by` workload. */
function reportCsv(r: Report): string[][] {
  if (r.by === 'workload') {
    return [
      [
        'workload',
        'availability',
        'instance_ticks_desired',
        'instance_ticks_lost',
        'outages',
        'open_outages',
        'worst_outage_ticks',
        'mean_detection_ticks',
        'mean_recovery_ticks',
      ],
      ...r.workloads.map((w) => [
        w.workload,
        cell(w.availability),
        cell(w.instanceTicksDesired),
        cell(w.instanceTicksLost),
        cell(w.outages),
        cell(w.openOutages),
        cell(w.worstOutageTicks),
        cell(w.meanDetectionTicks),
        cell(w.meanRecoveryTicks),
      ]),
    ];
  }
  const row = (name: string, f: Figures, repairs: Report['repairs']): string[] => [
    name,
    cell(f.elements),
    cell(f.elementTicks),
    cell(f.workingTicks),
    cell(f.availability),
    cell(f.failures),
    cell(f.openOutages),
    cell(f.mtbfTicks),
    cell(f.mttrTicks),
    cell(f.longestOutageTicks),
    cell(f.meanDetectionTicks),
    cell(f.meanRepairTicks),
    cell(repairs.opened),
    cell(repairs.escalations),
  ];
  return [
    [
      r.by,
      'elements',
      'element_ticks',
      'working_ticks',
      'availability',
      'failures',
      'open_outages',
      'mtbf_ticks',
      'mttr_ticks',
      'longest_outage_ticks',
      'mean_detection_ticks',
      'mean_repair_ticks',
      'repairs_opened',
      'escalations',
    ],
    ...r.groups.map((g) => row(g.name, g.figures, g.repairs)),
    row('total', r.total, r.repairs),
  ];
}

/** Rows as CSV (RFC 4180: a cell with a comma, quote or line break quoted). */
function printCsv(ctx: Context, rows: readonly (readonly string[])[]): void {
  for (const row of rows)
    ctx.print(row.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(','));
}
