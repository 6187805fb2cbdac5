/** Writes docs/BENCHMARKS.md and its figures (bench/results/figures/*.svg) from latest.json. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Latest } from '../common/results';
import { renderReport } from './markdown';

const DOC = fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url));
const FIGURES = fileURLToPath(new URL('../results/figures/', import.meta.url));
const FINDINGS = fileURLToPath(new URL('./findings.md', import.meta.url));

/** Returns the paths written. */
export function writeReport(latest: Latest): string[] {
  const findings = existsSync(FINDINGS) ? readFileSync(FINDINGS, 'utf8') : '';
  const { markdown, figures } = renderReport(latest, '../bench/results/figures', findings);
  mkdirSync(FIGURES, { recursive: true });
  const written = Object.entries(figures).map(([name, svg]) => {
    writeFileSync(join(FIGURES, name), svg);
    return join(FIGURES, name);
  });
  writeFileSync(DOC, markdown);
  return [DOC, ...written];
}
