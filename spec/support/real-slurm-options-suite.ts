// The job options (issue 21) against one real slurmrestd, on one API version: one deployment
// asking for every option the cluster needs nothing for, its script's `#SBATCH` lines among them,
// decoded and built as the deployer does, submitted by the REST client and read back from
// `GET /job/{id}`; a held job; the options a version cannot express FAILED with their reason;
// and the options that need cluster objects (a node feature, GPUs, licenses, a reservation),
// which the stack's scripts make on every release. Jobs go to the DOWN partition `parked`: they never run,
// so what Slurm stored stays readable. Nested in the client suite (its matrix line).

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/base/secret.js';
import { decodeSlurmArgs } from '../../lib/core/deployment-args.js';
import { buildJobSpec } from '../../lib/core/job-builder.js';
import type { JobSpec } from '../../lib/core/slurm-job.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { createSlurmRestClient } from '../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { cancelRaw, rawJob, type RawJob } from './slurm-raw.js';
import type { ReleaseEnv } from './stack.js';

const ADMIN = 'slurm';

/**
 * The cluster objects these options ask for, made by the stack's scripts on every release
 * (scripts/stack-start.sh for 22.05, scripts/chroot-slurm.sh for the chroots): a node feature,
 * two GPUs on the node, licenses, and a reservation for the job users in 2035 (its jobs pend).
 */
const STACK_OBJECTS = { feature: 'bigmem', gpus: 2, license: 'sdplic', reservation: 'sdpopts' } as const;
const MADE_BY = 'made by scripts/stack-start.sh and scripts/chroot-slurm.sh: start the stack again with this checkout';

/** A spec as the deployer builds it from args, labelled for this run. */
function specOf(args: Record<string, unknown>, name: string, label: string): JobSpec {
  const decoded = decodeSlurmArgs(args);
  if (!decoded.ok) throw new Error(decoded.reason);
  return buildJobSpec(name, 'r1', decoded.args, { label, defaults: {}, baseEnvironment: { PATH: '/usr/bin:/bin' }, extraEnvironment: {} });
}

async function adminGet(env: ReleaseEnv, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.SLURM_URL}${path}`, { headers: { 'X-SLURM-USER-NAME': ADMIN, 'X-SLURM-USER-TOKEN': env.SLURM_ADMIN_TOKEN }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** What the cluster has for the options that need cluster objects, as this version's REST API shows it. */
async function clusterObjects(env: ReleaseEnv, version: SlurmApiVersion) {
  const list = (body: Record<string, unknown>, key: string) => (Array.isArray(body[key]) ? (body[key] as Array<Record<string, unknown>>) : []);
  const nodes = list(await adminGet(env, `/slurm/${version}/nodes`), 'nodes');
  const licenses = list(await adminGet(env, `/slurm/${version}/licenses`), 'licenses');
  const reservations = list(await adminGet(env, `/slurm/${version}/reservations`), 'reservations');
  return {
    features: nodes.flatMap((n) => (Array.isArray(n['features']) ? (n['features'] as string[]) : String(n['features'] ?? '').split(','))).filter((f) => f !== ''),
    gres: nodes.map((n) => String(n['gres'] ?? '')),
    licenses: licenses.map((l) => String(l['LicenseName'] ?? l['name'] ?? '')),
    reservations: reservations.map((r) => String(r['name'] ?? '')),
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

    describe('options that need cluster objects (the stack makes them on every release)', () => {
      let has: Awaited<ReturnType<typeof clusterObjects>>;
      before(async () => {
        has = await clusterObjects(env, version);
      });
      const base = () => ({ script: '#!/bin/bash\ntrue\n', partition: 'parked', current_working_directory: env.SLURM_JOB_DIR });

      it(`a constraint on the node feature ${STACK_OBJECTS.feature} reads back as the job's features`, async () => {
        expect(has.features, `node features (${MADE_BY})`).to.include(STACK_OBJECTS.feature);
        const id = await submit(specOf({ ...base(), constraint: STACK_OBJECTS.feature }, name('feature'), label));
        expect((await readBack(id)).fields['features']).to.equal(STACK_OBJECTS.feature);
      });

      /** A GPU count as the job record prints it: 22.05 (v0.0.38) as `gres:gpu:N`, later releases `gres/gpu:N`. */
      const gpuTres = (count: number) => (version === 'v0.0.38' ? `gres:gpu:${count}` : `gres/gpu:${count}`);

      it('GPUs by gres, per task, with CPUs and memory per GPU, read back as TRES', async () => {
        expect(has.gres, `the node's gres (${MADE_BY})`).to.deep.equal([`gpu:${STACK_OBJECTS.gpus}`]);
        // Slurm refuses GPUs per task without a task count ("--gpus-per-task used without either --gpus or -n/--ntasks").
        const id = await submit(specOf({ ...base(), tasks: 1, gres: 'gpu:1', gpus_per_task: 1, cpus_per_gpu: 1, mem_per_gpu: 10 }, name('gpu'), label));
        const f = (await readBack(id)).fields;
        expect({ per_node: f['tres_per_node'], per_task: f['tres_per_task'] }).to.deep.equal({ per_node: gpuTres(1), per_task: gpuTres(1) });
        // v0.0.38's job record has neither field.
        if (version !== 'v0.0.38') expect([f['cpus_per_tres'], f['memory_per_tres']]).to.deep.equal(['gres/gpu:1', 'gres/gpu:10']);
      });

      it('GPUs per job and per node read back as the job\'s and the node\'s TRES', async () => {
        const perJob = await submit(specOf({ ...base(), gpus: 1 }, name('gpus'), label));
        const perNode = await submit(specOf({ ...base(), gpus_per_node: STACK_OBJECTS.gpus }, name('gpupn'), label));
        const [job, node] = [(await readBack(perJob)).fields, (await readBack(perNode)).fields];
        expect({ per_job: job['tres_per_job'], per_node: node['tres_per_node'] }).to.deep.equal({ per_job: gpuTres(1), per_node: gpuTres(STACK_OBJECTS.gpus) });
      });

      it(`licenses (${STACK_OBJECTS.license}) read back as asked`, async () => {
        expect(has.licenses, `cluster licenses (${MADE_BY})`).to.include(STACK_OBJECTS.license);
        const id = await submit(specOf({ ...base(), licenses: `${STACK_OBJECTS.license}:1` }, name('lic'), label));
        expect((await readBack(id)).fields['licenses']).to.equal(`${STACK_OBJECTS.license}:1`);
      });

      it(`a reservation (${STACK_OBJECTS.reservation}, in 2035) reads back as the job's, which stays PENDING`, async () => {
        expect(has.reservations, `reservations (${MADE_BY})`).to.include(STACK_OBJECTS.reservation);
        const id = await submit(specOf({ ...base(), reservation: STACK_OBJECTS.reservation }, name('resv'), label));
        const job = await readBack(id);
        expect([job.fields['resv_name'], job.job_state]).to.deep.equal([STACK_OBJECTS.reservation, 'PENDING']);
      });
    });
  });
}
