// The accepted name a mistyped one most likely meant (`gress` -> `gres`), for reasons a user can
// act on. Edit distance with adjacent swaps (optimal string alignment), on short names only.

/** The nearest of `names` to `typed` when it is close enough to be a typo; undefined otherwise. */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  if (typed.length > 64) return undefined;
  const folded = typed.toLowerCase().replaceAll('-', '_');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = distance(folded, name.toLowerCase().replaceAll('-', '_'));
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  // One edit in four characters at most, and at least one: `nods` -> `nodes`, not `qos` -> `nice`.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(typed.length / 4)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((rows[i - 1]![j] as number) + 1, (row[j - 1] as number) + 1, (rows[i - 1]![j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]![j - 2] as number) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length] as number;
}
