// The job registry's part of the behaviour every ConfigDb backend shares (run by
// describeConfigDbBehaviour against the memory backend and a real etcd): recordJobs, and the
// listing that reads the registry back beside the watermark.

import { expect } from 'chai';
import type { RegisteredJob } from '../../../lib/core/world.js';
import type { ConfigDbHarness } from './config-db-behaviour.js';

const LABEL = 'sdp_slurm_deployer_a_b';
const identity = (id: string, submit: string) => `sdp-slurm-deployer:deployment=${id};submit=${submit};spec=0123456789abcdef`;

export function describeRegistryBehaviour(harness: () => ConfigDbHarness): void {
  describe('the job registry', () => {
    const listed = async (label = LABEL) => (await harness().db.listDeployments({ watermarkOf: label })).registeredJobs;

    it('stores the jobs recorded, one key each, and reads them back (by job id) with a listing that asks for the label, and with no other', async () => {
      const h = harness();
      const jobs: RegisteredJob[] = [
        { jobId: 12, deployment: 'd2', comment: identity('d2', 'r7') },
        { jobId: 9, deployment: 'd1', comment: '' },
      ];
      await h.db.recordJobs(LABEL, jobs, []);
      await h.db.recordJobs('sdp_slurm_deployer_other', [{ jobId: 9, deployment: 'x', comment: '' }], []);
      expect(await listed()).to.deep.equal([jobs[1], jobs[0]]);
      expect((await h.db.listDeployments()).registeredJobs, 'not asked for').to.equal(undefined);
      expect(await listed('sdp_slurm_deployer_other')).to.deep.equal([{ jobId: 9, deployment: 'x', comment: '' }]);
    });

    it('removes the keys asked, stores over a key that holds another entry, and lists none once empty', async () => {
      const h = harness();
      await h.db.recordJobs(LABEL, [{ jobId: 1, deployment: 'd1', comment: '' }, { jobId: 2, deployment: 'd2', comment: '' }], []);
      await h.db.recordJobs(LABEL, [{ jobId: 2, deployment: 'd2', comment: identity('d2', 'r3') }], [1, 404]);
      expect(await listed()).to.deep.equal([{ jobId: 2, deployment: 'd2', comment: identity('d2', 'r3') }]);
      await h.db.recordJobs(LABEL, [], [2]);
      expect(await listed()).to.equal(undefined);
    });

    it('stores a job both removed and recorded in one call (its removal goes first)', async () => {
      const h = harness();
      await h.db.recordJobs(LABEL, [{ jobId: 5, deployment: 'old', comment: '' }], []);
      await h.db.recordJobs(LABEL, [{ jobId: 5, deployment: 'd5', comment: '' }], [5]);
      expect(await listed()).to.deep.equal([{ jobId: 5, deployment: 'd5', comment: '' }]);
    });

    it('writes 250 jobs in three transactions (three revisions), and removes them as well', async function () {
      this.timeout(30_000);
      const h = harness();
      const jobs = Array.from({ length: 250 }, (_, i): RegisteredJob => ({ jobId: 1000 + i, deployment: `d${i}`, comment: identity(`d${i}`, `r${i}`) }));
      const before = (await h.db.listDeployments()).revision;
      await h.db.recordJobs(LABEL, jobs, []);
      const after = (await h.db.listDeployments()).revision;
      expect(after - before).to.equal(3);
      expect(await listed()).to.deep.equal(jobs);
      await h.db.recordJobs(LABEL, [], jobs.map((job) => job.jobId));
      expect((await h.db.listDeployments()).revision - after).to.equal(3);
      expect(await listed()).to.equal(undefined);
    });

    it('reads what ska-sdp-config\'s layout puts at /slurm-deployer/jobs/<label>/<jobId>, leaving out damaged values and keys that name no job', async () => {
      const h = harness();
      await h.putPath(`/slurm-deployer/jobs/${LABEL}/31`, '{"comment": "", "deployment": "d31"}');
      await h.putPath(`/slurm-deployer/jobs/${LABEL}/32`, '{"deployment": 32}');
      await h.putPath(`/slurm-deployer/jobs/${LABEL}/33`, 'not json');
      await h.putPath(`/slurm-deployer/jobs/${LABEL}/034`, '{"comment": "", "deployment": "d34"}');
      await h.putPath(`/slurm-deployer/jobs/${LABEL}/x`, '{"comment": "", "deployment": "dx"}');
      await h.putPath(`/slurm-deployer/jobs/${LABEL}_2/35`, '{"comment": "", "deployment": "d35"}');
      expect(await listed()).to.deep.equal([{ jobId: 31, deployment: 'd31', comment: '' }]);
    });

    it('keeps the registry when a deployment is deleted with its state (as ska-sdp-config deletes them)', async () => {
      const h = harness();
      await h.putDeployment('d1', { key: 'd1', kind: 'slurm', args: { script: '#!/bin/bash\ntrue\n' } });
      expect(await h.db.writeState('d1', { status: 'RUNNING', job_id: 7 })).to.equal('written');
      await h.db.recordJobs(LABEL, [{ jobId: 7, deployment: 'd1', comment: identity('d1', 'r10') }], []);
      await h.deleteDeployment('d1');
      const listing = await h.db.listDeployments({ watermarkOf: LABEL });
      expect(listing.deployments).to.deep.equal([]);
      expect(listing.orphanStates).to.deep.equal([]);
      expect(listing.registeredJobs).to.deep.equal([{ jobId: 7, deployment: 'd1', comment: identity('d1', 'r10') }]);
    });
  });
}
