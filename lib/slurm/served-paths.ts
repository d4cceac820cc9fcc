// Whether a slurmrestd lists an operation in its own /openapi/v3: the optional ones a version's
// adapter knows (GET /jobs/state came with Slurm 23.11.5, not with REST v0.0.40 itself).

/** `path` as slurmrestd 23.11+ writes its paths, absolute (`/slurm/v0.0.40/jobs/state/`); a trailing slash does not matter. */
export function servesOperation(document: unknown, method: 'get' | 'delete', path: string): boolean {
  const paths = isObject(document) && isObject(document['paths']) ? document['paths'] : {};
  const wanted = withoutTrailingSlash(path);
  return Object.entries(paths).some(([listed, item]) => withoutTrailingSlash(listed) === wanted && isObject(item) && method in item);
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
