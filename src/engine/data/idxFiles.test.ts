import { describe, expect, test } from 'vitest';
import { UserError } from '../core/errors';
import { encodeIdx } from './idx';
import { FASHION_MNIST_CLASS_NAMES, classNamesForFolder, datasetFromIdxFiles, findIdxPairs, pickIdxPair } from './idxFiles';

const MNIST_NAMES = [
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  'README.md',
];

describe('pairing IDX files', () => {
  test('finds pairs by prefix, prefers train-*, and finds t10k-* for test', () => {
    expect(findIdxPairs(MNIST_NAMES).map((p) => p.prefix)).toEqual(['t10k-', 'train-']);
    expect(pickIdxPair(MNIST_NAMES)).toEqual({
      prefix: 'train-',
      images: 'train-images-idx3-ubyte.gz',
      labels: 'train-labels-idx1-ubyte.gz',
    });
    expect(pickIdxPair(MNIST_NAMES, 'test').images).toBe('t10k-images-idx3-ubyte.gz');
  });

  test('a single pair is used even with other prefixes', () => {
    const names = ['digits-images-idx3-ubyte', 'my-labels-idx1-ubyte'];
    expect(pickIdxPair(names).labels).toBe('my-labels-idx1-ubyte');
    expect(() => pickIdxPair(names, 'test')).toThrow(/No test pair/);
  });

  test('clear errors when nothing or several unnamed pairs match', () => {
    expect(() => pickIdxPair(['a.png', 'b.txt'], 'train', '/data/x')).toThrow(/No IDX images\/labels pair found in \/data\/x.*Found: a.png, b.txt/);
    expect(() => pickIdxPair(['train-images-idx3-ubyte'])).toThrow(UserError);
    const twoPairs = ['a-images-idx3', 'a-labels-idx1', 'b-images-idx3', 'b-labels-idx1'];
    expect(() => pickIdxPair(twoPairs)).toThrow(/Several IDX pairs/);
  });

  test('Fashion-MNIST class names from the folder name', () => {
    expect(classNamesForFolder('fashion-mnist')).toEqual([...FASHION_MNIST_CLASS_NAMES]);
    expect(classNamesForFolder('Fashion_MNIST')?.[9]).toBe('Ankle boot');
    expect(classNamesForFolder('mnist')).toBeUndefined();
  });
});

describe('datasetFromIdxFiles', () => {
  test('loads the chosen pair with folder-based names', () => {
    const files = [
      { name: 'train-images-idx3-ubyte', bytes: encodeIdx([2, 2, 2], [0, 255, 0, 255, 1, 2, 3, 4]) },
      { name: 'train-labels-idx1-ubyte', bytes: encodeIdx([2], [9, 0]) },
      { name: 't10k-images-idx3-ubyte', bytes: encodeIdx([1, 2, 2], [0, 0, 0, 0]) },
      { name: 't10k-labels-idx1-ubyte', bytes: encodeIdx([1], [4]) },
    ];
    const train = datasetFromIdxFiles(files, { folderName: 'my-fashion-set' });
    expect(train.count).toBe(2);
    expect(train.classNames[9]).toBe('Ankle boot');
    expect(train.source).toBe('my-fashion-set (train-images-idx3-ubyte)');
    const test = datasetFromIdxFiles(files, { part: 'test' });
    expect(test.count).toBe(1);
    expect(test.numClasses).toBe(5);
    expect(test.source).toBe('t10k-images-idx3-ubyte');
  });
});
