// GET /jobs/state and the batched DELETE /jobs against one real slurmrestd, on one API version:
// states by ids (one unknown), of every job (maxJobId), discovery above a floor (the lost
// labelled job found; the known job never looked up, the foreign one at most once), and three
// cancels at once as one request, one of them of an unknown job. Few requests: the 24.11 and
// 26.05 slurmctlds rate-limit the user (bucket 30, 2/s). Nested in the client suite, so its
// results count in that (release, version) line of the matrix summary.

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/base/secret.js';
import type { JobSpec } from '../../lib/core/slurm-job.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { createSlurmRestClient } from '../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';
import { cancelRaw } from './slurm-raw.js';
import type { ReleaseEnv } from './stack.js';

export function describeStatesOnVersion(version: SlurmApiVersion, stack: () => ReleaseEnv): void {
  if (version === 'v0.0.38' || version === 'v0.0.39') {
    it(`${version} has no GET /jobs/state: readsStates is false and readStates fails as permanent without a request`, async () => {
      const env = stack();
      const api = createSlurmRestClient({ baseUrl: env.SLURM_URL, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)) });
      try {
        expect(api.readsStates).to.equal(false);
        const error = await api.readStates({ jobIds: [1] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(SlurmRequestError);
        expect((error as SlurmRequestError).failure.kind).to.equal('permanent');
      } finally {
        await api.close();
      }
    });
    return;
  }

  describe('job states and batched cancels', function () {
    this.timeout(90_000);
    const run = randomBytes(3).toString('hex');
    const label = `sdp_slurm_deployer_states${run}_test`;
    let env: ReleaseEnv;
    let wire: RecordingProxy;
    let api: SlurmApi;
    let ids: { asked: number; known: number; foreign: number; lost: number };
    const unknown = () => ids.lost + 900_000;

    const job = (what: string, mcsLabel = label): JobSpec => ({
      name: `s-${version.replace(/\./g, '')}-${what}-${run}`,
      script: '#!/bin/bash\nsleep 300\n',
      environment: { PATH: '/usr/bin:/bin' },
      mcsLabel,
      comment: `sdp-slurm-deployer:deployment=s-${what}-${run};submit=r1`,
      currentWorkingDirectory: env.SLURM_JOB_DIR,
    });
    const sent = (from: number) => wire.exchanges.slice(from).map((e) => `${e.method} ${e.url.replace(`/slurm/${version}`, '')}`);

    before(async () => {
      env = stack();
      wire = await startRecordingProxy(env.SLURM_URL);
      // What goes on the wire is asserted here, not the pacer's spacing of state polls while
      // throttled (10 s; the specs before drain the user's bucket): that spacing cost 40 s a version.
      const pacing = { throttledStatesSpacingMs: 0, throttledHoldBeforeStatesMs: 0 };
      api = createSlurmRestClient({ baseUrl: wire.url, version, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)), jobLabel: label, pacing });
      ids = {
        asked: await api.submit(job('asked')),
        known: await api.submit(job('known')),
        foreign: await api.submit(job('foreign', `sdp_slurm_deployer_other${run}_test`)),
        lost: await api.submit(job('lost')),
      };
    });

    after(async () => {
      // Cleaned up as SlurmUser: the user's bucket is left to the specs that follow.
      if (ids !== undefined) await Promise.all(Object.values(ids).map((id) => cancelRaw(env, version, id).catch(() => undefined)));
      await api?.close();
      await wire?.close();
    });

    it('readsStates; by ids: one request with job_id repeated, every job of ours, the unknown id absent', async () => {
      expect(api.readsStates).to.equal(true);
      const from = wire.exchanges.length;
      const reading = await api.readStates({ jobIds: [ids.asked, ids.known, unknown()] });
      expect(reading.states.map((s) => s.jobId).sort()).to.deep.equal([ids.asked, ids.known].sort());
      for (const s of reading.states) expect(['PENDING', 'RUNNING']).to.include(s.state.base);
      expect(sent(from)).to.deep.equal([`GET /jobs/state/?job_id=${ids.asked}&job_id=${ids.known}&job_id=${unknown()}`]);
    });

    it('all: one request; the states asked for and the highest id of the cluster', async () => {
      const from = wire.exchanges.length;
      const reading = await api.readStates({ jobIds: [ids.asked], all: true });
      expect(reading.states.map((s) => s.jobId)).to.deep.equal([ids.asked]);
      expect(reading.maxJobId).to.be.at.least(ids.lost);
      expect(sent(from)).to.deep.equal(['GET /jobs/state/']);
    });

    it('discover above a floor: finds the lost labelled job; never looks the known job up, the foreign one once at most', async () => {
      const from = wire.exchanges.length;
      const request = { jobIds: [ids.asked], discover: { above: ids.asked, known: [ids.known] } };
      const first = await api.readStates(request);
      expect(first.discovered?.map((j) => j.jobId)).to.include(ids.lost);
      expect(first.discovered?.find((j) => j.jobId === ids.lost)).to.deep.include({ name: job('lost').name, mcsLabel: label, comment: job('lost').comment });
      expect(first.discovered?.every((j) => j.mcsLabel === label)).to.equal(true);
      const second = await api.readStates({ ...request, discover: { ...request.discover, known: [ids.known, ids.lost] } });
      expect(second.discovered?.map((j) => j.jobId)).not.to.include(ids.lost);
      const lines = sent(from);
      expect(lines[0]).to.equal('GET /jobs/state/');
      expect(lines).not.to.include(`GET /job/${ids.known}`);
      expect(lines.filter((l) => l === `GET /job/${ids.foreign}`).length).to.be.at.most(1);
      // The second discovery looked nothing up of ours: it read the states and, at most, jobs others created meanwhile.
      const ofSecond = lines.slice(lines.lastIndexOf('GET /jobs/state/'));
      expect(ofSecond.filter((l) => l === `GET /job/${ids.foreign}` || l === `GET /job/${ids.lost}`)).to.deep.equal([]);
    });

    it('three cancels at once are one DELETE /jobs; the unknown one fails as permanent (2017), the others are cancelled', async () => {
      const from = wire.exchanges.length;
      const outcomes = await Promise.all(
        [ids.asked, ids.lost, unknown()].map((id) =>
          api.cancel(id).then(
            () => 'ok',
            (e: unknown) => (e instanceof SlurmRequestError ? `${e.failure.kind}: ${e.message}` : String(e)),
          ),
        ),
      );
      expect(outcomes.slice(0, 2)).to.deep.equal(['ok', 'ok']);
      expect(outcomes[2]).to.match(/^permanent: cancel: HTTP 200: Invalid job id specified/);
      expect(sent(from)).to.deep.equal(['DELETE /jobs/']);
      const states = await api.readStates({ jobIds: [ids.asked, ids.lost] });
      expect(states.states.map((s) => s.state.base)).to.deep.equal(['CANCELLED', 'CANCELLED']);
    });
  });
}
