// A journal recorded by `node bin/deployer` on the real stack, replayed by `node bin/deployer
// replay`: the reducer, fed the recorded events, issues exactly the commands the live run issued.
// What the live run issued is known twice: from the journal, and from its DEBUG log.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { repoRoot } from '../support/repo.js';
import { jobsNamed } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

interface Replayed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node bin/deployer replay ...` with nothing of the deployer's environment: a journal is enough. */
function replay(...args: string[]): Promise<Replayed> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'deployer'), 'replay', ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);

/** The log line step-log.ts writes for each command (message and the fields that name it). */
const COMMAND_MESSAGES: Readonly<Record<Command['type'], string>> = {
  pollJobs: 'polling Slurm',
  pollStates: 'polling the states of our jobs',
  submitJob: 'submitting job',
  lookupJob: 'job missing from the poll; looking it up',
  cancelJob: 'cancelling job',
  writeState: 'state changed',
  deleteState: 'removing the state of a deleted deployment',
  writeWatermark: 'writing the job-id watermark',
  recordJobs: 'recording the jobs followed',
};

function summaryOfCommand(c: Command): string {
  switch (c.type) {
    case 'pollJobs':
    case 'pollStates':
      return `${c.type} poll=${c.pollId}`;
    case 'writeWatermark':
      return `${c.type} floor=${c.watermark.floor}`;
    case 'recordJobs':
      return `${c.type} added=${c.add.length} removed=${c.remove.length}`;
    case 'submitJob':
      return `${c.type} ${c.id} submit=${c.submitId}`;
    case 'lookupJob':
      return `${c.type} ${c.id} job=${c.jobId}`;
    case 'cancelJob':
      return `${c.type} ${c.id} job=${c.jobId} why=${c.why}`;
    case 'writeState':
      return `${c.type} ${c.id} ${c.state.status} job=${c.state.job_id}`;
    case 'deleteState':
      return `${c.type} ${c.id}`;
  }
}

function summaryOfLogLine(line: Record<string, unknown>): string | undefined {
  // A cancelled job's lookup has a line of its own (DEBUG: it is expected).
  const message = line['message'] === 'looking up a cancelled job to see it ended' ? COMMAND_MESSAGES.lookupJob : line['message'];
  const type = (Object.keys(COMMAND_MESSAGES) as Command['type'][]).find((t) => COMMAND_MESSAGES[t] === message);
  const d = line['deployment'] as string;
  switch (type) {
    case undefined:
      return undefined;
    case 'pollJobs':
    case 'pollStates':
      return `${type} poll=${line['poll']}`;
    case 'writeWatermark':
      return `${type} floor=${line['floor']}`;
    case 'recordJobs':
      return `${type} added=${line['added']} removed=${line['removed']}`;
    case 'submitJob':
      return `${type} ${d} submit=${line['submit']}`;
    case 'lookupJob':
      return `${type} ${d} job=${line['job']}`;
    case 'cancelJob':
      return `${type} ${d} job=${line['job']} why=${line['why']}`;
    case 'writeState':
      return `${type} ${d} ${line['status']} job=${line['job_id']}`;
    case 'deleteState':
      return `${type} ${d}`;
  }
}

describe('journal of a live run, replayed @live', function () {
  this.timeout(300_000);
  const run = randomBytes(3).toString('hex');
  const release = `jrn${run}`;
  const label = `sdp_slurm_deployer_${release}_test`;
  const id = (name: string) => `jrn-${name}-${run}`;
  const ids = { hello: id('hello'), fails: id('fails'), long: id('long') };
  const prefix = livePrefix(`journal-${run}`);
  let stack: StackEnv;
  let etcd: Etcd3;
  let deployer: DeployerProcess | undefined;
  let dir: string;
  let journalFile: string;
  let exitCode: number | null | undefined;
  let failed = false;

  const putDeployment = (key: string, script: string) => etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind: 'slurm', args: { script } }));
  const stateOf = async (key: string) => {
    const text = await etcd.get(stateKey(key, prefix)).string();
    return text === null ? undefined : (JSON.parse(text) as { status: string; job_id?: number });
  };
  const statusReaches = (key: string, status: string) =>
    eventually(`${key} to reach ${status}`, async () => ((await stateOf(key))?.status === status ? true : undefined), 90_000);
  const ourJob = async (key: string) => (await jobsNamed(stack, key)).find((j) => j.mcs_label === label);
  const journalLines = async () => jsonLines(await readFile(journalFile, 'utf8')) as Record<string, unknown>[];
  const recordedCommands = async () => (await journalLines()).flatMap((l) => (Array.isArray(l['commands']) ? (l['commands'] as Command[]) : []));

  // The recorded run: three deployments (one finishes, one fails, one deleted while running),
  // run until they settle, then SIGTERM.
  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    dir = await mkdtemp(path.join(tmpdir(), 'journal-live-'));
    journalFile = path.join(dir, 'journal.jsonl');
    const started = startDeployer(deployerEnv(stack, release, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_JOURNAL: journalFile, SDP_LOG_LEVEL: 'DEBUG' }));
    deployer = started;
    // Put after the listing, so that the watch brings them as events of their own.
    await eventually('the deployer to list the Config DB', async () => (started.output().includes('"Config DB listed"') ? true : undefined));

    await putDeployment(ids.hello, '#!/bin/bash\necho "hello from $SDP_DEPLOYMENT_ID"\n');
    await putDeployment(ids.fails, '#!/bin/bash\nexit 3\n');
    await putDeployment(ids.long, '#!/bin/bash\nsleep 300\n');
    await statusReaches(ids.long, 'RUNNING');
    await etcd.delete().key(deploymentKey(ids.long, prefix));
    await statusReaches(ids.hello, 'FINISHED');
    await statusReaches(ids.fails, 'FAILED');
    await eventually('the deleted deployment to have its job cancelled and its state removed', async () =>
      (await ourJob(ids.long))?.job_state === 'CANCELLED' && (await stateOf(ids.long)) === undefined ? true : undefined,
    90_000);
    // A few more polls (LOOP_INTERVAL=1) after everything settled.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    exitCode = await deployer.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    if (deployer !== undefined && exitCode === undefined) await deployer.stop();
    if (etcd !== undefined) await removeBelow(etcd, prefix);
    etcd?.close();
    if (failed) {
      console.log(deployer?.output());
      console.log(`journal kept for inspection: ${journalFile}`);
    } else if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the deployer stopped cleanly on SIGTERM and journaled the run, header first', async () => {
    expect(exitCode, 'deployer exit code after SIGTERM').to.equal(0);
    const [header, ...steps] = await journalLines();
    expect(header).to.include({ journal: 'sdp-slurm-deployer-journal', version: 1 });
    expect(header?.['settings']).to.deep.include({ pollIntervalMs: 1000, keepStateOfDeleted: false });
    expect(steps.length).to.be.greaterThan(10);
    const types = new Set(steps.map((s) => (s['event'] as DeployerEvent).type));
    for (const type of ['configListed', 'tick', 'jobsPolled', 'deploymentPut', 'deploymentDeleted', 'jobSubmitted', 'stateWritten', 'jobCancelled', 'stateDeleted']) {
      expect(types, `events journaled`).to.include(type);
    }
  });

  it('replay prints the commands the live run issued, one JSON line each, and exits 0', async () => {
    const replayed = await replay(journalFile);
    expect(replayed.code, replayed.stderr).to.equal(0);
    expect(jsonLines(replayed.stdout)).to.deep.equal(await recordedCommands());
  });

  it('the journaled commands are those the live run logged, in order, to the last one before SIGTERM', async () => {
    // Only the log's JSON lines: a warning of Node on stderr is no command.
    const logged = jsonLines(deployer!.output().split('\n').filter((l) => l.startsWith('{')).join('\n'))
      .map((l) => summaryOfLogLine(l as Record<string, unknown>))
      .filter((s): s is string => s !== undefined);
    const replayed = jsonLines((await replay(journalFile)).stdout).map((c) => summaryOfCommand(c as Command));
    expect(replayed).to.deep.equal(logged);
  });

  it('the replayed commands tell what happened in Slurm and the Config DB', async () => {
    const commands = jsonLines((await replay(journalFile)).stdout) as Command[];
    const about = (key: string) => commands.filter((c) => 'id' in c && c.id === key);
    const hello = await ourJob(ids.hello);
    const fails = await ourJob(ids.fails);
    const long = await ourJob(ids.long);
    expect(about(ids.hello).map((c) => c.type === 'writeState' && [c.state.status, c.state.job_id])).to.deep.include(['FINISHED', hello?.job_id]);
    expect(about(ids.fails).map((c) => c.type === 'writeState' && [c.state.status, c.state.exit_code])).to.deep.include(['FAILED', 3]);
    expect(about(ids.fails).filter((c) => c.type === 'submitJob')).to.have.length(1);
    expect(fails?.job_state).to.equal('FAILED');
    expect(about(ids.long).filter((c) => c.type !== 'writeState')).to.deep.include.members([
      { type: 'cancelJob', id: ids.long, jobId: long?.job_id, why: 'deployment removed' },
      { type: 'deleteState', id: ids.long },
    ]);
    for (const key of Object.values(ids)) {
      const submits = about(key).filter((c) => c.type === 'submitJob');
      expect(submits, `one submit for ${key}`).to.have.length(1);
      expect(submits[0]).to.deep.include({ type: 'submitJob', id: key });
      expect(submits[0]?.type === 'submitJob' && submits[0].spec.mcsLabel).to.equal(label);
    }
  });

  it('replay --quiet only verifies: nothing printed, exit 0', async () => {
    const replayed = await replay('--quiet', journalFile);
    expect(replayed).to.deep.equal({ code: 0, stdout: '', stderr: '' });
  });

  it('replay exits 1 naming the first line whose recorded commands differ from the replay', async () => {
    const text = await readFile(journalFile, 'utf8');
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes('"FINISHED"') && l.includes('"writeState"'));
    expect(index, 'a step that wrote FINISHED').to.be.greaterThan(0);
    lines[index] = lines[index]!.replace('"FINISHED"', '"RUNNING"');
    const tampered = path.join(dir, 'tampered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const replayed = await replay('--quiet', tampered);
    expect(replayed.code).to.equal(1);
    expect(replayed.stdout).to.equal('');
    expect(replayed.stderr).to.include(`${tampered} line ${index + 1} differs: `);
  });
});
