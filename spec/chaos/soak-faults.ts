// The soak's faults, one at a time at random intervals: kill -9 of the leader (started again), a
// replica frozen (SIGSTOP, then SIGCONT), slurmrestd and slurmctld outages, an etcd member killed
// and started again, the leader partitioned from etcd by its link, a burst of deployments. A
// Slurm outage takes the shared live lock and the outage lock first (those stretches alone cannot
// share the stack with others' live runs): when they are busy, another fault goes in its place
// and the outage is tried again at the next turns; one never had by the end is counted skipped.
// The memory witness (soak-memory-row.ts) is never killed: when it leads, the kill is put off the
// same way and the leader is partitioned instead, which hands the leadership to another replica.

import { setTimeout as sleep } from 'node:timers/promises';
import { randomBetween } from './chaos-rig.js';
import { daemonOutage, holdLocks } from './chroot-daemon.js';
import type { SoakLoad } from './soak-load.js';
import type { Replica, SoakRig } from './soak-rig.js';
import type { Partition } from './tcp-proxy.js';

export const FAULT_KINDS = ['kill -9 of the leader', 'replica frozen', 'slurmrestd outage', 'slurmctld outage', 'etcd member killed', 'leader partitioned', 'burst'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const LOCKS = ['/tmp/sdp-live.lock', '/tmp/sdp-stack-outage.lock'];
const OUTAGES: ReadonlySet<FaultKind> = new Set(['slurmrestd outage', 'slurmctld outage']);
const OTHERS = FAULT_KINDS.filter((k) => !OUTAGES.has(k));

export class SoakFaults {
  readonly done = new Map<FaultKind, number>(FAULT_KINDS.map((k) => [k, 0]));
  readonly skipped: string[] = [];
  /** Outages put off because the live lock was busy: tried again at the next turns. */
  readonly #owed: FaultKind[] = [];
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly rig: SoakRig,
    private readonly load: SoakLoad,
    /** Seconds between one fault's end and the next one's start, drawn anew each time. */
    private readonly gapS: readonly [number, number],
    /** The replica never killed. */
    private readonly witness: string,
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        await this.#pause(randomBetween(this.gapS[0], this.gapS[1]) * 1000);
        if (!this.#running) break;
        // An outage put off (the live lock was busy) is tried first; else a fault drawn at random.
        const owed = this.#owed.shift();
        let kind = owed ?? FAULT_KINDS[Math.floor(Math.random() * FAULT_KINDS.length)]!;
        if (OUTAGES.has(kind) && !(await this.#tryOutage(kind, owed === undefined ? 20 : 5))) {
          this.#owed.push(kind);
          kind = OTHERS[Math.floor(Math.random() * OTHERS.length)]!;
        } else if (OUTAGES.has(kind)) {
          continue;
        }
        if (kind === 'kill -9 of the leader' && (await this.rig.leader())?.id === this.witness) {
          this.#owed.push(kind);
          kind = 'leader partitioned';
        }
        await this.#run(kind, () => this.inject(kind));
      }
      for (const kind of this.#owed) this.#skip(kind, OUTAGES.has(kind) ? 'the live lock stayed busy each time it was tried' : 'the witness led each time it was tried');
    })();
  }

  async #run(kind: FaultKind, fault: () => Promise<boolean>): Promise<void> {
    try {
      if (await fault()) this.done.set(kind, (this.done.get(kind) ?? 0) + 1);
    } catch (error) {
      this.rig.say(`fault ${kind} went wrong: ${(error as Error).message}`);
      this.skipped.push(`${kind}: ${(error as Error).message}`);
    }
  }

  /** A Slurm outage under the locks, or false when they were not had within `waitS` (nothing done). */
  async #tryOutage(kind: FaultKind, waitS: number): Promise<boolean> {
    const release = await holdLocks(LOCKS, waitS);
    if (release === undefined) {
      this.rig.say(`${kind} put off: the live lock is busy`);
      return false;
    }
    try {
      await this.#run(kind, () => this.inject(kind));
    } finally {
      await release();
    }
    return true;
  }

  /** Stops injecting; the fault under way ends first (everything it did is undone). */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Sleeps `ms`, cut short when stopped. */
  async #pause(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.#running && Date.now() < end) await sleep(Math.min(500, end - Date.now()));
  }

  /** Injects one fault and undoes it; false when it could not be (no leader, the locks busy). */
  async inject(kind: FaultKind): Promise<boolean> {
    const { rig } = this;
    const leader = await rig.leader();
    switch (kind) {
      case 'kill -9 of the leader': {
        if (leader === undefined) return this.#skip(kind, 'no leader at that moment');
        if (leader.id === this.witness) return this.#skip(kind, 'the witness took the leadership just before');
        await leader.process.kill9();
        const downMs = randomBetween(0, 5000);
        rig.say(`kill -9 of the leader ${leader.id}; started again in ${(downMs / 1000).toFixed(1)} s`);
        await sleep(downMs);
        leader.process.start();
        return true;
      }
      case 'replica frozen': {
        // Half the time the leader: it must step down on waking without acting.
        const victim: Replica = leader !== undefined && Math.random() < 0.5 ? leader : rig.replicas[Math.floor(Math.random() * rig.replicas.length)]!;
        const ms = randomBetween(5000, 30_000);
        rig.say(`SIGSTOP of ${victim.id}${victim === leader ? ' (the leader)' : ''} for ${(ms / 1000).toFixed(1)} s`);
        victim.process.freeze(true);
        await sleep(ms);
        victim.process.freeze(false);
        return true;
      }
      case 'leader partitioned': {
        if (leader === undefined) return this.#skip(kind, 'no leader at that moment');
        const how: Partition = Math.random() < 0.5 ? 'hold' : 'drop';
        const ms = randomBetween(5000, 40_000);
        rig.say(`leader ${leader.id} partitioned from etcd (${how}) for ${(ms / 1000).toFixed(1)} s`);
        leader.link.partition(how);
        await sleep(ms);
        leader.link.heal();
        rig.say(`  healed; leader now ${(await rig.leader())?.id ?? 'none'}`);
        return true;
      }
      case 'etcd member killed': {
        const member = 1 + Math.floor(Math.random() * 3);
        const ms = randomBetween(5000, 30_000);
        rig.say(`etcd member ${member} killed for ${(ms / 1000).toFixed(1)} s`);
        await rig.cluster.kill(member);
        await sleep(ms);
        await rig.cluster.start(member);
        return true;
      }
      case 'burst': {
        const n = Math.round(randomBetween(20, 60));
        rig.say(`burst: ${n} deployments at once`);
        await this.load.burst(n);
        return true;
      }
      // Called holding the locks (#tryOutage).
      case 'slurmrestd outage':
      case 'slurmctld outage': {
        const daemon = kind === 'slurmrestd outage' ? 'slurmrestd' : 'slurmctld';
        const ms = daemon === 'slurmrestd' ? randomBetween(5000, 20_000) : randomBetween(10_000, 30_000);
        const report = await daemonOutage(rig.release, daemon, ms, () => rig.say(`${daemon} of Slurm ${rig.release.name} down for ${(ms / 1000).toFixed(1)} s`));
        rig.say(`  ${daemon} back (pid ${report.stoppedPid} -> ${report.newPid})${report.restartsStopped > 0 ? `, ${report.restartsStopped} restarts by others stopped meanwhile` : ''}`);
        return true;
      }
    }
  }

  #skip(kind: FaultKind, why: string): false {
    this.rig.say(`fault ${kind} skipped: ${why}`);
    this.skipped.push(`${kind}: ${why}`);
    return false;
  }
}
