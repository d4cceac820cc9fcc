// `node dist/spec/tools/large-job-list.js [jobs] [every]`: reads a full job list of `jobs` jobs
// (default 100,000, made from a recorded 26.05 record, about 1 GB) through the Slurm client, as
// the deployer does, and prints how long it took, the peak RSS of this process (its event loop
// and the worker thread that reads lists are both in it), the longest event-loop stall, and the
// jobs kept (every `every`-th carries the deployer's label, default 1,000). The list is served by
// a child process, so that neither its memory nor its CPU is counted.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/base/secret.js';
import { createSlurmRestClient } from '../../lib/slurm/rest-client.js';
import { LARGE_LIST_VERSION, serveLargeList, type LargeListShape } from '../support/large-job-list.js';

const LABEL = 'sdp_slurm_deployer_large_list';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiJ9.bGFyZ2UtbGlzdC10b29s';

type FromServer = { readonly url: string } | { readonly bytes: number };

async function serve(shape: LargeListShape): Promise<void> {
  const server = await serveLargeList(shape);
  process.send?.({ url: server.url } satisfies FromServer);
  process.on('message', () => process.send?.({ bytes: server.bytes() } satisfies FromServer));
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

async function measure(shape: LargeListShape): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(shape.jobs), String(shape.every)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<FromServer>((resolve) => child.once('message', (message: FromServer) => resolve(message)));
  const { url } = (await next()) as { url: string };
  const slurm = createSlurmRestClient({ baseUrl: url, credentials: staticJwtProvider('slurmjob', new Secret(TOKEN)), version: LARGE_LIST_VERSION, jobLabel: LABEL });
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  try {
    const before = process.memoryUsage().rss;
    // Twice: the first read also starts the worker thread (a stall of its own, once per process).
    for (const read of ['first (starts the worker)', 'second']) {
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const stalls = monitorEventLoopDelay({ resolution: 10 });
      stalls.enable();
      const started = performance.now();
      const jobs = await slurm.listJobs();
      const seconds = (performance.now() - started) / 1000;
      stalls.disable();
      clearInterval(sampler);
      child.send('bytes?');
      const { bytes } = (await next()) as { bytes: number };
      const expected = Math.floor(shape.jobs / shape.every);
      const kept = jobs.length === expected && jobs.every((job) => job.mcsLabel === LABEL) ? 'all of them' : `expected ${expected}`;
      process.stdout.write(
        [
          `${read} read of ${shape.jobs} jobs, ${mb(bytes)} MB (${(bytes / shape.jobs / 1024).toFixed(1)} KB a job), every ${shape.every}th the deployer's:`,
          `  ${seconds.toFixed(1)} s (${Math.round(bytes / 1024 / 1024 / seconds)} MB/s), ${jobs.length} jobs kept (${kept})`,
          `  RSS of this process (event loop and list worker): ${mb(before)} MB at the start, ${mb(peak)} MB at most (sampled every 20 ms); maxRSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
          `  longest event-loop stall: ${Math.round(stalls.max / 1e6)} ms`,
          '',
        ].join('\n'),
      );
      if (kept !== 'all of them') process.exitCode = 1;
    }
  } finally {
    await slurm.close();
    child.disconnect();
  }
}

const [mode, ...rest] = process.argv.slice(2);
const serving = mode === '--serve';
const [jobs = '100000', every = '1000'] = serving ? rest : [mode, ...rest].filter((a): a is string => a !== undefined);
const shape = { jobs: Number(jobs), every: Number(every), label: LABEL };
await (serving ? serve(shape) : measure(shape));
