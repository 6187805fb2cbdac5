/** A small learnable dataset for tests: the class is the brightest of three image regions. */
import type { ImageDataset } from '../core/types';
import { seededRandom } from '../core/random';

export function syntheticDataset(count: number, size = 6, channels = 2, seed = 5): ImageDataset {
  const random = seededRandom(seed);
  const per = size * size * channels;
  const images = new Float32Array(count * per);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 3;
    labels[n] = label;
    for (let i = 0; i < per; i++) {
      const row = Math.floor(i / (size * channels));
      const region = Math.min(2, Math.floor((row * 3) / size));
      images[n * per + i] = random() * 0.5 + (region === label ? 0.8 : 0);
    }
  }
  return { images, labels, count, height: size, width: size, channels, numClasses: 3, classNames: ['top', 'middle', 'bottom'], source: 'synthetic' };
}
