// One exchange with a real slurmrestd as `npm run record-fixtures` saves it: the request, the
// status, the content type and the body (JSON parsed), never the token that was sent.

import type { ReleaseEnv } from '../support/stack.js';

export interface Exchange {
  readonly request: { readonly method: string; readonly path: string; readonly body?: unknown };
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export async function call(env: ReleaseEnv, method: string, urlPath: string, body?: unknown, token = env.SLURM_JWT): Promise<Exchange> {
  const res = await fetch(`${env.SLURM_URL}${urlPath}`, {
    method,
    headers: { 'X-SLURM-USER-NAME': env.SLURM_USER, 'X-SLURM-USER-TOKEN': token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (contentType.includes('json')) parsed = JSON.parse(text) as unknown;
  return { request: { method, path: urlPath, ...(body === undefined ? {} : { body }) }, status: res.status, contentType, body: parsed };
}
