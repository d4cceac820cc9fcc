// Limits on what a deployment's args may hold, checked without recursion before any recursive
// code (canonical JSON, decoding) sees them: a value of 5,000 nested arrays must make one
// deployment FAILED, not overflow the stack of the step that handles it.

export const MAX_ARGS_DEPTH = 64;
export const MAX_ARGS_BYTES = 1024 * 1024;

/** Why the args break a limit, or undefined when they are within them. */
export function argsBeyondLimits(args: unknown): string | undefined {
  const depth = depthBeyond(args, MAX_ARGS_DEPTH);
  if (depth) return `args nest deeper than ${MAX_ARGS_DEPTH} levels`;
  const size = JSON.stringify(args ?? null).length;
  if (size > MAX_ARGS_BYTES) return `args are larger than ${MAX_ARGS_BYTES} bytes (${size})`;
  return undefined;
}

/** Whether a value nests deeper than `limit` arrays and objects; iterative, stops at the limit. */
function depthBeyond(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
