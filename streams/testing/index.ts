// The package entry `sdp-slurm-deployer/testing`: what a service that embeds the deployer needs to
// test its embedding: a fake slurmrestd answering as real ones did, and marble scenarios run
// through the real deployer() and reducer. Every file of streams/testing an embedder may rely on
// is named here; the rest is private. The types of the root entry that these signatures use
// (DeployerEvent, SlurmJob...) are imported from `sdp-slurm-deployer` itself.

/**
 * Test doubles and helpers for embedding the deployer: `FakeSlurmrestd`, a slurmrestd on a local
 * port answering from recordings of real servers, and marble scenarios (`runScenario`).
 *
 * @packageDocumentation
 * @module sdp-slurm-deployer/testing
 */

export { FakeSlurmrestd, type FakeSlurmrestdOptions, type RecordedRequest, type RecordedAnswer } from './fake-slurmrestd.js';
export type { FakeJob, NewerVersion } from './slurm-bodies.js';
export type { FakeReply } from './slurm-fake-states.js';
export { REPLAYED_RELEASES, type ReplayedRelease } from './recordings.js';

export type { Scenario, Timeline, Legend, SlurmView, Answer, Answers, ExpectedCommand } from './scenario-format.js';
export { scenarioSettings, sinkDelays, SCENARIO_LABEL } from './scenario-format.js';
export {
  deployment,
  listed,
  put,
  deleted,
  down,
  ok,
  submitted,
  fails,
  after,
  poll,
  pollStates,
  watermark,
  submit,
  lookup,
  cancel,
  write,
  deleteState,
  record,
  slurmJob,
} from './scenario-legend.js';
export { runScenario } from './scenario-run.js';
export { scenarioProblems } from './scenario-check.js';
