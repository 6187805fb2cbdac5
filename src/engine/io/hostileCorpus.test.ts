/** Every case of the hostile corpus through the engine entry points the studio and the CLI use. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { unzipSafely } from '../core/zip';
import { datasetFromImageFiles } from '../data/imageFiles';
import { datasetFromIdxFiles } from '../data/idxFiles';
import { decodeImageNode } from '../data/node/decodeImage';
import { analyzeModel } from '../graph/analyze';
import { hostileCorpus, type CorpusCase } from '../testing/hostileCorpus';
import { loadModelFiles } from './modelFiles';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const under = (folder: string) => (path: string): string => path.slice(folder.length + 1);

/** What the studio would hand the engine for this case; resolves to a printable outcome. */
async function run(corpusCase: CorpusCase): Promise<string> {
  const { kind, files, entry } = corpusCase;
  if (kind === 'model') {
    const given = entry === 'model.json' ? files : files.filter((file) => file.path === entry);
    const { spec } = await loadModelFiles(given.map((file) => ({ name: file.path, bytes: file.bytes })));
    return JSON.stringify(analyzeModel(spec).unsupportedLayers);
  }
  if (kind === 'images') {
    const imageFiles = entry.endsWith('.zip')
      ? unzipSafely(files[0].bytes, entry, true).map((e) => ({ path: e.name, bytes: e.bytes }))
      : files.map((file) => ({ path: under(entry)(file.path), bytes: file.bytes }));
    return String((await datasetFromImageFiles(imageFiles, decodeImageNode, { source: entry })).dataset.count);
  }
  return String(datasetFromIdxFiles(files.map((file) => ({ name: under(entry)(file.path), bytes: file.bytes }))).count);
}

describe('hostile corpus through the engine', async () => {
  const corpus = await hostileCorpus();

  it('has at least 75 cases with distinct names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(75);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, corpusCase) => {
    const memoryBefore = process.memoryUsage().arrayBuffers;
    const outcome = await run(corpusCase).then((value) => ({ value }), (error: unknown) => ({ error }));
    // Answered without allocating what the input claims (gigabytes for the bombs and the huge inputs): the work it
    // could do is bounded by what it may allocate. How long it takes belongs to benchmarks, not to this test.
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(256 * 1024 * 1024);
    if ('ok' in corpusCase.expect) {
      expect('value' in outcome ? outcome.value : String((outcome as { error: Error }).error)).toMatch(corpusCase.expect.ok);
      return;
    }
    expect('error' in outcome, 'the input was accepted').toBe(true);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(corpusCase.expect.error);
  });
});
