// When to poll Slurm, and what to ask. Where Slurm has no `GET /jobs/state`, every poll is a full
// job list, every `pollIntervalMs`. Where it has, a poll every `statePollIntervalMs` asks for the
// states of the jobs the deployer follows, by id; every `pollIntervalMs` it lists every job's id
// and state (`all`: the cluster's highest id keeps the watermark's floor near it); and it discovers
// every labelled job above a floor when the world cannot otherwise know them all: at the start of
// a term (above the persisted floor) and while a submit's outcome is unknown (above the floor it
// was sent at). A full list only where nothing cheaper can tell: the first poll without a floor.
// Until a term's first complete poll, the jobs of the job registry that it does not follow are
// asked for too (registry-sync.ts): the jobs of deployments gone while no deployer watched.

import type { Command } from './commands.js';
import { unfollowedRegistered } from './registry-sync.js';
import type { StepDraft } from './step-draft.js';
import type { ReducerSettings } from './settings.js';

export function schedulePoll(settings: ReducerSettings, draft: StepDraft): Command[] {
  const s = draft.scalars;
  // Until the first tick the time is unknown, and so is when to poll.
  if (!s.clockStarted || s.pollInFlight !== undefined) return [];
  // With a watermark the first poll waits for the listing: it tells the floor to discover above.
  if (settings.watermark !== undefined && !s.listed) return [];
  if (s.hold !== undefined) {
    if (s.lastCompletePollId !== undefined) {
      s.hold = undefined;
    } else {
      const until = s.hold.until ?? s.now + s.hold.ms;
      if (s.hold.until === undefined) s.hold = { ms: s.hold.ms, until };
      if (s.now < until) return [];
    }
  }
  const stateInterval = settings.statePollIntervalMs;
  const interval = stateInterval ?? settings.pollIntervalMs;
  if (s.lastPollAt !== undefined && s.now - s.lastPollAt < interval) return [];
  const pollId = s.nextPollId;
  const firstFloor = s.lastCompletePollId === undefined ? s.jobIds.floor : undefined;
  if (stateInterval === undefined || (s.lastCompletePollId === undefined && firstFloor === undefined)) {
    Object.assign(s, { pollInFlight: pollId, nextPollId: pollId + 1, lastPollAt: s.now, lastAllAt: s.now, pollScope: undefined });
    return [{ type: 'pollJobs', pollId }];
  }
  const discoverAbove = lower(firstFloor, draft.lowestMark('discoveries'));
  const all = discoverAbove !== undefined || s.lastAllAt === undefined || s.now - s.lastAllAt >= settings.pollIntervalMs;
  const followed = [...draft.read('following').keys()];
  const registered = s.lastCompletePollId === undefined ? unfollowedRegistered(draft) : [];
  const jobIds = registered.length === 0 ? followed : [...followed, ...registered].sort((a, b) => a - b);
  // Nothing to ask about: no request until there is, or until every job's state is due.
  if (jobIds.length === 0 && !all) return [];
  Object.assign(s, { pollInFlight: pollId, nextPollId: pollId + 1, lastPollAt: s.now, pollScope: { jobIds, discoverAbove } });
  if (all) s.lastAllAt = s.now;
  if (discoverAbove === undefined) return [{ type: 'pollStates', pollId, jobIds, all }];
  return [{ type: 'pollStates', pollId, jobIds, all, discover: { above: discoverAbove, known: knownAbove(draft, discoverAbove) } }];
}

/** The job ids above `floor` the world knows already (a discovery need not look them up). */
function knownAbove(draft: StepDraft, floor: number): number[] {
  const known = new Set<number>();
  for (const name of ['polled', 'tracked', 'strayOwners'] as const) {
    for (const jobId of draft.read(name).keys(floor + 1)) known.add(jobId);
  }
  return [...known].sort((a, b) => a - b);
}

function lower(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a < b ? a : b;
}
