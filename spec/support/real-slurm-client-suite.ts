// The REST client's whole path against one real slurmrestd, on one API version: submit with every
// field the job builder renders (each read back from Slurm and compared), COMPLETED, FAILED with
// its exit code, cancel, DELETE of a finished and of an unknown job, lookup by id, an unchanged
// poll (304 on 22.05, a 200 "no changes" answer later), bad partition, bad token, and the job
// states and batched cancels (real-slurm-states-suite.ts). Called once per (release, version) by
// the spec files in spec/releases/.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/base/secret.js';
import type { JobSpec, SlurmJob } from '../../lib/core/slurm-job.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { createSlurmRestClient } from '../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { eventually } from './eventually.js';
import { jobRelease, type JobRelease } from './job-release.js';
import { reportMatrixLine } from './matrix-summary.js';
import { ERROR_STATUS } from './real-slurm-expectations.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';
import { describeOptionsOnVersion } from './real-slurm-options-suite.js';
import { describeStatesOnVersion } from './real-slurm-states-suite.js';
import { cancelRaw, rawJob } from './slurm-raw.js';
import type { ReleaseEnv, SlurmRelease } from './stack.js';

const STATUS = ERROR_STATUS;

export function describeClientOnVersion(release: SlurmRelease, version: SlurmApiVersion, stack: () => ReleaseEnv): void {
  describe(`REST client on ${version}`, function () {
    this.timeout(90_000);
    const run = randomBytes(3).toString('hex');
    const label = `sdp_slurm_deployer_matrix${run}_test`;
    const name = (what: string) => `m-${version.replace(/\./g, '')}-${what}-${run}`;
    let env: ReleaseEnv;
    let wire: RecordingProxy;
    let api: SlurmApi;
    const submitted: number[] = [];
    let full: JobSpec;
    let ids: { ok: number; fails: number; long: number };
    /** The job of every field, read back as soon as it was submitted. */
    let readBack: Awaited<ReturnType<typeof rawJob>>;
    let fieldsRelease: JobRelease;

    const spec = (what: string, script: string, extra: Partial<JobSpec> = {}): JobSpec => ({
      name: name(what),
      script,
      environment: { PATH: '/usr/local/bin:/usr/bin:/bin', GREETING: `hello from ${version}` },
      mcsLabel: label,
      comment: `sdp-slurm-deployer:deployment=${name(what)};submit=r1`,
      currentWorkingDirectory: env.SLURM_JOB_DIR,
      ...extra,
    });
    const submit = async (job: JobSpec) => {
      const id = await api.submit(job);
      submitted.push(id);
      return id;
    };
    // Waited for by the spec's own reads (not rate limited: slurm-raw.ts), then, where the spec
    // is about what the client reads, read once by the client under test: four lookups a second
    // by the client emptied the user's bucket, and every request after them, in this suite and
    // the next, was answered seconds late.
    const until = (jobId: number, base: string, timeoutMs = 60_000) =>
      eventually(`job ${jobId} ${base}`, async () => ((await rawJob(env, version, jobId))?.job_state === base ? true : undefined), timeoutMs, 250);
    const stateOf = async (jobId: number, base: string, timeoutMs = 60_000): Promise<SlurmJob> => {
      await until(jobId, base, timeoutMs);
      const job = await api.getJob(jobId);
      expect(job?.state.base, `job ${jobId} as the client reads it`).to.equal(base);
      return job!;
    };

    before(async function () {
      this.timeout(120_000);
      env = stack();
      wire = await startRecordingProxy(env.SLURM_URL);
      api = createSlurmRestClient({ baseUrl: wire.url, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)) });
      // Alive until it was read back: Slurm reads max_nodes back as 0 once the job has ended
      // (22.05 and 26.05: once it has started).
      fieldsRelease = jobRelease(env, name('fields'));
      full = spec('fields', `#!/bin/bash\n${fieldsRelease.wait}echo "$GREETING"\necho oops >&2\n`, {
        partition: 'debug',
        timeLimitMinutes: 7,
        nodes: 1,
        tasks: 2,
        cpusPerTask: 2,
        memoryPerNodeMB: 100,
        standardOutput: `${env.SLURM_JOB_DIR}/%x-%j.out`,
        standardError: `${env.SLURM_JOB_DIR}/%x-%j.err`,
      });
      let ok = await submit(full);
      readBack = await rawJob(env, version, ok);
      // The scheduler may start a job the moment it is submitted (another job just ended): the
      // same job again, until one is read back before it started (and the others cancelled).
      // Seen on 26.05 v0.0.43 too, once in a whole suite: max_nodes read back 0, the job RUNNING.
      for (let again = 0; readBack?.job_state !== 'PENDING' && again < 4; again++) {
        await api.cancel(ok);
        ok = await submit(full);
        readBack = await rawJob(env, version, ok);
      }
      await fieldsRelease.release();
      ids = {
        ok,
        fails: await submit(spec('fails', '#!/bin/bash\nexit 3\n')),
        long: await submit(spec('long', '#!/bin/bash\nsleep 300\n')),
      };
    });

    after(async function () {
      // Cleaned up as SlurmUser: the user's bucket is left to the specs of the next version.
      if (env !== undefined) await Promise.all(submitted.map((id) => cancelRaw(env, version, id).catch(() => undefined)));
      await fieldsRelease?.remove();
      await api?.close();
      await wire?.close();
      reportMatrixLine(release, version, this.test?.parent);
    });

    it('submits a job with every field the job builder renders, and Slurm reads each back as sent', async () => {
      const job = readBack;
      expect(job, 'the job read back').not.to.equal(undefined);
      const f = job!.fields;
      expect({ name: job!.name, comment: job!.comment, mcs_label: job!.mcs_label }).to.deep.equal({ name: full.name, comment: full.comment, mcs_label: label });
      expect({
        partition: f['partition'],
        time_limit: f['time_limit'],
        node_count: f['node_count'],
        max_nodes: f['max_nodes'],
        tasks: f['tasks'],
        cpus: f['cpus'],
        memory_per_node: f['memory_per_node'],
        current_working_directory: f['current_working_directory'],
        standard_output: f['standard_output'],
        standard_error: f['standard_error'],
      }).to.deep.equal({
        partition: 'debug',
        time_limit: 7,
        node_count: 1,
        // Only a node count Slurm took sets max_nodes (22.05 ignored v0.0.38's [min, max]: 0).
        max_nodes: 1,
        tasks: 2,
        // cpus_per_task reads back null on 22.05: the job's cpus (tasks x cpus per task) show it.
        cpus: 4,
        memory_per_node: 100,
        current_working_directory: env.SLURM_JOB_DIR,
        // 24.11 (and 26.05's v0.0.42) print the patterns expanded, later versions as sent.
        standard_output: expanded(f['standard_output'], full.standardOutput!, ids.ok),
        standard_error: expanded(f['standard_error'], full.standardError!, ids.ok),
      });
    });

    it('a node count the one-node cluster cannot give is honoured: refused, or held PENDING, never run on one node', async () => {
      const id = await api.submit(spec('twonodes', '#!/bin/bash\ntrue\n', { nodes: 2 })).then(
        (jobId) => (submitted.push(jobId), jobId),
        (error: unknown) => error,
      );
      if (typeof id !== 'number') {
        // 24.11: refused at submit, "Requested node configuration is not available" (2014).
        expect(id).to.be.instanceOf(SlurmRequestError);
        expect((id as SlurmRequestError).failure.kind).to.equal('permanent');
        expect((id as SlurmRequestError).message).to.contain('Requested node configuration is not available');
        return;
      }
      // 22.05 and 26.05: accepted (26.05 warns "Requested partition configuration not available
      // now"), then held PENDING (PartitionConfig, then PartitionNodeLimit), asking for 2 nodes.
      // Read once the scheduler has given it a reason, or has started it (which fails the spec).
      const job = await eventually(`job ${id} held or started`, async () => {
        const seen = await rawJob(env, version, id);
        return seen !== undefined && (seen.job_state !== 'PENDING' || /^Partition/.test(String(seen.fields['state_reason']))) ? seen : undefined;
      }, 30_000, 250);
      expect([job?.job_state, job?.fields['node_count'], job?.fields['max_nodes']]).to.deep.equal(['PENDING', 2, 2]);
      expect(job?.fields['state_reason']).to.match(/^Partition(Config|NodeLimit)$/);
    });

    /** The pattern as sent, or the same with %x and %j filled in when that is what Slurm printed. */
    function expanded(actual: unknown, pattern: string, jobId: number): string {
      const filled = pattern.replace('%x', full.name).replace('%j', String(jobId));
      return actual === filled ? filled : pattern;
    }

    it('runs it to COMPLETED, exit 0, with the environment it was given and its output where asked', async () => {
      const done = await stateOf(ids.ok, 'COMPLETED');
      expect(done.exitCode).to.deep.equal({ status: 0, signal: 0 });
      const out = path.join(env.SLURM_JOB_DIR_ON_HOST, `${full.name}-${ids.ok}.out`);
      const err = path.join(env.SLURM_JOB_DIR_ON_HOST, `${full.name}-${ids.ok}.err`);
      expect(await eventually('the output file', () => readFile(out, 'utf8').then((t) => (t === '' ? undefined : t)))).to.equal(`hello from ${version}\n`);
      expect(await readFile(err, 'utf8')).to.equal('oops\n');
    });

    it('reads a script that exits 3 as FAILED with exit code 3', async () => {
      const failed = await stateOf(ids.fails, 'FAILED');
      expect(failed).to.deep.include({ reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } });
    });

    it('looks a job up by id, with name, label and comment; undefined for an id Slurm does not know', async () => {
      const job = await api.getJob(ids.long);
      expect(job).to.deep.include({ jobId: ids.long, name: name('long'), mcsLabel: label, comment: `sdp-slurm-deployer:deployment=${name('long')};submit=r1` });
      expect(await api.getJob(ids.long + 900_000)).to.equal(undefined);
    });

    it("reads the real list in the worker thread as in the event loop, and keeps only its label's jobs when given it", async () => {
      await until(ids.ok, 'COMPLETED');
      await until(ids.long, 'RUNNING');
      const options = { baseUrl: env.SLURM_URL, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)) };
      const offThread = createSlurmRestClient({ ...options, offThreadJobListBytes: 0 });
      const inLoop = createSlurmRestClient({ ...options, offThreadJobListBytes: Number.POSITIVE_INFINITY });
      const ours = createSlurmRestClient({ ...options, offThreadJobListBytes: 0, jobLabel: label });
      try {
        // Other specs' jobs change between two lists; these two have ended or run on.
        const settled = (jobs: readonly SlurmJob[]) => jobs.filter((j) => j.jobId === ids.ok || j.jobId === ids.long).map((j) => ({ ...j, state: j.state.base }));
        const read = await offThread.listJobs();
        expect(settled(read)).to.have.length(2);
        expect(settled(read)).to.deep.equal(settled(await inLoop.listJobs()));
        const own = await ours.listJobs();
        expect(own.map((j) => j.jobId)).to.include.members([ids.ok, ids.long]);
        expect(own.every((j) => j.mcsLabel === label)).to.equal(true);
      } finally {
        await Promise.all([offThread.close(), inLoop.close(), ours.close()]);
      }
    });

    it('lists twice with nothing changed between: the second list is the first, whatever "no change" looks like on the wire', async () => {
      await until(ids.long, 'RUNNING');
      // No margin below our clock (v0.0.38 has no server time): on the shared 22.05 cluster,
      // where other specs' jobs change all the time, a 30 s margin would seldom see "no change".
      const lister = createSlurmRestClient({ baseUrl: wire.url, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)), updateTimeMarginSeconds: 0 });
      const unchanged = await eventually('an unchanged second list', async () => {
        const first = await lister.listJobs();
        const before = wire.exchanges.length;
        const second = await lister.listJobs();
        const answers = wire.exchanges.slice(before);
        const [answer] = answers;
        if (answers.length !== 1 || answer === undefined) return undefined;
        if (version === 'v0.0.40' || version === 'v0.0.41') {
          if (answer.url.includes('update_time')) return 'sent update_time';
          // A full list each time: a job submitted or purged (MinJobAge) between them: try again.
          return first.map((j) => j.jobId).join() === second.map((j) => j.jobId).join() ? { first, second, answer } : undefined;
        }
        if (answer.status === 304 || answer.body.includes('No job changes since update_time')) return { first, second, answer };
        return undefined; // a job changed meanwhile: try again
      }, 60_000, 1100).finally(() => lister.close());
      if (typeof unchanged === 'string') throw new Error(`${version} ${unchanged}, which Slurm 24.11 refuses with 422`);
      expect(unchanged.second.map((j) => j.jobId)).to.deep.equal(unchanged.first.map((j) => j.jobId));
      expect(unchanged.second.map((j) => j.jobId)).to.include(ids.long);
      const { answer } = unchanged;
      if (version === 'v0.0.38') expect([answer.status, answer.body]).to.deep.equal([304, '']);
      else if (version === 'v0.0.40' || version === 'v0.0.41') expect(answer.status).to.equal(200);
      else {
        // Never a 304 from 24.11 on: 200, no jobs, and the warning.
        expect(answer.status).to.equal(200);
        expect((JSON.parse(answer.body) as { jobs: unknown[] }).jobs).to.deep.equal([]);
      }
    });

    it('cancels a running job, which Slurm then shows CANCELLED; a DELETE of the ended job succeeds too', async () => {
      await until(ids.long, 'RUNNING');
      await api.cancel(ids.long);
      await stateOf(ids.long, 'CANCELLED');
      await api.cancel(ids.long);
      await until(ids.ok, 'COMPLETED');
      await api.cancel(ids.ok);
    });

    it('a cancel of a job Slurm does not know: permanent, naming Slurm error 2017 (v0.0.40/41 too, by DELETE /jobs)', async () => {
      const unknown = ids.long + 900_000;
      const error = await rejectionOf(api.cancel(unknown));
      expect(error.failure.kind).to.equal('permanent');
      expect(error.message).to.contain('Invalid job id specified');
    });

    it("rejects a bad partition as permanent, with Slurm's message", async () => {
      const error = await rejectionOf(api.submit(spec('badpart', '#!/bin/bash\ntrue\n', { partition: 'no-such-partition' })));
      expect([error.failure.kind, error.status]).to.deep.equal(['permanent', STATUS[release].badPartition]);
      expect(error.message).to.contain('Invalid partition name specified');
    });

    it('rejects a bad token as auth, without echoing it', async () => {
      const garbage = `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
      const bad = createSlurmRestClient({ baseUrl: env.SLURM_URL, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(garbage)) });
      try {
        const error = await rejectionOf(bad.listJobs());
        expect([error.failure.kind, error.status]).to.deep.equal(['auth', STATUS[release].badToken]);
        expect(error.message).not.to.contain(garbage.split('.')[1]);
      } finally {
        await bad.close();
      }
    });

    describeStatesOnVersion(version, stack);
    describeOptionsOnVersion(version, stack);
  });
}

export async function rejectionOf(promise: Promise<unknown>): Promise<SlurmRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SlurmRequestError) return error;
    throw error;
  }
  throw new Error('expected a rejection, the call succeeded');
}
