/**
 * Node-only PNG and JPEG decoding with pure-JS decoders (pngjs, jpeg-js): no
 * native build, and the browser does not need them (it decodes images itself).
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { UserError } from '../../core/errors';
import { checkImagePixels, imageKind, MAX_IMAGE_PIXELS, type DecodedImage } from '../imageFiles';

export function decodeImageNode(bytes: Uint8Array, name: string): DecodedImage {
  const kind = imageKind(bytes);
  if (!kind) throw new UserError(`${name} is not a PNG or JPEG image.`);
  try {
    if (kind === 'png') {
      // IHDR holds width and height at bytes 16..24: refuse huge images before inflating.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (bytes.length >= 24) checkImagePixels(name, view.getUint32(16), view.getUint32(20));
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: image.width, height: image.height, rgba: image.data };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${name} could not be decoded as ${kind.toUpperCase()} (${(error as Error).message}); the file may be truncated or damaged.`);
  }
}
