/** The hostile corpus through the command line, as a user runs it: one clear line on stderr, a non-zero exit. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { hostileCorpus, type CorpusCase } from '../src/engine/testing/hostileCorpus';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
/** Processes at once: each is mostly start-up (tsx, tfjs), so a few overlap well even on two cores. */
const PARALLEL = 4;

interface Outcome { code: number; stdout: string; stderr: string }

async function gfr(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(TSX, ['cli/gfr.ts', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { stdout: string; stderr: string; code: number };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

function writeCase(root: string, corpusCase: CorpusCase, index: number): string {
  const dir = join(root, String(index));
  mkdirSync(dir, { recursive: true });
  for (const file of corpusCase.files) {
    const path = join(dir, file.path);
    if (file.path.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
  }
  return join(dir, corpusCase.entry);
}

const argsFor = (corpusCase: CorpusCase, path: string): string[] =>
  corpusCase.kind === 'model' ? ['analyze', path] : ['eval', 'lenet', '--data', path, '--backend', 'cpu'];

describe('hostile corpus through the command line', () => {
  it('answers every case with one specific line and a non-zero exit (unknown layers: analysed and named)', async () => {
    await tf.setBackend('cpu');
    const corpus = await hostileCorpus();
    const root = mkdtempSync(join(tmpdir(), 'gfr-corpus-'));
    const jobs = corpus.map((corpusCase, index) => ({ corpusCase, args: argsFor(corpusCase, writeCase(root, corpusCase, index)) }));
    const outcomes: Outcome[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < jobs.length) {
        const index = next++;
        outcomes[index] = await gfr(jobs[index].args);
      }
    }));
    jobs.forEach(({ corpusCase }, index) => {
      const { code, stdout, stderr } = outcomes[index];
      const label = `${corpusCase.name}: ${stderr}`;
      if ('ok' in corpusCase.expect) {
        expect(code, label).toBe(0);
        expect(stdout, label).toMatch(corpusCase.expect.ok);
        return;
      }
      expect(code, label).not.toBe(0);
      expect(stderr.trim().split('\n'), label).toHaveLength(1);
      expect(stderr, label).toMatch(/^error: /);
      expect(stderr, label).toMatch(corpusCase.expect.error);
      expect(stderr, label).not.toMatch(/\n\s+at /);
    });
  }, 900_000); // ~80 processes of tsx and tfjs start-up: minutes on a busy two-core machine.
});
