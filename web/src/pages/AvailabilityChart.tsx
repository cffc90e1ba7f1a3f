import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, call, type Availability } from '../api.js';
import { mountChart, whole, wholeSteps } from './charts.js';
import { Problem } from './common.js';

/** The three series drawn, in drawing order: their words in the legend and their strokes. */
const series = [
  { key: 'desired', label: 'desired', stroke: '#aeb5c2', width: 6, dash: [] },
  { key: 'running', label: 'running', stroke: '#1f6b3a', width: 2, dash: [] },
  { key: 'observedRunning', label: 'observed running', stroke: '#1c5fd6', width: 2, dash: [6, 4] },
] as const;

/** The shade of an outage's ticks, opaque so that it reads the same on any screen. */
const outageFill = '#f8d4d1';

/** The chart's height in CSS pixels, axes included; its width is its container's. */
const chartHeight = 220;

/**
 * The answer's step samples as uPlot's columns: ticks, then each series.
 * A sample holds until the next, and tick `toTick` lasts until `toTick + 1`,
 * so the last values are repeated there; before the first sample nothing
 * was desired (the range starts at tick 0).
 */
function columns(a: Availability): uPlot.AlignedData {
  const samples = [...a.samples];
  if (samples[0] === undefined || samples[0].tick > a.fromTick) {
    samples.unshift({ tick: a.fromTick, desired: 0, running: 0, observedRunning: 0 });
  }
  const last = samples[samples.length - 1]!;
  samples.push({ ...last, tick: a.toTick + 1 });
  return [
    samples.map((s) => s.tick),
    ...series.map(({ key }) => samples.map((s) => s[key])),
  ] as uPlot.AlignedData;
}

/** The outages as spans of ticks: from the first short tick to the first at strength again. */
function outageSpans(a: Availability): ReadonlyArray<readonly [number, number]> {
  return a.outages.map((o) => [o.startTick, o.endTick ?? a.toTick + 1] as const);
}

/** What the chart shows now, for people who cannot see it. */
function summary(a: Availability, points: number): string {
  return (
    `desired ${a.desired}, running ${a.running}, observed running ${a.observedRunning} ` +
    `at tick ${a.toTick}; ${a.outages.length} outage${a.outages.length === 1 ? '' : 's'}; ` +
    `${points} points over ticks ${a.fromTick} to ${a.toTick + 1}`
  );
}

/** `n ticks`, `1 tick`, with at most one decimal for means. */
const ticksWords = (n: number): string => {
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return `${shown} tick${shown === '1' ? '' : 's'}`;
};

/**
 * The availability of workload `name` since tick 0: a chart over ticks of
 * its desired, running and observed running instances (stepped lines, its
 * outages shaded) and its figures as text. Read again when `version` moves
 * (the page bumps it at every tick); not read before the workload's first
 * sample, taken the tick after its creation (`hasStarted` false: the API
 * would answer 404); a failed read is said, the last answer kept.
 */
export function AvailabilityChart({
  name,
  version,
  hasStarted,
}: {
  name: string;
  version: number;
  hasStarted: boolean;
}) {
  const [answer, setAnswer] = useState<Availability | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!hasStarted) return;
    let isCancelled = false;
    call('getWorkloadAvailability', { params: { name }, query: { from: 0 } }).then(
      ({ body }) => {
        if (isCancelled) return;
        setAnswer(body);
        setError(undefined);
      },
      (e: unknown) => {
        if (!isCancelled) setError(e);
      },
    );
    return () => {
      isCancelled = true;
    };
  }, [name, version, hasStarted]);

  const title = `Availability of ${name}`;
  // Before its first sample: a 404 said as the wait it is, not as a failure.
  const isWaiting = !hasStarted || (error instanceof ApiError && error.status === 404);
  return (
    <section aria-labelledby="availability-title" className="availability">
      <h3 id="availability-title">{title}</h3>
      {!isWaiting && <Problem error={error} />}
      {answer === undefined ? (
        isWaiting ? (
          <p>No availability yet: {name} is sampled from the tick after its creation.</p>
        ) : (
          error === undefined && <p>Reading the availability…</p>
        )
      ) : (
        <div className="availability-body">
          <figure aria-label={title}>
            <Plot answer={answer} />
            <figcaption>
              <ul className="chart-legend" aria-label="Legend, availability">
                {series.map((s) => (
                  <li key={s.key}>
                    <span
                      className="line-swatch"
                      style={{
                        borderTopColor: s.stroke,
                        borderTopWidth: Math.min(s.width, 4),
                        borderTopStyle: s.dash.length > 0 ? 'dashed' : 'solid',
                      }}
                    />
                    {s.label}
                  </li>
                ))}
                <li>
                  <span className="area-swatch" style={{ background: outageFill }} />
                  outage (running below desired)
                </li>
              </ul>
              Instances over ticks; each value holds until the next change.
            </figcaption>
          </figure>
          <Figures answer={answer} />
        </div>
      )}
    </section>
  );
}

/** The figures of the answer as terms and values: what a test or a screen reader reads. */
function Figures({ answer: a }: { answer: Availability }) {
  const rows: Array<[string, string]> = [
    ['Ticks', `${a.fromTick} to ${a.toTick}`],
    ['Availability', `${(a.availability * 100).toFixed(1)}%`],
    ['Instance-ticks lost', String(a.instanceTicksLost)],
    [
      'Outages',
      `${a.outages.length}${a.outages.some((o) => o.endTick === undefined) ? ' (one lasting)' : ''}`,
    ],
    ['Worst outage', ticksWords(a.worstOutageTicks)],
  ];
  if (a.meanDetectionTicks !== undefined) {
    rows.push(['Mean detection', ticksWords(a.meanDetectionTicks)]);
  }
  if (a.meanRecoveryTicks !== undefined) {
    rows.push(['Mean recovery', ticksWords(a.meanRecoveryTicks)]);
  }
  rows.push(['Ramping up (not lost)', ticksWords(a.rampTicks)]);
  return (
    <dl className="figures" aria-label={`Availability figures of ${a.workload}`}>
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The uPlot chart of `answer`, as wide as its container: made once, given
 * new data at every answer, resized with its container, destroyed on unmount.
 */
function Plot({ answer }: { answer: Availability }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  // Read by the draw hook, which uPlot calls on every redraw.
  const outages = useRef(outageSpans(answer));

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const u = new uPlot(
      {
        width: Math.max(el.clientWidth, 100),
        height: chartHeight,
        legend: { show: false },
        cursor: { show: false, drag: { x: false, y: false } },
        scales: {
          x: { time: false },
          y: { range: (_u, _min, max) => [0, Math.max(1, max) + 1] },
        },
        axes: [
          // Tighter than uPlot's defaults: short whole numbers need little room.
          { label: 'tick', labelSize: 20, size: 30, incrs: wholeSteps, values: whole },
          { label: 'instances', labelSize: 20, size: 40, incrs: wholeSteps, values: whole },
        ],
        series: [
          { label: 'tick' },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width,
            dash: [...s.dash],
            paths: uPlot.paths.stepped!({ align: 1 }),
            points: { show: false },
          })),
        ],
        hooks: {
          // Under the grid and the lines: the outages' ticks, shaded across the plot's height.
          drawClear: [
            (self) => {
              const { ctx, bbox } = self;
              ctx.save();
              ctx.fillStyle = outageFill;
              for (const [from, to] of outages.current) {
                const left = Math.round(self.valToPos(from, 'x', true));
                const right = Math.round(self.valToPos(to, 'x', true));
                ctx.fillRect(left, bbox.top, Math.max(right - left, 2), bbox.height);
              }
              ctx.restore();
            },
          ],
        },
      },
      [[], [], [], []],
      el,
    );
    return mountChart(u, el, chartHeight, plot);
  }, []);

  useEffect(() => {
    const u = plot.current;
    if (u === undefined) return;
    outages.current = outageSpans(answer);
    u.setData(columns(answer));
    // Said from what uPlot holds, so the label cannot claim points it was not given.
    u.ctx.canvas.setAttribute('aria-label', summary(answer, u.data[0].length));
  }, [answer]);

  return <div ref={box} className="chart" />;
}
