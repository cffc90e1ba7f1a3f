import { ApiClient } from '@chamber/api';
import type { EtcdProcess } from '@chamber/etcd-process';
import type { Page } from 'playwright-core';
import { launchChromium, openPage, submitLogin, webRoot } from '../browser/browser.js';
import { adminPassword, startBenchWorld } from './bench-world.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile, table } from './stats.js';

const rounds = 5;
const panSeconds = 3;
const targets = { firstRenderMs: 2_000, fps: 30 };

/** Milliseconds `work` takes, as the median of `rounds` runs, each after `before`. */
async function medianMs(
  work: () => Promise<unknown>,
  before: () => Promise<unknown> = () => Promise.resolve(),
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await before();
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return quantile(times, 0.5);
}

/** Frames the page shows per second over `seconds`, and its frame times, while `act` runs. */
async function frameRate(
  page: Page,
  seconds: number,
  act: (isDone: () => boolean) => Promise<void>,
): Promise<{ fps: number; p50: number; p95: number }> {
  let isDone = false;
  const counting = page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        // A page function: the browser's globals, which this package's types leave out.
        const { requestAnimationFrame } = globalThis as unknown as {
          requestAnimationFrame: (callback: (time: number) => void) => void;
        };
        const times: number[] = [];
        const start = performance.now();
        const frame = (t: number): void => {
          times.push(t);
          if (t - start < ms) requestAnimationFrame(frame);
          else resolve(times);
        };
        requestAnimationFrame(frame);
      }),
    seconds * 1000,
  );
  const acting = act(() => isDone);
  const times = await counting;
  isDone = true;
  await acting;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  return {
    fps: (gaps.length * 1000) / (times[times.length - 1]! - times[0]!),
    p50: quantile(gaps, 0.5),
    p95: quantile(gaps, 0.95),
  };
}

/** Drags the map back and forth until `isDone`. */
async function panMap(page: Page, isDone: () => boolean): Promise<void> {
  const box = (await page.getByRole('img', { name: /Inventory map/ }).boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let direction = 1; !isDone(); direction = -direction) {
    await page.mouse.move(x + direction * 150, y + direction * 100, { steps: 30 });
  }
  await page.mouse.up();
}

/**
 * The dashboard on the 100,000-blade `large` region in Debian's Chromium:
 * the time from navigation to the map drawn with every device in `actual`,
 * round after round in one browser session (each round after a clock step,
 * so the frontend's answers are cold; the first and the worst round show
 * whether it stays steady), and the frame rate while dragging the map,
 * fitted and zoomed in. Baselines from the same run: the page itself
 * fetching and parsing the `actual` states it draws (cold, in the same
 * session), reading the same states straight from etcd and through the
 * REST route from Node; and the page's idle frame rate. Returns the rows
 * of issue 16 (first render) and issue 6 (panning).
 */
export async function benchWeb(etcd: EtcdProcess): Promise<BenchRow[]> {
  const definition = process.env['CHAMBER_BENCH_WEB_SAMPLE'] ?? 'large';
  const started = Date.now();
  const bench = await startBenchWorld('bench-web', etcd, { definition, ticks: 12, webRoot });
  const { world, baseUrl, cookie } = bench;
  console.log(
    `${definition} region loaded and run to tick ${bench.tick} in ${fmt((Date.now() - started) / 1000, 1)} s`,
  );
  const browser = await launchChromium();
  try {
    const api = new ApiClient({ baseUrl, cookie });
    const etcdMs = await medianMs(() =>
      Promise.all(['actual/', 'observed/'].map((prefix) => world.store.listRaw(prefix))),
    );
    // The frontend keeps answers until the next tick settles: a step before
    // each round makes every read (and every first render below) a cold one.
    const step = () => world.clock.step(1);
    const restMs: Record<string, number> = {};
    for (const view of ['actual', 'observed']) {
      restMs[view] = await medianMs(() => api.call('listStates', { query: { view } }), step);
    }
    const { body: states } = await api.call<{ racks: Array<{ blades: number[] }> }>('listStates');
    const blades = states.racks.reduce((n, r) => n + r.blades.length, 0);

    const { page: first } = await openPage(browser, baseUrl);
    await submitLogin(first, 'admin', adminPassword);
    await first.getByRole('img', { name: /Inventory map/ }).waitFor();
    const storageState = await first.context().storageState();
    await first.close();
    // One browser session for every round: what a user who reloads sees.
    const context = await browser.newContext({
      storageState,
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const renders: number[] = [];
    const fetches: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await step();
      await page.goto(baseUrl);
      const ms = await page.waitForFunction(
        () => performance.getEntriesByName('chamber-map-first-render')[0]?.startTime,
        undefined,
        { timeout: 60_000, polling: 50 },
      );
      renders.push((await ms.jsonValue()) as number);
      // The floor: the page fetching and parsing the same answer, cold too.
      await step();
      fetches.push(
        await page.evaluate(async () => {
          const started = performance.now();
          const res = await fetch('/api/v1/inventory/states?view=actual');
          await res.json();
          return performance.now() - started;
        }),
      );
    }
    const label = await page.getByRole('img', { name: /Inventory map/ }).getAttribute('aria-label');
    await page.getByText(/racks, \d+ devices$/).waitFor({ timeout: 60_000 });

    const idle = await frameRate(page, panSeconds, () => Promise.resolve());
    // Fitted, zoomed in 8 steps (x6), and 16 (x35: device names readable, drawn rack by rack).
    const panning: Array<Awaited<ReturnType<typeof frameRate>>> = [];
    for (const zoomSteps of [0, 8, 8]) {
      for (let i = 0; i < zoomSteps; i++) {
        await page.getByRole('button', { name: 'Zoom in' }).click();
      }
      panning.push(await frameRate(page, panSeconds, (isDone) => panMap(page, isDone)));
    }
    await context.close();

    const firstRender = quantile(renders, 0.5);
    const worstRender = Math.max(...renders);
    const fetchMs = quantile(fetches, 0.5);
    console.log(
      `\n${label} (${blades.toLocaleString('en')} blades), 1280x800, median of ${rounds}:\n`,
    );
    console.log(
      table([
        ['', 'ms', 'ratio'],
        [
          'first render of the map (navigation to actual drawn)',
          fmt(firstRender, 0),
          `${fmt(firstRender / etcdMs, 2)}x etcd`,
        ],
        ...(['actual', 'observed'] as const).map((view) => [
          `  GET /inventory/states?view=${view}`,
          fmt(restMs[view]!, 0),
          `${fmt(restMs[view]! / etcdMs, 2)}x etcd`,
        ]),
        ['  baseline: etcd range reads of actual/ + observed/', fmt(etcdMs, 0), '1.00x'],
        [
          '  baseline: the page fetching and parsing the actual states',
          fmt(fetchMs, 0),
          `${fmt(fetchMs / etcdMs, 2)}x etcd`,
        ],
      ]),
    );
    const row = (name: string, f: Awaited<ReturnType<typeof frameRate>>): string[] => [
      name,
      fmt(f.fps, 1),
      fmt(f.p50, 1),
      fmt(f.p95, 1),
      `${fmt(f.fps / idle.fps, 2)}`,
    ];
    console.log(`\nframes while dragging the map for ${panSeconds} s:\n`);
    console.log(
      table([
        ['', 'fps', 'frame p50 ms', 'frame p95 ms', 'fps/idle'],
        row('panning, the whole map in view', panning[0]!),
        row('panning, zoomed in x6', panning[1]!),
        row('panning, zoomed in x35 (names shown)', panning[2]!),
        row('baseline: idle page', idle),
      ]),
    );
    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    const worst = Math.min(...panning.map((p) => p.fps));
    console.log(
      `\ntargets:\n` +
        `  first render <= ${targets.firstRenderMs} ms in every round: worst ${fmt(worstRender, 0)} ms (rounds: ${renders.map((r) => fmt(r, 0)).join(', ')}) ${verdict(worstRender <= targets.firstRenderMs)}\n` +
        `  panning >= ${targets.fps} fps: ${fmt(worst, 1)} fps ${verdict(worst >= targets.fps)}\n`,
    );
    return [
      {
        figure: `dashboard first render, ${blades.toLocaleString('en')} blades, ${rounds} rounds in one session`,
        value: `first ${fmt(renders[0]!, 0)} ms, worst ${fmt(worstRender, 0)} ms (median ${fmt(firstRender, 0)})`,
        baseline: `page fetch+parse of the states ${fmt(fetchMs, 0)} ms, ${fmt(firstRender / fetchMs, 1)}x`,
        goal: `<= ${targets.firstRenderMs.toLocaleString('en')} ms, every round`,
        isMet: worstRender <= targets.firstRenderMs,
      },
      {
        figure: 'dashboard panning (whole map, x6, x35)',
        value: `worst ${fmt(worst, 1)} fps`,
        baseline: `idle page ${fmt(idle.fps, 1)} fps, ${fmt(worst / idle.fps, 2)}x`,
        goal: `>= ${targets.fps} fps`,
        isMet: worst >= targets.fps,
      },
    ];
  } finally {
    await browser.close();
    await bench.close();
  }
}
