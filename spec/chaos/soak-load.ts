// The soak's load: deployments created, changed and deleted at a steady rate (jobs of a few
// seconds to a minute, some failing with an exit code, some running until deleted), bursts on
// demand, and the book of what was asked: every submit of every deployment, and the state a
// deployment had when it was deleted after it ended. The population stays about constant, so
// that a replica's memory has no reason to grow with the run's length.

import { isTerminalStatus } from '../../lib/core/status.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import { randomBetween } from './chaos-rig.js';
import type { AccountedJob } from './soak-accounting.js';
import type { SoakRig } from './soak-rig.js';

export interface Asked {
  readonly id: string;
  readonly createdAt: number;
  /** The submit id of each put, in order: `r<revision>`. */
  readonly submits: string[];
  /** Its latest args run until deleted: deleted after `lifetimeMs`. */
  long: boolean;
  lifetimeMs: number;
  deleted: boolean;
  /** Its state when deleted after it ended (for the latest submit): the final state judged. */
  finalState?: DeploymentState;
}

interface Job {
  readonly script: string;
  readonly long: boolean;
}

let scripts = 0;
/** A job: 60% end well after 3-60 s, 25% fail with an exit code 1-7 after 2-30 s, 15% run until deleted. */
function drawJob(burst = false): Job {
  const r = Math.random();
  const n = ++scripts; // a comment of its own: a change of args is always a change
  const run = (seconds: number, exit: number) => `#!/bin/bash\n# soak ${n}\nsleep ${seconds.toFixed(1)}\nexit ${exit}\n`;
  if (burst) return { script: run(randomBetween(1, 10), r < 0.2 ? 1 + Math.floor(Math.random() * 7) : 0), long: false };
  if (r < 0.6) return { script: run(randomBetween(3, 60), 0), long: false };
  if (r < 0.85) return { script: run(randomBetween(2, 30), 1 + Math.floor(Math.random() * 7)), long: false };
  return { script: run(3600, 0), long: true };
}

// Output to /dev/null: a half-hour run leaves no files in the shared job folder.
const value = (id: string, job: Job) => JSON.stringify({ key: id, kind: 'slurm', args: { script: job.script, standard_output: '/dev/null', standard_error: '/dev/null' } });

export class SoakLoad {
  readonly asked = new Map<string, Asked>();
  readonly counts = { created: 0, changed: 0, deleted: 0, bursts: 0, burstDeployments: 0 };
  #next = 0;

  constructor(
    private readonly rig: SoakRig,
    /** Deployments not deleted kept about this many. */
    private readonly target: number,
  ) {}

  get idPrefix(): string {
    return `sk${this.rig.tag}`;
  }

  live(): Asked[] {
    return [...this.asked.values()].filter((a) => !a.deleted);
  }

  async #create(id: string, job: Job): Promise<void> {
    const entry: Asked = { id, createdAt: Date.now(), submits: [], long: job.long, lifetimeMs: randomBetween(30_000, 150_000), deleted: false };
    this.asked.set(id, entry);
    entry.submits.push(`r${await this.rig.put(id, value(id, job))}`);
    this.counts.created++;
  }

  async #change(entry: Asked): Promise<void> {
    const job = drawJob();
    entry.submits.push(`r${await this.rig.put(entry.id, value(entry.id, job))}`);
    entry.long = job.long;
    entry.lifetimeMs = Date.now() - entry.createdAt + randomBetween(30_000, 150_000);
    this.counts.changed++;
  }

  async #delete(entry: Asked, finalState?: DeploymentState): Promise<void> {
    entry.deleted = true;
    if (finalState !== undefined) entry.finalState = finalState;
    await this.rig.remove(entry.id);
    this.counts.deleted++;
  }

  /**
   * One step: a deployment created (3 in 4) or changed; then one deleted when there are more than
   * the target (the oldest that ended for its latest args, its state kept as its final one), and a
   * long-running one deleted once its lifetime is up.
   */
  async step(states: ReadonlyMap<string, DeploymentState>, jobs: ReadonlyMap<number, AccountedJob>): Promise<void> {
    const live = this.live();
    if (Math.random() < 0.75 || live.length === 0) await this.#create(`${this.idPrefix}-${this.#next++}`, drawJob());
    else await this.#change(live[Math.floor(Math.random() * live.length)]!);
    if (this.live().length > this.target) {
      const ended = this.live().find((a) => {
        const state = states.get(a.id);
        const job = state?.job_id === undefined ? undefined : jobs.get(state.job_id);
        return state !== undefined && isTerminalStatus(state.status) && job?.submit === a.submits.at(-1);
      });
      if (ended !== undefined) await this.#delete(ended, states.get(ended.id));
    }
    const expired = this.live().find((a) => a.long && Date.now() - a.createdAt > a.lifetimeMs);
    if (expired !== undefined) await this.#delete(expired);
  }

  /** `n` deployments put at once (jobs of 1-10 s, 1 in 5 failing). */
  async burst(n: number): Promise<void> {
    const round = this.counts.bursts++;
    await Promise.all(Array.from({ length: n }, (_, i) => this.#create(`${this.idPrefix}-b${round}-${i}`, drawJob(true))));
    this.counts.burstDeployments += n;
  }

  /** At the end: the deployments whose jobs would run on for an hour are deleted. */
  async deleteLongRunning(): Promise<number> {
    const long = this.live().filter((a) => a.long);
    for (const entry of long) await this.#delete(entry);
    return long.length;
  }
}
