import type { AnswerOf, OperationId } from '@chamber/api';
import {
  ReportLevel,
  type ElementOutage,
  type GetReportResponse,
  type RepairCounts,
  type ReportFigures,
  type WorkloadReport,
} from '@chamber/protos';
import type { ReportsClient } from '@chamber/reports-client';
import { enumTypes, fromWire, toWire, type ReportLevelWord } from '@chamber/world';
import type { Handlers } from '../http/server.js';

/** The monitor's Reports service, behind the report routes. */
export interface ReportDeps {
  readonly reports: ReportsClient;
}

/** The routes {@link reportHandlers} serves. */
export type ReportId = Extract<OperationId, 'getReport' | 'getReportSeries'>;

type Report = AnswerOf<'getReport'>;

/** `{ name: value }` when `value` is there, `{}` otherwise (the answers leave out what is not). */
const present = <K extends string, V>(name: K, value: V | undefined) =>
  (value === undefined ? {} : { [name]: value }) as Partial<Record<K, V>>;

function figuresAnswer(f: ReportFigures | undefined): Report['total'] {
  const x = f ?? emptyFigures;
  return {
    elements: x.elements,
    elementTicks: x.elementTicks,
    workingTicks: x.workingTicks,
    availability: x.availability,
    failures: x.failures,
    openOutages: x.openOutages,
    ...present('mtbfTicks', x.mtbfTicks),
    ...present('mttrTicks', x.mttrTicks),
    longestOutageTicks: x.longestOutageTicks,
    ...present('meanDetectionTicks', x.meanDetectionTicks),
    ...present('meanRepairTicks', x.meanRepairTicks),
  };
}

const emptyFigures: ReportFigures = {
  elements: 0,
  elementTicks: 0,
  workingTicks: 0,
  availability: 1,
  failures: 0,
  openOutages: 0,
  mtbfTicks: undefined,
  mttrTicks: undefined,
  longestOutageTicks: 0,
  meanDetectionTicks: undefined,
  meanRepairTicks: undefined,
};

function repairsAnswer(r: RepairCounts | undefined): Report['repairs'] {
  return {
    opened: r?.opened ?? 0,
    byOutcome: { ...r?.byOutcome },
    byStep: { ...r?.byStep },
    escalations: r?.escalations ?? 0,
  };
}

function outageAnswer(o: ElementOutage): Report['groups'][number]['outages'][number] {
  return {
    path: o.path,
    startTick: o.startTick,
    ...present('detectedTick', o.detectedTick),
    ...present('endTick', o.endTick),
    ticks: o.ticks,
  };
}

function workloadAnswer(w: WorkloadReport): Report['workloads'][number] {
  return {
    workload: w.workload,
    availability: w.availability,
    instanceTicksDesired: w.instanceTicksDesired,
    instanceTicksLost: w.instanceTicksLost,
    outages: w.outages,
    openOutages: w.openOutages,
    worstOutageTicks: w.worstOutageTicks,
    ...present('meanDetectionTicks', w.meanDetectionTicks),
    ...present('meanRecoveryTicks', w.meanRecoveryTicks),
  };
}

/** A report as the API answers it: levels in words, figures absent when there are none. */
export function reportAnswer(r: GetReportResponse): Report {
  return {
    run: r.run,
    fromTick: r.fromTick,
    toTick: r.toTick,
    by: (fromWire(enumTypes.reportLevel, ReportLevel[r.by] ?? '') ?? 'rack') as ReportLevelWord,
    total: figuresAnswer(r.total),
    repairs: repairsAnswer(r.repairs),
    groups: r.groups.map((g) => ({
      name: g.name,
      figures: figuresAnswer(g.figures),
      repairs: repairsAnswer(g.repairs),
      outages: g.outages.map(outageAnswer),
    })),
    workloads: r.workloads.map(workloadAnswer),
    openFaults: r.openFaults,
    openRepairs: r.openRepairs,
    pendingInstances: r.pendingInstances,
  };
}

/** The report routes: reads, for any logged-in user. */
export function reportHandlers({ reports }: ReportDeps): Pick<Handlers, ReportId> {
  return {
    async getReport(request) {
      const { from, to, by, run } = request.input.query;
      const level =
        by === undefined
          ? ReportLevel.REPORT_LEVEL_RACK
          : ReportLevel[toWire(enumTypes.reportLevel, by) as keyof typeof ReportLevel];
      return { body: reportAnswer(await reports.report({ from, to, run }, level)) };
    },
    async getReportSeries(request) {
      const { from, to, run } = request.input.query;
      const s = await reports.series({ from, to, run });
      return {
        body: {
          run: s.run,
          fromTick: s.fromTick,
          toTick: s.toTick,
          points: s.points.map((p) => ({
            tick: p.tick,
            actual: { ...p.actual },
            observed: { ...p.observed },
            repairsOpen: p.repairsOpen,
            workloads: p.workloads.map((w) => ({ ...w })),
          })),
        },
      };
    },
  };
}
