// Every error body recorded from the real slurmrestd 22.05, classified as the reducer needs it.

import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { FailureKind } from '../../../lib/core/failure.js';
import {
  classifyAnswer,
  classifyTransportError,
  CONTROLLER_DOWN_ANSWER_MS,
  meansJobNotFound,
  type HttpAnswer,
  type SlurmOperation,
} from '../../../lib/slurm/failure-classification.js';
import { errorsOfV0038 } from '../../../lib/slurm/v0038.js';
import { fixtureFile } from '../../support/repo.js';
import { recordedBody } from '../../support/slurm-samples.js';

interface RecordedError {
  readonly file: string;
  readonly operation: SlurmOperation;
  /** HTTP status as recorded in real-slurm-stack.md section 5 and 10. */
  readonly status: number;
  readonly contentType: string;
  /** How long the real server took (ms): milliseconds normally, ~9 s (~18 s for GET job) with slurmctld down. */
  readonly elapsedMs: number;
  readonly kind: FailureKind;
  /** Words of Slurm's own message that must survive into ours. */
  readonly says: string;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain';

const RECORDED: readonly RecordedError[] = [
  { file: 'err_bad_json.json', operation: 'submit', status: 400, contentType: TEXT_TYPE, elapsedMs: 2, kind: 'permanent', says: 'Unable to parse query.' },
  { file: 'err_bad_key.json', operation: 'submit', status: 400, contentType: JSON_TYPE, elapsedMs: 2, kind: 'permanent', says: 'Unknown key "no_such_field"' },
  { file: 'err_no_env.json', operation: 'submit', status: 400, contentType: JSON_TYPE, elapsedMs: 2, kind: 'permanent', says: 'environment must be set' },
  { file: 'err_no_script.json', operation: 'submit', status: 500, contentType: JSON_TYPE, elapsedMs: 2, kind: 'permanent', says: 'Job script not specified' },
  { file: 'err_bad_partition.json', operation: 'submit', status: 500, contentType: JSON_TYPE, elapsedMs: 2, kind: 'permanent', says: 'Invalid partition name specified' },
  { file: 'err_cancel_unknown.json', operation: 'cancel', status: 500, contentType: JSON_TYPE, elapsedMs: 2, kind: 'permanent', says: 'Invalid job id specified' },
  { file: 'err_unknown_path.json', operation: 'listJobs', status: 404, contentType: TEXT_TYPE, elapsedMs: 1, kind: 'permanent', says: 'Unable find requested URL' },
  { file: 'err_no_auth.txt', operation: 'listJobs', status: 401, contentType: TEXT_TYPE, elapsedMs: 1, kind: 'auth', says: 'Authentication failure' },
  { file: 'err_bad_token.json', operation: 'listJobs', status: 500, contentType: JSON_TYPE, elapsedMs: 16, kind: 'auth', says: 'Failed while looking for jobs' },
  { file: 'err_expired_token.json', operation: 'listJobs', status: 500, contentType: JSON_TYPE, elapsedMs: 16, kind: 'auth', says: 'Unspecified error' },
  { file: 'err_token_user_mismatch.json', operation: 'listJobs', status: 500, contentType: JSON_TYPE, elapsedMs: 16, kind: 'auth', says: 'slurm_load_jobs' },
  { file: 'err_bad_token_submit.json', operation: 'submit', status: 500, contentType: JSON_TYPE, elapsedMs: 3, kind: 'auth', says: 'Zero Bytes were transmitted or received' },
  { file: 'ctld_down_jobs.json', operation: 'listJobs', status: 500, contentType: JSON_TYPE, elapsedMs: 9_100, kind: 'transient', says: 'Failed while looking for jobs' },
  { file: 'ctld_down_job_ID.json', operation: 'getJob', status: 500, contentType: JSON_TYPE, elapsedMs: 18_200, kind: 'transient', says: 'Unable to find JobId=226' },
  { file: 'ctld_down_ping.json', operation: 'listJobs', status: 500, contentType: JSON_TYPE, elapsedMs: 9_100, kind: 'transient', says: 'slurmctld config is unable to load' },
  { file: 'ctld_down_submit.json', operation: 'submit', status: 500, contentType: JSON_TYPE, elapsedMs: 9_100, kind: 'transient', says: 'Unable to contact slurm controller (connect failure)' },
  { file: 'ctld_down_delete.json', operation: 'cancel', status: 500, contentType: JSON_TYPE, elapsedMs: 9_100, kind: 'transient', says: 'unable to kill JobId=226' },
];

/** Answers that are no failure: the client reads them as "no such job" (see 'an unknown job'). */
const NOT_FOUND = ['err_unknown_job.json'];

function read(file: string): string {
  return readFileSync(fixtureFile('slurm-22.05', file), 'utf8');
}

function answerOf(r: Pick<RecordedError, 'file' | 'status' | 'contentType'>, elapsedMs?: number): HttpAnswer {
  return { status: r.status, contentType: r.contentType, text: read(r.file), ...(elapsedMs === undefined ? {} : { elapsedMs }) };
}

function errorsOf(file: string, contentType: string): ReturnType<typeof errorsOfV0038> {
  // A JSON body is read only after the v0.0.38 OpenAPI contract accepted it.
  return contentType === JSON_TYPE ? errorsOfV0038(recordedBody(file)) : [];
}

/** Classifies a recorded answer as if it came after `elapsedMs` (the recorded delay unless given; `null`: unknown). */
function classify(r: RecordedError, elapsedMs: number | null = r.elapsedMs) {
  const answer = answerOf(r, elapsedMs ?? undefined);
  return classifyAnswer(r.operation, answer, errorsOf(r.file, r.contentType));
}

describe('failure classification', () => {
  describe('recorded error answers', () => {
    it('covers every recorded error sample', () => {
      const files = readdirSync(fixtureFile('slurm-22.05')).filter((f) => /^(err_|ctld_down_)/.test(f));
      expect(files.length).to.equal(18);
      expect([...RECORDED.map((r) => r.file), ...NOT_FOUND]).to.have.members(files);
    });

    for (const r of RECORDED) {
      it(`${r.file} (${r.operation}, HTTP ${r.status}) is ${r.kind}, keeping Slurm's words`, () => {
        const failure = classify(r);
        expect(failure.kind).to.equal(r.kind);
        expect(failure.message).to.contain(r.says);
        expect(failure.message).to.match(new RegExp(`^${r.operation}: HTTP ${r.status}: `));
      });
    }

    it('keeps the Slurm error number in the message', () => {
      const partition = RECORDED.find((r) => r.file === 'err_bad_partition.json')!;
      expect(classify(partition).message).to.equal('submit: HTTP 500: Invalid partition name specified [Slurm error 2000]');
      const key = RECORDED.find((r) => r.file === 'err_bad_key.json')!;
      expect(classify(key).message).to.equal(
        'submit: HTTP 400: Unknown key "no_such_field" [hsearch_r]; Failure during parsing [Slurm error 9001]',
      );
    });
  });

  describe('slurmctld down or token rejected: the same body', () => {
    const badToken = RECORDED.find((r) => r.file === 'err_bad_token.json')!;
    const ctldDown = RECORDED.find((r) => r.file === 'ctld_down_jobs.json')!;

    it('the recorded bodies are byte for byte identical', () => {
      expect(read(badToken.file)).to.equal(read(ctldDown.file));
    });

    it('a quick answer is a rejected token, a slow one a controller that is down', () => {
      expect(classify(badToken, CONTROLLER_DOWN_ANSWER_MS - 1).kind).to.equal('auth');
      expect(classify(badToken, CONTROLLER_DOWN_ANSWER_MS).kind).to.equal('transient');
      expect(classify(ctldDown, 9_100).message).to.contain('probably down');
      expect(classify(badToken, 16).message).to.contain('token was probably rejected');
    });

    it('without a timing it is transient, and the message says both are possible', () => {
      const failure = classify(badToken, null);
      expect(failure).to.deep.equal({
        kind: 'transient',
        message:
          'listJobs: HTTP 500: Unspecified error - Failed while looking for jobs [Slurm error -1, slurm_load_jobs]: ' +
          'slurmctld is unreachable or rejected the token (Slurm does not say which)',
      });
    });

    it('on submit the two differ in the body: 5005 is auth, 1800 transient, whatever the timing', () => {
      const submitBadToken = RECORDED.find((r) => r.file === 'err_bad_token_submit.json')!;
      const submitCtldDown = RECORDED.find((r) => r.file === 'ctld_down_submit.json')!;
      expect(classify(submitBadToken, 20_000).kind).to.equal('auth');
      expect(classify(submitCtldDown, 1).kind).to.equal('transient');
      expect(classify(submitBadToken, null).kind).to.equal('auth');
    });
  });

  describe('an unknown job', () => {
    it('means "not found" for getJob only', () => {
      const unknown = errorsOfV0038(recordedBody('err_unknown_job.json'));
      expect(meansJobNotFound('getJob', unknown)).to.equal(true);
      expect(meansJobNotFound('cancel', unknown)).to.equal(false);
      expect(meansJobNotFound('listJobs', unknown)).to.equal(false);
    });

    it('is a permanent failure for cancel', () => {
      const text = read('err_cancel_unknown.json');
      const errors = errorsOfV0038(recordedBody('err_cancel_unknown.json'));
      expect(meansJobNotFound('cancel', errors)).to.equal(false);
      expect(classifyAnswer('cancel', { status: 500, text }, errors).kind).to.equal('permanent');
    });

    it('is not what slurmctld down says about GET job (error -1, "Unable to find JobId")', () => {
      const errors = errorsOfV0038(recordedBody('ctld_down_job_ID.json'));
      expect(meansJobNotFound('getJob', errors)).to.equal(false);
    });
  });

  describe('HTTP statuses without a Slurm body', () => {
    for (const status of [502, 503, 504, 429, 408]) {
      it(`${status} is transient`, () => {
        expect(classifyAnswer('submit', { status, text: '<html>Bad Gateway</html>' }, []).kind).to.equal('transient');
      });
    }

    it('a 500 with no Slurm error is transient', () => {
      expect(classifyAnswer('listJobs', { status: 500, text: '' }, [])).to.deep.equal({
        kind: 'transient',
        message: 'listJobs: HTTP 500: no Slurm error in the answer',
      });
    });

    it('403 is auth, other 4xx permanent', () => {
      expect(classifyAnswer('listJobs', { status: 403, text: 'Forbidden' }, []).kind).to.equal('auth');
      expect(classifyAnswer('submit', { status: 413, text: 'Too large' }, []).kind).to.equal('permanent');
    });

    it('an unexpected 304 is transient', () => {
      expect(classifyAnswer('listJobs', { status: 304, text: '' }, []).kind).to.equal('transient');
    });
  });

  describe('answers of later Slurm releases', () => {
    const unknownJob = [{ code: 2017, error: 'Invalid job id specified', source: 'slurm_kill_job()' }];

    it('511 (24.11+: a token slurmctld rejected) is auth', () => {
      const failure = classifyAnswer('listJobs', { status: 511, text: '' }, [{ code: 1007, error: 'Protocol authentication error' }]);
      expect(failure).to.deep.equal({ kind: 'auth', message: 'listJobs: HTTP 511: Protocol authentication error [Slurm error 1007]: slurmctld rejected the credentials' });
    });

    it("a 404 with Slurm's body (23.02.4+: unknown job) keeps Slurm's words and makes no claim about the path", () => {
      const failure = classifyAnswer('cancel', { status: 404, text: '{}' }, unknownJob);
      expect(failure).to.deep.equal({ kind: 'permanent', message: 'cancel: HTTP 404: Invalid job id specified [Slurm error 2017, slurm_kill_job()]' });
      expect(classifyAnswer('cancel', { status: 404, text: 'Unable find requested URL.' }, []).message).to.contain('does not serve this path');
    });

    it('24.11+: an unknown job in a 200 cancel answer is permanent, and says HTTP 200', () => {
      expect(classifyAnswer('cancel', { status: 200, text: '{}' }, unknownJob)).to.deep.equal({
        kind: 'permanent',
        message: 'cancel: HTTP 200: Invalid job id specified [Slurm error 2017, slurm_kill_job()]',
      });
      expect(classifyAnswer('cancel', { status: 200, text: '{}' }, [{ code: 123456, error: 'odd' }])).to.deep.equal({
        kind: 'transient',
        message: 'cancel: HTTP 200: odd [Slurm error 123456]: Slurm reported an error in a successful answer',
      });
    });

    it('422 is permanent, unless its Slurm number says otherwise (26.05+ answers slurmctld errors with 422)', () => {
      expect(classifyAnswer('submit', { status: 422, text: '' }, [{ code: 9000, error: 'Populated "script" field is required' }]).kind).to.equal('permanent');
      expect(classifyAnswer('submit', { status: 422, text: '' }, [{ code: 2000, error: 'Invalid partition name specified' }]).kind).to.equal('permanent');
      expect(classifyAnswer('submit', { status: 422, text: '' }, [{ code: 2105, error: 'busy' }]).kind).to.equal('transient');
      expect(classifyAnswer('submit', { status: 422, text: '' }, [{ code: 1802, error: 'lost' }]).kind).to.equal('unknown-outcome');
      // -1 means "down or token" only in a 500 answered late or early; in a 4xx it is our request.
      expect(classifyAnswer('listJobs', { status: 400, text: '', elapsedMs: 10 }, [{ code: -1, error: 'Unspecified error' }]).kind).to.equal('permanent');
    });
  });

  describe('Slurm error numbers', () => {
    const withCode = (operation: SlurmOperation, code: number) =>
      classifyAnswer(operation, { status: 500, text: '' }, [{ code, error: `error ${code}` }]).kind;

    it('a lost answer from slurmctld leaves a submit unknown, anything else transient', () => {
      for (const code of [1801, 1802, 1803, 5004]) {
        expect(withCode('submit', code), String(code)).to.equal('unknown-outcome');
        expect(withCode('listJobs', code), String(code)).to.equal('transient');
        expect(withCode('cancel', code), String(code)).to.equal('transient');
      }
    });

    it('an unreachable or busy slurmctld is transient', () => {
      for (const code of [1800, 1804, 2007, 2027, 2105]) expect(withCode('submit', code), String(code)).to.equal('transient');
    });

    it('credential errors are auth', () => {
      for (const code of [1007, 5005, 6000, 6001, 9008]) expect(withCode('listJobs', code), String(code)).to.equal('auth');
    });

    it('refusals of the request are permanent', () => {
      for (const code of [2000, 2002, 2009, 2017, 2045, 2066, 2099, 2127, 9001]) {
        expect(withCode('submit', code), String(code)).to.equal('permanent');
      }
    });
  });

  describe('transport errors', () => {
    const error = (code: string, message = `${code} happened`) => Object.assign(new Error(message), { code });

    it('nothing sent: transient, even for a submit', () => {
      for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']) {
        expect(classifyTransportError('submit', error(code), false).kind, code).to.equal('transient');
      }
    });

    it('a submit that timed out or was reset after it was sent has an unknown outcome', () => {
      for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']) {
        const failure = classifyTransportError('submit', error(code), true);
        expect(failure.kind, code).to.equal('unknown-outcome');
        expect(failure.message).to.contain(code);
        expect(failure.message).to.contain('the job may or may not exist');
      }
    });

    it('reads, deletes and connect-phase errors are transient', () => {
      expect(classifyTransportError('listJobs', error('UND_ERR_HEADERS_TIMEOUT'), true).kind).to.equal('transient');
      expect(classifyTransportError('getJob', error('ECONNRESET'), true).kind).to.equal('transient');
      expect(classifyTransportError('cancel', error('UND_ERR_SOCKET'), true).kind).to.equal('transient');
      expect(classifyTransportError('submit', error('UND_ERR_CONNECT_TIMEOUT'), true).kind).to.equal('transient');
    });

    it('finds the code of a wrapped cause', () => {
      const wrapped = new Error('fetch failed', { cause: error('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1') });
      expect(classifyTransportError('submit', wrapped, true)).to.deep.equal({
        kind: 'transient',
        message: 'submit: slurmrestd unreachable (ECONNREFUSED: fetch failed)',
      });
    });
  });
});
