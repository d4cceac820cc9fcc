// The behaviour every ConfigDb backend shares, run against the memory backend and a real etcd.
// Values are written behind the backend's back, the way ska-sdp-config writes them.

import { expect } from 'chai';
import type { ConfigDb, DeploymentChange, DeploymentWatch } from '../../../lib/configdb/config-db.js';
import { encodeState } from '../../../lib/configdb/codecs.js';
import type { DeploymentState } from '../../../lib/core/deployment-state.js';
import { describeRegistryBehaviour } from './config-db-registry-behaviour.js';

export interface ConfigDbHarness {
  readonly db: ConfigDb;
  /** Writes a deployment as ska-sdp-config does; returns the revision of the write. */
  putDeployment(id: string, value: unknown): Promise<number>;
  /** Writes any text at a path (below the backend's global prefix), e.g. `/deploy/x/state`. */
  putPath(path: string, text: string): Promise<number>;
  /** Deletes a deployment with its children in one revision, as ska-sdp-config does. */
  deleteDeployment(id: string): Promise<number>;
  /** The raw text at `/deploy/<id>/state`. */
  readState(id: string): Promise<string | undefined>;
  dispose(): Promise<void>;
}

export const WAIT_MS = 5000;

/** Records what a watch reports, and waits for it with a bounded wait. */
export class WatchRecorder {
  readonly changes: DeploymentChange[] = [];
  readonly lost: string[] = [];
  readonly #waiters: Array<() => void> = [];

  readonly listener = {
    change: (change: DeploymentChange): void => {
      this.changes.push(change);
      this.#wake();
    },
    lost: (reason: string): void => {
      this.lost.push(reason);
      this.#wake();
    },
  };

  /** Resolves once `count` changes arrived; fails after `ms` listing what did arrive. */
  async waitForChanges(count: number, ms = WAIT_MS): Promise<DeploymentChange[]> {
    await this.#until(() => this.changes.length >= count, ms, `${count} changes`);
    return this.changes;
  }

  async waitForLost(ms = WAIT_MS): Promise<string> {
    await this.#until(() => this.lost.length > 0, ms, 'lost()');
    return this.lost[0] as string;
  }

  async #until(done: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify({ changes: this.changes, lost: this.lost })}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

const SCRIPT_ARGS = { script: '#!/bin/bash\necho hi\n' };
const slurm = (id: string, args: unknown = SCRIPT_ARGS) => ({ key: id, kind: 'slurm', args });

/** A compact view of a change for deep comparisons. */
export function summary(change: DeploymentChange): unknown {
  switch (change.type) {
    case 'put':
      return { put: change.deployment.id, kind: change.deployment.kind, args: change.deployment.args, revision: change.deployment.revision };
    case 'invalid':
      return { invalid: change.invalid.id, reason: change.invalid.reason, revision: change.invalid.revision };
    case 'deleted':
      return { deleted: change.id, revision: change.revision };
  }
}

export function describeConfigDbBehaviour(name: string, makeHarness: () => Promise<ConfigDbHarness>): void {
  describe(`ConfigDb behaviour: ${name}`, function () {
    let h: ConfigDbHarness;
    const watches: DeploymentWatch[] = [];

    beforeEach(async () => {
      h = await makeHarness();
    });

    afterEach(async () => {
      await Promise.all(watches.splice(0).map((w) => w.close()));
      await h.dispose();
    });

    async function watchFrom(revision: number): Promise<WatchRecorder> {
      const recorder = new WatchRecorder();
      watches.push(await h.db.watchDeployments(revision, recorder.listener));
      return recorder;
    }

    it('lists every deployment at one revision, with its prior state, kind and revision', async () => {
      const rA = await h.putDeployment('a', slurm('a'));
      const state: DeploymentState = { status: 'RUNNING', job_id: 17, slurm_state: 'RUNNING' };
      expect(await h.db.writeState('a', state)).to.equal('written');
      const rB = await h.putDeployment('b', { id: 'b', type: 'slurm', args: { command: ['true'] } });
      const rH = await h.putDeployment('h', { key: 'h', kind: 'helm', args: { chart: 'x' } });
      const rBad = await h.putPath('/deploy/bad', '{"key": "bad", "kind": ');
      await h.putPath('/deploy/b/state', '{"status": "NOT-A-STATUS"}');

      const listing = await h.db.listDeployments();

      expect(listing.revision).to.be.at.least(rBad);
      expect(listing.deployments).to.deep.equal([
        { id: 'a', kind: 'slurm', args: SCRIPT_ARGS, revision: rA, priorState: state },
        { id: 'b', kind: 'slurm', args: { command: ['true'] }, revision: rB },
        { id: 'h', kind: 'helm', args: { chart: 'x' }, revision: rH },
      ]);
      expect(listing.invalid).to.deep.equal([{ id: 'bad', reason: 'value: not valid JSON', revision: rBad }]);
    });

    it('lists the states this deployer wrote whose deployment is gone, and no other state', async () => {
      await h.putDeployment('kept', slurm('kept'));
      await h.putPath('/deploy/kept/state', encodeState({ status: 'RUNNING', job_id: 3, generation: 1, spec: 'abc' }));
      await h.putPath('/deploy/gone/state', encodeState({ status: 'RUNNING', job_id: 4, generation: 1, spec: 'abc' }));
      await h.putPath('/deploy/helm-gone/state', encodeState({ status: 'RUNNING' }));
      await h.putPath('/deploy/bad/state', encodeState({ status: 'FAILED', generation: 1, spec: 'abc' }));
      await h.putPath('/deploy/bad', '{"key": "bad", "kind": ');

      const listing = await h.db.listDeployments();

      expect(listing.orphanStates).to.deep.equal(['gone']);
    });

    it('lists the jobs of those states that had not ended, to cancel them by id', async () => {
      await h.putPath('/deploy/gone/state', encodeState({ status: 'RUNNING', job_id: 4, generation: 1, spec: 'abc' }));
      await h.putPath('/deploy/ended/state', encodeState({ status: 'FINISHED', job_id: 5, exit_code: 0, generation: 1, spec: 'abc' }));
      await h.putPath('/deploy/nojob/state', encodeState({ status: 'PENDING', generation: 1, spec: 'abc' }));
      const listing = await h.db.listDeployments();
      expect(listing.orphanStates).to.deep.equal(['ended', 'gone', 'nojob']);
      expect(listing.orphanJobs).to.deep.equal([{ id: 'gone', jobId: 4 }]);
    });

    it('writes a job label\'s watermark and reads it back with the listing that asks for it, at the same revision', async () => {
      await h.putDeployment('d1', slurm('d1'));
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark).to.equal(undefined);
      await h.db.writeWatermark('sdp_slurm_deployer_a_b', { floor: 4711, clean: false });
      await h.db.writeWatermark('sdp_slurm_deployer_other', { floor: 9, clean: true });
      const listing = await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' });
      expect(listing.watermark).to.deep.equal({ floor: 4711, clean: false });
      expect(listing.deployments.map((d) => d.id)).to.deep.equal(['d1']);
      expect((await h.db.listDeployments()).watermark, 'not asked for').to.equal(undefined);
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_other' })).watermark).to.deep.equal({ floor: 9, clean: true });
    });

    it('keeps the submits in flight a watermark names, each with its settle time to the millisecond', async () => {
      const inFlight = [
        { deployment: 'd1', submitId: 'r7' },
        { deployment: 'gone', submitId: 'r9', settleAt: Date.UTC(2026, 11, 6, 7, 30, 0, 125) },
      ];
      await h.db.writeWatermark('sdp_slurm_deployer_a_b', { floor: 42, clean: false, inFlight });
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark).to.deep.equal({ floor: 42, clean: false, inFlight });
      // As an operator reads it: the settle time as an instant.
      await h.putPath('/slurm-deployer/watermark/sdp_slurm_deployer_a_b', '{"floor": 1, "clean": false, "in_flight": [{"deployment": "d1", "submit_id": "r7", "settles_at": "2026-12-06T07:30:00.125Z"}]}');
      const read = (await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark;
      expect(read?.inFlight).to.deep.equal([{ deployment: 'd1', submitId: 'r7', settleAt: inFlight[1]!.settleAt }]);
      await h.putPath('/slurm-deployer/watermark/sdp_slurm_deployer_a_b', '{"floor": 1, "clean": false, "in_flight": [{"deployment": "d1", "submit_id": "r7", "settles_at": "soon"}]}');
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark, 'a damaged settle time').to.equal(undefined);
    });

    it('reads a damaged watermark as none (the deployer then reads the whole list once)', async () => {
      await h.putPath('/slurm-deployer/watermark/sdp_slurm_deployer_a_b', '{"floor": "lots", "clean": true}');
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark).to.equal(undefined);
      await h.putPath('/slurm-deployer/watermark/sdp_slurm_deployer_a_b', '{"floor": -3, "clean": true}');
      expect((await h.db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark).to.equal(undefined);
    });

    it('lists the state written for a deployment whose value cannot be read, for status', async () => {
      await h.putPath('/deploy/bad', 'not json');
      await h.putPath('/deploy/bad/state', '{"status": "FAILED", "reason": "value: not valid JSON"}');
      await h.putPath('/deploy/worse', '[]');
      const listing = await h.db.listDeployments();
      expect(listing.invalid.map((i) => i.id)).to.deep.equal(['bad', 'worse']);
      expect([...(listing.invalidStates ?? new Map())]).to.deep.equal([['bad', { status: 'FAILED', reason: 'value: not valid JSON' }]]);
    });

    it('lists nothing written after the listing, and the watch from its revision reports it', async () => {
      await h.putDeployment('a', slurm('a'));
      const listing = await h.db.listDeployments();
      const rB = await h.putDeployment('b', slurm('b'));
      const recorder = await watchFrom(listing.revision);

      expect(listing.deployments.map((d) => d.id)).to.deep.equal(['a']);
      expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'b', kind: 'slurm', args: SCRIPT_ARGS, revision: rB }]);
    });

    it('reports every later put and delete exactly once, in order, and nothing before the listing', async () => {
      await h.putDeployment('a', slurm('a'));
      await h.putDeployment('b', slurm('b'));
      const listing = await h.db.listDeployments();
      const recorder = await watchFrom(listing.revision);

      const r1 = await h.putDeployment('c', slurm('c'));
      const r2 = await h.deleteDeployment('a');
      const r3 = await h.putDeployment('b', slurm('b', { command: ['echo', 'changed'] }));
      const r4 = await h.putPath('/deploy/d', '[]');
      const r5 = await h.deleteDeployment('c');
      // A sentinel written last: once it has arrived, anything repeated or extra would have too.
      const r6 = await h.putDeployment('z', slurm('z'));

      expect((await recorder.waitForChanges(6)).map(summary)).to.deep.equal([
        { put: 'c', kind: 'slurm', args: SCRIPT_ARGS, revision: r1 },
        { deleted: 'a', revision: r2 },
        { put: 'b', kind: 'slurm', args: { command: ['echo', 'changed'] }, revision: r3 },
        { invalid: 'd', reason: 'value: expected a JSON object', revision: r4 },
        { deleted: 'c', revision: r5 },
        { put: 'z', kind: 'slurm', args: SCRIPT_ARGS, revision: r6 },
      ]);
      expect([r1, r2, r3, r4, r5, r6]).to.deep.equal([...new Set([r1, r2, r3, r4, r5, r6])].sort((x, y) => x - y));
      expect(recorder.lost).to.deep.equal([]);
    });

    it('replays the history after an older revision', async () => {
      const before = (await h.db.listDeployments()).revision;
      const r1 = await h.putDeployment('a', slurm('a'));
      const r2 = await h.deleteDeployment('a');
      const recorder = await watchFrom(before);

      expect((await recorder.waitForChanges(2)).map(summary)).to.deep.equal([
        { put: 'a', kind: 'slurm', args: SCRIPT_ARGS, revision: r1 },
        { deleted: 'a', revision: r2 },
      ]);
    });

    it('reports deployments of other kinds as puts with their kind', async () => {
      const recorder = await watchFrom((await h.db.listDeployments()).revision);
      const rH = await h.putDeployment('h', { key: 'h', kind: 'helm', args: { chart: 'c' } });
      const rO = await h.putDeployment('o', { id: 'o', type: 'dask', args: {} });

      expect((await recorder.waitForChanges(2)).map(summary)).to.deep.equal([
        { put: 'h', kind: 'helm', args: { chart: 'c' }, revision: rH },
        { put: 'o', kind: 'dask', args: {}, revision: rO },
      ]);
    });

    it('does not report state keys or other children of a deployment as deployment changes', async () => {
      await h.putDeployment('a', slurm('a'));
      const recorder = await watchFrom((await h.db.listDeployments()).revision);

      expect(await h.db.writeState('a', { status: 'PENDING' })).to.equal('written');
      await h.putPath('/deploy/a/state', '{"status": "RUNNING"}');
      await h.putPath('/deploy/a/owner', '{"pid": 1}');
      const rZ = await h.putDeployment('z', slurm('z'));

      expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'z', kind: 'slurm', args: SCRIPT_ARGS, revision: rZ }]);
      expect(recorder.changes).to.have.length(1);
    });

    it('writes a state only while the deployment exists', async () => {
      await h.putDeployment('a', slurm('a'));
      const state: DeploymentState = { status: 'FINISHED', job_id: 3, slurm_state: 'COMPLETED', exit_code: 0 };

      expect(await h.db.writeState('a', state)).to.equal('written');
      expect(await h.readState('a')).to.equal(encodeState(state));
      expect((await h.db.listDeployments()).deployments[0]?.priorState).to.deep.equal(state);
    });

    it('refuses a state write for a deleted deployment, and writes nothing', async () => {
      await h.putDeployment('a', slurm('a'));
      await h.deleteDeployment('a');
      const recorder = await watchFrom((await h.db.listDeployments()).revision);

      expect(await h.db.writeState('a', { status: 'CANCELLED' })).to.equal('deployment-missing');
      expect(await h.db.writeState('never', { status: 'FAILED', reason: 'x' })).to.equal('deployment-missing');
      expect(await h.readState('a')).to.equal(undefined);
      expect(await h.readState('never')).to.equal(undefined);
      const listing = await h.db.listDeployments();
      expect(listing.deployments).to.deep.equal([]);
      expect(listing.invalid).to.deep.equal([]);
      const rZ = await h.putDeployment('z', slurm('z'));
      expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'z', kind: 'slurm', args: SCRIPT_ARGS, revision: rZ }]);
    });

    it('writes many states in one call, each only while its own deployment exists, each answered alone', async () => {
      await h.putDeployment('a', slurm('a'));
      await h.putDeployment('b', slurm('b'));
      await h.putDeployment('gone', slurm('gone'));
      await h.deleteDeployment('gone');
      const results = await h.db.writeStates([
        { id: 'a', state: { status: 'PENDING', job_id: 1 } },
        { id: 'gone', state: { status: 'RUNNING', job_id: 2 } },
        { id: 'b', state: { status: 'RUNNING', job_id: 3 } },
        { id: 'never', state: { status: 'RUNNING', job_id: 4 } },
        // The same id again: lands after the first write of it.
        { id: 'a', state: { status: 'RUNNING', job_id: 1 } },
      ]);
      expect(results).to.deep.equal(['written', 'deployment-missing', 'written', 'deployment-missing', 'written']);
      expect(await h.readState('a')).to.equal(encodeState({ status: 'RUNNING', job_id: 1 }));
      expect(await h.readState('b')).to.equal(encodeState({ status: 'RUNNING', job_id: 3 }));
      expect(await h.readState('gone')).to.equal(undefined);
      expect(await h.readState('never')).to.equal(undefined);
      expect(await h.db.writeStates([])).to.deep.equal([]);
    });

    it('writes more states than one transaction holds, in far fewer revisions than writes', async function () {
      this.timeout(60_000);
      const ids = Array.from({ length: 300 }, (_, i) => `m${i}`);
      for (const id of ids) await h.putDeployment(id, slurm(id));
      const before = (await h.db.listDeployments()).revision;
      const results = await h.db.writeStates(ids.map((id, i) => ({ id, state: { status: 'RUNNING', job_id: i } })));
      const after = (await h.db.listDeployments()).revision;
      expect(results).to.deep.equal(ids.map(() => 'written'));
      expect(after - before).to.be.within(1, 10);
      const listing = await h.db.listDeployments();
      expect(listing.deployments.map((d) => d.priorState?.job_id).sort((x, y) => (x ?? 0) - (y ?? 0))).to.deep.equal(ids.map((_, i) => i));
    });

    it('deletes the state of a deleted deployment, but never of one that exists', async () => {
      await h.putDeployment('a', slurm('a'));
      await h.db.writeState('a', { status: 'RUNNING', job_id: 4 });
      expect(await h.db.deleteState('a')).to.equal('deployment-exists');
      expect(await h.readState('a')).to.equal(encodeState({ status: 'RUNNING', job_id: 4 }));

      // A state left without its deployment (written by another tool, or a deletion that kept it).
      await h.putPath('/deploy/b/state', encodeState({ status: 'CANCELLED', job_id: 5 }));
      expect(await h.db.deleteState('b')).to.equal('deleted');
      expect(await h.readState('b')).to.equal(undefined);
      expect(await h.db.deleteState('never')).to.equal('deleted');
    });

    it('reports nothing more once a watch is closed', async () => {
      const revision = (await h.db.listDeployments()).revision;
      const closed = await watchFrom(revision);
      const open = await watchFrom(revision);
      await watches[0]?.close();

      const rA = await h.putDeployment('a', slurm('a'));
      expect((await open.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'a', kind: 'slurm', args: SCRIPT_ARGS, revision: rA }]);
      expect(closed.changes).to.deep.equal([]);
    });

    describeRegistryBehaviour(() => h);
  });
}
