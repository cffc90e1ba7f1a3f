import { budgets } from '@chamber/testing';
import { wordOf } from '@chamber/world';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from '../system/frontend-world.js';
import {
  artifact,
  launchChromium,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';
import { sample } from '../system/inventory-world.js';

// The inventory map and detail panel in Debian's Chromium, against a real
// frontend and services. Screenshots go to test-artifacts/.
const b0 = 'small/z1/rack1/blade/0';
let browser: Browser;
let w: FrontendWorld | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** `GET /inventory/states` (its OpenAPI entry): the truth the map must draw. */
interface States {
  states: string[];
  racks: Array<
    Record<'pdus' | 'pduStates' | 'tors' | 'torStates' | 'blades' | 'bladeStates', number[]> & {
      path: string;
    }
  >;
}

/**
 * Checks the picture, not the page's own counts: with the whole map fitted
 * in view, the canvas shows one solid bar per device the API lists, in the
 * colour the legend gives its state in `actual`. Bars are counted as the
 * connected areas of exactly that colour (anti-aliased edges and the rack's
 * gaps between rows separate them) at least a quarter the size of the
 * largest (a PDU's or TOR's bar is three quarters of a blade's), so a map that leaves devices out, draws
 * one twice or colours it from a wrong state fails. Answers the bars counted.
 */
async function expectEveryDeviceDrawn(page: Page, fw: FrontendWorld): Promise<number> {
  const { body } = await fw.admin.call<States>('listStates', { query: { view: 'actual' } });
  const legend = page.getByRole('list', { name: 'Legend, actual' });
  const swatches = new Map<string, string>();
  const expected = new Map<string, number>();
  for (const rack of body.racks) {
    for (const kind of ['pdu', 'tor', 'blade'] as const) {
      for (const position of rack[`${kind}States`]) {
        const state = wordOf(body.states[position]);
        const prefix = kind === 'blade' ? '' : `${kind.toUpperCase()}s `;
        const key = `${prefix}${state}`;
        if (!swatches.has(key)) {
          const item = legend
            .getByRole('listitem')
            .filter({ hasText: new RegExp(`^${key} \\d+$`) });
          swatches.set(
            key,
            await item.locator('.swatch').evaluate(
              (el: unknown) =>
                (
                  globalThis as unknown as {
                    getComputedStyle(e: unknown): { backgroundColor: string };
                  }
                ).getComputedStyle(el).backgroundColor,
            ),
          );
        }
        const colour = swatches.get(key)!;
        expected.set(colour, (expected.get(colour) ?? 0) + 1);
      }
    }
  }
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  const colours = [...expected.keys()];
  await expect.poll(() => barsOf(page, colours)).toEqual(Object.fromEntries(expected));
  return [...expected.values()].reduce((a, n) => a + n, 0);
}

/**
 * The bars the map's canvas shows in each of `wanted` (`rgb(r, g, b)`):
 * the connected areas of exactly that colour at least a quarter the size of
 * the largest (the holes of a name's letters are specks; anti-aliased edges
 * and the gaps between rows and racks separate bars).
 */
async function barsOf(page: Page, wanted: string[]): Promise<Record<string, number>> {
  return (await pictureOf(page, wanted)).bars;
}

/** The bars of {@link barsOf}, and the share of the canvas the drawing spans ({@link drawnShare}). */
function pictureOf(
  page: Page,
  wanted: string[],
): Promise<{ bars: Record<string, number>; across: number; down: number }> {
  return page
    .getByRole('img', { name: /Inventory map/ })
    .evaluate((el: unknown, wanted: string[]) => {
      const c = el as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const { width, height } = c;
      const data = c.getContext('2d').getImageData(0, 0, width, height).data;
      const colourAt = (i: number): string =>
        `rgb(${data[i * 4]}, ${data[i * 4 + 1]}, ${data[i * 4 + 2]})`;
      const seen = new Uint8Array(width * height);
      const areas: Array<{ colour: string; size: number }> = [];
      let [left, right, top, bottom] = [width, -1, height, -1];
      for (let start = 0; start < width * height; start++) {
        if (data[start * 4] !== 255 || data[start * 4 + 1] !== 255 || data[start * 4 + 2] !== 255) {
          left = Math.min(left, start % width);
          right = Math.max(right, start % width);
          top = Math.min(top, Math.floor(start / width));
          bottom = Math.max(bottom, Math.floor(start / width));
        }
        if (seen[start] === 1) continue;
        const colour = colourAt(start);
        if (!wanted.includes(colour)) continue;
        let size = 0;
        const stack = [start];
        seen[start] = 1;
        while (stack.length > 0) {
          const i = stack.pop()!;
          size++;
          const x = i % width;
          for (const n of [i - width, i + width, x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1]) {
            if (n >= 0 && n < width * height && seen[n] === 0 && colourAt(n) === colour) {
              seen[n] = 1;
              stack.push(n);
            }
          }
        }
        areas.push({ colour, size });
      }
      // A bar is large; the holes of a name's letters (o, a, e, …) are specks.
      const largest = Math.max(0, ...areas.map((a) => a.size));
      const counts: Record<string, number> = Object.fromEntries(wanted.map((w) => [w, 0]));
      for (const a of areas) if (a.size >= largest / 4) counts[a.colour]!++;
      return {
        bars: counts,
        across: (right - left + 1) / width,
        down: (bottom - top + 1) / height,
      };
    }, wanted);
}

describe('the inventory map', () => {
  it('colours blades by state, injects a power loss, shows the lag, the repair and the return, and travels back in time', async () => {
    w = await startFrontendWorld('web-map', quickControlPlane, { webRoot });
    await loadSmall(w, 8);

    const { page, problems } = await openPage(browser, w.url, { width: 1400, height: 1000 });
    await submitLogin(page, 'admin', adminPassword);

    const canvas = page.getByRole('img', { name: /Inventory map/ });
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/2 racks, \d+ devices/);
    const legend = (name: string) => page.getByRole('list', { name }).textContent();
    await expect.poll(() => legend('Legend, actual')).toContain('working 8');
    await page.screenshot({ path: artifact('map-actual.png'), fullPage: true });
    await page.getByRole('radio', { name: 'observed' }).check();
    await expect.poll(() => legend('Legend, observed')).toContain('healthy 8');
    await page.getByRole('radio', { name: 'actual' }).check();

    // A blade's detail, from the search list (the keyboard way to the map).
    await page.getByRole('searchbox').fill('rack1/blade/0');
    const blade = page.getByRole('list', { name: 'Matching elements' }).getByRole('button');
    await expect.poll(() => blade.first().textContent()).toContain('working / healthy');
    await blade.first().press('Enter');
    const detail = page.getByRole('region', { name: /blade .*rack1\/blade\/0/ });
    // In words (libs/world), never wire names: `state working`, not BLADE_STATE_WORKING.
    const actual = detail.getByRole('region', { name: 'actual' });
    await expect.poll(() => actual.textContent()).toContain('stateworking');
    await expect
      .poll(() => detail.getByRole('region', { name: 'definition' }).textContent())
      .toMatch(/capacity/i);
    await expect
      .poll(() => detail.getByRole('region', { name: 'target' }).textContent())
      .toContain('statein service');
    for (const view of ['definition', 'target', 'actual', 'observed']) {
      expect(await detail.getByRole('region', { name: view }).textContent()).not.toMatch(
        /[A-Z]+_[A-Z_]+|[{}]/,
      );
    }
    // Lines break between words, never inside one.
    await actual
      .locator('dd')
      .first()
      .evaluate((el: { setAttribute(name: string, value: string): void }) =>
        el.setAttribute('data-probe', ''),
      );
    expect(
      await page.evaluate<string>(
        "getComputedStyle(document.querySelector('[data-probe]')).overflowWrap",
      ),
    ).not.toBe('anywhere');

    // Hovering a device on the map names it and its state: the search centres the map on it
    // (again, now that the panel beside the map has taken its width: the list, closed once a
    // match was chosen, opens again as the search box takes the focus).
    await page.getByRole('searchbox').focus();
    await blade.first().press('Enter');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect
      .poll(() => page.getByRole('tooltip').textContent())
      .toBe(`${b0}blade working · observed healthy`);
    await page.mouse.move(box.x - 5, box.y - 5);
    await expect.poll(() => page.getByRole('tooltip').count()).toBe(0);

    // The rack's PDU: inject a power loss from its panel.
    await page.getByRole('searchbox').fill('rack1/pdu/0');
    await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').first().click();
    const pdu = page.getByRole('region', { name: /PDU .*rack1\/pdu\/0/ });
    // The PDU's panel lists the blades it feeds (the definition's wiring); each opens its panel.
    const fed = pdu.getByRole('region', { name: 'Blades it feeds' }).getByRole('button');
    await expect
      .poll(() => fed.allTextContents())
      .toEqual([0, 1, 2, 3].map((i) => `small/z1/rack1/blade/${i}`));
    await expect
      .poll(() => pdu.getByRole('region', { name: 'definition' }).textContent())
      .toContain('kindPDU');
    await pdu.getByLabel('Kind').selectOption('power_loss');
    await pdu.getByLabel('Duration').fill('15');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => pdu.getByRole('status').textContent()).toMatch(/Fault .* injected/);
    await page.screenshot({ path: artifact('detail.png'), fullPage: true });

    // Step by step until the PDU's blades go dark in actual: the monitor has not noticed yet.
    // The server says when to stop (one step more and the monitor suspects them); the map, a
    // moment behind on a busy machine, then shows that tick.
    const tick = page.getByLabel('Tick', { exact: true });
    const darkBlades = async (): Promise<number> =>
      Number(/(?:^|\d)off (\d+)/.exec((await legend('Legend, actual')) ?? '')?.[1] ?? 0);
    const isB0Off = async (): Promise<boolean> => {
      const res = await w!.admin.call<{ element: { bladeActual?: { state?: string } } }>(
        'getElement',
        { query: { path: 'small/z1/rack1/blade/0', view: 'actual' } },
      );
      return res.body.element.bladeActual?.state !== 'BLADE_STATE_WORKING';
    };
    for (let i = 0; i < 3 && !(await isB0Off()); i++) {
      const before = await tick.textContent();
      await page.getByRole('button', { name: 'Step 1', exact: true }).click();
      await expect.poll(() => tick.textContent()).not.toBe(before);
    }
    expect(await isB0Off()).toBe(true);
    const dark = 4;
    await expect.poll(darkBlades).toBe(dark);
    // The picture shows it: every device drawn in its state's colour (2 PDUs, 2 TORs, 8 blades).
    expect(await expectEveryDeviceDrawn(page, w)).toBe(12);
    await page.getByRole('checkbox', { name: 'Disagreements' }).check();
    await expect
      .poll(() => legend('Legend, disagreements'))
      .toMatch(new RegExp(`not noticed yet.*healthy\\) ${dark}`));
    await page.screenshot({ path: artifact('map-disagreement.png'), fullPage: true });
    await page.getByRole('checkbox', { name: 'Disagreements' }).uncheck();

    // A few more: the control plane notices.
    await page.getByRole('button', { name: 'Step 10', exact: true }).click();
    await page.getByRole('radio', { name: 'observed' }).check();
    await expect.poll(() => legend('Legend, observed')).toMatch(new RegExp(`failed ${dark}`));
    await expect
      .poll(() => pdu.getByRole('region', { name: 'Faults' }).textContent())
      .toContain('power loss');
    // The faults applied to it: a list of fault ids, each a link to the Faults page, not JSON.
    const { body: listed } = await w.admin.call<{ faults: Array<{ id: string }> }>('listFaults');
    const faultId = listed.faults[0]!.id;
    const applied = pdu
      .getByRole('region', { name: 'actual' })
      .getByRole('list', { name: 'Faults applied' })
      .getByRole('link');
    await expect.poll(() => applied.allTextContents()).toEqual([faultId]);
    expect(await applied.first().getAttribute('href')).toBe('#/faults');
    await page.screenshot({ path: artifact('map-observed.png'), fullPage: true });

    // The blades' repairs appear, each with its reason.
    await page.getByRole('searchbox').fill('rack1/blade/0');
    await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').first().click();
    const blade0 = page.getByRole('region', { name: /blade .*rack1\/blade\/0/ });
    await expect
      .poll(() => blade0.getByRole('region', { name: 'Repairs' }).textContent())
      .toMatch(/(pending|running) opened at tick \d+ — \S+/);
    await page.screenshot({ path: artifact('map-repair.png'), fullPage: true });

    // The fault's 15 ticks pass: the blades return, in actual and then in observed.
    const { body } = await w.admin.call<{ faults: Array<{ sinceTick: number }> }>('listFaults');
    const faultTick = body.faults[0]!.sinceTick;
    await page.getByLabel('Run until').fill(String(faultTick + 60));
    await page.getByRole('button', { name: 'Go' }).click();
    await expect.poll(() => tick.textContent()).toBe(`tick ${faultTick + 60}`);
    await expect.poll(() => legend('Legend, observed')).toMatch(/^healthy 8PDUs/);
    await page.getByRole('radio', { name: 'actual' }).check();
    await expect.poll(() => legend('Legend, actual')).toMatch(/^working 8PDUs on 2/);
    await expect
      .poll(() => blade0.getByRole('region', { name: 'Repairs' }).textContent())
      .toContain('succeeded');

    // Time travel to the tick before the fault: every blade and PDU was up.
    const timeline = page.getByRole('slider', { name: 'Time travel' });
    await timeline.fill(String(faultTick - 1));
    await expect
      .poll(() => canvas.getAttribute('aria-label'))
      .toContain(`at tick ${faultTick - 1}`);
    await expect.poll(() => legend('Legend, actual')).toMatch(/^working 8PDUs on 2/);
    await expect
      .poll(() => blade0.getByRole('heading', { level: 2 }).textContent())
      .toContain(`at tick ${faultTick - 1}`);
    // ... and at the fault's tick + 2, its blades were dark.
    await timeline.fill(String(faultTick + 2));
    await expect
      .poll(() => canvas.getAttribute('aria-label'))
      .toContain(`at tick ${faultTick + 2}`);
    await expect.poll(darkBlades).toBe(dark);
    await page.screenshot({ path: artifact('map-time-travel.png'), fullPage: true });
    await page.getByRole('button', { name: 'Back to live' }).click();
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/^Inventory map now/);
    await expect.poll(() => legend('Legend, actual')).toMatch(/^working 8PDUs on 2/);

    // The form refuses what the API's schema would, naming the field, without sending it.
    await page.getByRole('searchbox').fill('rack1/pdu/0');
    await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').first().click();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/faults')) posts.push(r.url());
    });
    await pdu.getByLabel('Duration').fill('0');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    const refusal = pdu.getByRole('form', { name: 'Inject a fault' }).getByRole('alert');
    await expect.poll(() => refusal.textContent()).toBe('Duration must be at least 1');
    await pdu.getByLabel('Duration').fill('');
    await pdu.getByLabel('Probability').fill('2');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => refusal.textContent()).toBe('Probability must be at most 1');
    expect(posts).toEqual([]);
    // A good one is sent, and the old refusal goes.
    await pdu.getByLabel('Probability').fill('');
    await pdu.getByLabel('Duration').fill('1');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    await expect
      .poll(() =>
        pdu.getByRole('form', { name: 'Inject a fault' }).getByRole('status').textContent(),
      )
      .toMatch(/^Fault \S+ injected\.$/);
    expect(await refusal.count()).toBe(0);
    expect(posts).toHaveLength(1);

    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it("asks for the map's states as the page loads, before its session is known, and draws them", async () => {
    w = await startFrontendWorld('web-map-early', quickControlPlane, { webRoot });
    await loadSmall(w, 8);
    const { page, problems } = await openPage(browser, w.url);
    await submitLogin(page, 'admin', adminPassword);
    const legend = page.getByRole('list', { name: 'Legend, actual' });
    await expect.poll(() => legend.textContent()).toContain('working 8');
    // On a reload the session check is held until the states are asked for
    // (or the wait budget passes): the map's read must not wait for it.
    let isStatesAsked = false;
    let isAskedBeforeSession: boolean | undefined;
    let statesAsked = (): void => undefined;
    const asked = new Promise<void>((resolve) => (statesAsked = resolve));
    page.on('request', (request) => {
      if (!/\/api\/v1\/inventory\/states\?view=actual$/.test(request.url())) return;
      isStatesAsked = true;
      statesAsked();
    });
    await page.route(/\/api\/v1\/sessions\/current$/, async (route) => {
      await Promise.race([asked, new Promise((resolve) => setTimeout(resolve, budgets.waitMs))]);
      isAskedBeforeSession ??= isStatesAsked;
      await route.continue();
    });
    await page.reload();
    await expect.poll(() => legend.textContent()).toContain('working 8');
    expect(isAskedBeforeSession).toBe(true);
    expect(problems).toEqual([]);
  });

  it('reads the map again when the stream cannot resume after its read, and follows on', async () => {
    w = await startFrontendWorld('web-map-lost', quickControlPlane, { webRoot });
    await loadSmall(w, 8);
    const { page, problems } = await openPage(browser, w.url);
    // Streams resuming after the map's first read are answered as the frontend
    // answers one it cannot resume (etcd compacted that history), and the world
    // changes meanwhile: only a new read shows the change.
    let first: string | null | undefined;
    let refused = 0;
    await page.route(/\/api\/v1\/events\?.*after=/, async (route) => {
      const after = new URL(route.request().url()).searchParams.get('after');
      first ??= after;
      if (after !== first) return route.continue();
      if (refused++ === 0) {
        await w!.admin.call('injectFault', { body: { kind: 'crash', targets: [b0] } });
        await w!.admin.call('step', { body: { count: 2 } });
      }
      await route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: 'event: error\ndata: {"code":"out_of_range","message":"cannot resume"}\n\n',
      });
    });
    await submitLogin(page, 'admin', adminPassword);
    const legend = page.getByRole('list', { name: 'Legend, actual' });
    await expect.poll(() => legend.textContent()).toMatch(/crashed 1/);
    await expect
      .poll(() => page.getByText(/^2 racks, 12 devices/).textContent())
      .toBe('2 racks, 12 devices');

    // It follows the new stream: the next change shows without reloading the page.
    await w.admin.call('injectFault', {
      body: { kind: 'hang', targets: ['small/z1/rack2/blade/1'] },
    });
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => legend.textContent()).toMatch(/hung 1/);
    // One refusal, one new read: the page never asked again with the stale revision.
    expect(refused).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** What part of the map's canvas its drawing spans (the box around every pixel not white), across and down. */
async function drawnShare(page: Page): Promise<{ across: number; down: number }> {
  const { across, down } = await pictureOf(page, []);
  return { across, down };
}

/** The colour the legend of `view` gives `state` (`rgb(r, g, b)`). */
function swatchOf(page: Page, view: 'actual' | 'observed', state: string): Promise<string> {
  return page
    .getByRole('list', { name: `Legend, ${view}` })
    .getByRole('listitem')
    .filter({ hasText: new RegExp(`^${state} \\d+$`) })
    .locator('.swatch')
    .evaluate(
      (el: unknown) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
        ).getComputedStyle(el).backgroundColor,
    );
}

/**
 * Loads sample `name` and runs the clock `ticks` past its load, so its
 * blades work; answers the tick. The clock is driven over gRPC: on a loaded
 * machine `large` takes longer than an HTTP client waits for an answer.
 */
async function loadSample(fw: FrontendWorld, name: string, ticks: number): Promise<number> {
  const load = await fw.world.load(sample(name), `${name}.yaml`);
  const tick = Number(load.effectiveTick) + ticks;
  await fw.world.clock.runUntil(tick);
  return tick;
}

describe('the map at 1440×900', () => {
  const screen = { width: 1440, height: 900 };

  it('spreads the 8 racks of `standard` across the width, marks faults and repairs on the timeline as they happen, and a mark or a search selects without scrolling', async () => {
    w = await startFrontendWorld('web-map-marks', quickControlPlane, { webRoot });
    await loadSample(w, 'standard', 10);
    const { page, problems } = await openPage(browser, w.url, screen);
    await submitLogin(page, 'admin', adminPassword);
    const canvas = page.getByRole('img', { name: /Inventory map/ });
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/8 racks, 80 devices/);
    await expect
      .poll(() => page.getByRole('list', { name: 'Legend, actual' }).textContent())
      .toContain('working 64');
    // Every rack in one row, across most of the canvas (not a block in its middle).
    await expect.poll(async () => (await drawnShare(page)).across).toBeGreaterThan(0.85);
    await page.screenshot({ path: artifact('map-standard-1440.png') });

    const marks = page.getByRole('list', { name: 'Faults and repairs on the timeline' });
    expect(await marks.getByRole('button').count()).toBe(0);
    // A blade crashes: its fault's start is marked without a reload, then its repair's opening
    // and closing, as the stream brings them.
    const target = 'standard/z1/rack3/blade/2';
    await w.admin.call('injectFault', { body: { kind: 'crash', targets: [target] } });
    await w.admin.call('step', { body: { count: 2 } });
    const started = marks.getByRole('button', {
      name: new RegExp(`^crash started at tick \\d+ on ${target}$`),
    });
    await expect.poll(() => started.count()).toBe(1);
    const { body: faults } = await w.admin.call<{ faults: Array<{ sinceTick: number }> }>(
      'listFaults',
    );
    const faultTick = Number(faults.faults[0]!.sinceTick);
    expect(await started.getAttribute('aria-label')).toBe(
      `crash started at tick ${faultTick} on ${target}`,
    );
    await w.admin.call('runUntil', { body: { tick: faultTick + 60 } });
    const opened = marks.getByRole('button', {
      name: new RegExp(`^repair of ${target} opened at tick \\d+$`),
    });
    const closed = marks.getByRole('button', {
      name: new RegExp(`^repair of ${target} closed at tick \\d+ \\(succeeded\\)$`),
    });
    await expect.poll(() => closed.count()).toBe(1);
    expect(await opened.count()).toBe(1);
    // Each under its tick on the slider: in the order they happened, where the thumb would be.
    const slider = page.getByRole('slider', { name: 'Time travel' });
    await expect.poll(() => slider.getAttribute('max')).toBe(String(faultTick + 60));
    const track = (await slider.boundingBox())!;
    const centre = async (mark: typeof started): Promise<number> => {
      const box = (await mark.boundingBox())!;
      return box.x + box.width / 2;
    };
    const xs = [await centre(started), await centre(opened), await centre(closed)];
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(xs[0]!).toBeLessThan(xs[2]!);
    const min = Number(await slider.getAttribute('min'));
    const expectedX =
      track.x + 8 + ((track.width - 16) * (faultTick - min)) / (faultTick + 60 - min);
    expect(Math.abs(xs[0]! - expectedX)).toBeLessThan(3);
    await page.screenshot({ path: artifact('map-timeline-marks.png') });

    // Clicking a mark selects its element; the page stays where it is.
    await started.click();
    const detail = page.getByRole('region', { name: /blade .*rack3\/blade\/2/ });
    await expect.poll(() => detail.count()).toBe(1);
    expect(await page.evaluate<number>('window.scrollY')).toBe(0);

    // A search result likewise: the header and the map stay in view.
    await page.getByRole('searchbox').fill('rack6/blade/5');
    await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').first().click();
    await expect
      .poll(() => page.getByRole('region', { name: /blade .*rack6\/blade\/5/ }).count())
      .toBe(1);
    expect(await page.evaluate<number>('window.scrollY')).toBe(0);
    const box = (await canvas.boundingBox())!;
    expect(box.y).toBeGreaterThan(0);
    expect(box.y + box.height).toBeLessThanOrEqual(screen.height);
    await page.screenshot({ path: artifact('map-standard-selected.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it(
    'draws the 100,000 blades of `large` across the canvas as one cell per rack, counts on hover, follows a change cell by cell, and shows devices zoomed in',
    async () => {
      w = await startFrontendWorld('web-map-large', quickControlPlane, { webRoot });
      await loadSample(w, 'large', 16);
      const { page, problems } = await openPage(browser, w.url, screen);
      await submitLogin(page, 'admin', adminPassword);
      const canvas = page.getByRole('img', { name: /Inventory map/ });
      await expect
        .poll(() => canvas.getAttribute('aria-label'), { timeout: budgets.longTestMs })
        .toMatch(/2500 racks, 107500 devices.*each rack as one cell in its worst state$/);
      await expect
        .poll(() => page.getByRole('list', { name: 'Legend, actual' }).textContent())
        .toContain('working 100000');
      const working = await swatchOf(page, 'actual', 'working');
      // One cell per rack, each in its worst state (all working), filling the width.
      await expect.poll(() => barsOf(page, [working])).toEqual({ [working]: 2500 });
      const share = await drawnShare(page);
      expect(share.across).toBeGreaterThan(0.9);
      expect(share.down).toBeGreaterThan(0.5);
      await page.screenshot({ path: artifact('map-large-cells.png') });

      // A rack's counts on hover (over its cell or the gap after it: no dead space between cells).
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 4);
      await expect
        .poll(() => page.getByRole('tooltip').textContent())
        .toMatch(
          /^large\/z\d\/[cg]\d+40 blades: 40 working · observed 40 healthy2 PDUs on, 1 TOR working · worst: working$/,
        );

      // One blade crashes: its rack's cell, alone, turns the crash's colour.
      await w.admin.call('injectFault', {
        body: { kind: 'crash', targets: ['large/z2/c700/blade/17'] },
      });
      await w.world.clock.step(2);
      await expect
        .poll(() => page.getByRole('list', { name: 'Legend, actual' }).textContent())
        .toContain('crashed 1');
      const crashed = await swatchOf(page, 'actual', 'crashed');
      await expect
        .poll(() => barsOf(page, [working, crashed]))
        .toEqual({ [working]: 2499, [crashed]: 1 });

      // Zoomed in, devices one by one (here ~4 px a row), in their states.
      for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
      await expect
        .poll(() => canvas.getAttribute('aria-label'))
        .toMatch(/coloured by actual state$/);
      await page.screenshot({ path: artifact('map-large-zoomed.png') });
      // The crashed blade from the search: the map centres on it, and names it under the pointer.
      await page.getByRole('searchbox').fill('z2/c700/blade/17');
      await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').click();
      // The detail panel opens beside the map, which narrows: the blade stays at its centre.
      await expect
        .poll(() => page.getByRole('region', { name: /blade .*c700\/blade\/17/ }).count())
        .toBe(1);
      const narrowed = (await canvas.boundingBox())!;
      await page.mouse.move(narrowed.x + narrowed.width / 2, narrowed.y + narrowed.height / 2);
      await expect
        .poll(() => page.getByRole('tooltip').textContent())
        .toMatch(/^large\/z2\/c700\/blade\/17blade crashed · observed /);
      expect(await page.evaluate<number>('window.scrollY')).toBe(0);
      await page.screenshot({ path: artifact('map-large-device.png') });
      expect(problems).toEqual([]);
      await page.close();
    },
    budgets.longTestMs,
  );
});
