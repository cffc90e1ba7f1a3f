import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from '../system/frontend-world.js';
import {
  artifact,
  figuresOf,
  launchChromium,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';

// The Workloads page, the map's used capacity and a workload's highlight in
// Debian's Chromium, driven by Playwright, against a real frontend, stepper,
// inventory, monitor, repair manager, scheduler and workload repair manager on the `small`
// sample (two racks of four 16-core blades). Screenshots go to test-artifacts/.

let browser: Browser;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const tickOf = async (page: Page) =>
  Number(
    (await page.getByLabel('Tick', { exact: true }).textContent())?.replace(/^tick (\d+).*$/, '$1'),
  );

/** Steps the clock from the header, a tick at a time, until `done` (at most `ticks` ticks). */
async function stepUntil(page: Page, done: () => Promise<boolean>, ticks = 20): Promise<void> {
  for (let i = 0; i < ticks; i++) {
    if (await done()) return;
    const before = await tickOf(page);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => tickOf(page)).toBe(before + 1);
  }
  expect(await done()).toBe(true);
}

/** The text of a row's cell in the column headed `column` of `table`. */
async function cell(table: Locator, row: Locator, column: string): Promise<string> {
  const headers = await table.getByRole('columnheader').allTextContents();
  const index = headers.indexOf(column);
  return (await row.getByRole('cell').nth(index).textContent({ timeout: 1000 })) ?? '';
}

/** Where one colour appears on a canvas: how many pixels, and per column its top and bottom row (-1: none). */
interface ColourScan {
  count: number;
  top: number[];
  bottom: number[];
}

/** Scans `canvas` for each of `colours` (exact RGB values) in one read of its pixels. */
function scanCanvas(
  canvas: Locator,
  colours: ReadonlyArray<readonly [number, number, number]>,
): Promise<ColourScan[]> {
  return canvas.evaluate((el: unknown, wanted) => {
    const c = el as {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const scans = wanted.map(() => ({
      count: 0,
      top: new Array<number>(c.width).fill(-1),
      bottom: new Array<number>(c.width).fill(-1),
    }));
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        wanted.forEach(([r, g, b], k) => {
          if (data[i] !== r || data[i + 1] !== g || data[i + 2] !== b) return;
          const scan = scans[k]!;
          scan.count++;
          if (scan.top[x] === -1) scan.top[x] = y;
          scan.bottom[x] = y;
        });
      }
    }
    return scans;
  }, colours);
}

/** How many of the inventory map's pixels are exactly `rgb`. */
async function pixelsOf(page: Page, rgb: readonly [number, number, number]): Promise<number> {
  const [scan] = await scanCanvas(page.getByRole('img', { name: /Inventory map/ }), [rgb]);
  return scan!.count;
}

/**
 * The columns of the availability chart's canvas shaded as an outage
 * (#f8d4d1) where the running line (#1f6b3a) is drawn below the desired one
 * (#aeb5c2): the dip.
 */
async function dipColumns(page: Page): Promise<number> {
  const [shade, running, desired] = await scanCanvas(page.getByRole('img', { name: /^desired / }), [
    [0xf8, 0xd4, 0xd1],
    [0x1f, 0x6b, 0x3a],
    [0xae, 0xb5, 0xc2],
  ]);
  return shade!.top.filter(
    (top, x) =>
      top !== -1 &&
      running!.top[x] !== -1 &&
      desired!.bottom[x] !== -1 &&
      running!.top[x]! > desired!.bottom[x]!,
  ).length;
}

/** A frontend with every service, the workloads ones too, on the `small` sample; closed after the test. */
async function world(label: string): Promise<FrontendWorld> {
  const fw = await startFrontendWorld(
    label,
    { ...quickControlPlane, workloads: true },
    { webRoot },
  );
  closers.push(() => fw.close());
  await loadSmall(fw);
  return fw;
}

/** A 1440×900 page of `fw`'s dashboard, logged in as admin and showing the clock; closed after the test. */
async function signIn(fw: FrontendWorld): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, fw.url, { width: 1440, height: 900 });
  closers.push(() => opened.page.close());
  await submitLogin(opened.page, 'admin', adminPassword);
  await expect
    .poll(() => opened.page.getByLabel('Tick', { exact: true }).textContent())
    .toMatch(/^tick \d+$/);
  return opened;
}

describe('the Workloads page', () => {
  it('creates a workload from the form, sees it run, explains a placement, scales it (a change made meanwhile refused and reloaded), shows its blades filled and highlighted on the map, refuses a bad value with the API message and deletes after an in-page confirmation', async () => {
    const fw = await world('web-workloads');
    const { page, problems } = await signIn(fw);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Workloads' }).click();
    expect(page.url()).toMatch(/#\/workloads$/);
    const region = page.getByRole('region', { name: 'Workloads' });
    await expect.poll(() => region.textContent()).toContain('No workloads.');

    // A rule that needs a level, without one: the API refuses, naming the field.
    const form = region.getByRole('form', { name: 'Create a workload' });
    await form.getByLabel('Name').fill('web');
    await form.getByLabel('Image').fill('web-1');
    await form.getByLabel('Placement rule').selectOption('strong_anti_affinity');
    await form.getByLabel('Cores').fill('4');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toMatch(
        /^Not accepted \(400 invalid_argument\): .*placement\.level must be one of blade, rack, zone/,
      );
    // A limit of the API's schema is refused before sending: at least 1 core.
    await form.getByLabel('Level').selectOption('rack');
    await form.getByLabel('Cores').fill('0');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Cores must be at least 1');
    await form.getByLabel('Cores').fill('4');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^Workload web is created at tick \d+\.$/);
    await expect.poll(async () => form.getByRole('alert').count()).toBe(0);

    // It runs after some steps of the clock: desired 2, running 2, observed running 2.
    const table = region.getByRole('table', { name: 'Workloads' });
    const row = table.getByRole('row').filter({ hasText: 'web-1' });
    await stepUntil(
      page,
      async () => (await row.count()) === 1 && (await cell(table, row, 'Observed running')) === '2',
    );
    expect(await cell(table, row, 'Desired')).toBe('2');
    expect(await cell(table, row, 'Running')).toBe('2');
    expect(await cell(table, row, 'Placement')).toBe('strong anti-affinity by rack');
    expect(await cell(table, row, 'Demand per instance')).toBe(
      '4 cores, 4 GiB memory, 10 GiB disk',
    );

    // Its instances, and instance 0's placement explained as tables.
    await row.getByRole('link', { name: 'web' }).click();
    const instances = region.getByRole('table', { name: 'Instances of web' });
    const first = instances.getByRole('row').filter({ hasText: /^0/ });
    await expect.poll(() => cell(instances, first, 'State')).toBe('running');
    expect(await cell(instances, first, 'Observed')).toBe('running');
    const blade = await cell(instances, first, 'Blade');
    expect(blade).toMatch(/^small\/z1\/rack[12]\/blade\/\d$/);
    await first.getByRole('button', { name: 'Explain' }).click();
    const candidates = region.getByRole('table', { name: 'Candidates' });
    await expect.poll(() => candidates.textContent()).toContain(`${blade} (chosen)`);
    expect(await candidates.getByRole('columnheader').allTextContents()).toContain('spread');
    const filtered = region.getByRole('table', { name: 'Filtered out' });
    await expect.poll(() => filtered.textContent()).toMatch(/^Blades set aside, by filter/);
    await page.screenshot({ path: artifact('workloads-explained.png') });

    // Scale to 3: two racks hold only two under anti-affinity by rack; the third waits, saying why.
    const scale = row.getByRole('form', { name: 'Scale web' });
    // A count the API would refuse is said next to the field, and Scale waits for a good one.
    await scale.getByLabel('Instances').fill('1.5');
    await expect
      .poll(() => scale.getByRole('alert').textContent())
      .toBe('Instances must be a whole number');
    expect(await scale.getByRole('button', { name: 'Scale' }).isDisabled()).toBe(true);
    // Changed by someone else after the edit began (and applied at a tick): refused, and reloaded.
    await scale.getByLabel('Instances').fill('3');
    await fw.admin.call('updateWorkload', { params: { name: 'web' }, body: { maxUnavailable: 2 } });
    await stepUntil(page, async () => (await cell(table, row, 'Max unavailable')) === '2');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toBe('web changed meanwhile, reloaded: look again and retry.');
    expect(await cell(table, row, 'Desired')).toBe('2');
    await scale.getByLabel('Instances').fill('3');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^web scales to 3 at tick \d+\.$/);
    await stepUntil(page, async () => (await cell(table, row, 'Phase')) === 'degraded');
    expect(await cell(table, row, 'Desired')).toBe('3');
    const third = instances.getByRole('row').filter({ hasText: /^2/ });
    await expect.poll(() => cell(instances, third, 'State')).toBe('pending');
    await third.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => filtered.textContent()).toContain('8 blades would break');
    await page.screenshot({ path: artifact('workloads-page.png') });

    // The blade link opens the map with that blade selected, the workload highlighted and filled.
    await first.getByRole('link', { name: blade }).click();
    expect(page.url()).toContain('#/?blade=');
    const detail = page.getByRole('region', { name: new RegExp(`blade ${blade}`) });
    const placed = detail.getByRole('region', { name: 'Instances' });
    await expect.poll(() => placed.textContent()).toMatch(/4 of 16 cores used/);
    expect(await placed.textContent()).toMatch(/web\/0 running · observed running · 4 cores/);
    const legend = page.getByRole('list', { name: 'Legend, workloads' });
    await expect.poll(() => legend.textContent()).toContain('workload web: 2 blades marked');
    expect(await legend.textContent()).toContain('2 blades hold instances');
    // The highlight's outline (#7b2cbf) and the used-capacity bar (#1d2433) are drawn.
    await expect.poll(() => pixelsOf(page, [0x7b, 0x2c, 0xbf])).toBeGreaterThan(20);
    await expect.poll(() => pixelsOf(page, [0x1d, 0x24, 0x33])).toBeGreaterThan(20);
    await page.screenshot({ path: artifact('workloads-map.png') });

    // The detail panel's link goes back to the workload; delete it after the in-page confirmation.
    await placed.getByRole('link', { name: 'web/0' }).click();
    expect(page.url()).toMatch(/#\/workloads\?name=web$/);
    await row.getByRole('button', { name: 'Delete…' }).click();
    const confirm = region.getByRole('alertdialog', { name: 'Delete web?' });
    await confirm.getByRole('button', { name: 'Delete web' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^web is deleted at tick \d+: its instances stop\.$/);
    await stepUntil(
      page,
      async () => (await region.textContent())?.includes('No workloads.') ?? false,
    );
    // The two refusals above (400, 412) are the browser's only complaints.
    expect(problems.filter((p) => !/status of (400|412)/.test(p))).toEqual([]);
    expect(problems.filter((p) => /status of (400|412)/.test(p))).toHaveLength(2);
  });

  it("charts a workload's availability: a crashed blade's instance is a dip in running, shaded as an outage, and the figures say what the REST answer says, in a wide and a narrow window", async () => {
    const fw = await world('web-availability');
    await fw.admin.call('createWorkload', {
      body: {
        name: 'web',
        instances: 2,
        demand: { cores: 4, memoryGib: 4, diskGib: 10 },
        image: 'web-1',
        placement: { rule: 'none' },
      },
    });
    const { page, problems } = await signIn(fw);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Workloads' })
      .click();
    const region = page.getByRole('region', { name: 'Workloads' });
    const table = region.getByRole('table', { name: 'Workloads' });
    const row = table.getByRole('row').filter({ hasText: 'web-1' });
    await row.getByRole('link', { name: 'web' }).click();
    const chart = region.getByRole('figure', { name: 'Availability of web' });
    const canvas = chart.getByRole('img', { name: /^desired / });
    // Before its first tick it has no samples: said so, not asked for (the API would answer 404).
    await expect
      .poll(() =>
        region
          .getByText('No availability yet: web is sampled from the tick after its creation.')
          .count(),
      )
      .toBe(1);
    await stepUntil(page, async () => (await cell(table, row, 'Observed running')) === '2');
    expect(await chart.getByRole('list', { name: 'Legend, availability' }).textContent()).toBe(
      'desiredrunningobserved runningoutage (running below desired)',
    );
    await expect
      .poll(() => canvas.getAttribute('aria-label'))
      .toMatch(/^desired 2, running 2, observed running 2 at tick \d+; 0 outages;/);

    // One of its blades crashes: running dips to 1 and the outage lasts until it is replaced.
    const { body } = await fw.admin.call<{ instances: Array<{ blade?: string }> }>(
      'listWorkloadInstances',
      { params: { name: 'web' } },
    );
    const blade = body.instances[0]?.blade;
    expect(blade).toBeDefined();
    await fw.admin.call('injectFault', { body: { kind: 'crash', targets: [blade] } });
    await stepUntil(page, async () => (await figuresOf(page))['Outages'] === '1 (one lasting)');
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/running 1, .*; 1 outage;/);
    await expect.poll(() => dipColumns(page)).toBeGreaterThan(5);
    await chart.screenshot({ path: artifact('workloads-availability-dip.png') });
    await stepUntil(
      page,
      async () =>
        (await figuresOf(page))['Outages'] === '1' &&
        (await cell(table, row, 'Observed running')) === '2',
      30,
    );

    // The figures are the REST answer's for the same range, and the canvas holds its samples.
    // The clock rests (manual): once the figures are those of the tick shown, nothing moves.
    const to = await tickOf(page);
    await expect.poll(async () => (await figuresOf(page))['Ticks']).toBe(`0 to ${to}`);
    const shown = await figuresOf(page);
    const rest = await fw.admin.call<{
      availability: number;
      instanceTicksLost: number;
      outages: unknown[];
      worstOutageTicks: number;
      meanDetectionTicks?: number;
      meanRecoveryTicks?: number;
      rampTicks: number;
      samples: Array<{ tick: number }>;
    }>('getWorkloadAvailability', { params: { name: 'web' }, query: { from: 0, to } });
    const a = rest.body;
    expect(a.instanceTicksLost).toBeGreaterThan(0);
    expect(a.outages).toHaveLength(1);
    expect(a.worstOutageTicks).toBeGreaterThan(0);
    const ticks = (n: number) =>
      `${Number.isInteger(n) ? n : n.toFixed(1)} tick${n === 1 ? '' : 's'}`;
    expect(shown).toEqual({
      Ticks: `0 to ${to}`,
      Availability: `${(a.availability * 100).toFixed(1)}%`,
      'Instance-ticks lost': String(a.instanceTicksLost),
      Outages: '1',
      'Worst outage': ticks(a.worstOutageTicks),
      'Mean detection': ticks(a.meanDetectionTicks!),
      'Mean recovery': ticks(a.meanRecoveryTicks!),
      'Ramping up (not lost)': ticks(a.rampTicks),
    });
    // A point per sample, one at tick 0 before the first, and one closing tick `to`.
    const points = a.samples.length + (a.samples[0]!.tick > 0 ? 1 : 0) + 1;
    await expect
      .poll(() => canvas.getAttribute('aria-label'))
      .toBe(
        `desired 2, running 2, observed running 2 at tick ${to}; 1 outage; ${points} points over ticks 0 to ${to + 1}`,
      );
    expect(await dipColumns(page)).toBeGreaterThan(5);
    await chart.screenshot({ path: artifact('workloads-availability.png') });
    await page.screenshot({ path: artifact('workloads-availability-page.png'), fullPage: true });

    // In a narrow window the chart narrows with it: nothing is wider than the window.
    await page.setViewportSize({ width: 420, height: 800 });
    await expect
      .poll(() => page.evaluate<number>('document.documentElement.scrollWidth'))
      .toBeLessThanOrEqual(420);
    await expect
      .poll(() => canvas.evaluate((el: unknown) => (el as { width: number }).width))
      .toBeLessThan(420);
    expect(await dipColumns(page)).toBeGreaterThan(5);
    await page.screenshot({ path: artifact('workloads-availability-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
