// Sizes the old code cannot reach in a sane time are estimated, never run: a power law through
// the two largest sizes measured (t = a N^k), the way the 1k/10k slope predicts the 100k.

export interface Point {
  readonly n: number;
  readonly value: number;
}

/** The value at `n` on the power law through the two largest points; undefined with fewer than two. */
export function extrapolate(points: readonly Point[], n: number): number | undefined {
  const usable = points.filter((p) => p.value > 0).sort((a, b) => a.n - b.n);
  const a = usable.at(-2);
  const b = usable.at(-1);
  if (a === undefined || b === undefined || a.n === b.n) return undefined;
  const k = Math.log(b.value / a.value) / Math.log(b.n / a.n);
  return b.value * (n / b.n) ** k;
}

/** From one point only: assume the cost grows at least linearly (a floor on the estimate). */
export function extrapolateLinear(point: Point, n: number): number {
  return point.value * (n / point.n);
}
