/**
 * chart.js configuration for the two sweep charts: time vs N and memory vs N, on log–log axes
 * (x as log2 N), so that N² is a straight line of slope 2. Measured series are solid with markers;
 * analytic curves, guides and device limits are dashed and say what they are in the legend. Each
 * measured series with three points or more carries its fitted log–log slope in its legend entry.
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import { formatBytes, formatMs, formatN } from '$lib/bench/format';
import { fittedLogLogSlope } from '$lib/bench/stats';
import type { SweepPoint } from '$lib/bench/types';
import { logAxisHooks } from './log-ticks';
import { t } from '$lib/i18n';

/** Okabe–Ito: distinguishable with the common forms of colour blindness. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

export type ChartKind = 'time' | 'memory';

export interface ChartInput {
  kind: ChartKind;
  points: SweepPoint[];
  /** The sweep's sequence lengths (sets the x range even before points arrive). */
  n: number[];
  analytic?: (n: number) => number;
  analyticLabel?: string;
  limit?: { bytes: number; name: string };
  /** Draw a guide ∝ N^k through the largest measured point. */
  guideExponent?: number;
}

type Pt = { x: number; y: number };

const SUPERSCRIPT: Record<number, string> = { 2: '²', 3: '³', 1.5: '¹·⁵' };

/** Byte axes read best at powers of 4 (1 KiB, 4 KiB, 16 KiB, …) rather than chart.js's 1-2-5 steps. */
function powerOfFourTicks(min: number, max: number): { value: number }[] {
  const ticks: { value: number }[] = [];
  for (let v = 4 ** Math.floor(Math.log(Math.max(min, 1)) / Math.log(4)); v <= max * 1.0001; v *= 4) {
    if (v >= min * 0.9999) ticks.push({ value: v });
  }
  return ticks;
}

export function measuredValue(kind: ChartKind, p: SweepPoint): number | undefined {
  return kind === 'time' ? p.medianMs : p.peakBytes;
}

export function seriesNames(points: SweepPoint[]): string[] {
  return [...new Set(points.map((p) => p.series))];
}

export function datasets(input: ChartInput): ChartDataset<'line', Pt[]>[] {
  const { kind, points, n } = input;
  const out: ChartDataset<'line', Pt[]>[] = [];
  seriesNames(points).forEach((series, i) => {
    const data = points
      .filter((p) => p.series === series && p.status === 'measured')
      .map((p) => ({ x: Math.log2(p.n), y: measuredValue(kind, p) ?? NaN }))
      .filter((p) => p.y > 0);
    // The exponent of the best fit through every measured point: how the series grows with N.
    const slope = fittedLogLogSlope(data.map((p) => ({ x: 2 ** p.x, y: p.y })));
    out.push({
      label:
        slope === undefined
          ? t('chart.measured', { series })
          : t('chart.measuredSlope', { series, slope: slope.toFixed(2) }),
      data,
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      borderWidth: 2.5,
      pointRadius: 4,
      pointStyle: ['circle', 'rect', 'triangle', 'rectRot'][i % 4] as 'circle'
    });
  });
  if (input.analytic && n.length > 0) {
    const xs: Pt[] = [];
    for (let x = Math.log2(n[0]); x <= Math.log2(n[n.length - 1]) + 1e-9; x += 0.25) {
      xs.push({ x, y: input.analytic(Math.round(2 ** x)) });
    }
    out.push({
      label: input.analyticLabel ?? t('chart.analytic'),
      data: xs,
      borderColor: '#555',
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0
    });
  }
  if (input.limit && n.length > 0) {
    const y = input.limit.bytes;
    out.push({
      label: t('chart.limit', { name: `${input.limit.name} = ${formatBytes(y)}` }),
      data: [
        { x: Math.log2(n[0]), y },
        { x: Math.log2(n[n.length - 1]), y }
      ],
      borderColor: '#D55E00',
      borderDash: [2, 3],
      borderWidth: 2,
      pointRadius: 0
    });
  }
  const measured = points.filter((p) => p.status === 'measured' && (measuredValue(kind, p) ?? 0) > 0);
  if (input.guideExponent && measured.length >= 2) {
    const last = measured.reduce((a, b) => (b.n > a.n ? b : a));
    const k = input.guideExponent;
    const y0 = measuredValue(kind, last) ?? 1;
    out.push({
      label: t('chart.guide', { k: k === 1 ? '' : (SUPERSCRIPT[k] ?? `^${k}`) }),
      data: n.map((m) => ({ x: Math.log2(m), y: y0 * (m / last.n) ** k })),
      borderColor: '#999',
      borderDash: [1, 3],
      borderWidth: 1.5,
      pointRadius: 0
    });
  }
  return out;
}

export function chartConfig(input: ChartInput): ChartConfiguration<'line', Pt[]> {
  const fmt = input.kind === 'time' ? formatMs : formatBytes;
  const lo = input.n.length ? Math.log2(input.n[0]) : 0;
  const hi = input.n.length ? Math.log2(input.n[input.n.length - 1]) : 1;
  return {
    type: 'line',
    data: { datasets: datasets(input) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 18, usePointStyle: false } },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? `N = ${formatN(Math.round(2 ** items[0].parsed.x!))}` : ''),
            label: (item) => `${item.dataset.label}: ${fmt(item.parsed.y!)}`
          }
        }
      },
      scales: {
        x: {
          type: 'linear',
          min: lo,
          max: hi,
          title: { display: true, text: t('chart.n') },
          ticks: { stepSize: 1, callback: (v) => formatN(Math.round(2 ** Number(v))) }
        },
        y: {
          type: 'logarithmic',
          title: { display: true, text: input.kind === 'time' ? t('chart.ms') : t('chart.bytes') },
          ticks: { callback: (v) => fmt(Number(v)) },
          afterDataLimits: input.kind === 'time' ? logAxisHooks.afterDataLimits : undefined,
          afterBuildTicks:
            input.kind === 'memory'
              ? (axis) => {
                  const ticks = powerOfFourTicks(axis.min, axis.max);
                  if (ticks.length >= 2) axis.ticks = ticks;
                }
              : logAxisHooks.afterBuildTicks
        }
      }
    }
  };
}
