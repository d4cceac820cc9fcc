import { expect } from 'chai';
import { decodeDeployment, decodeRegisteredJob, decodeState, encodeRegisteredJob, encodeState } from '../../../lib/configdb/codecs.js';

const ARGS = { script: '#!/bin/bash\necho hi\n', partition: 'debug' };

describe('Config DB codecs', () => {
  describe('decodeDeployment', () => {
    it('reads the current fields key/kind', () => {
      const text = JSON.stringify({ key: 'proc-1', kind: 'slurm', args: ARGS });
      expect(decodeDeployment('proc-1', text, 42)).to.deep.equal({
        ok: true,
        deployment: { id: 'proc-1', kind: 'slurm', args: ARGS, revision: 42 },
      });
    });

    it('reads the older fields id/type', () => {
      const text = JSON.stringify({ id: 'proc-1', type: 'slurm', args: ARGS });
      expect(decodeDeployment('proc-1', text, 7)).to.deep.equal({
        ok: true,
        deployment: { id: 'proc-1', kind: 'slurm', args: ARGS, revision: 7 },
      });
    });

    it('reads a value as ska-sdp-config pretty-prints it', () => {
      const text = '{\n  "args": {\n    "script": "true"\n  },\n  "key": "x",\n  "kind": "slurm"\n}';
      expect(decodeDeployment('x', text, 3)).to.deep.equal({ ok: true, deployment: { id: 'x', kind: 'slurm', args: { script: 'true' }, revision: 3 } });
    });

    it('takes the id from the key path when the value names none', () => {
      expect(decodeDeployment('x', '{"kind":"slurm","args":{}}', 5)).to.deep.equal({
        ok: true,
        deployment: { id: 'x', kind: 'slurm', args: {}, revision: 5 },
      });
    });

    it('leaves args to the reducer: missing args still decode', () => {
      expect(decodeDeployment('x', '{"key":"x","kind":"slurm"}', 5)).to.deep.equal({
        ok: true,
        deployment: { id: 'x', kind: 'slurm', args: undefined, revision: 5 },
      });
    });

    it('reports other kinds as they are, even with fields this deployer would refuse', () => {
      expect(decodeDeployment('h', '{"key":"h","kind":"helm","args":{"chart":"c"}}', 9)).to.deep.equal({
        ok: true,
        deployment: { id: 'h', kind: 'helm', args: { chart: 'c' }, revision: 9 },
      });
      expect(decodeDeployment('bad_id', '{"key":"other","type":"helm","args":[]}', 9)).to.deep.equal({
        ok: true,
        deployment: { id: 'bad_id', kind: 'helm', args: [], revision: 9 },
      });
    });

    it('prefers kind over the older type when a value has both', () => {
      const decoded = decodeDeployment('x', '{"kind":"slurm","type":"helm","args":{}}', 1);
      expect(decoded.ok && decoded.deployment.kind).to.equal('slurm');
    });

    const invalid: Array<[string, string, string, string?]> = [
      ['malformed JSON', 'x', '{"key": "x", "kind": "slurm", SECRET-VALUE', 'value: not valid JSON'],
      ['an empty value', 'x', '', 'value: not valid JSON'],
      ['a JSON array', 'x', '["SECRET-VALUE"]', 'value: expected a JSON object'],
      ['a JSON string', 'x', '"SECRET-VALUE"', 'value: expected a JSON object'],
      ['null', 'x', 'null', 'value: expected a JSON object'],
      ['no kind nor type', 'x', '{"key":"x","args":{"script":"SECRET-VALUE"}}', 'kind: missing (nor the older field type)'],
      ['a kind that is not a string', 'x', '{"key":"x","kind":["SECRET-VALUE"]}', 'kind: expected a non-empty string'],
      ['an empty kind', 'x', '{"key":"x","kind":""}', 'kind: expected a non-empty string'],
      ['a type that is not a string', 'x', '{"id":"x","type":7}', 'type: expected a non-empty string'],
      ['a key that disagrees with the path', 'x', '{"key":"SECRET-VALUE","kind":"slurm","args":{}}', 'key: does not match the deployment id in the key path'],
      ['an old id that disagrees with the path', 'x', '{"id":"SECRET-VALUE","type":"slurm","args":{}}', 'id: does not match the deployment id in the key path'],
      ['a key that is not a string', 'x', '{"key":12345,"kind":"slurm","args":{}}', 'key: expected a string'],
      [
        'an id in the path that breaks the pattern',
        'bad_id',
        '{"key":"bad_id","kind":"slurm","args":{}}',
        'key: the deployment id in the key path does not match ^[A-Za-z0-9\\-]{1,96}$',
      ],
      ['an id in the path that is too long', 'a'.repeat(97), '{"kind":"slurm","args":{}}', 'key: the deployment id in the key path does not match ^[A-Za-z0-9\\-]{1,96}$'],
    ];
    for (const [what, id, text, reason] of invalid) {
      it(`refuses ${what}, naming the field and not echoing the value`, () => {
        const decoded = decodeDeployment(id, text, 11);
        expect(decoded).to.deep.equal({ ok: false, invalid: { id, reason, revision: 11 } });
        if (!decoded.ok) {
          expect(decoded.invalid.reason).not.to.contain('SECRET');
          expect(decoded.invalid.reason).not.to.contain('12345');
        }
      });
    }
  });

  describe('decodeState', () => {
    it('reads every known field', () => {
      const state = { status: 'FAILED', job_id: 17, slurm_state: 'FAILED', reason: 'NonZeroExitCode', exit_code: 3, signal: 0 };
      expect(decodeState(JSON.stringify(state))).to.deep.equal(state);
    });

    it('keeps only known fields of the right type', () => {
      const text = JSON.stringify({ status: 'RUNNING', job_id: '17', slurm_state: 5, reason: 'ok', exit_code: 1.5, extra: { a: 1 } });
      expect(decodeState(text)).to.deep.equal({ status: 'RUNNING', reason: 'ok' });
    });

    const unreadable: Array<[string, string]> = [
      ['malformed JSON', '{"status":'],
      ['not an object', '["RUNNING"]'],
      ['no status', '{"job_id": 1}'],
      ['an unknown status', '{"status": "DONE", "job_id": 1}'],
      ['a status of the wrong type', '{"status": 1}'],
    ];
    for (const [what, text] of unreadable) {
      it(`ignores a state with ${what}`, () => {
        expect(decodeState(text)).to.equal(undefined);
      });
    }
  });

  describe('encodeState', () => {
    it('writes sorted keys with a two-space indent, like ska-sdp-config', () => {
      expect(encodeState({ status: 'RUNNING', slurm_state: 'RUNNING', job_id: 17 })).to.equal(
        '{\n  "job_id": 17,\n  "slurm_state": "RUNNING",\n  "status": "RUNNING"\n}',
      );
    });

    it('writes nothing for absent fields and nothing unknown', () => {
      const state = { status: 'PENDING', reason: undefined, bogus: 'x' } as unknown as Parameters<typeof encodeState>[0];
      expect(encodeState(state)).to.equal('{\n  "status": "PENDING"\n}');
    });

    it('round-trips through decodeState', () => {
      const state = {
        status: 'FINISHED',
        job_id: 5,
        slurm_state: 'COMPLETED',
        reason: 'None',
        exit_code: 0,
        signal: 0,
        generation: 2,
        duplicate_jobs: [6, 9],
      } as const;
      expect(decodeState(encodeState(state))).to.deep.equal(state);
    });
  });

  describe('job registry entries', () => {
    it('writes the deployment and the comment with sorted keys, as ska-sdp-config writes values, and reads them back', () => {
      const job = { jobId: 7, deployment: 'd1', comment: 'sdp-slurm-deployer:deployment=d1;submit=r10;spec=abc' };
      const text = encodeRegisteredJob(job);
      expect(text).to.equal('{\n  "comment": "sdp-slurm-deployer:deployment=d1;submit=r10;spec=abc",\n  "deployment": "d1"\n}');
      expect(decodeRegisteredJob(7, text)).to.deep.equal(job);
    });

    it('reads a damaged entry as none', () => {
      for (const text of ['not json', '{}', '{"deployment": "d1"}', '{"deployment": 1, "comment": ""}', '{"deployment": "", "comment": ""}', '[]']) {
        expect(decodeRegisteredJob(7, text), text).to.equal(undefined);
      }
    });
  });
});
