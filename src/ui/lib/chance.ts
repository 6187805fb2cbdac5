/** What guessing scores on the data: always the most common class. */
export function chanceLevel(classCounts: number[]): number {
  const total = classCounts.reduce((a, b) => a + b, 0);
  return total > 0 ? Math.max(...classCounts) / total : 0;
}

/**
 * An accuracy within a tenth of the way from chance to perfect: what a model
 * fed inputs it was not trained on (a wrong preprocessing) scores.
 */
export function nearChance(accuracy: number, classCounts: number[]): boolean {
  const chance = chanceLevel(classCounts);
  return accuracy <= chance + 0.1 * (1 - chance);
}
