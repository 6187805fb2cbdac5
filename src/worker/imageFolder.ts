/**
 * The browser's image decoder for the engine's image-folder reader
 * (engine/data/imageFiles.ts): worker-safe, createImageBitmap then an
 * OffscreenCanvas to read the pixels. PNG, JPEG, WebP, GIF and BMP.
 */
import { checkImagePixels, type ImageDecoder } from '../engine/data/imageFiles';

export const browserDecoder: ImageDecoder = async (bytes, name) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    const { width, height } = bitmap;
    checkImagePixels(name, width, height);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context in this browser');
    context.drawImage(bitmap, 0, 0);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
};
