// Prometheus metrics of a running deployer, derived from its steps (prom-client). Counters move
// as events arrive; gauges that describe the world are computed when scraped.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { DEPLOYMENT_STATUSES } from '../../lib/core/status.js';
import type { PacingReport } from '../../lib/slurm/slurm-api.js';
import { deploymentsOf, type World } from '../../lib/core/world.js';
import { FAILED_COMMAND, traitsOf } from '../loop/command-table.js';
import type { DeployerOutput } from '../loop/deployer.js';

/** Prometheus metrics of a running deployer, fed its outputs (liveDeployer does): steps, commands and their failures, deployments by status, polls. */
export interface DeployerMetrics {
  /** The prom-client registry holding them: serve `registry.metrics()` at /metrics. */
  readonly registry: Registry;
  /** Counts one output of the loop. */
  observe(output: DeployerOutput): void;
  /** Counts a resync of the Config DB source (its watch lost). */
  resync(): void;
  /** Unix seconds of the last successful poll, if any. */
  lastPollAt(): number | undefined;
  /** How the Slurm client paces its requests now (MetricsOptions.pacing), for health. */
  pacing(): PacingReport | undefined;
}

/** What createMetrics reads besides the outputs. */
export interface MetricsOptions {
  /** The Slurm REST API version in use (SlurmApi.version). */
  readonly apiVersion: () => string;
  /** Unix seconds at which the Slurm token expires, when known. */
  readonly tokenExpiry?: () => number | undefined;
  /** The clock, ms since the epoch; default Date.now. */
  readonly now?: () => number;
  /** Whether this replica leads now; unset: no leader gauge. */
  readonly leader?: () => boolean;
  /** The Slurm client's pacing (SlurmApi.pacing); unset: no pacing metrics. */
  readonly pacing?: () => PacingReport;
}

/** The metrics, in a registry of their own. */
export function createMetrics(options: MetricsOptions): DeployerMetrics {
  const now = options.now ?? (() => Date.now());
  const registry = new Registry();
  let world: World | undefined;
  let lastPollAt: number | undefined;
  const pollStarted = new Map<number, number>();

  const submits = new Counter({ name: 'sdp_slurmdeploy_submits_total', help: 'Jobs submitted to Slurm', registers: [registry] });
  const cancels = new Counter({ name: 'sdp_slurmdeploy_cancels_total', help: 'Jobs cancelled, by reason', labelNames: ['why'], registers: [registry] });
  const failures = new Counter({
    name: 'sdp_slurmdeploy_failures_total',
    help: 'Failed operations, by operation and kind (transient, auth, permanent, unknown-outcome)',
    labelNames: ['operation', 'kind'],
    registers: [registry],
  });
  const resyncs = new Counter({ name: 'sdp_slurmdeploy_configdb_resyncs_total', help: 'Config DB listings after a lost watch or an outage', registers: [registry] });
  const faults = new Counter({ name: 'sdp_slurmdeploy_faults_total', help: 'Events the reducer failed on (bugs), and failed sources', registers: [registry] });
  const pollDuration = new Histogram({
    name: 'sdp_slurmdeploy_poll_duration_seconds',
    help: 'Time from asking Slurm for its full job list to the answer',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [registry],
  });
  // Registered at the first successful poll: before it, an unlabelled gauge would read 0, a poll
  // "in 1970" that a scraper (or a spec) takes for a real one.
  const lastPoll = new Gauge({
    name: 'sdp_slurmdeploy_last_poll_timestamp_seconds',
    help: 'When Slurm was last polled successfully (Unix seconds; absent before the first)',
    registers: [],
    collect() {
      if (lastPollAt !== undefined) this.set(lastPollAt);
    },
  });
  new Gauge({
    name: 'sdp_slurmdeploy_deployments',
    help: 'Slurm deployments by the status last written',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(DEPLOYMENT_STATUSES.map((s) => [s, 0]));
      // Only the leader's world is current: a follower counts nothing (a sum over replicas stays right).
      const current = options.leader?.() === false ? undefined : world;
      for (const { deployment } of current === undefined ? [] : deploymentsOf(current)) {
        const status = deployment.written?.status;
        if (status !== undefined) counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      for (const [status, count] of counts) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'sdp_slurmdeploy_slurm_api_info',
    help: 'The Slurm REST API version in use (value 1)',
    labelNames: ['version'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ version: options.apiVersion() }, 1);
    },
  });
  // A timestamp, as Prometheus advises (an alert computes the time left with time()); the older
  // time-left gauge stays for dashboards and scripts that read it. Neither has a sample while the
  // token does not say: prom-client's unlabelled gauge would read 0, a token "expired in 1970".
  const expiry = () => options.tokenExpiry?.();
  registry.registerMetric(
    new UnsetGauge('sdp_slurmdeploy_token_expiry_timestamp_seconds', 'When the Slurm token in use expires (Unix seconds; absent when it does not say)', expiry),
  );
  registry.registerMetric(
    new UnsetGauge(
      'sdp_slurmdeploy_token_expiry_seconds',
      'Seconds until the Slurm token expires (absent when it does not say; deprecated: use sdp_slurmdeploy_token_expiry_timestamp_seconds - time())',
      () => {
        const at = expiry();
        return at === undefined ? undefined : at - now() / 1000;
      },
    ),
  );

  if (options.leader !== undefined) {
    const leader = options.leader;
    new Gauge({
      name: 'sdp_slurmdeploy_leader',
      help: 'Whether this replica is the leader (1) or a follower (0)',
      registers: [registry],
      collect() {
        this.set(leader() ? 1 : 0);
      },
    });
  }

  if (options.pacing !== undefined) registerPacing(registry, options.pacing);

  const onCommand = (command: Command) => {
    if (command.type === 'pollJobs') pollStarted.set(command.pollId, now());
  };
  const onEvent = (event: DeployerEvent) => {
    // A failure counts under the operation of the command it reports on.
    if ('failure' in event) failures.inc({ operation: traitsOf(FAILED_COMMAND[event.type]).operation, kind: event.failure.kind });
    switch (event.type) {
      case 'jobSubmitted':
        submits.inc();
        return;
      case 'jobsPolled':
      case 'pollFailed': {
        const started = pollStarted.get(event.pollId);
        pollStarted.delete(event.pollId);
        if (started !== undefined) pollDuration.observe((now() - started) / 1000);
        if (event.type === 'jobsPolled') polledNow();
        return;
      }
      // A poll of our jobs' states tells Slurm answers as a full list does (health.ts counts both).
      case 'statesPolled':
        polledNow();
        return;
      default:
    }
  };
  const polledNow = () => {
    if (lastPollAt === undefined) registry.registerMetric(lastPoll);
    lastPollAt = now() / 1000;
  };

  return {
    registry,
    observe(output) {
      if (output.type !== 'step') {
        faults.inc();
        return;
      }
      world = output.world;
      onEvent(output.event);
      for (const command of output.commands) {
        onCommand(command);
        if (command.type === 'cancelJob') cancels.inc({ why: command.why });
      }
    },
    resync: () => resyncs.inc(),
    lastPollAt: () => lastPollAt,
    pacing: () => options.pacing?.(),
  };
}

/** Whether Slurm throttles the deployer (slurmctld's per-user rate limit), read from its client when scraped. */
function registerPacing(registry: Registry, pacing: () => PacingReport): void {
  new Gauge({
    name: 'sdp_slurmdeploy_slurm_throttled',
    help: 'Whether Slurm answered late for throttling (slurmctld rate limit) within the last minute (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(pacing().throttled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sdp_slurmdeploy_slurm_concurrency_limit',
    help: 'Requests to Slurm other than polls allowed in flight at once now (halved when Slurm answers late)',
    registers: [registry],
    collect() {
      this.set(pacing().limit);
    },
  });
  // The client counts; the counter follows it (from 0 again should a new client count afresh).
  let counted = 0;
  new Counter({
    name: 'sdp_slurmdeploy_slurm_throttled_answers_total',
    help: 'Answers from Slurm that came late for throttling (>= 1 s for a small request)',
    registers: [registry],
    collect() {
      const now = pacing().throttledAnswers;
      this.inc(now >= counted ? now - counted : now);
      counted = now;
    },
  });
}

/** An unlabelled gauge read when scraped, with no sample at all while `read` gives undefined. */
class UnsetGauge extends Gauge {
  constructor(name: string, help: string, private readonly read: () => number | undefined) {
    super({ name, help, registers: [] });
  }

  override async get(): ReturnType<Gauge['get']> {
    const value = this.read();
    if (value === undefined) return { ...(await super.get()), values: [] };
    this.set(value);
    return super.get();
  }
}
