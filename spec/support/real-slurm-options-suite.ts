// The job options (issue 21) against one real slurmrestd, on one API version: one deployment
// asking for every option the cluster needs nothing for, its script's `#SBATCH` lines among them,
// decoded and built as the deployer does, submitted by the REST client and read back from
// `GET /job/{id}`; a held job; the options a version cannot express FAILED with their reason;
// and the options that need cluster objects (a node feature, a gres, licenses, a reservation),
// skipped with what the cluster lacks. Jobs go to the DOWN partition `parked`: they never run,
// so what Slurm stored stays readable. Nested in the client suite (its matrix line).

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/config/secret.js';
import { decodeSlurmArgs } from '../../lib/core/deployment-args.js';
import { buildJobSpec } from '../../lib/core/job-builder.js';
import type { JobSpec } from '../../lib/core/slurm-job.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { createSlurmRestClient } from '../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { cancelRaw, rawJob, type RawJob } from './slurm-raw.js';
import type { ReleaseEnv } from './stack.js';

const ADMIN = 'slurm';

/** A spec as the deployer builds it from args, labelled for this run. */
function specOf(args: Record<string, unknown>, name: string, label: string): JobSpec {
  const decoded = decodeSlurmArgs(args);
  if (!decoded.ok) throw new Error(decoded.reason);
  return buildJobSpec(name, 'r1', decoded.args, { label, defaults: {}, baseEnvironment: { PATH: '/usr/bin:/bin' }, extraEnvironment: {} });
}

/**
 * A reservation for the deployer's user an hour from now, made as SlurmUser through REST where the
 * server takes it (POST /reservation: v0.0.43 on, Slurm 25.05+); its name, or undefined.
 */
async function makeReservation(env: ReleaseEnv, name: string): Promise<string | undefined> {
  const start = Math.floor(Date.now() / 1000) + 3600;
  const body = { name, users: [env.SLURM_USER], node_list: 'vm', start_time: { set: true, number: start }, duration: { set: true, number: 10 }, flags: ['IGNORE_JOBS'] };
  const res = await fetch(`${env.SLURM_URL}/slurm/v0.0.44/reservation`, {
    method: 'POST',
    headers: { 'X-SLURM-USER-NAME': ADMIN, 'X-SLURM-USER-TOKEN': env.SLURM_ADMIN_TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  }).catch(() => undefined);
  await res?.arrayBuffer();
  return res?.ok === true ? name : undefined;
}

async function dropReservation(env: ReleaseEnv, name: string): Promise<void> {
  const res = await fetch(`${env.SLURM_URL}/slurm/v0.0.44/reservation/${name}`, {
    method: 'DELETE',
    headers: { 'X-SLURM-USER-NAME': ADMIN, 'X-SLURM-USER-TOKEN': env.SLURM_ADMIN_TOKEN },
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
}

async function adminGet(env: ReleaseEnv, path: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${env.SLURM_URL}${path}`, { headers: { 'X-SLURM-USER-NAME': ADMIN, 'X-SLURM-USER-TOKEN': env.SLURM_ADMIN_TOKEN }, signal: AbortSignal.timeout(30_000) });
  return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
}

/** What the cluster has for the options that need cluster objects (empty strings when none). */
async function clusterObjects(env: ReleaseEnv, version: SlurmApiVersion) {
  const nodes = ((await adminGet(env, `/slurm/${version}/nodes`))?.['nodes'] ?? []) as Array<Record<string, unknown>>;
  const features = nodes.flatMap((n) => (Array.isArray(n['features']) ? (n['features'] as string[]) : String(n['features'] ?? '').split(','))).filter((f) => f !== '');
  const gres = nodes.map((n) => String(n['gres'] ?? '')).filter((g) => g !== '' && g !== '(null)');
  const licenses = ((await adminGet(env, `/slurm/${version}/licenses`))?.['licenses'] ?? []) as Array<Record<string, unknown>>;
  const reservations = ((await adminGet(env, `/slurm/${version}/reservations`))?.['reservations'] ?? []) as Array<Record<string, unknown>>;
  return {
    feature: features[0],
    gpu: gres.some((g) => /(^|,)gpu[:(]/.test(g)),
    license: licenses.map((l) => String(l['LicenseName'] ?? l['name'] ?? '')).find((n) => n !== ''),
    reservation: reservations.map((r) => String(r['name'] ?? '')).find((n) => n !== ''),
  };
}

export function describeOptionsOnVersion(version: SlurmApiVersion, stack: () => ReleaseEnv): void {
  describe('job options (issue 21)', function () {
    this.timeout(60_000);
    const run = randomBytes(3).toString('hex');
    const label = `sdp_slurm_deployer_opts${run}_test`;
    const name = (what: string) => `o-${version.replace(/\./g, '')}-${what}-${run}`;
    const submitted: number[] = [];
    let env: ReleaseEnv;
    let api: SlurmApi;
    /** Read as SlurmUser; v0.0.45's job_info no longer says how a job shares nodes: v0.0.44 does, of the same job. */
    const readBack = async (jobId: number): Promise<RawJob> => {
      const job = await rawJob(env, version, jobId);
      if (job === undefined) throw new Error(`job ${jobId} not found`);
      return job;
    };
    const submit = async (spec: JobSpec) => {
      const id = await api.submit(spec);
      submitted.push(id);
      return id;
    };
    const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

    before(() => {
      env = stack();
      api = createSlurmRestClient({ baseUrl: env.SLURM_URL, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)) });
    });
    after(async () => {
      if (env !== undefined) await Promise.all(submitted.map((id) => cancelRaw(env, version, id).catch(() => undefined)));
      await api?.close();
    });

    it('submits one deployment with every option the cluster needs nothing for (some as #SBATCH lines), and Slurm reads each back', async () => {
      const script = ['#!/bin/bash', '#SBATCH --time=5 --ntasks-per-node=1', '#SBATCH --exclusive=user --nice=10', 'true', ''].join('\n');
      const deadline = Math.floor(Date.now() / 1000) + 7200;
      const args = {
        script,
        partition: 'parked',
        current_working_directory: env.SLURM_JOB_DIR,
        mem_per_cpu: 10,
        begin: 'now+600',
        deadline: new Date(deadline * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        // B: (batch shell only) is what v0.0.38 cannot say.
        signal: version === 'v0.0.38' ? 'R:USR1@90' : 'B:USR1@90',
        requeue: false,
        mail_type: 'BEGIN,END',
        mail_user: 'ops@example.org',
        array: '0-1',
        ...(version === 'v0.0.40' ? {} : { distribution: 'cyclic' }),
        threads_per_core: 1,
        wckey: 'sdpwk',
        open_mode: 'truncate',
        kill_on_invalid_dependency: true,
      };
      const sentAt = Math.floor(Date.now() / 1000);
      const id = await submit(specOf(args, name('every'), label));
      const job = await readBack(id);
      const f = job.fields;
      const shared = version === 'v0.0.45' ? (await rawJob(env, 'v0.0.44', id))?.fields['shared'] : f['shared'];
      expect({ name: job.name, mcs_label: job.mcs_label }).to.deep.equal({ name: name('every'), mcs_label: label });
      expect({
        time_limit: f['time_limit'],
        tasks_per_node: f['tasks_per_node'],
        shared,
        nice: f['nice'],
        memory_per_cpu: f['memory_per_cpu'],
        requeue: f['requeue'],
        array_task_string: f['array_task_string'],
        threads_per_core: f['threads_per_core'],
        wckey: f['wckey'],
        kill_on_invalid_dependency: (f['flags'] as string[]).some((x) => x === 'KILL_INV_DEP' || x === 'KILL_INVALID_DEPENDENCY'),
      }).to.deep.equal({
        time_limit: 5,
        tasks_per_node: 1,
        shared: version === 'v0.0.38' ? 'user' : ['user'],
        nice: 10,
        memory_per_cpu: 10,
        requeue: false,
        array_task_string: '0-1',
        threads_per_core: 1,
        wckey: 'sdpwk',
        kill_on_invalid_dependency: true,
      });
      // Begin is when the job becomes eligible: 600 s after the submit (this machine's clock and Slurm's are one).
      expect(num(f['eligible_time']) - sentAt).to.be.within(595, 610);
      // v0.0.38 takes it as "now+N" (its parser's text): within a second or two of the time asked.
      expect(num(f['deadline']) - deadline).to.be.within(-2, 2);
      // v0.0.38's job record has no mail fields; signal, distribution and open mode are in no version's record.
      if (version !== 'v0.0.38') expect({ mail_type: f['mail_type'], mail_user: f['mail_user'] }).to.deep.equal({ mail_type: ['BEGIN', 'END'], mail_user: 'ops@example.org' });
    });

    it('holds a job asked to be held; a priority from a user who is not an operator is taken and ignored by Slurm', async () => {
      const id = await submit(specOf({ script: '#!/bin/bash\ntrue\n', partition: 'parked', current_working_directory: env.SLURM_JOB_DIR, hold: true }, name('held'), label));
      const held = await readBack(id);
      expect([held.job_state, held.fields['state_reason'], held.fields['priority']]).to.deep.equal(['PENDING', 'JobHeldUser', 0]);
      const other = await submit(specOf({ script: '#!/bin/bash\ntrue\n', partition: 'parked', current_working_directory: env.SLURM_JOB_DIR, priority: 4242 }, name('prio'), label));
      expect((await readBack(other)).fields['priority']).not.to.equal(4242);
    });

    const inexpressible: Partial<Record<SlurmApiVersion, [Record<string, unknown>, RegExp]>> = {
      'v0.0.38': [{ signal: 'B:USR1@60' }, /^args\.signal: not expressible in REST API v0\.0\.38 /],
      'v0.0.40': [{ distribution: 'cyclic' }, /^args\.distribution: not expressible in REST API v0\.0\.40 /],
    };
    const refused = inexpressible[version];
    if (refused !== undefined) {
      it(`${version}: an option it cannot express FAILS the submit as permanent, naming it (no request sent)`, async () => {
        const [option, reason] = refused;
        const error = await api.submit(specOf({ script: '#!/bin/bash\ntrue\n', partition: 'parked', ...option }, name('inexpressible'), label)).then(
          (jobId) => (submitted.push(jobId), undefined),
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(SlurmRequestError);
        expect((error as SlurmRequestError).failure.kind).to.equal('permanent');
        expect((error as SlurmRequestError).message).to.match(reason);
      });
    }

    describe('options that need cluster objects', () => {
      let has: Awaited<ReturnType<typeof clusterObjects>>;
      let made: string | undefined;
      before(async () => {
        has = await clusterObjects(env, version);
        if (has.reservation === undefined) {
          made = await makeReservation(env, `sdpopts_${version.replace(/\./g, '')}_${run}`);
          has = { ...has, reservation: made };
        }
      });
      after(async () => {
        // Its jobs first: a reservation with jobs in it is not deleted.
        await Promise.all(submitted.map((id) => cancelRaw(env, version, id).catch(() => undefined)));
        if (made !== undefined) await dropReservation(env, made).catch(() => undefined);
      });
      const base = () => ({ script: '#!/bin/bash\ntrue\n', partition: 'parked', current_working_directory: env.SLURM_JOB_DIR });

      it('a constraint on a node feature reads back as the job\'s features (skipped without a node Features=)', async function () {
        if (has.feature === undefined) return this.skip(); // needs a node Features=... (slurm.conf)
        const id = await submit(specOf({ ...base(), constraint: has.feature }, name('feature'), label));
        expect((await readBack(id)).fields['features']).to.equal(has.feature);
      });

      it('GPUs by gres, per task, with CPUs and memory per GPU, read back as TRES (skipped without GresTypes=gpu and a node Gres=gpu:N)', async function () {
        if (!has.gpu) return this.skip(); // needs GresTypes=gpu and a node Gres=gpu:2 (slurm.conf, gres.conf)
        const id = await submit(specOf({ ...base(), gres: 'gpu:1', gpus_per_task: 1, cpus_per_gpu: 1, mem_per_gpu: 10 }, name('gpu'), label));
        const f = (await readBack(id)).fields;
        expect(String(f['tres_per_node'])).to.match(/gres\/gpu:1/);
        expect(String(f['tres_per_task'])).to.match(/gres\/gpu:1/);
        if (version !== 'v0.0.38') expect([f['cpus_per_tres'], f['memory_per_tres']]).to.deep.equal(['gres/gpu:1', 'gres/gpu:10']);
      });

      it('licenses read back as asked (skipped without Licenses= in slurm.conf)', async function () {
        if (has.license === undefined) return this.skip(); // needs Licenses=sdplic:4 (slurm.conf)
        const id = await submit(specOf({ ...base(), licenses: `${has.license}:1` }, name('lic'), label));
        expect((await readBack(id)).fields['licenses']).to.equal(`${has.license}:1`);
      });

      it('a reservation reads back as the job\'s (made through REST where the server takes it, 26.05; skipped without one)', async function () {
        if (has.reservation === undefined) return this.skip(); // needs a reservation for the deployer's user (scontrol create reservation)
        const id = await submit(specOf({ ...base(), reservation: has.reservation }, name('resv'), label));
        expect((await readBack(id)).fields['resv_name']).to.equal(has.reservation);
      });
    });
  });
}
