import type { ScenarioPlan as WirePlan, ScenarioReport as WireReport } from '@chamber/protos';
import type { ScenarioPlan } from './apply.js';
import type { ScenarioReport } from './run.js';

/** A plan as the scenarios service sends it (`chamber.scenario.v1.ScenarioPlan`). */
export function wireOfPlan(plan: ScenarioPlan): WirePlan {
  return {
    name: plan.name,
    now: plan.now,
    inventory: plan.inventory,
    workloads: [...plan.workloads],
    inputs: plan.inputs.map((i) => ({ ...i })),
    clockPolicy: plan.clock?.policy ?? '',
    clockRate: plan.clock?.rate ?? 0,
    problems: [...plan.problems],
  };
}

/** A report as the scenarios service keeps and sends it (`chamber.scenario.v1.ScenarioReport`). */
export function wireOfReport(report: ScenarioReport): WireReport {
  return {
    name: report.name,
    seed: report.seed,
    passed: report.passed,
    tick: report.tick,
    digest: report.digest,
    conditionMetAt: report.conditionMetAt,
    expectations: report.expectations.map((e) => ({ ...e })),
    workloads: report.workloads.map((w) => ({
      name: w.name,
      availability: w.availability,
      instanceTicksLost: w.instanceTicksLost,
      outages: w.outages,
      worstOutageTicks: w.worstOutageTicks,
      meanDetectionTicks: w.meanDetectionTicks,
      meanRecoveryTicks: w.meanRecoveryTicks,
    })),
    repairs: { ...report.repairs },
    wallMs: report.wallMs,
    elements: report.elements,
  };
}

/** The inverse of {@link wireOfReport}: a report from the scenarios service, as the runner makes one. */
export function reportOfWire(wire: WireReport): ScenarioReport {
  const defined = <K extends string>(key: K, value: number | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, number>);
  return {
    name: wire.name,
    seed: wire.seed,
    passed: wire.passed,
    tick: wire.tick,
    digest: wire.digest,
    ...defined('conditionMetAt', wire.conditionMetAt),
    expectations: wire.expectations.map((e) => ({ ...e })),
    workloads: wire.workloads.map((w) => ({
      name: w.name,
      availability: w.availability,
      instanceTicksLost: w.instanceTicksLost,
      outages: w.outages,
      worstOutageTicks: w.worstOutageTicks,
      ...defined('meanDetectionTicks', w.meanDetectionTicks),
      ...defined('meanRecoveryTicks', w.meanRecoveryTicks),
    })),
    repairs: wire.repairs,
    wallMs: wire.wallMs,
    ...(wire.elements === undefined ? {} : { elements: wire.elements }),
  };
}
