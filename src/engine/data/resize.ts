/**
 * Bilinear resizing of NHWC images as plain arrays (no tensors), with half-pixel
 * centers like tf.image.resizeBilinear(..., halfPixelCenters=true). Linear in
 * the values, so resizing scaled images equals scaling resized ones.
 */
import { checkDatasetSize } from '../core/limits';
import type { ImageDataset } from '../core/types';

/** One H×W×C image → outHeight×outWidth×C. */
export function resizeBilinear(
  source: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const out = new Float32Array(outHeight * outWidth * channels);
  if (height === outHeight && width === outWidth) {
    for (let i = 0; i < out.length; i++) out[i] = source[i];
    return out;
  }
  const rowScale = height / outHeight;
  const colScale = width / outWidth;
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(Math.max((y + 0.5) * rowScale - 0.5, 0), height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, height - 1);
    const fy = sy - y0;
    for (let x = 0; x < outWidth; x++) {
      const sx = Math.min(Math.max((x + 0.5) * colScale - 0.5, 0), width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, width - 1);
      const fx = sx - x0;
      for (let c = 0; c < channels; c++) {
        const at = (row: number, col: number): number => source[(row * width + col) * channels + c];
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        out[(y * outWidth + x) * channels + c] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** The dataset with every image resized to height×width (same object when the size already fits). */
export function resizeDataset(dataset: ImageDataset, height: number, width: number): ImageDataset {
  if (dataset.height === height && dataset.width === width) return dataset;
  const { channels } = dataset;
  const inSize = dataset.height * dataset.width * channels;
  const outSize = height * width * channels;
  checkDatasetSize(dataset.count, outSize, `${dataset.source}, resized to ${height}×${width}×${channels}`);
  const images = new Float32Array(dataset.count * outSize);
  for (let n = 0; n < dataset.count; n++) {
    const image = dataset.images.subarray(n * inSize, (n + 1) * inSize);
    images.set(resizeBilinear(image, dataset.height, dataset.width, channels, height, width), n * outSize);
  }
  return { ...dataset, images, height, width, source: `${dataset.source}, resized to ${height}×${width}` };
}
