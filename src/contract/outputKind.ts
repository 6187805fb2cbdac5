/** What a classifier outputs (src/engine/eval/outputKind.ts detects it and picks the loss that matches). */

/** `softmax`: probabilities that sum to 1; `sigmoid`: one probability per class; `logits`: unnormalized scores. */
export type OutputKind = 'softmax' | 'sigmoid' | 'logits';

export const OUTPUT_KIND_TEXT: Record<OutputKind, string> = {
  softmax: 'probabilities (softmax)',
  sigmoid: 'per-class probabilities (sigmoid)',
  logits: 'logits (no final softmax)',
};
