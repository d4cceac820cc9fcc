// `sdp-slurm-deployer replay` as a subprocess on a journal written here: a step whose recorded
// commands differ is shown as a diff of the first differing command, not as two long arrays.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordedJournal } from '../support/recorded-journal.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);

describe('sdp-slurm-deployer replay', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'replay-cli-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  /** A journal of a deployment listed and polled, with the last step's state tampered. */
  async function journal(tamper: boolean): Promise<string> {
    const lines = recordedJournal(tamper);
    const file = path.join(dir, `journal-${tamper}.jsonl`);
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  async function replay(...args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, [path.join(repoRoot, 'bin', 'deployer'), 'replay', ...args]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('exits 0 on a journal that replays as recorded', async () => {
    const result = await replay('-q', await journal(false));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('');
  });

  it('exits 1 naming the line, with the first differing command as a diff', async () => {
    const result = await replay('--quiet', await journal(true));
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/line 4 differs: jobsPolled\n/);
    expect(result.stderr).to.match(/^--- recorded\n\+\+\+ replayed$/m);
    expect(result.stderr).to.match(/^- +"status": "RUNNING"/m);
    expect(result.stderr).to.match(/^\+ +"status": "PENDING"/m);
    expect(result.stderr).to.contain('1 line(s) of');
    expect(result.stderr.length, 'short, not two whole arrays').to.be.lessThan(1500);
  });
});
