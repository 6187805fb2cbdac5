/** Two small chart types as standalone SVG text: no dependencies, readable in any Markdown viewer. */

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xDomain: [number, number];
  yDomain: [number, number];
  /** Horizontal reference line, e.g. the unpruned accuracy minus the tolerance. */
  reference?: { y: number; label: string };
  xFormat?: (value: number) => string;
  yFormat?: (value: number) => string;
}

const WIDTH = 560;
const HEIGHT = 340;
const MARGIN = { left: 60, right: 130, top: 34, bottom: 46 };
const FONT = 'font-family="sans-serif" font-size="12"';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#7f7f7f', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ticks([min, max]: [number, number], count = 5): number[] {
  const step = (max - min) / count;
  return Array.from({ length: count + 1 }, (_, i) => min + i * step);
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" ${FONT} font-weight="bold">${escape(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export function lineChart(chart: LineChart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => MARGIN.left + ((value - chart.xDomain[0]) / (chart.xDomain[1] - chart.xDomain[0])) * plotW;
  const y = (value: number) => MARGIN.top + plotH - ((value - chart.yDomain[0]) / (chart.yDomain[1] - chart.yDomain[0])) * plotH;
  const xFormat = chart.xFormat ?? ((value: number) => value.toFixed(1));
  const yFormat = chart.yFormat ?? ((value: number) => value.toFixed(0));
  const body: string[] = [];
  for (const value of ticks(chart.yDomain)) {
    body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end" ${FONT}>${yFormat(value)}</text>`);
  }
  for (const value of ticks(chart.xDomain)) {
    body.push(`<text x="${x(value)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" ${FONT}>${xFormat(value)}</text>`);
  }
  body.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  body.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle" ${FONT}>${escape(chart.xLabel)}</text>`);
  body.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escape(chart.yLabel)}</text>`);
  if (chart.reference) {
    const ry = y(chart.reference.y);
    body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${ry}" y2="${ry}" stroke="#444" stroke-dasharray="2 3"/>`);
    body.push(`<text x="${MARGIN.left + plotW - 4}" y="${ry - 4}" text-anchor="end" ${FONT} fill="#444">${escape(chart.reference.label)}</text>`);
  }
  chart.series.forEach((series, i) => {
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    const path = points.map(([px, py], k) => `${k ? 'L' : 'M'}${x(px).toFixed(1)} ${y(py).toFixed(1)}`).join(' ');
    body.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [px, py] of points) body.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.5" fill="${series.color}"/>`);
    const ly = MARGIN.top + 12 + i * 18;
    body.push(`<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    body.push(`<text x="${WIDTH - MARGIN.right + 34}" y="${ly}" ${FONT}>${escape(series.name)}</text>`);
  });
  return frame(chart.title, body);
}

export interface Bar {
  label: string;
  value: number;
  color: string;
}

/** Horizontal bars on a log scale (throughputs span several orders of magnitude). */
export function logBarChart(title: string, unit: string, bars: Bar[]): string {
  const left = 150;
  const right = 80;
  const rowH = 30;
  const top = 40;
  const height = top + bars.length * rowH + 40;
  const values = bars.map((bar) => bar.value).filter((value) => value > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plotW = WIDTH - left - right;
  const x = (value: number) => left + ((Math.log10(value) - lo) / Math.max(1, hi - lo)) * plotW;
  const body: string[] = [];
  for (let p = lo; p <= hi; p++) {
    body.push(`<line x1="${x(10 ** p)}" x2="${x(10 ** p)}" y1="${top - 6}" y2="${top + bars.length * rowH}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${x(10 ** p)}" y="${top + bars.length * rowH + 16}" text-anchor="middle" ${FONT}>${10 ** p >= 1 ? (10 ** p).toFixed(0) : (10 ** p).toString()}</text>`);
  }
  bars.forEach((bar, i) => {
    const by = top + i * rowH;
    body.push(`<text x="${left - 8}" y="${by + 18}" text-anchor="end" ${FONT}>${escape(bar.label)}</text>`);
    body.push(`<rect x="${left}" y="${by + 5}" width="${Math.max(1, x(bar.value) - left)}" height="${rowH - 10}" fill="${bar.color}"/>`);
    body.push(`<text x="${x(bar.value) + 4}" y="${by + 18}" ${FONT}>${bar.value >= 10 ? bar.value.toFixed(0) : bar.value.toFixed(2)}</text>`);
  });
  body.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>${escape(unit)} (log scale)</text>`);
  return frame(title, body).replace(`height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}"`, `height="${height}" viewBox="0 0 ${WIDTH} ${height}"`).replace(`<rect width="${WIDTH}" height="${HEIGHT}"`, `<rect width="${WIDTH}" height="${height}"`);
}
