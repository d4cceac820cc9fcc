// The job ids a discovery found not to be the deployer's (another label, or gone before it was
// looked up), so that the next discovery does not look them up again. Pure; one per client.

export class ForeignJobIds {
  readonly #ids = new Set<number>();

  get size(): number {
    return this.#ids.size;
  }

  has(jobId: number): boolean {
    return this.#ids.has(jobId);
  }

  add(jobId: number): void {
    this.#ids.add(jobId);
  }

  /**
   * After a listing of every job of the cluster: forgets the ids at or below the floor asked now
   * (the deployer's floor only rises, so they are never candidates again; a lower floor later
   * costs lookups, not correctness) and the ids no longer listed (ended and purged: slurmctld
   * does not reuse an id before MaxJobId wraps). What is kept is at most the cluster's jobs.
   */
  prune(above: number, listed: ReadonlySet<number>): void {
    for (const id of this.#ids) if (id <= above || !listed.has(id)) this.#ids.delete(id);
  }
}

/** The ids of a listing worth a look: above the floor, neither asked for, nor known, nor found foreign before. */
export function discoveryCandidates(
  listed: Iterable<number>,
  above: number,
  skip: { readonly asked: ReadonlySet<number>; readonly known: ReadonlySet<number>; readonly foreign: ForeignJobIds },
): number[] {
  const candidates: number[] = [];
  for (const id of listed) {
    if (id > above && !skip.asked.has(id) && !skip.known.has(id) && !skip.foreign.has(id)) candidates.push(id);
  }
  return candidates.sort((a, b) => a - b);
}
