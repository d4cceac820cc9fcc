// Embedding the deployer in a program of its own, as another SDP service would: its configuration
// read from an environment, an in-memory Config DB, and Slurm played by the package's fake
// slurmrestd answering as a real Slurm 26.05 did. A deployment is put; the program plays
// slurmctld once the job is submitted (the job completes) and waits for the state FINISHED.
// Run: node out/embed-deployer.js (after compiling with this folder's tsconfig.json).

import { Subject } from 'rxjs';
import {
  Secret,
  connectSlurm,
  createLogger,
  createMemoryConfigDb,
  describeProblems,
  liveDeployer,
  readConfig,
  staticJwtProvider,
  type DeploymentState,
} from 'sdp-slurm-deployer';
import { FakeSlurmrestd } from 'sdp-slurm-deployer/testing';

const USER = 'sdp';
const TOKEN = 'example-token';
const ID = 'proc-pb-example-20261206-00000-hello';

const fake = await FakeSlurmrestd.start({ versions: ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'], recorded: '26.05', userName: USER, token: TOKEN });

const read = readConfig({
  SDP_SLURMDEPLOY_SLURM_URL: fake.url,
  SDP_SLURMDEPLOY_CLIENT_ID: USER,
  SDP_SLURMDEPLOY_SLURM_JWT: TOKEN,
  SDP_SLURMDEPLOY_RELEASE_NAME: 'sdp',
  SDP_SLURMDEPLOY_NAMESPACE: 'example',
  SDP_CONFIG_BACKEND: 'memory',
  // Polls every second, and no wait for a last leader's submits: there was none.
  SDP_SLURMDEPLOY_LOOP_INTERVAL: '1',
  SDP_SLURMDEPLOY_STATE_INTERVAL: '1',
  SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0',
  SDP_LOG_LEVEL: 'WARNING',
});
if (!read.ok) throw new Error(describeProblems(read.problems));
const config = read.config;

// The negotiated version is the newest both sides speak (v0.0.45 here).
const slurm = await connectSlurm({ baseUrl: config.slurmUrl, credentials: staticJwtProvider(config.clientId, new Secret(TOKEN)), jobLabel: config.job.label });
const configDb = createMemoryConfigDb();
const log = createLogger({ level: config.logLevel });
const stop = new Subject<void>();

const finished = new Promise<DeploymentState>((resolve, reject) => {
  const timeout = setTimeout(() => reject(new Error(`no FINISHED state within 30 s; the state is ${JSON.stringify(configDb.getState(ID))}`)), 30_000);
  liveDeployer({ config, slurm, configDb, log, stop }).subscribe({
    next: (output) => {
      if (output.type !== 'step') return;
      const { event } = output;
      // slurmctld's part: the job submitted runs and completes at once.
      if (event.type === 'jobSubmitted') {
        fake.updateJob(event.jobId, { state: ['COMPLETED'], reason: 'None', exit: { status: 0, signal: 0 }, startTime: fake.clock, endTime: fake.clock });
      }
      if (event.type === 'stateWritten' && event.id === ID && event.state.status === 'FINISHED') {
        clearTimeout(timeout);
        resolve(event.state);
      }
    },
    error: reject,
  });
});

configDb.putDeployment(ID, { key: ID, kind: 'slurm', args: { script: '#!/bin/bash\necho hello from the example\n' } });
try {
  const state = await finished;
  const stored = configDb.getState(ID);
  console.log(`${ID}: ${stored?.status} (job ${stored?.job_id}, Slurm ${stored?.slurm_state}, exit code ${stored?.exit_code}); REST API ${slurm.version}`);
  if (stored?.status !== state.status) throw new Error(`the Config DB holds ${JSON.stringify(stored)}`);
} finally {
  stop.next();
  await slurm.close();
  await configDb.close();
  await fake.close();
}
