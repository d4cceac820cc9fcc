// What each action of a generated run does to the Config DB, Slurm, the clock, the answers in
// flight and the deployer's process (property-runs.ts lists them).

import { canonicalJson } from '../../lib/core/canonical-json.js';
import { formatJobIdentity } from '../../lib/core/slurm-job.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { LABEL } from './fixtures.js';
import { carryOut } from './property-answers.js';
import type { Harness } from './property-harness.js';
import { land } from './property-landings.js';
import { ARGS, FOREIGN, IDS, START_STATES, TICKS, type Action } from './property-runs.js';
import { isActive } from './simulated-slurm.js';

export function perform(h: Harness, action: Action): void {
  const jobs = h.slurm.list();
  const active = jobs.filter(isActive);
  const ended = jobs.filter((j) => !isActive(j));
  switch (action.t) {
    case 'put': {
      const id = IDS[action.dep]!;
      h.noteDb(id, action.kind === 0 ? undefined : canonicalJson(ARGS[action.args] ?? null));
      return h.change(h.db.put(id, action.kind === 0 ? 'helm' : 'slurm', ARGS[action.args]));
    }
    case 'unreadable':
      h.noteDb(IDS[action.dep]!, 'unreadable');
      return h.change(h.db.putUnreadable(IDS[action.dep]!, 'value is not valid JSON'));
    case 'delete':
      if (h.db.get(IDS[action.dep]!) !== undefined) h.noteDb(IDS[action.dep]!, undefined);
      return h.change(h.db.delete(IDS[action.dep]!));
    case 'reput': {
      const id = IDS[action.dep]!;
      const stored = h.db.get(id);
      if (stored === undefined) return;
      if (action.recreate) perform(h, { t: 'delete', dep: action.dep });
      if (stored.unreadable !== undefined) return perform(h, { t: 'unreadable', dep: action.dep });
      const args = ARGS.findIndex((a) => canonicalJson(a ?? null) === canonicalJson(stored.args ?? null));
      return perform(h, { t: 'put', dep: action.dep, args, kind: stored.kind === 'slurm' ? 1 : 0 });
    }
    case 'tick':
      return h.tick(TICKS[action.dt]!);
    case 'answer':
      if (h.outstanding.length > 0) h.answer(action.pick % h.outstanding.length, action.outcome);
      return;
    case 'execute': {
      const waiting = h.outstanding.filter((o) => o.answer === undefined);
      const o = waiting[action.pick % Math.max(1, waiting.length)];
      if (o === undefined) return;
      // Run late: a poll then answers with the cluster as it is now.
      if (o.command.type === 'pollJobs' || o.command.type === 'pollStates') o.snapshot = h.slurm.list();
      carryOut(h, o, action.outcome);
      return;
    }
    case 'progress': {
      const job = active[action.pick % Math.max(1, active.length)];
      if (job !== undefined) h.slurm.advance(job.jobId, action.to);
      return;
    }
    case 'vanish': {
      const job = active[action.pick % Math.max(1, active.length)];
      if (job !== undefined) h.slurm.vanish(job.jobId);
      return;
    }
    case 'age': {
      const job = ended[action.pick % Math.max(1, ended.length)];
      if (job !== undefined) h.slurm.ageOut(job.jobId);
      return;
    }
    case 'foreign':
      h.slurm.add({ ...FOREIGN[action.style]!(IDS[action.dep]!), state: START_STATES[action.state]! });
      return;
    case 'ours': {
      // With state polls a job nobody follows is found only by a discovery above the floor (at
      // a term's start, while a submit's outcome is unknown): one that appears at any time, of
      // a submit long answered, is beyond what the design promises; its landings are bounded
      // instead (LANDINGS).
      if (h.statePolls) return;
      const id = IDS[action.dep]!;
      const spec = h.knowledge.believed.get(id);
      if (spec === undefined || !spec.valid) return;
      // A job of this deployer carries the hash of the args it runs, as the job builder writes it.
      const comment = action.legacy ? '' : formatJobIdentity({ deploymentId: id, submitId: spec.submitId, specHash: specHash(spec.argsKey) });
      const jobId = h.slurm.add({ name: id, mcsLabel: LABEL, comment });
      if (!action.legacy) h.jobArgs.set(jobId, { argsKey: spec.argsKey, epoch: h.epochs.get(id)?.epoch ?? -1 });
      return;
    }
    case 'breakWatch':
      h.watchBroken = true;
      return;
    case 'resync':
      return h.list();
    case 'restart':
      return h.restart(action.ran, action.late);
    case 'stop':
      return h.stop(action.faulty, action.outcome);
    case 'land': {
      const landable = h.ledger.landable();
      const record = landable[action.pick % Math.max(1, landable.length)];
      if (record !== undefined) land(h, record);
      return;
    }
  }
}
