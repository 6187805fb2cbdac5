/** --val-data: the user's own validation images judge the result, and all of --data trains and calibrates. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { encodeIdx } from '../src/engine/data/idx';
import { gfr, LOGITS_FIXTURE } from './testHelpers';

/** Digits `from`..`from + count` of the built-in set as an IDX folder; `channels` 3 copies the gray into R, G and B. */
async function digitsFolder(dir: string, from: number, count: number, channels: 1 | 3 = 1): Promise<string> {
  const digits = await loadBuiltinDigits();
  mkdirSync(dir, { recursive: true });
  const gray = Array.from(digits.images.subarray(from * 784, (from + count) * 784), (value) => Math.round(value * 255));
  const pixels = channels === 1 ? gray : gray.flatMap((value) => [value, value, value]);
  writeFileSync(join(dir, 'images-idx3-ubyte'), encodeIdx(channels === 1 ? [count, 28, 28] : [count, 28, 28, 3], pixels));
  writeFileSync(join(dir, 'labels-idx1-ubyte'), encodeIdx([count], Array.from(digits.labels.subarray(from, from + count))));
  return dir;
}

/** Three classes of small PNGs, one subfolder each. */
function threeClassFolder(dir: string): string {
  ['ant', 'bee', 'cow'].forEach((name, c) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const image = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) image.data.set([60 * c, p * 3, 20 * i, 255], p * 4);
      writeFileSync(join(dir, name, `${i}.png`), PNG.sync.write(image));
    }
  });
  return dir;
}

describe('--val-data', () => {
  let root = '';
  let train = '';
  let validation = '';
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gfr-valdata-'));
    train = await digitsFolder(join(root, 'train'), 0, 600);
    validation = await digitsFolder(join(root, 'val'), 9000, 200);
  });

  it('prune: the verdict and every accuracy on those images, all of --data trains and calibrates, report.json says so; eval measures them', async () => {
    const out = join(root, 'out');
    const result = await gfr('prune', LOGITS_FIXTURE, '--data', train, '--val-data', validation, '--criterion', 'l1', '--epochs', '0', '--ratios', '0,0.05', '--force', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const line = result.stderr.match(/(\d+) training, (\d+) calibration and (\d+) guard images \(held out from training\), (\d+) validation images (.*)/);
    expect(line, result.stderr).not.toBeNull();
    const [, fit, calibration, guard, count, from] = line!;
    expect(Number(fit) + Number(calibration) + Number(guard)).toBe(600);
    expect(Number(count)).toBe(200);
    expect(from).toBe(`from --val-data ${validation} (images-idx3-ubyte)`);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.data.train + report.data.calibration + report.data.guard).toBe(600);
    expect(report.data.validation).toEqual({ source: `${validation} (images-idx3-ubyte)`, count: 200, separate: true });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`200 validation images given apart from the data, ${validation} (images-idx3-ubyte),`);

    // eval with the same flag measures the same 200 images: the accuracy prune reported; --val-samples takes a seeded share.
    const evaluated = await gfr('eval', join(out, 'model.json'), '--val-data', validation);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ images: 200, accuracy: report.selected.accuracy });
    const capped = await gfr('eval', join(out, 'model.json'), '--val-data', validation, '--val-samples', '50');
    expect(JSON.parse(capped.stdout).images).toBe(50);
    const tooMany = await gfr('eval', join(out, 'model.json'), '--val-data', validation, '--val-samples', '500');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('error: --val-samples 500 is more than the 200 images of --val-data');
  });

  it('without it, the validation images are held out of --data and the log says so', async () => {
    const out = join(root, 'split');
    const result = await gfr('prune', LOGITS_FIXTURE, '--data', train, '--criterion', 'l1', '--epochs', '0', '--ratios', '0', '--force', '--out', out);
    expect(result.stderr).toMatch(/\d+ training, \d+ calibration and \d+ guard images \(held out from training\), 60 validation images \(held out from the data\)/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.data.train + report.data.calibration + report.data.guard).toBe(540);
    expect(report.data.validation).toMatchObject({ count: 60, separate: false });
  });

  it('refuses validation images of other classes or channels with what differs and what to do', async () => {
    const classes = threeClassFolder(join(root, 'abc'));
    const rgb = await digitsFolder(join(root, 'rgb'), 9000, 20, 3);
    const cases: [string[], RegExp][] = [
      [['prune', LOGITS_FIXTURE, '--data', train, '--val-data', classes, '--epochs', '0', '--criterion', 'l1', '--out', join(root, 'no1')],
        /The validation images \(abc \(3 class folders\)\) do not fit: they have 3 classes \(ant, bee, cow\) where --data \(.*\) has 10\. Give --val-data images of the same size, channels and classes/],
      [['prune', LOGITS_FIXTURE, '--data', train, '--val-data', rgb, '--epochs', '0', '--criterion', 'l1', '--out', join(root, 'no2')],
        /do not fit: they have 3 channels where --data \(.*\) has 1 channel\. .*or leave --val-data out to hold out part of --data/],
      [['eval', LOGITS_FIXTURE, '--val-data', classes], /do not fit: they have 3 classes \(ant, bee, cow\) where the model has 10\./],
    ];
    for (const [args, message] of cases) {
      const result = await gfr(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
