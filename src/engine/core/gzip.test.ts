import { gzipSync } from 'fflate';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipBomb } from '../testing/deflateBomb';
import { UserError } from './errors';
import { gunzipWithin } from './gzip';

const prefix = new Uint8Array([0, 0, 8, 3, 1, 2, 3]);

describe('gzip within a cap', () => {
  it('the test bomb is real gzip: zlib inflates it, CRC and size checked, to the prefix and the zeros', () => {
    for (const zeros of [1, 258, 260, 100_000, 1_234_567]) {
      const inflated = gunzipSync(gzipBomb(prefix, zeros));
      expect(inflated.length).toBe(prefix.length + zeros);
      expect(Array.from(inflated.subarray(0, prefix.length))).toEqual(Array.from(prefix));
      expect(inflated.subarray(prefix.length).every((value) => value === 0)).toBe(true);
    }
    // 1 GiB of zeros in about 1 MB: the 1000:1 of deflate's best.
    expect(gzipBomb(prefix, 2 ** 30).length).toBeLessThan(1.1e6);
  });

  it('inflates what fits, and refuses a bomb by its trailer before inflating anything', () => {
    const plain = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 31) % 251);
    expect(gunzipWithin(gzipSync(plain), 'plain.gz')).toEqual(plain);
    expect(gunzipWithin(gzipBomb(prefix, 5000), 'small.gz', { limit: 5007 }).length).toBe(5007);
    expect(() => gunzipWithin(gzipBomb(prefix, 5000), 'small.gz', { limit: 5006 })).toThrow(/small\.gz inflates to 5007 bytes, its gzip trailer says; the limit is 5006 bytes/);
    const bomb = gzipBomb(prefix, 2 ** 30);
    const memoryBefore = process.memoryUsage().arrayBuffers;
    expect(() => gunzipWithin(bomb, 'bomb.gz')).toThrow(UserError);
    // Refused by its trailer: nothing of the gigabyte it claims was inflated.
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(1024 * 1024);
  });

  it('stops a bomb whose trailer lies as soon as it passes the declared size', () => {
    const liar = gzipBomb(prefix, 200_000_000);
    new DataView(liar.buffer).setUint32(liar.length - 4, 1000, true);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => gunzipWithin(liar, 'liar.gz')).toThrow(/liar\.gz inflates past the 1000 bytes its gzip trailer declares/);
    // One push of input at most is inflated past the declaration: far from the 200 MB the stream holds.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('lets the head refuse the file before the rest is inflated or allocated', () => {
    const heads: number[] = [];
    expect(() => gunzipWithin(gzipBomb(prefix, 900_000_000), 'big.gz', {
      inspectHead: (head) => {
        heads.push(head.length);
        throw new UserError('refused by its header');
      },
    })).toThrow(/refused by its header/);
    expect(heads).toEqual([1024]);
  });
});
