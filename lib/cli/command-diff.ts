// For `replay`: where a step's replayed commands first differ from the recorded ones, shown as a
// unified-style diff of that one command (keys sorted, pretty JSON), not as two long arrays.

export function firstCommandDiff(recorded: readonly unknown[], replayed: readonly unknown[]): string {
  const count = Math.max(recorded.length, replayed.length);
  let index = 0;
  while (index < count && pretty(recorded[index]) === pretty(replayed[index])) index += 1;
  if (index === count) return 'the commands are equal';
  const head = `command ${index + 1}: recorded ${recorded.length} command(s), replayed ${replayed.length}`;
  const want = index < recorded.length ? pretty(recorded[index]).split('\n') : [];
  const got = index < replayed.length ? pretty(replayed[index]).split('\n') : [];
  return `${head}\n--- recorded\n+++ replayed\n${lineDiff(want, got).join('\n')}`;
}

function pretty(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Lines prefixed ' ', '-' or '+', by longest common subsequence (commands are a few dozen lines). */
export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}
