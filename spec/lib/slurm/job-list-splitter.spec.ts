// The job-list splitter against JSON.parse: any body, cut into chunks anywhere (inside strings,
// escapes, multi-byte characters, keys), reads as the whole body parsed would, with only the kept
// elements of the top-level `jobs` array; what is not JSON is said to be malformed.

import { expect } from 'chai';
import fc from 'fast-check';
import { JobListSplitter, type SplitList } from '../../../lib/slurm/job-list-splitter.js';

const LABEL = 'sdp_slurm_deployer_split';
const NEEDLE = Buffer.from(JSON.stringify(LABEL));
const keepLabelled = (element: Buffer) => element.indexOf(NEEDLE) >= 0;

function split(bytes: Buffer, cuts: readonly number[], keep: (element: Buffer) => boolean = () => true): SplitList {
  const splitter = new JobListSplitter(keep);
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    splitter.write(bytes.subarray(from, cut));
    from = cut;
  }
  splitter.write(bytes.subarray(from));
  return splitter.end();
}

/** Strings that stress the splitter: quotes, backslash runs, brackets, non-ASCII, the label. */
const awkwardString = fc.oneof(
  fc.string(),
  fc.constantFrom('"', '\\', '\\\\', '\\"', '"]}', '{[', 'jobs', 'é€😀', LABEL, `x${LABEL}y`),
  fc.array(fc.constantFrom('\\', '"', '[', ']', '{', '}', ',', ':', 'a', 'é'), { maxLength: 12 }).map((cs) => cs.join('')),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    awkwardString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(awkwardString, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const job = fc.record({ job_id: fc.nat(), mcs_label: fc.constantFrom(LABEL, 'someone_else', `${LABEL}_not`), extra: value });
const body = fc.record(
  {
    meta: value,
    jobs: fc.array(job, { maxLength: 8 }),
    warnings: fc.array(fc.record({ description: awkwardString }), { maxLength: 2 }),
    last_update: fc.record({ set: fc.boolean(), number: fc.nat() }),
  },
  { requiredKeys: ['jobs'] },
);
const text = (b: unknown, indent: boolean) => Buffer.from(JSON.stringify(b, null, indent ? 2 : undefined), 'utf8');

describe('the job-list splitter', () => {
  it('reads any body cut anywhere as JSON.parse reads it whole', () => {
    fc.assert(
      fc.property(body, fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), (b, indent, cuts) => {
        const bytes = text(b, indent);
        expect(split(bytes, cuts)).to.deep.equal({ body: JSON.parse(bytes.toString('utf8')), listed: b.jobs.length });
      }),
      { numRuns: 400 },
    );
  });

  it('keeps only the elements `keep` accepts, and counts them all', () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 12 }), (b, cuts) => {
        const bytes = text(b, true);
        const whole = JSON.parse(bytes.toString('utf8')) as typeof b;
        // The element's bytes hold the label as a JSON string: in mcs_label or anywhere else in it.
        const holds = (j: unknown) => JSON.stringify(j).includes(JSON.stringify(LABEL));
        expect(split(bytes, cuts, keepLabelled)).to.deep.equal({ body: { ...whole, jobs: whole.jobs.filter(holds) }, listed: b.jobs.length });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the other keys wherever they stand, before or after the jobs, and a key named jobs deeper down', () => {
    const b = { meta: { jobs: [1, 2] }, jobs: [{ job_id: 1, mcs_label: 'x' }], after: { jobs: [3] }, warnings: [{ description: 'No job changes since 1' }] };
    expect(split(text(b, false), [3, 17, 40], () => false)).to.deep.equal({ body: { ...b, jobs: [] }, listed: 1 });
  });

  it('leaves a `jobs` that is no array to the decoder, and keeps scalar elements (no job either)', () => {
    expect(split(Buffer.from('{"jobs": "none"}'), [])).to.deep.equal({ body: { jobs: 'none' }, listed: 0 });
    expect(split(Buffer.from('{"jobs": [1, "s", true, null]}'), [9], () => false)).to.deep.equal({ body: { jobs: [1, 's', true, null] }, listed: 4 });
  });

  it('says malformed for what is not a whole JSON document', () => {
    for (const bad of ['slurmrestd fell over', '{"jobs": [{"a": 1}', '{"jobs": [{"a": "x]}', '{"jobs": []}}', '{"jobs": [{"a": tru}]}', '']) {
      expect(split(Buffer.from(bad), [2]), bad).to.have.property('malformed');
    }
  });

  it('holds one element at a time, not the list: a kept element parsed, the others dropped', () => {
    const splitter = new JobListSplitter(keepLabelled);
    splitter.write(Buffer.from('{"jobs": ['));
    for (let i = 0; i < 10_000; i++) splitter.write(Buffer.from(`${i === 0 ? '' : ','}{"job_id": ${i}, "mcs_label": "${i % 100 === 0 ? LABEL : 'other'}", "pad": "${'x'.repeat(200)}"}`));
    splitter.write(Buffer.from('], "last_update": {"number": 7}}'));
    const read = splitter.end();
    expect(read).to.have.property('listed', 10_000);
    expect((read as { body: { jobs: unknown[] } }).body.jobs).to.have.length(100);
    expect(splitter.envelopeText).to.equal('{"jobs": [], "last_update": {"number": 7}}');
  });
});
