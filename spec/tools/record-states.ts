// The `/jobs/state` and bulk `DELETE /jobs` exchanges of `npm run record-fixtures` (REST v0.0.40+):
//   15-jobs-state-by-ids         two jobs of ours and an id Slurm does not know
//   16-jobs-state-comma-refused  the documented comma form, which slurmrestd refuses
//   17-jobs-state-all            every job (kept to ours: two plain jobs and an array of two tasks)
//   18-jobs-delete-bulk          a live job and an unknown id (status[] names the unknown one)
//   19-jobs-delete-bulk-ended    the job 18 ended and a live one (status[] names the ended one)

import { setTimeout as sleep } from 'node:timers/promises';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import type { ReleaseEnv } from '../support/stack.js';
import { call, type Exchange } from './recording-call.js';

type Save = (name: string, e: Exchange) => Promise<void>;
type StatesBody = { jobs?: { job_id: string; state: string[] }[] };
type KillBody = { status?: unknown[] };

export async function recordStates(env: ReleaseEnv, version: SlurmApiVersion, save: Save): Promise<void> {
  const base = `/slurm/${version}`;
  const tag = version.replace(/\./g, '');
  const submit = async (what: string, extra: Record<string, unknown> = {}): Promise<number> => {
    const answer = await call(env, 'POST', `${base}/job/submit`, {
      job: {
        name: `fx-${tag}-${what}`,
        script: '#!/bin/bash\nsleep 300\n',
        environment: ['PATH=/usr/bin:/bin'],
        mcs_label: 'sdp_slurm_deployer_fixtures_test',
        comment: `sdp-slurm-deployer:deployment=fx-${tag}-${what};submit=r1;spec=fixture`,
        current_working_directory: env.SLURM_JOB_DIR,
        ...extra,
      },
    });
    const id = (answer.body as { job_id?: number }).job_id;
    if (typeof id !== 'number') throw new Error(`no job id in ${JSON.stringify(answer.body)}`);
    return id;
  };
  const kill = (jobs: readonly number[]) => call(env, 'DELETE', `${base}/jobs/`, { jobs: jobs.map(String), signal: 'SIGKILL', flags: ['FULL_JOB'] });
  const states = (query: string) => call(env, 'GET', `${base}/jobs/state/${query}`);

  const first = await submit('state-a');
  const second = await submit('state-b');
  const array = await submit('state-array', { array: '0-1' });
  const unknown = second + 900_000;
  try {
    await save('15-jobs-state-by-ids', await states(`?job_id=${first}&job_id=${second}&job_id=${unknown}`));
    await save('16-jobs-state-comma-refused', await states(`?job_id=${first},${second}`));
    const tasks = ((await states(`?job_id=${array}`)).body as StatesBody).jobs?.map((j) => j.job_id) ?? [];
    const ours = new Set([String(first), String(second), ...tasks]);
    const all = await states('');
    const body = all.body as StatesBody;
    await save('17-jobs-state-all', { ...all, body: { ...body, jobs: body.jobs?.filter((j) => ours.has(j.job_id)) } });
    const bulk = await kill([first, unknown]);
    expectStatusEntries(bulk, 1);
    await save('18-jobs-delete-bulk', bulk);
    await ended(env, base, first);
    const again = await kill([first, second]);
    expectStatusEntries(again, 1);
    await save('19-jobs-delete-bulk-ended', again);
  } finally {
    await kill([first, second, array]);
  }
}

function expectStatusEntries(e: Exchange, count: number): void {
  const status = (e.body as KillBody).status;
  if (e.status !== 200 || status?.length !== count) throw new Error(`bulk kill: HTTP ${e.status}, expected ${count} status entries: ${JSON.stringify(e.body)}`);
}

async function ended(env: ReleaseEnv, base: string, jobId: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const state = ((await call(env, 'GET', `${base}/jobs/state/?job_id=${jobId}`)).body as StatesBody).jobs?.[0]?.state[0];
    if (state !== undefined && !['PENDING', 'RUNNING', 'SUSPENDED'].includes(state)) return;
    await sleep(500);
  }
  throw new Error(`job ${jobId} did not end after its kill`);
}
