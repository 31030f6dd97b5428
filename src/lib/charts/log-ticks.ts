/**
 * Ticks for logarithmic axes that never overlap and label every decade: the axis is widened to
 * whole decades (so 1.0–1.8 ms shows 1 ms and 10 ms rather than a crowd of 1.2, 1.4, 1.6), then
 * each decade gets 1, or 1-2-5, or 1-2-3-5 (times its power of ten) by the room it has on screen.
 * chart.js's own log ticks print 1-2-…-9 in every decade whatever the room, which overlaps.
 */
import type { Scale } from 'chart.js';

/** Pixels a tick label needs along a vertical axis (12 px text and a little air). */
export const LABEL_PX = 18;

/** The whole decades around [min, max] (both > 0). */
export function decadeBounds(min: number, max: number): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(min) + 1e-9);
  let hi = 10 ** Math.ceil(Math.log10(max) - 1e-9);
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/**
 * Tick values from lo to hi (whole decades) for an axis `pixels` long. Each label needs LABEL_PX;
 * within a decade 2 sits 30 % of the way up, 3 at 48 % and 5 at 70 %, so the closest neighbours are
 * 0.30 of a decade apart for 1-2-5 and 0.18 for 1-2-3-5.
 * When even one label per decade does not fit, every decade still gets its tick and label: the
 * caller's font is the last resort (charts are never that short in practice).
 */
export function logTicks(lo: number, hi: number, pixels: number): number[] {
  const decades = Math.max(1, Math.round(Math.log10(hi / lo)));
  const perDecade = pixels / decades;
  const steps = perDecade >= 5.7 * LABEL_PX ? [1, 2, 3, 5] : perDecade >= 3.35 * LABEL_PX ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let d = 0; d < decades; d++) {
    const base = lo * 10 ** d;
    for (const s of steps) ticks.push(base * s);
  }
  ticks.push(hi);
  // Rounding: 0.1 · 3 is 0.30000000000000004, which would print as such.
  return ticks.map((v) => Number(v.toPrecision(6)));
}

/** chart.js hooks for a logarithmic axis: whole decades, and ticks that fit. */
export const logAxisHooks = {
  afterDataLimits(axis: Scale): void {
    if (!(axis.min > 0) || !(axis.max > 0)) return;
    [axis.min, axis.max] = decadeBounds(axis.min, axis.max);
  },
  afterBuildTicks(axis: Scale): void {
    if (!(axis.min > 0) || !(axis.max > 0)) return;
    // A horizontal label ("500 ms") is about 2.5 times wider than a vertical one is tall.
    const pixels = axis.isHorizontal() ? axis.width / 2.5 : axis.height;
    axis.ticks = logTicks(axis.min, axis.max, pixels || 200).map((value) => ({ value }));
  }
};
