// Limits on what a deployment's args may hold. Depth is checked without recursion before any
// recursive code (canonical JSON, decoding) sees them: a value of 10,000 nested arrays must make one
// deployment FAILED, not overflow the stack of the step that handles it. The reason names the
// top-level field that breaks the limit. Field by field limits (a script's 4 MB, Slurm's numbers)
// are deployment-args.ts's; this one only bounds what any field may cost to read.

export const MAX_ARGS_DEPTH = 64;
/** Above Slurm's 4 MB batch script, which deployment-args.ts names when a script is larger. */
export const MAX_ARGS_BYTES = 5 * 1024 * 1024;

/** Why the args nest too deep, naming the field; undefined when they do not. Run this first. */
export function argsTooDeep(args: unknown): string | undefined {
  const fields = args !== null && typeof args === 'object' && !Array.isArray(args) ? Object.entries(args) : undefined;
  // The args object itself is the first level; each field's value nests below it.
  const deep = fields === undefined ? (depthBeyond(args, MAX_ARGS_DEPTH) ? 'args' : undefined) : fields.find(([, v]) => depthBeyond(v, MAX_ARGS_DEPTH - 1))?.[0];
  return deep === undefined ? undefined : `${fieldName(deep)}: nests deeper than ${MAX_ARGS_DEPTH} levels`;
}

/** Why args of this JSON length are too large, naming the largest field; undefined when they are not. */
export function argsTooLarge(args: unknown, size: number): string | undefined {
  if (size <= MAX_ARGS_BYTES) return undefined;
  const fields = args !== null && typeof args === 'object' && !Array.isArray(args) ? Object.entries(args) : undefined;
  const largest = fields?.map(([k, v]) => [k, JSON.stringify(v ?? null).length] as const).sort((a, b) => b[1] - a[1])[0]?.[0];
  return `${largest === undefined ? 'args' : fieldName(largest)}: larger than the ${MAX_ARGS_BYTES} bytes args may take in all (${size})`;
}

function fieldName(key: string): string {
  return key === 'args' ? 'args' : `args.${key}`;
}

/** Whether a value nests deeper than `limit` arrays and objects; iterative, stops at the limit. */
function depthBeyond(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
