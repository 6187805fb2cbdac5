/**
 * How sure a difference of accuracy between two models is, when both were
 * measured on the same images. On 800 calibration images one standard error
 * of such a difference is about a point for models that disagree on 10% of
 * them: as large as the tolerance. A rule that picks the largest ratio whose
 * measured drop is within the tolerance picks, more often than not, one whose
 * drop was measured too small (the ResNet of the trained-start benchmark:
 * −0.9 on the calibration images, −2.05 on the validation images).
 */

/**
 * Standard error of mean(b − a) over paired 0/1 outcomes (the images' hits of two models), as a share (0..1),
 * with Agresti & Min's adjustment (2005): half an image added to each cell of the 2×2 table of outcomes. Without it,
 * two models that happen to agree on every one of 30 images would have a standard error of 0 and any verdict on
 * them would claim certainty; with it, 0 disagreements in n images still leave a standard error of 1/(n + 2).
 * On hundreds of images with a few dozen disagreements it changes the figure by a few percent.
 */
export function pairedStandardError(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (n < 1) return 0;
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] > b[i]) onlyA++;
    else if (b[i] > a[i]) onlyB++;
  }
  const images = n + 2;
  const lost = onlyA + 0.5;
  const gained = onlyB + 0.5;
  const mean = (gained - lost) / images;
  const variance = ((gained + lost) / images - mean * mean) / images;
  return Math.sqrt(Math.max(0, variance));
}
