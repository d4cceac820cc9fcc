// The deployer's health, told truly: each check (Config DB watch, Slurm polls, deployments stuck
// on an internal error, event-loop lag) says whether it holds and, when not, what to do about it.
// A Slurm that throttles the deployer is said too, but fails no check: polls that still succeed
// within their bound are a healthy deployer in a slow cluster. The monitor learns from the
// deployer's outputs; `healthReport` is pure.

import type { DeployerEvent } from '../../lib/core/events.js';
import type { PacingReport } from '../../lib/slurm/slurm-api.js';
import { COMMAND_TYPES, traitsOf } from '../loop/command-table.js';
import type { DeployerOutput } from '../loop/deployer.js';
import { definedOnly } from '../../lib/core/defined-only.js';

export type HealthCheckName = 'configdb' | 'slurm' | 'deployments' | 'event_loop';

export interface HealthCheck {
  readonly ok: boolean;
  /** What holds, or what fails and what an operator can do about it. */
  readonly detail: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unhealthy';
  readonly healthy: boolean;
  /** The checks that fail, in a fixed order. */
  readonly failing: readonly HealthCheckName[];
  readonly checks: Readonly<Record<HealthCheckName, HealthCheck>>;
  readonly lastPollAgeSeconds?: number;
  /** Set on a replica that follows another's leadership. */
  readonly role?: 'follower';
  /** Set while Slurm throttles the deployer's requests (slurmctld's per-user rate limit). */
  readonly throttled?: Throttled;
}

export interface Throttled {
  /** Requests other than polls the deployer lets out at once now. */
  readonly limit: number;
  readonly detail: string;
}

/** A deployment the deployer cannot move on because of a fault of its own (a bug). */
export interface StuckDeployment {
  readonly id: string;
  readonly reason: string;
}

export interface HealthPolicy {
  readonly loopIntervalSeconds: number;
  /** Polls that may be missed before the deployer is unhealthy. */
  readonly missedPolls?: number;
  /** Event-loop lag from which the deployer is unhealthy. */
  readonly maxEventLoopLagMs?: number;
}

/** What the checks are decided from, all read at one moment. */
export interface HealthFacts {
  readonly nowMs: number;
  readonly startedAtMs: number;
  /** Undefined: the watch is live. Otherwise why not, in words an operator can act on. */
  readonly configDbProblem: string | undefined;
  readonly lastPollAtMs: number | undefined;
  readonly stuck: readonly StuckDeployment[];
  readonly eventLoopLagMs: number;
  /** How the Slurm client paces its requests, when known. */
  readonly pacing?: PacingReport;
  /**
   * A term after a stop that was not clean holds its first poll until then (ms), for the last
   * leader's submits to land: the start's grace counts from there.
   */
  readonly holdUntilMs?: number;
}

const ORDER: readonly HealthCheckName[] = ['configdb', 'slurm', 'deployments', 'event_loop'];

export function healthReport(facts: HealthFacts, policy: HealthPolicy): HealthReport {
  const limitS = policy.loopIntervalSeconds * (policy.missedPolls ?? 3);
  const maxLagMs = policy.maxEventLoopLagMs ?? 1000;
  // A fresh start has the same grace as a poll just made (a held one from the end of its hold).
  const startMs = Math.max(facts.startedAtMs, facts.holdUntilMs ?? 0);
  const sinceS = (facts.nowMs - (facts.lastPollAtMs ?? startMs)) / 1000;
  const holding = facts.lastPollAtMs === undefined && facts.holdUntilMs !== undefined && facts.nowMs < facts.holdUntilMs;
  const pollAge = facts.lastPollAtMs === undefined ? undefined : Math.round(facts.nowMs - facts.lastPollAtMs) / 1000;
  const checks: Record<HealthCheckName, HealthCheck> = {
    configdb:
      facts.configDbProblem === undefined
        ? { ok: true, detail: 'the Config DB watch is live' }
        : { ok: false, detail: facts.configDbProblem },
    slurm:
      sinceS <= limitS
        ? {
            ok: true,
            detail: holding
              ? `starting after a stop that was not clean: the first Slurm poll waits ${Math.ceil(((facts.holdUntilMs ?? 0) - facts.nowMs) / 1000)} s more for the last leader's submits to land`
              : pollAge === undefined
                ? 'starting: no Slurm poll yet'
                : `Slurm polled ${pollAge} s ago`,
          }
        : {
            ok: false,
            detail: `${pollAge === undefined ? 'no Slurm poll has succeeded since the start' : `the last successful Slurm poll was ${pollAge} s ago`} (limit ${limitS} s): check slurmrestd at SDP_SLURMDEPLOY_SLURM_URL, slurmctld behind it, and the token`,
          },
    deployments:
      facts.stuck.length === 0
        ? { ok: true, detail: 'no deployment is stuck on an internal error' }
        : {
            ok: false,
            detail: `${facts.stuck.length} deployment(s) stuck on an internal error (a deployer bug; see the log, report it): ${facts.stuck
              .slice(0, 5)
              .map((s) => `${s.id}: ${s.reason}`)
              .join('; ')}`,
          },
    event_loop:
      facts.eventLoopLagMs < maxLagMs
        ? { ok: true, detail: `event loop lag ${Math.round(facts.eventLoopLagMs)} ms` }
        : { ok: false, detail: `event loop lag ${Math.round(facts.eventLoopLagMs)} ms (limit ${maxLagMs} ms): the deployer is overloaded or starved of CPU` },
  };
  const failing = ORDER.filter((name) => !checks[name].ok);
  return {
    status: failing.length === 0 ? 'ok' : 'unhealthy',
    healthy: failing.length === 0,
    failing,
    checks,
    ...definedOnly({ lastPollAgeSeconds: pollAge, throttled: throttledBy(facts.pacing) }),
  };
}

function throttledBy(pacing: PacingReport | undefined): Throttled | undefined {
  if (pacing?.throttled !== true) return undefined;
  return {
    limit: pacing.limit,
    detail: `Slurm throttles this deployer (slurmctld's per-user RPC rate limit): its answers come late, so requests other than polls go ${pacing.limit} at a time (${pacing.queued} waiting, ${pacing.throttledAnswers} late answers since the start); deployments are submitted and cancelled more slowly, polls go first`,
  };
}

/** Ready to do its work: the Config DB is watched and Slurm answers (lag and bugs aside). */
export function isReady(report: HealthReport): boolean {
  return report.checks.configdb.ok && report.checks.slurm.ok;
}

// ---- the monitor: facts from the deployer's outputs ---------------------------------------------

export interface HealthMonitorOptions {
  readonly policy: HealthPolicy;
  readonly now?: () => number;
  /** Current event-loop lag, ms (eventLoopLag().lagMs in production). */
  readonly eventLoopLagMs?: () => number;
  /**
   * Deployments the reducer holds stuck on an internal error (its world's faulted deployments).
   * The monitor adds those whose latest event the reducer threw on as a whole.
   */
  readonly stuck?: () => readonly StuckDeployment[];
  /** How the Slurm client paces its requests (SlurmApi.pacing): a throttled Slurm is said in the report. */
  readonly pacing?: () => PacingReport | undefined;
}

export interface HealthMonitor {
  observe(output: DeployerOutput): void;
  /** The Config DB source lost its watch or cannot reach the Config DB; `why` as an operator reads it. */
  configDbLost(why: string): void;
  /** A probe's outcome (config-db-probe.ts): undefined when etcd answered, else why not. */
  configDbProbed(problem: string | undefined): void;
  /**
   * This replica began a term as the leader: a run from the initial world, judged as a fresh
   * start (the Config DB to list, the same grace before the first poll), not by an earlier term.
   */
  termBegan(): void;
  report(): HealthReport;
}

export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const now = options.now ?? (() => Date.now());
  const NOT_LISTED = 'the Config DB has not been listed yet';
  let startedAtMs = now();
  let holdUntilMs: number | undefined;
  let configDbProblem: string | undefined = NOT_LISTED;
  let writeProblem: string | undefined;
  let probeProblem: string | undefined;
  let lastPollAtMs: number | undefined;
  const faulted = new Map<string, string>();

  const onEvent = (event: DeployerEvent) => {
    switch (event.type) {
      case 'configListed':
        // Listed, and the watch is opened from that revision at once.
        configDbProblem = undefined;
        writeProblem = undefined;
        return;
      case 'stateWritten':
      case 'stateDeleted':
        writeProblem = undefined;
        return;
      case 'stateWriteFailed':
      case 'stateDeleteFailed':
        // A watch that etcd3 reconnects by itself says nothing while etcd is away; writes do.
        if (event.failure.kind === 'transient') writeProblem = `state writes to the Config DB fail (${event.failure.message}): check that etcd at SDP_CONFIG_HOST:SDP_CONFIG_PORT runs and is reachable`;
        return;
      default:
        if (POLL_ANSWERS.has(event.type)) lastPollAtMs = now();
    }
  };

  return {
    observe(output) {
      if (output.type === 'sourceFailed') return;
      const id = deploymentOf(output.event);
      if (output.type === 'fault') {
        // A listing the reducer failed on leaves every deployment in it unread.
        const key = output.event.type === 'configListed' ? LISTING : id;
        if (key !== undefined) faulted.set(key, `the deployer failed on its ${output.event.type} event`);
        return;
      }
      if (id !== undefined) faulted.delete(id);
      if (output.event.type === 'configListed') faulted.delete(LISTING);
      holdUntilMs = output.world.lastCompletePollId === undefined ? output.world.hold?.until : undefined;
      onEvent(output.event);
    },
    configDbLost(why) {
      configDbProblem = why;
    },
    configDbProbed(problem) {
      probeProblem = problem;
    },
    termBegan() {
      startedAtMs = now();
      configDbProblem = NOT_LISTED;
      writeProblem = undefined;
      lastPollAtMs = undefined;
      holdUntilMs = undefined;
      faulted.clear();
    },
    report() {
      // Deployments the reducer holds FAILED for an internal error, and events it threw on whole.
      const stuck = [...(options.stuck?.() ?? []), ...[...faulted].map(([id, reason]) => ({ id, reason }))];
      // etcd out of reach says most; a listing not yet made (a fresh term's, or one cut off) less.
      const configDb = probeProblem ?? configDbProblem ?? writeProblem;
      const facts = { nowMs: now(), startedAtMs, configDbProblem: configDb, lastPollAtMs, stuck, eventLoopLagMs: options.eventLoopLagMs?.() ?? 0, ...definedOnly({ holdUntilMs }) };
      return healthReport({ ...facts, ...definedOnly({ pacing: options.pacing?.() }) }, options.policy);
    },
  };
}

/** A successful answer to any poll (a full list, or a poll of states): the events that tell Slurm answers. */
const POLL_ANSWERS: ReadonlySet<string> = new Set(COMMAND_TYPES.filter((type) => traitsOf(type).lane === 'poll').map((type) => traitsOf(type).done));

/** Stands for the deployments of a Config DB listing the reducer failed on. */
const LISTING = '(the Config DB listing)';

function deploymentOf(event: DeployerEvent): string | undefined {
  switch (event.type) {
    case 'deploymentPut':
      return event.deployment.id;
    case 'deploymentInvalid':
      return event.invalid.id;
    case 'configListed':
    case 'tick':
    case 'jobsPolled':
    case 'pollFailed':
    case 'statesPolled':
    case 'statesPollFailed':
    case 'watermarkWritten':
    case 'watermarkWriteFailed':
    case 'jobsRecorded':
    case 'jobsRecordFailed':
      return undefined;
    default:
      return event.id;
  }
}
