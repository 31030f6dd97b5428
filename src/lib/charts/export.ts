/** The sweep's numbers as CSV and JSON, with what produced them, for download. */
import type { SweepPoint } from '$lib/bench/types';

export interface RunContext {
  lesson: string;
  backend: string;
  adapter: string;
  browser: string;
  wasmThreads: number;
  date: string;
}

const COLUMNS = [
  'series',
  'n',
  'status',
  'median_ms',
  'p25_ms',
  'p75_ms',
  'timer',
  'peak_bytes',
  'analytic_bytes',
  'note'
] as const;

/**
 * One CSV cell. Text that a spreadsheet would read as a formula (=, +, -, @, and tab or CR, which
 * some accept before one) gets a leading apostrophe: series labels and notes come from learner
 * code and shared links. Numbers are numbers, never formulas, and stay as they are.
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(points: SweepPoint[], ctx: RunContext, analytic?: (n: number) => number): string {
  const header = Object.entries(ctx).map(([k, v]) => csvCell(`# ${k}: ${v}`));
  const rows = points.map((p) =>
    [p.series, p.n, p.status, p.medianMs, p.p25Ms, p.p75Ms, p.timer, p.peakBytes, analytic?.(p.n), p.reason]
      .map(csvCell)
      .join(',')
  );
  return [...header, COLUMNS.join(','), ...rows].join('\n') + '\n';
}

export function toJson(points: SweepPoint[], ctx: RunContext, analytic?: (n: number) => number): string {
  return JSON.stringify({ ...ctx, points: points.map((p) => ({ ...p, analyticBytes: analytic?.(p.n) })) }, null, 2);
}

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
