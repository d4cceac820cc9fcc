// `npm run record-fixtures [-- 24.11 26.05] [--states-only]`: records what real slurmrestd servers
// answer, for the contract specs and the fake slurmrestd. For each release (started through the
// stack scripts) it saves the OpenAPI document the server serves (`/openapi/v3`) and, on every API
// version it serves, one exchange per call the deployer makes: submit, job states (pending,
// COMPLETED, FAILED, CANCELLED), the list with and without update_time, DELETE (running, ended,
// unknown) and the error answers (bad partition, bad token, unknown job); from v0.0.40 also
// `GET /jobs/state` (by ids with an unknown one, the refused comma form, all) and the bulk
// `DELETE /jobs` (a running and an unknown job; an ended and a running one). `--states-only`
// records only those (15- to 19-), keeping the other files as they are. Files:
//   spec/fixtures/recorded/slurm-<release>/openapi-v3.json
//   spec/fixtures/recorded/slurm-<release>/<version>/<NN-name>.json  {request, status, contentType, body}
// Job bodies are kept as the server wrote them; the tokens sent are never saved.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { RECORDED_RELEASES, type RecordedRelease } from '../../streams/testing/recordings.js';
import { fixturesDir } from '../support/repo.js';
import { startRelease, type ReleaseEnv } from '../support/stack.js';
import { call, type Exchange } from './recording-call.js';
import { recordStates } from './record-states.js';


function submitBody(env: ReleaseEnv, name: string, script: string, extra: Record<string, unknown> = {}, version?: SlurmApiVersion): unknown {
  if (version === 'v0.0.38') {
    return {
      script,
      job: {
        name,
        environment: { PATH: '/usr/bin:/bin', GREETING: 'hello' },
        mcs_label: 'sdp_slurm_deployer_fixtures_test',
        comment: `sdp-slurm-deployer:deployment=${name};submit=r1;spec=fixture`,
        current_working_directory: env.SLURM_JOB_DIR,
        ...extra,
      },
    };
  }
  return {
    job: {
      name,
      script,
      environment: ['PATH=/usr/bin:/bin', 'GREETING=hello'],
      mcs_label: 'sdp_slurm_deployer_fixtures_test',
      comment: `sdp-slurm-deployer:deployment=${name};submit=r1;spec=fixture`,
      current_working_directory: env.SLURM_JOB_DIR,
      ...extra,
    },
  };
}

async function waitForState(env: ReleaseEnv, version: string, jobId: number, state: string): Promise<Exchange> {
  for (let i = 0; i < 240; i++) {
    const answer = await call(env, 'GET', `/slurm/${version}/job/${jobId}`);
    const jobs = (answer.body as { jobs?: { job_state?: string[] | string }[] }).jobs ?? [];
    const found = jobs[0]?.job_state;
    if ((Array.isArray(found) ? found[0] : found) === state) return answer;
    await sleep(250);
  }
  throw new Error(`job ${jobId} never reached ${state} on ${version}`);
}

const jobIdOf = (answer: Exchange): number => {
  const id = (answer.body as { job_id?: number }).job_id;
  if (typeof id !== 'number') throw new Error(`no job id in ${JSON.stringify(answer.body)}`);
  return id;
};

/** Our jobs only: the list answer is trimmed to the jobs this recording made (others may exist). */
function onlyOurs(answer: Exchange, ids: readonly number[]): Exchange {
  const body = answer.body as { jobs?: { job_id: number }[] };
  if (!Array.isArray(body.jobs)) return answer;
  return { ...answer, body: { ...body, jobs: body.jobs.filter((j) => ids.includes(j.job_id)) } };
}

/** A list with update_time = the server's last_update of the list before it, once nothing changed between. */
async function unchangedList(env: ReleaseEnv, base: string, jobs: string): Promise<Exchange> {
  let last: Exchange | undefined;
  for (let i = 0; i < 60; i++) {
    const list = await call(env, 'GET', `${base}${jobs}`);
    // v0.0.38 gives no server time: our clock, after the list came (22.05 is shared and busy).
    const lastUpdate = (list.body as { last_update?: { number?: number } }).last_update?.number ?? Math.floor(Date.now() / 1000);
    last = await call(env, 'GET', `${base}${jobs}?update_time=${lastUpdate}`);
    if (last.status !== 200 || JSON.stringify(last.body).includes('No job changes since')) return last;
    await sleep(1000);
  }
  throw new Error(`no unchanged list from ${base}: ${JSON.stringify(last?.status)}`);
}

async function recordVersion(env: ReleaseEnv, version: SlurmApiVersion, save: (name: string, e: Exchange) => Promise<void>): Promise<void> {
  const base = `/slurm/${version}`;
  const tag = version.replace(/\./g, '');
  const old = version === 'v0.0.38';
  const jobs = old ? '/jobs' : '/jobs/';
  const fields = old
    ? { partition: 'debug', time_limit: 7, nodes: '1', tasks: 2, cpus_per_task: 2, memory_per_node: 100, standard_output: `${env.SLURM_JOB_DIR}/%x-%j.out` }
    : { partition: 'debug', time_limit: { set: true, number: 7 }, minimum_nodes: 1, maximum_nodes: 1, tasks: 2, cpus_per_task: 2, memory_per_node: { set: true, number: 100 }, standard_output: `${env.SLURM_JOB_DIR}/%x-%j.out` };
  const body = (name: string, script: string, extra: Record<string, unknown> = {}) => submitBody(env, name, script, extra, version);
  const okSubmit = await call(env, 'POST', `${base}/job/submit`, body(`fx-${tag}-ok`, '#!/bin/bash\necho "$GREETING"\n', fields));
  await save('01-submit', okSubmit);
  const ok = jobIdOf(okSubmit);
  await save('02-job-just-submitted', await call(env, 'GET', `${base}/job/${ok}`));
  await save('03-job-completed', await waitForState(env, version, ok, 'COMPLETED'));
  const fail = jobIdOf(await call(env, 'POST', `${base}/job/submit`, body(`fx-${tag}-exit3`, '#!/bin/bash\nexit 3\n')));
  await save('04-job-failed-exit3', await waitForState(env, version, fail, 'FAILED'));
  const long = jobIdOf(await call(env, 'POST', `${base}/job/submit`, body(`fx-${tag}-long`, '#!/bin/bash\nsleep 300\n')));
  await save('05-job-running', await waitForState(env, version, long, 'RUNNING'));
  const list = await call(env, 'GET', `${base}${jobs}`);
  await save('06-jobs', onlyOurs(list, [ok, fail, long]));
  await save('07-jobs-update_time-unchanged', await unchangedList(env, base, jobs));
  await save('08-job-delete-running', await call(env, 'DELETE', `${base}/job/${long}`));
  await save('09-job-cancelled', await waitForState(env, version, long, 'CANCELLED'));
  await save('10-job-delete-ended', await call(env, 'DELETE', `${base}/job/${ok}`));
  await save('11-job-delete-unknown', await call(env, 'DELETE', `${base}/job/${long + 900_000}`));
  await save('12-job-get-unknown', await call(env, 'GET', `${base}/job/${long + 900_000}`));
  await save('13-submit-bad-partition', await call(env, 'POST', `${base}/job/submit`, body(`fx-${tag}-badpart`, '#!/bin/bash\ntrue\n', { partition: 'no-such-partition' })));
  await save('14-jobs-bad-token', await call(env, 'GET', `${base}${jobs}`, undefined, 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJub2JvZHkifQ.bm90LWEtc2lnbmF0dXJl'));
}

async function recordRelease(release: RecordedRelease, statesOnly: boolean): Promise<void> {
  const env = await startRelease(release);
  const dir = path.join(fixturesDir, 'recorded', `slurm-${release}`);
  if (!statesOnly) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const doc = await call(env, 'GET', '/openapi/v3');
    if (doc.status !== 200) throw new Error(`/openapi/v3 of ${release}: HTTP ${doc.status}`);
    await writeFile(path.join(dir, 'openapi-v3.json'), `${JSON.stringify(doc.body, null, 1)}\n`);
  }
  for (const version of RECORDED_RELEASES[release]) {
    await mkdir(path.join(dir, version), { recursive: true });
    const save = (name: string, e: Exchange) => writeFile(path.join(dir, version, `${name}.json`), `${JSON.stringify(e, null, 1)}\n`);
    if (!statesOnly) await recordVersion(env, version, save);
    if (version !== 'v0.0.38' && version !== 'v0.0.39') await recordStates(env, version, save);
    console.log(`recorded Slurm ${release} ${version}`);
  }
}

const args = process.argv.slice(2);
const statesOnly = args.includes('--states-only');
const wanted = args.filter((a) => !a.startsWith('--'));
for (const release of Object.keys(RECORDED_RELEASES) as RecordedRelease[]) {
  if (wanted.length === 0 || wanted.includes(release)) await recordRelease(release, statesOnly);
}
