import type uPlot from 'uplot';

/** Whole numbers only: ticks, instances, elements and repairs are counted, never halved. */
export const wholeSteps = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000,
];

/** An axis's values as whole numbers. */
export const whole = (_u: uPlot, values: number[]): string[] => values.map(String);

/**
 * Shows uPlot chart `u`, made in `el`, as an image to assistive technology
 * and keeps it as wide as `el` (at `height` CSS pixels) while `el` resizes;
 * `held` holds it meanwhile. Answers what takes it down: for a React
 * effect's cleanup.
 */
export function mountChart(
  u: uPlot,
  el: HTMLElement,
  height: number,
  held: { current: uPlot | undefined },
): () => void {
  u.ctx.canvas.setAttribute('role', 'img');
  held.current = u;
  const resized = new ResizeObserver(() => {
    const width = Math.max(el.clientWidth, 100);
    if (width !== u.width) u.setSize({ width, height });
  });
  resized.observe(el);
  return () => {
    resized.disconnect();
    u.destroy();
    held.current = undefined;
  };
}
