import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { call, type Report, type ReportSeries } from '../api.js';
import { colourOf } from '../map/colours.js';
import { useMarks } from '../map/marks.js';
import { oneAtATime } from '../serial.js';
import { Timeline } from '../map/Timeline.js';
import { mountChart, whole, wholeSteps } from './charts.js';
import { Problem } from './common.js';

/** A point of the series: the run once one tick settled. */
type Point = ReportSeries['points'][number];

/** The ticks the charts span at most: the last ones, or around the tick travelled to. */
const windowTicks = 2_000;

/** Each chart's height in CSS pixels, axes included; its width is its container's. */
const chartHeight = 200;

/** The states in stacking order, bottom first: what works at the bottom, what failed on top. */
const actualOrder = [
  'working',
  'on',
  'booting',
  'powered',
  'stopping',
  'off',
  'isolated',
  'hung',
  'crashed',
  'failed',
];
const observedOrder = ['healthy', 'suspect', 'unknown', 'failed'];

/** The strokes of the workloads' lines, in name order (a palette readable on white). */
const workloadStrokes = [
  '#1c5fd6',
  '#1f6b3a',
  '#b35ab8',
  '#e07b24',
  '#a3261f',
  '#0e7c86',
  '#5b6270',
];

/** `n ticks`, `1 tick`, with at most one decimal. */
const ticksWords = (n: number | undefined): string => {
  if (n === undefined) return '—';
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return `${shown} tick${shown === '1' ? '' : 's'}`;
};

/** A workload's running share as people read it: `50%`, or `none wanted`. */
const shareWords = (share: number | null): string =>
  share === null ? 'none wanted' : `${share.toFixed(0)}%`;

/** A share as people read it: `99.2%`. */
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/**
 * The overview of the run: its headline figures (availability, failures,
 * MTTR, MTBF, open faults, open repairs, escalations, pending instances: the
 * report as of the tick shown) and charts over ticks (elements stacked by
 * state, repairs open, each workload's running share), live as the clock
 * moves, or as of a tick travelled to with the timeline. Reads the run's
 * series once, then only the ticks that settled since; the report again at
 * each tick (one read at a time).
 */
export function OverviewPage({
  version,
  now,
  oldest,
}: {
  /** Bumped at every clock event. */
  version: number;
  /** The last settled tick. */
  now: number;
  /** The oldest tick still kept. */
  oldest: number;
}) {
  const [at, setAt] = useState<number | undefined>();
  const shown = at ?? now;
  const points = useSeries(now, oldest, at);
  const marks = useMarks(version);
  const report = useLatest(
    () => call('getReport', { query: { from: oldest, to: shown } }).then((r) => r.body),
    [oldest, shown, version],
  );
  return (
    <section className="overview" aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <Timeline
        now={now}
        oldest={oldest}
        at={at}
        onChange={setAt}
        marks={marks}
        onSelect={(path) => {
          // A mark's element, on the map.
          window.location.hash = `#/?blade=${encodeURIComponent(path)}`;
        }}
      />
      <p className="overview-when">
        {at === undefined
          ? `Live, at tick ${now}.`
          : `As of tick ${at} (travelled back from ${now}).`}
      </p>
      <Problem error={report.error ?? points.error} />
      <Headline report={report.value} />
      {points.value === undefined ? (
        <p>Reading the run…</p>
      ) : (
        <div className="overview-charts">
          <StatesChart points={points.value} at={at} />
          <RepairsChart points={points.value} at={at} />
          <WorkloadsChart points={points.value} at={at} />
        </div>
      )}
    </section>
  );
}

/**
 * The last answer of `read`, read again when `deps` change, one read at a
 * time ({@link oneAtATime}); a failed read is said, the last answer kept.
 */
function useLatest<T>(
  read: () => Promise<T>,
  deps: readonly unknown[],
): { value: T | undefined; error: unknown } {
  const [state, setState] = useState<{ value: T | undefined; error: unknown }>({
    value: undefined,
    error: undefined,
  });
  const latest = useRef(read);
  latest.current = read;
  const isMounted = useRef(true);
  const start = useMemo(
    () =>
      oneAtATime(async () => {
        try {
          const value = await latest.current();
          if (isMounted.current) setState({ value, error: undefined });
        } catch (error) {
          if (isMounted.current) setState((s) => ({ value: s.value, error }));
        }
      }),
    [],
  );
  useEffect(() => {
    isMounted.current = true;
    return () => {
      isMounted.current = false;
    };
  }, []);
  useEffect(start, deps);
  return state;
}

/**
 * The series of the ticks shown: up to {@link windowTicks} ending now (live)
 * or around the tick travelled to. Read whole when the span moves, then
 * only the ticks settled since.
 */
function useSeries(now: number, oldest: number, at: number | undefined) {
  const [points, setPoints] = useState<Point[] | undefined>();
  const [error, setError] = useState<unknown>();
  // Live: the last ticks; travelling before them: a span centred on the tick.
  const end =
    at === undefined || at > now - windowTicks / 2 ? now : Math.min(now, at + windowTicks / 2);
  const start = Math.max(oldest, end - windowTicks + 1);
  const held = useRef<Point[]>([]);
  const reading = useRef(false);
  useEffect(() => {
    if (reading.current) return;
    const have = held.current;
    const first = have[0]?.tick;
    const last = have[have.length - 1]?.tick;
    // Only what is missing: the ticks after the last held, when the span starts where it did.
    const from =
      first !== undefined && last !== undefined && first <= start && last >= start - 1
        ? last + 1
        : start;
    if (from > end) {
      const kept = have.filter((p) => p.tick >= start && p.tick <= end);
      if (kept.length !== have.length) {
        held.current = kept;
        setPoints(kept);
      }
      return;
    }
    reading.current = true;
    call('getReportSeries', { query: { from, to: end } })
      .then(
        ({ body }) => {
          const base = from === start ? [] : held.current;
          held.current = [...base, ...body.points].filter((p) => p.tick >= start && p.tick <= end);
          setPoints(held.current);
          setError(undefined);
        },
        (e: unknown) => setError(e),
      )
      .finally(() => {
        reading.current = false;
      });
    // Run again once a read lands (`points`): the span may have moved meanwhile.
  }, [start, end, points]);
  return { value: points, error };
}

/** The run's headline figures as of the tick shown, as terms and values: what a test or a screen reader reads. */
function Headline({ report }: { report: Report | undefined }) {
  const figure = (value: (r: Report) => string): string =>
    report === undefined ? '…' : value(report);
  const rows: Array<[string, string]> = [
    ['Availability', figure((r) => percent(r.total.availability))],
    ['Failures', figure((r) => String(r.total.failures))],
    ['MTTR', figure((r) => ticksWords(r.total.mttrTicks))],
    ['MTBF', figure((r) => ticksWords(r.total.mtbfTicks))],
    ['Open faults', figure((r) => String(r.openFaults))],
    ['Open repairs', figure((r) => String(r.openRepairs))],
    ['Escalations', figure((r) => String(r.repairs.escalations))],
    ['Pending instances', figure((r) => String(r.pendingInstances))],
  ];
  return (
    <dl className="figures overview-figures" aria-label="Run figures">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One chart's series: a label, a stroke, and a fill when it is stacked. */
interface Line {
  readonly label: string;
  readonly stroke: string;
  readonly fill?: string;
}

/**
 * A uPlot chart over ticks, as wide as its container: `lines` with their
 * `columns` (ticks first), stepped; a vertical mark at `at` when
 * travelling. Made again when the lines change, given new data otherwise.
 */
function Chart({
  title,
  unit,
  lines,
  columns,
  at,
  summary,
  max,
  tools,
}: {
  title: string;
  unit: string;
  lines: readonly Line[];
  columns: uPlot.AlignedData;
  at: number | undefined;
  summary: string;
  max?: number;
  /** Controls shown beside the title. */
  tools?: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const mark = useRef(at);
  mark.current = at;
  const shape = lines.map((l) => `${l.label}:${l.stroke}`).join('|');
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
          y: { range: (_u, _min, top) => [0, max ?? Math.max(1, top)] },
        },
        axes: [
          { label: 'tick', labelSize: 20, size: 30, incrs: wholeSteps, values: whole },
          { label: unit, labelSize: 20, size: 50, incrs: wholeSteps, values: whole },
        ],
        series: [
          { label: 'tick' },
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.stroke,
            width: 2,
            ...(l.fill === undefined ? {} : { fill: l.fill }),
            paths: uPlot.paths.stepped!({ align: 1 }),
            points: { show: false },
          })),
        ],
        hooks: {
          draw: [
            (self) => {
              if (mark.current === undefined) return;
              const { ctx, bbox } = self;
              const x = Math.round(self.valToPos(mark.current, 'x', true));
              ctx.save();
              ctx.strokeStyle = '#1c1f24';
              ctx.setLineDash([4, 3]);
              ctx.beginPath();
              ctx.moveTo(x, bbox.top);
              ctx.lineTo(x, bbox.top + bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      columns,
      el,
    );
    return mountChart(u, el, chartHeight, plot);
    // Made again only when the lines change; the data is set below.
  }, [shape, unit, max]);
  useEffect(() => {
    const u = plot.current;
    if (u === undefined) return;
    u.setData(columns);
    u.ctx.canvas.setAttribute('aria-label', summary);
  }, [columns, summary, at]);
  return (
    <figure className="overview-chart" aria-label={title}>
      <div className="overview-chart-head">
        <h3>{title}</h3>
        {tools}
      </div>
      <div ref={box} className="chart" />
      <figcaption>
        <ul className="chart-legend" aria-label={`Legend, ${title.toLowerCase()}`}>
          {lines.map((l) => (
            <li key={l.label}>
              <span className="area-swatch" style={{ background: l.fill ?? l.stroke }} />
              {l.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/** The ticks of `points`, and the last one repeated a tick on so that its value shows. */
const tickColumn = (points: readonly Point[]): number[] => {
  const ticks = points.map((p) => p.tick);
  if (ticks.length > 0) ticks.push(ticks[ticks.length - 1]! + 1);
  return ticks;
};

/** A column of values per point, the last repeated (see {@link tickColumn}); null: no value (a gap). */
const column = <V extends number | null>(points: readonly Point[], value: (p: Point) => V): V[] => {
  const values = points.map(value);
  if (values.length > 0) values.push(values[values.length - 1]!);
  return values;
};

/** The elements stacked by state over ticks, actual or observed (a switch). */
function StatesChart({ points, at }: { points: readonly Point[]; at: number | undefined }) {
  const [view, setView] = useState<'actual' | 'observed'>('actual');
  const { lines, columns, summary } = useMemo(() => {
    const known = view === 'actual' ? actualOrder : observedOrder;
    const seen = new Set(points.flatMap((p) => Object.keys(p[view])));
    // The states that occur, in stacking order; any state not known goes on top.
    const states = [
      ...known.filter((s) => seen.has(s)),
      ...[...seen].filter((s) => !known.includes(s)).sort(),
    ];
    // Each line is the sum of its state and every one below it; drawn top first, so each band shows its own colour.
    const sums = states.map((_, k) =>
      column(points, (p) => states.slice(0, k + 1).reduce((n, s) => n + (p[view][s] ?? 0), 0)),
    );
    const last = points[points.length - 1];
    return {
      lines: states.map((s) => ({ label: s, stroke: colourOf(s), fill: colourOf(s) })).reverse(),
      columns: [tickColumn(points), ...sums.reverse()] as uPlot.AlignedData,
      summary:
        last === undefined
          ? 'no ticks yet'
          : `elements by ${view} state at tick ${last.tick}: ${states.map((s) => `${s} ${last[view][s] ?? 0}`).join(', ')}`,
    };
  }, [points, view]);
  return (
    <Chart
      title="Elements by state"
      unit="elements"
      lines={lines}
      columns={columns}
      at={at}
      summary={summary}
      tools={
        <div role="group" aria-label="States shown" className="segmented">
          {(['actual', 'observed'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
              {v}
            </button>
          ))}
        </div>
      }
    />
  );
}

/** The repairs open over ticks. */
function RepairsChart({ points, at }: { points: readonly Point[]; at: number | undefined }) {
  const columns = useMemo(
    () => [tickColumn(points), column(points, (p) => p.repairsOpen)] as uPlot.AlignedData,
    [points],
  );
  const last = points[points.length - 1];
  return (
    <Chart
      title="Repairs open"
      unit="repairs"
      lines={[{ label: 'repairs open', stroke: '#e07b24' }]}
      columns={columns}
      at={at}
      summary={
        last === undefined
          ? 'no ticks yet'
          : `${last.repairsOpen} repairs open at tick ${last.tick}`
      }
    />
  );
}

/** Each workload's running instances as a share of those desired, over ticks. */
function WorkloadsChart({ points, at }: { points: readonly Point[]; at: number | undefined }) {
  const { lines, columns, summary } = useMemo(() => {
    const names = [...new Set(points.flatMap((p) => p.workloads.map((w) => w.workload)))].sort();
    // No line while a workload wants nothing (before its creation, after its deletion).
    const shareOf = (p: Point, name: string): number | null => {
      const w = p.workloads.find((x) => x.workload === name);
      return w === undefined || w.desired === 0 ? null : (100 * w.running) / w.desired;
    };
    const last = points[points.length - 1];
    return {
      lines: names.map((name, i) => ({
        label: name,
        stroke: workloadStrokes[i % workloadStrokes.length]!,
      })),
      columns: [
        tickColumn(points),
        ...names.map((n) => column(points, (p) => shareOf(p, n))),
      ] as uPlot.AlignedData,
      summary:
        last === undefined || names.length === 0
          ? 'no workloads'
          : `running share at tick ${last.tick}: ${names.map((n) => `${n} ${shareWords(shareOf(last, n))}`).join(', ')}`,
    };
  }, [points]);
  if (lines.length === 0) {
    return (
      <figure className="overview-chart" aria-label="Workload availability">
        <h3>Workload availability</h3>
        <p>No workloads in this run.</p>
      </figure>
    );
  }
  return (
    <Chart
      title="Workload availability"
      unit="% running"
      lines={lines}
      columns={columns}
      at={at}
      summary={summary}
      max={100}
    />
  );
}
