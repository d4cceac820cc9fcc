// Debian's Prometheus through scripts/prometheus.sh: promtool installed for the kit's specs, and a
// throwaway server scraping given targets, with its HTTP API's queries, for the live dashboard spec.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo.js';

const run = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'prometheus.sh');

/** Debian's prometheus (promtool included), installed when missing as the stack scripts install theirs (root). */
export async function installPrometheus(): Promise<void> {
  await run('bash', [script, 'install'], { timeout: 900_000 });
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query's result vector (or an error naming the query). */
  query(expr: string): Promise<readonly { metric: Record<string, string>; value: [number, string] }[]>;
  get<T>(apiPath: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string, targets: readonly string[], scrapeInterval = '1s'): Promise<PrometheusServer> {
  const { stdout } = await run('bash', [script, 'start', dir, ...targets], {
    timeout: 900_000,
    env: { ...process.env, SCRAPE_INTERVAL: scrapeInterval },
  });
  const url = /^PROMETHEUS_URL=(\S+)$/m.exec(stdout)?.[1];
  if (url === undefined) throw new Error(`scripts/prometheus.sh start printed no URL: ${stdout}`);
  const get = async <T>(apiPath: string): Promise<T> => {
    const res = await fetch(`${url}${apiPath}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${apiPath}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    get,
    async query(expr) {
      const data = await get<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType}, not a vector`);
      return data.result;
    },
    async stop() {
      await run('bash', [script, 'stop', dir], { timeout: 30_000 });
    },
  };
}
