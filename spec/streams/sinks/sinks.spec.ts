// The command sinks: each command gives exactly one outcome event, failures as values. A
// SlurmRequestError keeps its kind; anything else thrown becomes the sink's unforeseen kind.

import { expect } from 'chai';
import { firstValueFrom, type Observable } from 'rxjs';
import { toArray } from 'rxjs/operators';
import { encodeState } from '../../../lib/configdb/codecs.js';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { createMemoryConfigDb, type MemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import { stateKey } from '../../../lib/configdb/paths.js';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { FailureKind } from '../../../lib/core/failure.js';
import type { JobSpec, SlurmJob } from '../../../lib/core/slurm-job.js';
import { SlurmRequestError, UNPACED, type SlurmApi, type StatesReading } from '../../../lib/slurm/slurm-api.js';
import { createSinks } from '../../../streams/sinks/sinks.js';
import { job } from '../../support/fixtures.js';

type SlurmCall = 'listJobs' | 'readStates' | 'submit' | 'getJob' | 'cancel';

/** A SlurmApi whose every call answers as `answer` says, counting the calls made. */
function slurmDouble(answer: (call: SlurmCall) => Promise<unknown>): SlurmApi & { readonly calls: SlurmCall[] } {
  const calls: SlurmCall[] = [];
  const run = <T>(call: SlurmCall): Promise<T> => {
    calls.push(call);
    return answer(call) as Promise<T>;
  };
  return {
    version: 'v0.0.42',
    calls,
    submit: () => run<number>('submit'),
    listJobs: () => run<readonly SlurmJob[]>('listJobs'),
    getJob: () => run<SlurmJob | undefined>('getJob'),
    cancel: () => run<void>('cancel'),
    readsStates: true,
    readStates: () => run<StatesReading>('readStates'),
    pacing: () => UNPACED,
    close: async () => undefined,
  };
}

const spec: JobSpec = { name: 'sdp-d1', script: '#!/bin/bash\ntrue\n', environment: {}, mcsLabel: 'label', comment: 'sdp-slurm-deployer:d1' };
const running = job(42, 'd1', 'RUNNING');

interface SlurmCase {
  readonly command: Command;
  readonly call: SlurmCall;
  readonly value: unknown;
  readonly success: DeployerEvent;
  readonly unforeseen: FailureKind;
  /** The failure event of this command for `failure`. */
  failed(failure: { kind: FailureKind; message: string }): DeployerEvent;
}

const SLURM_CASES: readonly SlurmCase[] = [
  {
    command: { type: 'pollJobs', pollId: 7 },
    call: 'listJobs',
    value: [running],
    success: { type: 'jobsPolled', pollId: 7, jobs: [running] },
    unforeseen: 'transient',
    failed: (failure) => ({ type: 'pollFailed', pollId: 7, failure }),
  },
  {
    command: { type: 'pollStates', pollId: 8, jobIds: [42], all: true, discover: { above: 40, known: [41] } },
    call: 'readStates',
    value: { states: [{ jobId: 42, state: running.state }], maxJobId: 44, discovered: [job(43, 'd2', 'PENDING')] },
    success: { type: 'statesPolled', pollId: 8, states: [{ jobId: 42, state: running.state }], maxJobId: 44, discovered: [job(43, 'd2', 'PENDING')] },
    unforeseen: 'transient',
    failed: (failure) => ({ type: 'statesPollFailed', pollId: 8, failure }),
  },
  {
    command: { type: 'submitJob', id: 'd1', submitId: 'r10', spec },
    call: 'submit',
    value: 42,
    success: { type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 42 },
    unforeseen: 'unknown-outcome',
    failed: (failure) => ({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure }),
  },
  {
    command: { type: 'lookupJob', id: 'd1', jobId: 42 },
    call: 'getJob',
    value: running,
    success: { type: 'jobLookedUp', id: 'd1', jobId: 42, job: running },
    unforeseen: 'transient',
    failed: (failure) => ({ type: 'lookupFailed', id: 'd1', jobId: 42, failure }),
  },
  {
    command: { type: 'cancelJob', id: 'd1', jobId: 42, why: 'deployment removed' },
    call: 'cancel',
    value: undefined,
    success: { type: 'jobCancelled', id: 'd1', jobId: 42 },
    unforeseen: 'transient',
    failed: (failure) => ({ type: 'cancelFailed', id: 'd1', jobId: 42, failure }),
  },
];

const KINDS: readonly FailureKind[] = ['transient', 'auth', 'permanent', 'unknown-outcome'];

/** Every event the sink's observable gives, until it completes. */
function outcomesOf(outcome$: Observable<DeployerEvent>): Promise<DeployerEvent[]> {
  return firstValueFrom(outcome$.pipe(toArray()));
}

function sinkFor(sinks: ReturnType<typeof createSinks>, command: Command): Observable<DeployerEvent> {
  // The sinks are keyed by command type; the cast only joins the union back to its case.
  return (sinks[command.type] as (c: Command) => Observable<DeployerEvent>)(command);
}

describe('command sinks', () => {
  for (const c of SLURM_CASES) {
    describe(`${c.command.type}`, () => {
      it(`calls Slurm once, on subscription only, and answers ${c.success.type}`, async () => {
        const slurm = slurmDouble(async () => c.value);
        const outcome$ = sinkFor(createSinks(slurm, createMemoryConfigDb()), c.command);
        expect(slurm.calls).to.deep.equal([]);
        expect(await outcomesOf(outcome$)).to.deep.equal([c.success]);
        expect(slurm.calls).to.deep.equal([c.call]);
      });

      for (const kind of KINDS) {
        it(`a SlurmRequestError of kind ${kind} is one failure event of that kind`, async () => {
          const slurm = slurmDouble(async () => {
            throw new SlurmRequestError({ kind, message: `slurmrestd said ${kind}` }, 500);
          });
          const outcomes = await outcomesOf(sinkFor(createSinks(slurm, createMemoryConfigDb()), c.command));
          expect(outcomes).to.deep.equal([c.failed({ kind, message: `slurmrestd said ${kind}` })]);
        });
      }

      it(`any other rejection is one failure event of kind ${c.unforeseen}`, async () => {
        const slurm = slurmDouble(async () => {
          throw new TypeError('fetch failed');
        });
        const outcomes = await outcomesOf(sinkFor(createSinks(slurm, createMemoryConfigDb()), c.command));
        expect(outcomes).to.deep.equal([c.failed({ kind: c.unforeseen, message: 'fetch failed' })]);
      });

      it(`a synchronous throw of a non-Error is one failure event of kind ${c.unforeseen}, not a stream error`, async () => {
        const slurm = slurmDouble(() => {
          throw 'socket hang up';
        });
        const outcomes = await outcomesOf(sinkFor(createSinks(slurm, createMemoryConfigDb()), c.command));
        expect(outcomes).to.deep.equal([c.failed({ kind: c.unforeseen, message: 'socket hang up' })]);
      });
    });
  }

  it('lookupJob of a job Slurm no longer knows answers jobLookedUp without a job', async () => {
    const slurm = slurmDouble(async () => undefined);
    const outcomes = await outcomesOf(createSinks(slurm, createMemoryConfigDb()).lookupJob({ type: 'lookupJob', id: 'd1', jobId: 42 }));
    expect(outcomes).to.deep.equal([{ type: 'jobLookedUp', id: 'd1', jobId: 42 }]);
    expect(outcomes[0]).not.to.have.property('job');
  });

  describe('writeState', () => {
    const noSlurm = slurmDouble(async () => {
      throw new Error('a state write must not call Slurm');
    });
    let db: MemoryConfigDb;
    beforeEach(() => {
      db = createMemoryConfigDb();
      db.putDeployment('d1', { key: 'd1', kind: 'slurm', args: { script: 'true' } });
    });

    it('writes the state and answers stateWritten', async () => {
      const outcomes = await outcomesOf(createSinks(noSlurm, db).writeState({ type: 'writeState', id: 'd1', state: { status: 'RUNNING', job_id: 42 } }));
      expect(outcomes).to.deep.equal([{ type: 'stateWritten', id: 'd1', state: { status: 'RUNNING', job_id: 42 } }]);
      expect(db.getState('d1')).to.deep.equal({ status: 'RUNNING', job_id: 42 });
      expect(noSlurm.calls).to.deep.equal([]);
    });

    it('a deployment that no longer exists is a permanent stateWriteFailed, and nothing is written', async () => {
      const outcomes = await outcomesOf(createSinks(noSlurm, db).writeState({ type: 'writeState', id: 'gone', state: { status: 'FAILED' } }));
      expect(outcomes).to.deep.equal([
        { type: 'stateWriteFailed', id: 'gone', state: { status: 'FAILED' }, failure: { kind: 'permanent', message: 'the deployment no longer exists' } },
      ]);
      expect(db.getState('gone')).to.equal(undefined);
    });

    it('a Config DB that throws gives a transient stateWriteFailed', async () => {
      await db.close();
      const outcomes = await outcomesOf(createSinks(noSlurm, db).writeState({ type: 'writeState', id: 'd1', state: { status: 'RUNNING' } }));
      expect(outcomes).to.deep.equal([
        { type: 'stateWriteFailed', id: 'd1', state: { status: 'RUNNING' }, failure: { kind: 'transient', message: 'the memory Config DB is closed' } },
      ]);
    });

    it('a classified failure of the write keeps its kind', async () => {
      const refusing: ConfigDb = {
        ...db,
        writeStates: async () => {
          throw new SlurmRequestError({ kind: 'auth', message: 'etcd: permission denied' });
        },
      };
      const outcomes = await outcomesOf(createSinks(noSlurm, refusing).writeState({ type: 'writeState', id: 'd1', state: { status: 'RUNNING' } }));
      expect(outcomes).to.deep.equal([
        { type: 'stateWriteFailed', id: 'd1', state: { status: 'RUNNING' }, failure: { kind: 'auth', message: 'etcd: permission denied' } },
      ]);
    });
  });

  describe('deleteState', () => {
    const noSlurm = slurmDouble(async () => {
      throw new Error('a state delete must not call Slurm');
    });

    it('deletes the state of a deleted deployment and answers stateDeleted', async () => {
      const db = createMemoryConfigDb();
      db.putDeployment('d1', { key: 'd1', kind: 'slurm', args: { script: 'true' } });
      db.deleteDeployment('d1');
      // The state of a deployment deleted while its job still ran, left for the sink to remove.
      db.putRaw(stateKey('d1'), encodeState({ status: 'FINISHED' }));
      expect(db.getState('d1')).to.deep.equal({ status: 'FINISHED' });
      const outcomes = await outcomesOf(createSinks(noSlurm, db).deleteState({ type: 'deleteState', id: 'd1' }));
      expect(outcomes).to.deep.equal([{ type: 'stateDeleted', id: 'd1' }]);
      expect(db.getState('d1')).to.equal(undefined);
    });

    it('a deployment created again keeps its state, and the answer is still stateDeleted', async () => {
      const db = createMemoryConfigDb();
      db.putDeployment('d1', { key: 'd1', kind: 'slurm', args: { script: 'true' } });
      await db.writeState('d1', { status: 'PENDING' });
      const outcomes = await outcomesOf(createSinks(noSlurm, db).deleteState({ type: 'deleteState', id: 'd1' }));
      expect(outcomes).to.deep.equal([{ type: 'stateDeleted', id: 'd1' }]);
      expect(db.getState('d1')).to.deep.equal({ status: 'PENDING' });
    });

    it('a Config DB that throws gives a transient stateDeleteFailed', async () => {
      const db = createMemoryConfigDb();
      await db.close();
      const outcomes = await outcomesOf(createSinks(noSlurm, db).deleteState({ type: 'deleteState', id: 'd1' }));
      expect(outcomes).to.deep.equal([{ type: 'stateDeleteFailed', id: 'd1', failure: { kind: 'transient', message: 'the memory Config DB is closed' } }]);
    });
  });

  describe('writeWatermark', () => {
    const noSlurm = slurmDouble(async () => {
      throw new Error('a watermark write must not call Slurm');
    });
    const command = { type: 'writeWatermark', watermark: { floor: 41, clean: false } } as const;

    it('stores the watermark of the deployer\'s label, read back by the next listing, and answers watermarkWritten', async () => {
      const db = createMemoryConfigDb();
      const outcomes = await outcomesOf(createSinks(noSlurm, db, { label: 'sdp_slurm_deployer_a_b' }).writeWatermark(command));
      expect(outcomes).to.deep.equal([{ type: 'watermarkWritten', watermark: { floor: 41, clean: false } }]);
      expect((await db.listDeployments({ watermarkOf: 'sdp_slurm_deployer_a_b' })).watermark).to.deep.equal({ floor: 41, clean: false });
    });

    it('without a label, or with a Config DB that throws, answers a transient watermarkWriteFailed', async () => {
      const unlabelled = await outcomesOf(createSinks(noSlurm, createMemoryConfigDb()).writeWatermark(command));
      expect(unlabelled).to.deep.equal([{ type: 'watermarkWriteFailed', watermark: command.watermark, failure: { kind: 'transient', message: 'no job label to write the watermark of' } }]);
      const db = createMemoryConfigDb();
      await db.close();
      const closed = await outcomesOf(createSinks(noSlurm, db, { label: 'l' }).writeWatermark(command));
      expect(closed).to.deep.equal([{ type: 'watermarkWriteFailed', watermark: command.watermark, failure: { kind: 'transient', message: 'the memory Config DB is closed' } }]);
    });
  });

  describe('a state write beside a submit', () => {
    /** A Slurm whose submits answer only when told, and a Config DB that records when each write lands. */
    function rig(options: { writeAfterSubmitMs?: number } = {}) {
      const answers: (() => void)[] = [];
      const slurm = slurmDouble((call) => (call === 'submit' ? new Promise((resolve) => answers.push(() => resolve(7))) : Promise.resolve(undefined)));
      const db = createMemoryConfigDb();
      for (const id of ['d1', 'd2']) db.putDeployment(id, { key: id, kind: 'slurm', args: { script: 'true' } });
      const order: string[] = [];
      const sinks = createSinks(slurm, db, options);
      const run = (command: Command, what: string) => outcomesOf(sinks[command.type](command as never)).then((o) => (order.push(what), o));
      return { answers, db, order, run };
    }
    const submit = (id: string): Command => ({ type: 'submitJob', id, submitId: 'r1', spec });
    const write = (id: string): Command => ({ type: 'writeState', id, state: { status: 'PENDING' } });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    it('goes after the answer to its deployment\'s submit: the submit is what the user waits for', async () => {
      const { answers, db, order, run } = rig();
      const submitted = run(submit('d1'), 'submit d1');
      const written = run(write('d1'), 'write d1');
      await settle();
      expect(db.getState('d1'), 'not written while the submit is out').to.equal(undefined);
      answers[0]?.();
      await Promise.all([submitted, written]);
      expect(order).to.deep.equal(['submit d1', 'write d1']);
      expect(db.getState('d1')).to.deep.equal({ status: 'PENDING' });
    });

    it('of another deployment does not wait', async () => {
      const { answers, order, run } = rig();
      const submitted = run(submit('d1'), 'submit d1');
      await run(write('d2'), 'write d2');
      answers[0]?.();
      await submitted;
      expect(order).to.deep.equal(['write d2', 'submit d1']);
    });

    it('waits for a submit that does not answer no longer than writeAfterSubmitMs', async () => {
      const { answers, db, run } = rig({ writeAfterSubmitMs: 30 });
      const submitted = run(submit('d1'), 'submit d1');
      const started = Date.now();
      expect(await run(write('d1'), 'write d1')).to.deep.equal([{ type: 'stateWritten', id: 'd1', state: { status: 'PENDING' } }]);
      expect(Date.now() - started).to.be.within(25, 1000);
      expect(db.getState('d1')).to.deep.equal({ status: 'PENDING' });
      answers[0]?.();
      await submitted;
    });
  });
});
