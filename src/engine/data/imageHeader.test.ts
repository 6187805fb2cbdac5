import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { datasetFromImageFiles, type ImageDecoder } from './imageFiles';
import { imageHeaderSize } from './imageHeader';

const png = (width: number, height: number) => new Uint8Array(PNG.sync.write(new PNG({ width, height })));
const jpg = (width: number, height: number) => new Uint8Array(jpeg.encode({ data: new Uint8Array(width * height * 4), width, height }, 90).data);

describe('image sizes from headers', () => {
  it('reads PNG, JPEG, GIF, BMP and WebP sizes without decoding', () => {
    expect(imageHeaderSize(png(7, 5))).toEqual({ width: 7, height: 5 });
    expect(imageHeaderSize(jpg(9, 6))).toEqual({ width: 9, height: 6 });
    const gif = new Uint8Array(16);
    gif.set(new TextEncoder().encode('GIF89a'));
    gif.set([3, 1, 2, 0], 6);
    expect(imageHeaderSize(gif)).toEqual({ width: 259, height: 2 });
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 640, true);
    new DataView(bmp.buffer).setInt32(22, -480, true);
    expect(imageHeaderSize(bmp)).toEqual({ width: 640, height: 480 });
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode('RIFF'), 0);
    webp.set(new TextEncoder().encode('WEBPVP8X'), 8);
    webp.set([99, 0, 0, 49, 0, 0], 24);
    expect(imageHeaderSize(webp)).toEqual({ width: 100, height: 50 });
    expect(imageHeaderSize(png(4, 4).slice(0, 10))).toBeUndefined();
    expect(imageHeaderSize(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('refuses an image that claims too many pixels before the decoder sees it', async () => {
    const huge = png(2, 2);
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    const decoded: string[] = [];
    const decode: ImageDecoder = (_bytes, name) => {
      decoded.push(name);
      return { width: 2, height: 2, rgba: new Uint8Array(16) };
    };
    const files = [{ path: 'a/1.png', bytes: png(2, 2) }, { path: 'b/1.png', bytes: png(2, 2) }, { path: 'b/huge.png', bytes: huge }];
    await expect(datasetFromImageFiles(files, decode)).rejects.toThrow(/b\/huge\.png is 100000×100000 pixels/);
    expect(decoded).not.toContain('b/huge.png');
    // The studio skips it with a note, still without decoding it.
    const { notes } = await datasetFromImageFiles(files, decode, { skipBadFiles: true });
    expect(notes.join(' ')).toMatch(/Skipped 1 image\(s\) of more than 40000000 pixels \(read from their headers, not decoded\): huge\.png/);
    expect(decoded).not.toContain('b/huge.png');
  });
});
