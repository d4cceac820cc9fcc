// The second half of the accounting specs (spec/support/accounting-scenario.ts), on the real
// slurmdbd of 24.11 and 26.05 and every REST version they serve: jobs that ended while no
// deployer ran, and that slurmctld then forgot, get their true final state from accounting when
// the deployers start again, from the same job, never "job lost".

import { expect } from 'chai';
import { CASES, cleanUp, jobsPurged, lanes, recordOf, startOn, stateOf, type Case, type Scenario, type State } from '../support/accounting-scenario.js';
import type { AccountingRecord } from '../support/accounting-raw.js';
import { eventually } from '../support/eventually.js';
import { reportMatrixLine } from '../support/matrix-summary.js';

describe('the truth from Slurm accounting, part 2: jobs that ended and aged out while no deployer ran @live', function () {
  this.timeout(200_000);
  let scenario: Scenario | undefined;

  before(async function () {
    this.timeout(900_000);
    if (lanes.length === 0) this.skip();
    scenario = await jobsPurged();
    if (scenario.active.length === 0) this.skip();
    for (const lane of scenario.active) lane.restarted = startOn(lane);
  });

  after(async function () {
    this.timeout(120_000);
    await cleanUp();
  });

  for (const lane of lanes) {
    describe(`Slurm ${lane.release}, ${lane.version} (${lane.negotiated ? 'negotiated' : 'forced'}) @slurm-${lane.release}`, function () {
      const finalState = async (ctx: Mocha.Context, c: Case): Promise<{ state: State; acct: AccountingRecord }> => {
        if (scenario === undefined || lane.env === undefined) ctx.skip();
        const jobId = lane.jobIds.get(c)!;
        const state = await eventually(`${lane.key(c)} to leave RUNNING`, async () => {
          const s = await stateOf(scenario!.etcd, lane, c);
          return s !== undefined && s.status !== 'RUNNING' && s.status !== 'PENDING' ? s : undefined;
        }, 180_000, 500);
        // The same job, never a second one: a deployment whose job ended is not submitted again.
        expect(state.job_id, `${lane.key(c)}'s job`).to.equal(jobId);
        expect(state.reason ?? '', 'never "job lost"').not.to.match(/job lost/);
        return { state, acct: (await recordOf(lane, c))! };
      };

      afterEach(function () {
        if (this.currentTest?.state !== 'failed') return;
        const lines = (lane.restarted?.output() ?? '').trimEnd().split('\n');
        console.log(`--- the restarted deployer of ${lane.release} ${lane.version}, its last 40 lines:\n${lines.slice(-40).join('\n')}`);
      });

      after(function () {
        reportMatrixLine(lane.release, `${lane.version} accounting`, this.test?.parent);
      });

      it('a job that exited 0 is FINISHED with exit code 0', async function () {
        const { state, acct } = await finalState(this, 'finishes');
        expect(acct).to.include({ state: 'COMPLETED', return_code: 0 });
        expect(state).to.include({ status: 'FINISHED', exit_code: 0 });
      });

      it('a job that exited 3 is FAILED with exit code 3', async function () {
        const { state, acct } = await finalState(this, 'fails');
        expect(acct).to.include({ state: 'FAILED', return_code: 3 });
        expect(state).to.include({ status: 'FAILED', exit_code: 3 });
      });

      it('a job an operator cancelled is CANCELLED', async function () {
        const { state, acct } = await finalState(this, 'cancelled');
        expect(acct.state).to.equal('CANCELLED');
        expect(state.status).to.equal('CANCELLED');
      });

      it('a job past its time limit is FAILED (Slurm TIMEOUT)', async function () {
        const { state, acct } = await finalState(this, 'timeout');
        expect(acct.state).to.equal('TIMEOUT');
        expect(state.status).to.equal('FAILED');
      });

      it("keeps the deployer's identity of each job in the stored comment, and its label", async function () {
        if (scenario === undefined || lane.env === undefined) this.skip();
        for (const c of CASES) {
          const acct = (await recordOf(lane, c))!;
          expect(acct.comment, `${lane.key(c)}'s comment in accounting`).to.match(new RegExp(`deployment=${lane.key(c)};submit=[^;]+;spec=`));
          expect(acct.mcs_label).to.equal(lane.label);
        }
      });

      it('the deployer stopped cleanly, both times (exit 0 after SIGTERM)', async function () {
        if (scenario === undefined || lane.restarted === undefined) this.skip();
        const codes = [...lane.exitCodes, await lane.restarted.stop()];
        expect(codes).to.deep.equal(codes.map(() => 0));
      });
    });
  }
});
