// The CLI's arguments, help and usage mistakes, run as a subprocess with no environment: none of
// these reach the Config DB or Slurm.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(repoRoot, 'bin', 'deployer'), ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('sdp-slurm-deployer arguments', function () {
  this.timeout(20_000);

  it('--help, -h and help list the commands under the installed name', async () => {
    const outputs = await Promise.all([cli('--help'), cli('-h'), cli('help')]);
    for (const { code, stdout } of outputs) {
      expect(code).to.equal(0);
      expect(stdout).to.contain('sdp-slurm-deployer [command] [flags]');
      for (const name of ['run', 'status', 'plan', 'replay', 'help', 'version']) expect(stdout).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
      expect(stdout).not.to.contain('SDP_SLURMDEPLOY_LOOP_INTERVAL');
      expect(stdout).not.to.match(/\bdeployer (status|plan)/);
    }
    expect(outputs[1]?.stdout).to.equal(outputs[0]?.stdout);
  });

  it('help <command> and <command> --help show that command alone', async () => {
    const [viaHelp, viaFlag, viaShort] = await Promise.all([cli('help', 'status'), cli('status', '--help'), cli('status', '-h')]);
    expect(viaHelp.code).to.equal(0);
    expect(viaFlag.stdout).to.equal(viaHelp.stdout);
    expect(viaShort.stdout).to.equal(viaHelp.stdout);
    expect(viaHelp.stdout).to.contain('sdp-slurm-deployer status [ID...] [-o table|wide|json|yaml]');
    expect(viaHelp.stdout).to.contain('SDP_SLURMDEPLOY_RELEASE_NAME');
    expect(viaHelp.stdout).not.to.contain('SDP_SLURMDEPLOY_LOOP_INTERVAL');
    expect((await cli('help', 'run')).stdout).to.contain('SDP_SLURMDEPLOY_LOOP_INTERVAL');
    expect((await cli('replay', '--help')).stdout).to.contain('sdp-slurm-deployer replay [-q] JOURNAL');
  });

  it('--version and version print the version', async () => {
    const [flag, word] = await Promise.all([cli('--version'), cli('version')]);
    expect(flag.stdout).to.match(/^sdp-slurm-deployer \d+\.\d+\.\d+\n$/);
    expect(word.stdout).to.equal(flag.stdout);
  });

  const mistakes: [string[], RegExp][] = [
    [['status', '--bogus'], /Unknown option '--bogus'[\s\S]*sdp-slurm-deployer status \[ID\.\.\.\]/],
    [['plan', '--watch'], /Unknown option '--watch'[\s\S]*sdp-slurm-deployer plan/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command "frobnicate"[\s\S]*sdp-slurm-deployer --help/],
    [['status', '-o', 'xml'], /--output must be one of table, wide, json, yaml \(got "xml"\)/],
    [['status', '-w', '--interval', 'soon'], /--interval must be seconds/],
    [['plan', '-o', 'yaml'], /--output must be one of text, json/],
    [['plan', 'extra'], /Unexpected argument 'extra'/],
    [['run', 'extra'], /Unexpected argument 'extra'/],
    [['replay'], /a journal file is needed/],
    [['replay', 'a', 'b'], /one journal file only/],
    [['help', 'nope'], /unknown command "nope"/],
  ];
  for (const [args, message] of mistakes) {
    it(`exits 2 with the usage on stderr: ${args.join(' ')}`, async () => {
      const result = await cli(...args);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(message);
      expect(result.stderr).to.match(/^Usage:$/m);
    });
  }

  it('runs no command on a usage mistake: status with a bad flag does not ask for configuration', async () => {
    const result = await cli('status', '-o', 'xml');
    expect(result.stderr).not.to.contain('bad configuration');
  });
});
