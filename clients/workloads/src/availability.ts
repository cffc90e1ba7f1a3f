import type { AvailabilitySample, GetAvailabilityResponse, Outage } from '@chamber/protos';

/** A workload's availability over a range of ticks: the answer of `GetAvailability` but its name. */
export type AvailabilitySummary = Omit<GetAvailabilityResponse, 'workload'>;

/**
 * One workload's availability over ticks `fromTick`..`toTick` (both
 * counted), folded from its samples (`availability/<workload>/<tick>`: each
 * holds from its tick until the next; before the first, nothing is desired).
 * Pure; `samples` may come in any order and may start before `fromTick`
 * (they set the state the range starts in).
 *
 * - A workload **ramps** after it is created or scaled up (desired rises)
 *   until running first reaches desired; ramp ticks are not lost and not
 *   desired, and are counted in `rampTicks`.
 * - Once at strength, a tick with running < desired is **short**: it loses
 *   desired − running instance-ticks. A maximal run of short ticks is an
 *   **outage**: `startTick` its first short tick, `endTick` the first tick at
 *   strength again (absent while open at `toTick`), `detectedTick` its first
 *   tick where observed running < desired too (the control plane noticed).
 *   A scale-up during an outage ends it there and starts a ramp. An outage
 *   that began before `fromTick` keeps its start; only its ticks in the range
 *   are lost.
 * - Detection = detectedTick − startTick; recovery = endTick − detectedTick;
 *   an outage lasts endTick − startTick ticks (open: through `toTick`).
 * - `availability` = 1 − lost / desired instance-ticks over the ticks not
 *   ramping; 1 when nothing was desired.
 *
 * Its cost follows the samples, not the ticks. Throws a RangeError when
 * `fromTick > toTick` (the caller checks it first).
 */
export function summarizeAvailability(
  samples: readonly AvailabilitySample[],
  fromTick: number,
  toTick: number,
): AvailabilitySummary {
  if (fromTick > toTick) throw new RangeError(`from tick ${fromTick} is after to tick ${toTick}`);
  const sorted = [...samples].sort((a, b) => a.tick - b.tick);
  const end = toTick + 1; // exclusive
  // Ticks of [a, b) that fall in the range.
  const inRange = (a: number, b: number): number =>
    Math.max(0, Math.min(b, end) - Math.max(a, fromTick));

  let desired = 0;
  let running = 0;
  let observed = 0;
  let isRamping = false;
  let open: { startTick: number; detectedTick?: number; lost: number } | undefined;
  let instanceTicksDesired = 0;
  let instanceTicksLost = 0;
  let rampTicks = 0;
  const outages: Outage[] = [];

  const close = (at: number): void => {
    if (open === undefined) return;
    outages.push(outage(open, at));
    open = undefined;
  };
  // The ticks [a, b) in which the state stands as it is.
  const stand = (a: number, b: number): void => {
    if (a >= b) return;
    if (isRamping && running >= desired) isRamping = false;
    if (isRamping) {
      rampTicks += inRange(a, b);
      return;
    }
    const ticks = inRange(a, b);
    instanceTicksDesired += desired * ticks;
    if (running >= desired) {
      close(a);
      return;
    }
    const lost = (desired - running) * ticks;
    instanceTicksLost += lost;
    open ??= { startTick: a, lost: 0 };
    open.lost += lost;
    if (open.detectedTick === undefined && observed < desired) open.detectedTick = a;
  };

  let at = 0;
  for (const s of sorted) {
    if (s.tick > toTick) break;
    stand(at, s.tick);
    if (s.desired > desired) {
      close(s.tick);
      isRamping = true;
    }
    ({ desired, running } = s);
    observed = s.observedRunning;
    at = Math.max(at, s.tick);
  }
  stand(at, end);
  if (open !== undefined) outages.push(outage(open, undefined, end));

  const detected = outages.filter((o) => o.detectedTick !== undefined);
  const recovered = detected.filter((o) => o.endTick !== undefined);
  return {
    fromTick,
    toTick,
    desired,
    running,
    observedRunning: observed,
    instanceTicksDesired,
    instanceTicksLost,
    availability: instanceTicksDesired === 0 ? 1 : 1 - instanceTicksLost / instanceTicksDesired,
    outages,
    worstOutageTicks: outages.reduce((worst, o) => Math.max(worst, o.ticks), 0),
    meanDetectionTicks: mean(detected.map((o) => o.detectedTick! - o.startTick)),
    meanRecoveryTicks: mean(recovered.map((o) => o.endTick! - o.detectedTick!)),
    rampTicks,
    samples: sorted.filter((s) => s.tick >= fromTick && s.tick <= toTick),
  };
}

function outage(
  open: { startTick: number; detectedTick?: number; lost: number },
  endTick: number | undefined,
  openUntil = 0,
): Outage {
  return {
    startTick: open.startTick,
    detectedTick: open.detectedTick,
    endTick,
    ticks: (endTick ?? openUntil) - open.startTick,
    instanceTicksLost: open.lost,
  };
}

const mean = (values: readonly number[]): number | undefined =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
