/**
 * How sure a difference of accuracy between two models is, when both were
 * measured on the same images. On 800 calibration images one standard error
 * of such a difference is about a point for models that disagree on 10% of
 * them: as large as the tolerance. A rule that picks the largest ratio whose
 * measured drop is within the tolerance picks, more often than not, one whose
 * drop was measured too small (the ResNet of the trained-start benchmark:
 * −0.9 on the calibration images, −2.05 on the validation images).
 */

/** Standard error of mean(b − a) over paired 0/1 outcomes (the images' hits of two models), as a share (0..1). */
export function pairedStandardError(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const difference = b[i] - a[i];
    sum += difference;
    squares += difference * difference;
  }
  const mean = sum / n;
  const variance = (squares / n - mean * mean) * (n / (n - 1));
  return Math.sqrt(Math.max(0, variance) / n);
}
