/** chart.js, loaded the first time a chart is drawn (it stays out of the JavaScript a page needs to show its prose). */
let loading: Promise<typeof import('./register')> | null = null;

export function loadChartJs(): Promise<typeof import('./register')> {
  loading ??= import('./register');
  return loading;
}
