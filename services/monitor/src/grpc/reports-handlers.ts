import { ChamberError, Code } from '@chamber/errors';
import { unary, type HandlerLogger } from '@chamber/grpc';
import {
  RepairStatus,
  ReportLevel,
  StepAction,
  type GetReportResponse,
  type GetSeriesResponse,
  type RepairCounts as RepairCountsMessage,
  type ReportFigures,
  type ReportsServer,
  type WorkloadReport,
} from '@chamber/protos';
import type { Store } from '@chamber/store';
import { summarizeAvailability } from '@chamber/workloads-client';
import { enumTypes, fromWire, type ReportLevelWord } from '@chamber/world';
import {
  addRepairCounts,
  addTally,
  countRepair,
  emptyRepairCounts,
  emptyTally,
  figuresOf,
  foldElement,
  groupOf,
  type ElementOutage,
  type RepairCounts,
  type Tally,
} from '../domain/report.js';
import { seriesOf } from '../domain/series.js';
import { isWorkingWord, readRun, resolveRange, type RunRecords } from '../reports/history.js';
import { inTurns } from '../reports/turns.js';

/**
 * The Reports RPCs (`chamber.reports.v1.Reports`): a run's report and its
 * series, read from the store's history (see src/reports/history.ts for the
 * reads and their errors, src/domain/ for the folds).
 */
export function createReportsHandlers(store: Store, logger: HandlerLogger): ReportsServer {
  return {
    getReport: unary(async (req) => {
      const by = groupingOf(req.by);
      const range = await resolveRange(store, req.fromTick, req.toTick, req.run);
      const records = await readRun(store, range);
      return {
        run: range.run,
        fromTick: range.fromTick,
        toTick: range.toTick,
        by:
          req.by === ReportLevel.REPORT_LEVEL_UNSPECIFIED ? ReportLevel.REPORT_LEVEL_RACK : req.by,
        ...(await foldReport(records, by, range.fromTick, range.toTick)),
        workloads: workloadReports(records, range.fromTick, range.toTick),
        openFaults: records.openFaults,
        openRepairs: records.repairs.filter(
          (r) =>
            r.status === RepairStatus.REPAIR_STATUS_PENDING ||
            r.status === RepairStatus.REPAIR_STATUS_RUNNING,
        ).length,
        pendingInstances: records.pendingInstances,
      } satisfies GetReportResponse;
    }, logger),
    getSeries: unary(async (req) => {
      const range = await resolveRange(store, req.fromTick, req.toTick, req.run);
      const records = await readRun(store, range);
      const points = seriesOf(
        {
          elements: records.elements.values(),
          repairs: records.repairs.map((r) => ({
            openedTick: r.openedTick,
            closedTick: r.closedTick,
          })),
          samples: records.samples,
        },
        range.fromTick,
        range.toTick,
      );
      return {
        run: range.run,
        fromTick: range.fromTick,
        toTick: range.toTick,
        points: points.map((p) => ({
          ...p,
          actual: { ...p.actual },
          observed: { ...p.observed },
          workloads: [...p.workloads],
        })),
      } satisfies GetSeriesResponse;
    }, logger),
  };
}

function groupingOf(by: ReportLevel): ReportLevelWord {
  if (by === ReportLevel.REPORT_LEVEL_UNSPECIFIED) return 'rack';
  const word = fromWire(enumTypes.reportLevel, ReportLevel[by] ?? '');
  if (word === undefined)
    throw new ChamberError(Code.InvalidArgument, `unknown report grouping ${by}`, {
      details: { field: 'by' },
    });
  return word as ReportLevelWord;
}

/** The elements' and repairs' part of a report, yielding between chunks of elements. */
async function foldReport(
  records: RunRecords,
  by: ReportLevelWord,
  fromTick: number,
  toTick: number,
): Promise<Pick<GetReportResponse, 'total' | 'repairs' | 'groups'>> {
  const total = emptyTally();
  const groups = new Map<
    string,
    { tally: Tally; repairs: RepairCounts; outages: ElementOutage[] }
  >();
  const groupFor = (name: string) => {
    let g = groups.get(name);
    if (g === undefined) {
      g = { tally: emptyTally(), repairs: emptyRepairCounts(), outages: [] };
      groups.set(name, g);
    }
    return g;
  };
  await inTurns(records.elements.values(), (e) => {
    const { tally, outages } = foldElement(
      {
        path: e.path,
        actual: e.actual.map((f) => ({ tick: f.tick, isOn: isWorkingWord(f.word) })),
        observed: e.observed.map((f) => ({ tick: f.tick, isOn: f.word === 'failed' })),
      },
      fromTick,
      toTick,
    );
    addTally(total, tally);
    if (by === 'workload' || tally.elements === 0) return;
    const g = groupFor(groupOf(e.path, by));
    addTally(g.tally, tally);
    if (by === 'element') g.outages.push(...outages);
  });
  const repairs = emptyRepairCounts();
  for (const r of records.repairs) {
    const facts = {
      target: r.target,
      openedTick: r.openedTick,
      status: fromWire(enumTypes.repairStatus, RepairStatus[r.status] ?? '') ?? 'unknown',
      issued: r.history
        .filter((h) => h.outcome === 'issued')
        .map((h) => ({ tick: h.tick, step: stepWord(h.action) })),
    };
    const counts = emptyRepairCounts();
    if (!countRepair(counts, facts, fromTick, toTick)) continue;
    addRepairCounts(repairs, counts);
    if (by !== 'workload') addRepairCounts(groupFor(groupOf(r.target, by)).repairs, counts);
  }
  return {
    total: figuresMessage(total),
    repairs: repairsMessage(repairs),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, g]) => ({
        name,
        figures: figuresMessage(g.tally),
        repairs: repairsMessage(g.repairs),
        outages: g.outages,
      })),
  };
}

/** A step in the API's words: `STEP_ACTION_POWER_CYCLE` → `power_cycle`. */
function stepWord(action: StepAction): string {
  return (StepAction[action] ?? 'STEP_ACTION_UNKNOWN').replace(/^STEP_ACTION_/, '').toLowerCase();
}

function figuresMessage(t: Tally): ReportFigures {
  return figuresOf(t);
}

function repairsMessage(c: RepairCounts): RepairCountsMessage {
  return { ...c, byOutcome: { ...c.byOutcome }, byStep: { ...c.byStep } };
}

/** Each workload with a sample by `toTick`, folded as GetAvailability folds it. */
function workloadReports(records: RunRecords, fromTick: number, toTick: number): WorkloadReport[] {
  const byWorkload = new Map<string, RunRecords['samples'][number][]>();
  for (const s of records.samples) {
    if (s.tick > toTick) continue;
    const list = byWorkload.get(s.workload) ?? [];
    list.push(s);
    byWorkload.set(s.workload, list);
  }
  return [...byWorkload.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([workload, samples]) => {
      const a = summarizeAvailability(samples, fromTick, toTick);
      return {
        workload,
        availability: a.availability,
        instanceTicksDesired: a.instanceTicksDesired,
        instanceTicksLost: a.instanceTicksLost,
        outages: a.outages.length,
        openOutages: a.outages.filter((o) => o.endTick === undefined).length,
        worstOutageTicks: a.worstOutageTicks,
        meanDetectionTicks: a.meanDetectionTicks,
        meanRecoveryTicks: a.meanRecoveryTicks,
      };
    });
}
