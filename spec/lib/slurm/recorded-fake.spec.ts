// The REST client against the fake slurmrestd replaying what real 24.11 and 26.05 answered
// (FakeSlurmrestd's `recorded` option): the same outcomes the live matrix asserts on the real
// servers (spec/support/real-slurm-client-suite.ts), from the same expectations.

import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import type { SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { checkContract, FakeSlurmrestd } from '../../support/fake-slurmrestd.js';
import { rejectionOf } from '../../support/real-slurm-client-suite.js';
import { ERROR_STATUS, unknownCancelIsSilent } from '../../support/real-slurm-expectations.js';
import { RECORDED_RELEASES, REPLAYED_RELEASES } from '../../../streams/testing/recordings.js';
import type { NewerVersion } from '../../../streams/testing/slurm-bodies.js';

const USER = 'slurmjob';
const TOKEN = 'good-token';
const REFUSED = 'refused-token';

describe('REST client against the fake replaying real 24.11 and 26.05 answers', () => {
  for (const release of REPLAYED_RELEASES) {
    for (const version of RECORDED_RELEASES[release] as NewerVersion[]) {
      describe(`Slurm ${release} ${version}`, () => {
        let fake: FakeSlurmrestd;
        let api: SlurmApi;
        const client = (token: string) => createSlurmRestClient({ baseUrl: fake.url, version, credentials: staticJwtProvider(USER, new Secret(token)) });
        const spec = (partition?: string) => ({ name: 'd1', script: '#!/bin/bash\ntrue\n', environment: { PATH: '/bin' }, mcsLabel: 'l', comment: 'c', ...(partition ? { partition } : {}) });

        beforeEach(async () => {
          fake = await FakeSlurmrestd.start({ versions: RECORDED_RELEASES[release] as NewerVersion[], userName: USER, token: TOKEN, rejectedToken: REFUSED, recorded: release });
          api = client(TOKEN);
        });
        afterEach(async () => {
          await api.close();
          await fake.close();
        });

        it('follows a job to FAILED (exit 3) and another to CANCELLED on bodies built from the recordings, each satisfying the served document', async () => {
          const id = await api.submit(spec());
          fake.updateJob(id, { state: ['RUNNING'], startTime: fake.clock });
          expect((await api.getJob(id))?.state.base).to.equal('RUNNING');
          fake.clock += 5;
          fake.updateJob(id, { state: ['FAILED'], reason: 'NonZeroExitCode', exit: { status: 3, signal: 0 }, endTime: fake.clock });
          expect(await api.getJob(id)).to.deep.include({ state: { base: 'FAILED', flags: [] }, reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } });
          const other = await api.submit(spec());
          fake.updateJob(other, { state: ['RUNNING'], startTime: fake.clock });
          await api.cancel(other);
          const listed = (await api.listJobs()).find((j) => j.jobId === other);
          expect(listed).to.deep.include({ state: { base: 'CANCELLED', flags: [] }, exitCode: { status: 0, signal: 9 } });
          await api.cancel(id); // an ended job: success, as on the real server
          expect(checkContract(fake)).to.be.greaterThan(6);
        });

        it(`a bad partition is permanent, HTTP ${ERROR_STATUS[release].badPartition}, with Slurm's message`, async () => {
          const error = await rejectionOf(api.submit(spec('nowhere')));
          expect([error.failure.kind, error.status]).to.deep.equal(['permanent', ERROR_STATUS[release].badPartition]);
          expect(error.message).to.contain('Invalid partition name specified');
        });

        it(`a token slurmctld refuses is auth, HTTP ${ERROR_STATUS[release].badToken}`, async () => {
          const bad = client(REFUSED);
          try {
            const error = await rejectionOf(bad.listJobs());
            expect([error.failure.kind, error.status]).to.deep.equal(['auth', ERROR_STATUS[release].badToken]);
          } finally {
            await bad.close();
          }
        });

        it('an unknown job: undefined by id; its cancel permanent, naming error 2017 (v0.0.40/41 too: by DELETE /jobs)', async () => {
          expect(await api.getJob(4242)).to.equal(undefined);
          const error = await rejectionOf(api.cancel(4242));
          expect(error.failure.kind).to.equal('permanent');
          expect(error.message).to.contain('Invalid job id specified');
        });

        it('reads states by ids, of every job, and discovers a labelled job above a floor, on answers built from the recordings', async () => {
          const labelled = createSlurmRestClient({ baseUrl: fake.url, version, credentials: staticJwtProvider(USER, new Secret(TOKEN)), jobLabel: 'l' });
          try {
            const floor = await api.submit(spec());
            const known = await api.submit(spec());
            const foreign = fake.addJob({ name: 'x', mcsLabel: 'someone_else', state: ['RUNNING'] }).jobId;
            const lost = await api.submit(spec());
            fake.updateJob(known, { state: ['RUNNING'] });
            const byIds = await labelled.readStates({ jobIds: [known, 4242] });
            expect(byIds.states).to.deep.equal([{ jobId: known, state: { base: 'RUNNING', flags: [] } }]);
            const all = await labelled.readStates({ jobIds: [], all: true });
            expect(all).to.deep.equal({ states: [], maxJobId: lost });
            const found = await labelled.readStates({ jobIds: [known], discover: { above: floor, known: [] } });
            expect(found.discovered?.map((j) => j.jobId)).to.deep.equal([lost]);
            const lookups = fake.requests.filter((r) => /\/job\/\d+$/.test(r.url)).map((r) => Number(/\d+$/.exec(r.url)![0]));
            expect(lookups).to.deep.equal([foreign, lost]);
            expect(checkContract(fake)).to.be.greaterThan(5);
          } finally {
            await labelled.close();
          }
        });

        it('three cancels at once are one DELETE /jobs: a running and an ended job succeed, the unknown one is permanent (2017)', async () => {
          const running = await api.submit(spec());
          fake.updateJob(running, { state: ['RUNNING'], startTime: fake.clock });
          const ended = await api.submit(spec());
          fake.updateJob(ended, { state: ['COMPLETED'], exit: { status: 0, signal: 0 }, endTime: fake.clock });
          const outcomes = await Promise.all(
            [running, ended, 4242].map((id) =>
              api.cancel(id).then(
                () => 'ok',
                (e: unknown) => (e as Error).message,
              ),
            ),
          );
          expect(outcomes).to.deep.equal(['ok', 'ok', 'cancel: HTTP 200: Invalid job id specified [Slurm error 2017, status]']);
          expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).to.deep.equal([`/slurm/${version}/jobs/`]);
          expect(fake.jobs.get(running)?.state).to.deep.equal(['CANCELLED']);
          expect(checkContract(fake)).to.be.greaterThan(3);
        });

        it('an unchanged second list returns the first, never asking v0.0.40/41 with an epoch (their 422)', async () => {
          const id = await api.submit(spec());
          fake.clock += 60;
          const first = await api.listJobs();
          fake.clock += 60;
          const second = await api.listJobs();
          expect(second.map((j) => j.jobId)).to.deep.equal(first.map((j) => j.jobId)).and.to.include(id);
          const lists = fake.answers.filter((a) => a.path.includes('/jobs'));
          const last = fake.requests.filter((r) => r.url.includes('/jobs')).at(-1)?.url ?? '';
          expect(lists.every((a) => a.status === 200)).to.equal(true);
          expect(last.includes('update_time')).to.equal(!unknownCancelIsSilent(version));
        });
      });
    }
  }
});
