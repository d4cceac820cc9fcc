// SlurmApi.readStates over `GET /jobs/state`: the states of the jobs asked for in as few requests
// as URLs allow, every job's id and state in one request (`all`), and the discovery of labelled
// jobs the deployer does not know above a job-id floor (`discover`). Version-free: the requests
// themselves are the source's (states-request.ts and the client's lookups and lists).

import type { SlurmJob } from '../core/slurm-job.js';
import type { StatesListing } from './job-states-body.js';
import { discoveryCandidates, ForeignJobIds } from './foreign-jobs.js';
import { SlurmRequestError, type StatesReading, type StatesRequest } from './slurm-api.js';

export interface StatesSource {
  /** One `GET /jobs/state`: of these ids (`job_id` repeated), or of every job when undefined. */
  list(jobIds?: readonly number[]): Promise<StatesListing>;
  /** One job by id (`GET job/{id}`: 2 slurmctld RPCs); undefined when Slurm no longer knows it. */
  lookup(jobId: number): Promise<SlurmJob | undefined>;
  /** One full job list, kept to the deployer's label (`GET jobs`: one RPC, but every job's record). */
  fullList(): Promise<readonly SlurmJob[]>;
}

/**
 * At most this many unknown ids are looked up one by one; more are read from one full list.
 * A lookup is 2 RPCs and a few KB; a full list is 1 RPC but every job's record (8 KB each, and
 * a 164 MB body at 20,000 jobs): 32 lookups cost about what one list of a quiet cluster does.
 */
export const MAX_DISCOVERY_LOOKUPS = 32;
/** Lookups of one discovery in flight at once (the pacer in front of every request decides the rest). */
const LOOKUPS_AT_ONCE = 4;
/** `job_id=<id>&` per id: a query of this many characters keeps the URL under 8 KB with any path. */
const MAX_QUERY_CHARS = 7_500;

/** Every reading of one client shares the memory of foreign ids: `jobLabel` as in SlurmClientBehaviour. */
export function createStatesReader(source: StatesSource, jobLabel: string | undefined): (request: StatesRequest) => Promise<StatesReading> {
  const foreign = new ForeignJobIds();
  const ours = (job: SlurmJob) => jobLabel === undefined || job.mcsLabel === jobLabel;

  async function discover(listing: StatesListing, asked: ReadonlySet<number>, above: number, known: readonly number[]): Promise<SlurmJob[]> {
    const listed = new Set(listing.states.map((s) => s.jobId));
    foreign.prune(above, listed);
    const candidates = discoveryCandidates(listed, above, { asked, known: new Set(known), foreign });
    const discovered: SlurmJob[] = [];
    /** Each candidate's verdict as soon as it is known: a lookup failing later keeps what earlier ones learnt. */
    const judge = (id: number, job: SlurmJob | undefined) => {
      // A lookup by id may answer with other jobs too (an array's tasks): only that id counts.
      if (job !== undefined && job.jobId === id && ours(job)) discovered.push(job);
      else foreign.add(id);
    };
    if (candidates.length > MAX_DISCOVERY_LOOKUPS) {
      const listedJobs = new Map((await source.fullList()).map((job) => [job.jobId, job]));
      for (const id of candidates) judge(id, listedJobs.get(id));
    } else {
      let next = 0;
      let failed = false;
      const worker = async () => {
        // After one lookup fails the reading does: the others stop taking ids.
        while (!failed && next < candidates.length) {
          const id = candidates[next++]!;
          let job: SlurmJob | undefined;
          try {
            job = await source.lookup(id);
          } catch (error) {
            failed = true;
            throw error;
          }
          judge(id, job);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, candidates.length) }, worker));
    }
    return discovered.sort((a, b) => a.jobId - b.jobId);
  }

  return async (request) => {
    const jobIds = [...new Set(request.jobIds.map((id) => jobIdOf(id)))];
    const discovery = request.discover;
    if (discovery !== undefined) jobIdOf(discovery.above, 0);
    if (request.all !== true && discovery === undefined) {
      const listings = await Promise.all(idChunks(jobIds).map((chunk) => source.list(chunk)));
      return { states: listings.flatMap((l) => l.states) };
    }
    const listing = await source.list();
    const asked = new Set(jobIds);
    const states = listing.states.filter((s) => asked.has(s.jobId));
    if (discovery === undefined) return { states, maxJobId: listing.highestJobId };
    const discovered = await discover(listing, asked, discovery.above, discovery.known);
    return { states, maxJobId: listing.highestJobId, discovered };
  };
}

/** The ids in runs whose `job_id=<id>&` query fits MAX_QUERY_CHARS; none for none. */
export function idChunks(ids: readonly number[], maxChars = MAX_QUERY_CHARS): number[][] {
  const chunks: number[][] = [];
  let chunk: number[] = [];
  let chars = 0;
  for (const id of ids) {
    const cost = `job_id=${id}&`.length;
    if (chunk.length > 0 && chars + cost > maxChars) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(id);
    chars += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function jobIdOf(value: number, least = 1): number {
  if (Number.isSafeInteger(value) && value >= least) return value;
  throw new SlurmRequestError({ kind: 'permanent', message: `readStates: ${least === 1 ? 'job ids' : 'discover.above'} must be ${least === 1 ? 'positive' : 'non-negative'} integers` });
}
