/** Number formats of the report. */
export const pct = (value: number | null | undefined, digits = 1): string => (value == null || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(digits)}%`);
export const share = (value: number | null | undefined): string => pct(value, 0);
export const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : ms >= 100_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
export const millis = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
export const rate = (value: number | undefined): string => (value === undefined ? '–' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
export const count = (value: number): string => value.toLocaleString('en-US');
export const ratio = (value: number | undefined): string => (value === undefined ? '–' : `${value >= 10 ? value.toFixed(0) : value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`);

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
