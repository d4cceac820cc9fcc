// The rule for taking back a leadership record of one's own replica id, alone and in a model of
// the election (processes of two replica ids started, killed, campaigning, losing their lease in
// any order against one key): a restart leads at once, another id's record is never taken, and
// two live processes sharing an id do not take the leadership from each other over and over.

import { expect } from 'chai';
import fc from 'fast-check';
import { judgeHolder } from '../../../lib/configdb/reclaim-rule.js';

describe('judgeHolder()', () => {
  it('takes back a record of its own id while starting, or of the term it led last; leaves others', () => {
    const r1 = { replicaId: 'r1', term: 7 };
    expect(judgeHolder(r1, { replicaId: 'r1', starting: true })).to.equal('reclaim');
    expect(judgeHolder(r1, { replicaId: 'r1', starting: false, lastLedTerm: 7 })).to.equal('reclaim');
    expect(judgeHolder(r1, { replicaId: 'r1', starting: false, lastLedTerm: 5 })).to.equal('duplicate id');
    expect(judgeHolder(r1, { replicaId: 'r1', starting: false })).to.equal('duplicate id');
    expect(judgeHolder(r1, { replicaId: 'r2', starting: true, lastLedTerm: 7 })).to.equal('another replica');
  });
});

type Id = 'r1' | 'r2';
interface Proc {
  readonly id: Id;
  alive: boolean;
  starting: boolean;
  lastLedTerm?: number;
  leading?: number;
}
interface Key {
  readonly id: Id;
  readonly term: number;
  readonly owner: number;
}
type Action =
  | { kind: 'start'; id: Id }
  | { kind: 'kill'; p: number }
  | { kind: 'round'; p: number }
  | { kind: 'lose'; p: number; revokeLost: boolean }
  | { kind: 'expire' };

const actions = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('start' as const), id: fc.constantFrom<Id>('r1', 'r2') }),
    fc.record({ kind: fc.constant('kill' as const), p: fc.nat(7) }),
    fc.record({ kind: fc.constant('round' as const), p: fc.nat(7) }),
    fc.record({ kind: fc.constant('round' as const), p: fc.nat(7) }),
    fc.record({ kind: fc.constant('lose' as const), p: fc.nat(7), revokeLost: fc.boolean() }),
    fc.record({ kind: fc.constant('expire' as const) }),
  ),
  { maxLength: 80 },
);

/** One key, processes as leader-election.ts runs them, the rule under test deciding each campaign. */
class Model {
  readonly procs: Proc[] = [];
  key: Key | undefined;
  revision = 1;
  starts = 0;
  /** Records taken back from a live process. */
  takenFromLive = 0;
  readonly problems: string[] = [];

  apply(action: Action): void {
    if (action.kind === 'start') {
      this.procs.push({ id: action.id, alive: true, starting: true });
      this.starts += 1;
      return;
    }
    if (action.kind === 'expire') {
      // A lease expires only when no live process renews it: its owner is dead or stepped down.
      const owner = this.key === undefined ? undefined : this.procs[this.key.owner];
      if (owner !== undefined && (!owner.alive || owner.leading !== this.key?.term)) this.key = undefined;
      return;
    }
    const proc = this.procs[action.p];
    if (proc === undefined || !proc.alive) return;
    if (action.kind === 'kill') proc.alive = false;
    else if (action.kind === 'lose') this.stepDown(proc, !action.revokeLost);
    else this.round(action.p, proc);
  }

  private stepDown(proc: Proc, revoked: boolean): void {
    if (proc.leading === undefined) return;
    if (revoked && this.key?.term === proc.leading) this.key = undefined;
    proc.lastLedTerm = proc.leading;
    delete proc.leading;
  }

  private round(p: number, proc: Proc): void {
    if (proc.leading !== undefined) {
      // A renewal, or the watch on the key: a leader whose term is gone steps down.
      if (this.key?.term !== proc.leading) this.stepDown(proc, false);
    } else {
      if (this.key !== undefined) {
        const verdict = judgeHolder({ replicaId: this.key.id, term: this.key.term }, { replicaId: proc.id, starting: proc.starting, ...(proc.lastLedTerm === undefined ? {} : { lastLedTerm: proc.lastLedTerm }) });
        if (verdict === 'reclaim') {
          if (this.key.id !== proc.id) this.problems.push(`took ${this.key.id}'s record`);
          const owner = this.procs[this.key.owner];
          if (owner?.alive === true && owner !== proc) this.takenFromLive += 1;
          this.key = undefined;
        }
      }
      if (this.key === undefined) {
        this.revision += 1;
        this.key = { id: proc.id, term: this.revision, owner: p };
        proc.leading = this.revision;
      }
    }
    proc.starting = false;
    // The fence: a write is accepted only under the key's term, so of one process at most.
    const accepted = this.procs.filter((q) => q.alive && q.leading !== undefined && q.leading === this.key?.term);
    if (accepted.length > 1) this.problems.push('two processes write');
  }
}

describe('taking back one own record, in a model of the election', () => {
  it('never takes another id, and takes from a live process at most once per process start (no ping-pong)', () => {
    fc.assert(
      fc.property(actions, (list) => {
        const model = new Model();
        for (const action of list) model.apply(action);
        expect(model.problems).to.deep.equal([]);
        expect(model.takenFromLive).to.be.at.most(model.starts);
      }),
      { numRuns: 500 },
    );
  });

  it('two live processes of one id campaigning for ever: leadership moves between them at most twice', () => {
    fc.assert(
      fc.property(actions, fc.array(fc.constantFrom(0, 1), { minLength: 20, maxLength: 200 }), (prelude, turns) => {
        const model = new Model();
        model.apply({ kind: 'start', id: 'r1' });
        model.apply({ kind: 'start', id: 'r1' });
        // Whatever happens first to the two (and to others), then only their rounds.
        for (const action of prelude) if (action.kind !== 'kill' || action.p > 1) model.apply(action);
        const before = model.takenFromLive;
        const firstRounds = model.procs.slice(0, 2).filter((q) => q.starting).length;
        for (const p of turns) model.apply({ kind: 'round', p });
        expect(model.takenFromLive - before).to.be.at.most(firstRounds);
        expect(model.problems).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it('after any history, a restarted sole replica whose id holds the record leads at its first round, in a new term', () => {
    fc.assert(
      fc.property(actions, fc.constantFrom<Id>('r1', 'r2'), (list, id) => {
        const model = new Model();
        for (const action of list) model.apply(action);
        model.procs.forEach((_, p) => model.apply({ kind: 'kill', p }));
        const held = model.key;
        fc.pre(held?.id === id);
        model.apply({ kind: 'start', id });
        const restarted = model.procs.length - 1;
        model.apply({ kind: 'round', p: restarted });
        expect(model.procs[restarted]?.leading).to.equal(model.key?.term);
        expect(model.key?.term).to.be.greaterThan(held?.term ?? Infinity);
      }),
      { numRuns: 300 },
    );
  });
});
