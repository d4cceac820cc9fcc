import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { of, throwError, type Observable } from 'rxjs';
import { tap } from 'rxjs/operators';
import { readConfig } from '../../../lib/config/deployer-config.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { JOURNAL_FORMAT, replayJournal } from '../../../lib/core/replay.js';
import { deployer, type DeployerOutput, type DeployerSinks } from '../../../streams/loop/deployer.js';
import { openJournal } from '../../../streams/ops/journal.js';
import { reducerSettingsOf } from '../../../lib/config/reducer-settings.js';
import type { Logger } from '../../../streams/ops/log.js';
import { entry, settings } from '../../support/fixtures.js';

const T0 = 1_800_000_000_000;

/** A logger that keeps its lines. */
function recordingLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, debug: at('DEBUG'), info: at('INFO'), warning: at('WARNING'), error: at('ERROR') };
}

/** Sinks that answer at once, as a quick Slurm and Config DB would: outcomes re-enter the loop. */
const sinks: DeployerSinks = {
  pollJobs: (c) => of({ type: 'jobsPolled', pollId: c.pollId, jobs: [] }),
  pollStates: (c) => of({ type: 'statesPolled', pollId: c.pollId, states: [] }),
  writeWatermark: (c) => of({ type: 'watermarkWritten', watermark: c.watermark }),
  recordJobs: (c) => of({ type: 'jobsRecorded', add: c.add, remove: c.remove }),
  submitJob: (c) => of({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 42 }),
  lookupJob: (c) => of({ type: 'jobLookedUp', id: c.id, jobId: c.jobId }),
  cancelJob: (c) => of({ type: 'jobCancelled', id: c.id, jobId: c.jobId }),
  writeState: (c) => of({ type: 'stateWritten', id: c.id, state: c.state }),
  deleteState: (c) => of({ type: 'stateDeleted', id: c.id }),
};

const events: DeployerEvent[] = [
  { type: 'tick', now: T0 },
  { type: 'configListed', deployments: [entry('d1'), entry('d2', { nodes: 'many' })], invalid: [] },
  { type: 'tick', now: T0 + 10_000 },
  { type: 'deploymentDeleted', id: 'd1' },
];

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');

describe('journal writer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'journal-spec-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a header, then every step the loop handled, in order, that replays to the same commands', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const journal = openJournal(file, settings, recordingLog());
    const outputs: DeployerOutput[] = [];
    // The loop yields to the event loop between batches (more often on a busy machine): the steps
    // compared are those handled when the journal closes, once the last of the flow (the deleted
    // deployment's state removed) was handled.
    await new Promise<void>((resolve) => {
      deployer({ sources: [of(...events)], sinks, reducer: createReducer(settings) })
        .pipe(tap((o) => journal.record(o)))
        .subscribe((o) => {
          outputs.push(o);
          if (o.type === 'step' && o.event.type === 'stateDeleted') resolve();
        });
    });
    const steps = outputs.filter((o) => o.type === 'step');
    await journal.close();

    const written = await lines(file);
    expect(written).to.have.length(1 + steps.length);
    expect(JSON.parse(written[0]!)).to.deep.equal({ journal: JOURNAL_FORMAT, version: 1, settings });
    // Outcome events of the sinks are in it, in the order the loop handled them.
    expect(written.slice(1).map((l) => (JSON.parse(l) as { event: DeployerEvent }).event.type)).to.deep.equal(steps.map((s) => s.event.type));
    // (Whether d1 is submitted, its job cancelled and looked up, depends on how far the loop got
    // before the delete was handled: on a busy machine it yields between them.)
    expect(steps.map((s) => s.event.type)).to.include.members(['jobsPolled', 'stateWritten', 'stateDeleted']);

    const replay = replayJournal(written);
    expect(replay.mismatch).to.equal(undefined);
    expect(replay.steps.flatMap((s) => s.commands)).to.deep.equal(steps.flatMap((s) => s.commands));
  });

  it('records a fault of the reducer as the event and the error, and skips what is not a step', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const journal = openJournal(file, settings, recordingLog());
    const failing: Observable<DeployerEvent> = throwError(() => new Error('etcd gone'));
    const throwing = () => {
      throw new TypeError('bug');
    };
    deployer({ sources: [of(events[0]!), failing], sinks, reducer: throwing }).subscribe((o) => journal.record(o));
    await journal.close();
    const written = (await lines(file)).map((l) => JSON.parse(l) as unknown);
    expect(written.slice(1)).to.deep.equal([{ event: events[0], fault: 'TypeError: bug' }]);
  });

  it('loses no line at close, however many are still buffered', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const journal = openJournal(file, settings, recordingLog());
    const count = 20_000;
    for (let i = 0; i < count; i++) journal.record({ type: 'step', event: { type: 'tick', now: T0 + i }, world: undefined as never, commands: [] });
    await journal.close();
    const written = await lines(file);
    expect(written).to.have.length(1 + count);
    expect(JSON.parse(written.at(-1)!)).to.deep.equal({ event: { type: 'tick', now: T0 + count - 1 }, commands: [] });
  });

  it('appends: a second run adds its own header, and the whole file replays', async () => {
    const file = path.join(dir, 'journal.jsonl');
    for (let run = 0; run < 2; run++) {
      const journal = openJournal(file, settings, recordingLog());
      deployer({ sources: [of(...events)], sinks, reducer: createReducer(settings) }).subscribe((o) => journal.record(o));
      await journal.close();
    }
    const written = await lines(file);
    expect(written.filter((l) => l.startsWith(`{"journal":"${JOURNAL_FORMAT}"`))).to.have.length(2);
    expect(replayJournal(written).mismatch).to.equal(undefined);
  });

  it('logs a file it cannot open once, and the deployer goes on', async () => {
    const log = recordingLog();
    const journal = openJournal(path.join(dir, 'no-such-dir', 'journal.jsonl'), settings, log);
    const outputs: DeployerOutput[] = [];
    deployer({ sources: [of(...events)], sinks, reducer: createReducer(settings) }).subscribe((o) => {
      journal.record(o);
      outputs.push(o);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const o of outputs) journal.record(o);
    await journal.close();
    expect(outputs.filter((o) => o.type === 'step').length).to.be.greaterThan(events.length);
    expect(log.lines).to.have.length(1);
    expect(log.lines[0]).to.deep.include({ level: 'ERROR', message: 'journal write failed; journaling stops, the deployer goes on' });
    expect(String(log.lines[0]?.fields?.['error'])).to.match(/ENOENT/);
  });

  it('logs a write that fails midway once, and records after it without throwing', async () => {
    const log = recordingLog();
    let accepted = 0;
    const disk = new Writable({
      write(_chunk, _encoding, done) {
        accepted += 1;
        done(accepted > 3 ? new Error('ENOSPC: no space left on device') : null);
      },
    });
    const journal = openJournal('journal.jsonl', settings, log, () => disk);
    for (let i = 0; i < 10; i++) {
      journal.record({ type: 'step', event: { type: 'tick', now: T0 + i }, world: undefined as never, commands: [] });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await journal.close();
    expect(log.lines.map((l) => [l.level, l.fields?.['error']])).to.deep.equal([['ERROR', 'ENOSPC: no space left on device']]);
  });

  it('drops records after close, and closing twice is harmless', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const journal = openJournal(file, settings, recordingLog());
    await journal.close();
    journal.record({ type: 'step', event: { type: 'tick', now: T0 }, world: undefined as never, commands: [] });
    await journal.close();
    expect(await lines(file)).to.have.length(1);
  });

  describe('the header', () => {
    const secrets = {
      SDP_SLURMDEPLOY_SLURM_JWT: 'eyJ.jwt-secret-value.sig',
      SDP_SLURMDEPLOY_CLIENT_SECRET: 'entra-secret-value',
      SDP_CONFIG_PASSWORD: 'etcd-password-value',
    };
    const env = {
      SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:16820',
      SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
      SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant',
      SDP_SLURMDEPLOY_RELEASE_NAME: 'sdp',
      SDP_SLURMDEPLOY_NAMESPACE: 'dp',
      SDP_CONFIG_USERNAME: 'root',
      SDP_SLURMDEPLOY_JOURNAL: '/var/log/sdp/journal.jsonl',
      ...secrets,
    };

    it('is read from SDP_SLURMDEPLOY_JOURNAL', () => {
      const result = readConfig(env);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.config.journalFile).to.equal('/var/log/sdp/journal.jsonl');
      const without = readConfig({ ...env, SDP_SLURMDEPLOY_JOURNAL: ' ' });
      expect(without.ok && without.config.journalFile).to.equal(undefined);
    });

    it('holds the reducer settings and none of the deployer secrets (JWT, Entra secret, etcd password)', async () => {
      for (const auth of [{}, { SDP_SLURMDEPLOY_SLURM_JWT: undefined }]) {
        const result = readConfig({ ...env, ...auth });
        if (!result.ok) throw new Error(JSON.stringify(result.problems));
        const file = path.join(dir, `journal-${Object.keys(auth).length}.jsonl`);
        await openJournal(file, reducerSettingsOf(result.config), recordingLog()).close();
        const header = await readFile(file, 'utf8');
        for (const value of Object.values(secrets)) expect(header).not.to.include(value);
        expect(header).not.to.include('redacted'); // no Secret object reached it either
        expect(JSON.parse(header)).to.deep.include({ settings: reducerSettingsOf(result.config) });
      }
    });
  });
});
