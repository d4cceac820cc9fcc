// The public API check under `npm test` (and so in CI): `npm run api:check`'s script must pass on
// the committed reports (api/*.api.md), and must fail on a report that differs from the API, which
// is proven here on a copy of one report with a line taken out (the committed ones untouched).

import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);

describe('the public API reports (api/*.api.md, npm run api:check)', function () {
  this.timeout(120_000);

  it('match the declarations the entries export, each documented', async () => {
    const checked = await run(process.execPath, [path.join(repoRoot, 'scripts', 'api-report.mjs')], { cwd: repoRoot }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`npm run api:check fails:\n${error.stdout ?? ''}${error.stderr ?? String(error)}`);
    });
    expect(checked.stdout.split('\n').filter((line) => line.endsWith(': as committed'))).to.have.length(3);
  });

  it('fail when a report differs from the API: here, the core report without createReducer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sdp-api-report-'));
    try {
      const committed = await readFile(path.join(repoRoot, 'api', 'core.api.md'), 'utf8');
      const line = committed.split('\n').find((l) => l.startsWith('export function createReducer('));
      expect(line, 'the core report names createReducer').to.be.a('string');
      await writeFile(path.join(dir, 'core.api.md'), committed.replace(`${line}\n`, ''));
      const configFile = path.join(repoRoot, 'api', 'core.api-extractor.json');
      const configObject = ExtractorConfig.loadFile(configFile);
      configObject.apiReport = { ...configObject.apiReport, enabled: true, reportFolder: dir, reportTempFolder: path.join(dir, 'now') };
      const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: path.join(repoRoot, 'package.json') });
      const result = Extractor.invoke(config, { localBuild: false, messageCallback: (message) => void (message.handled = true) });
      expect(result.apiReportChanged).to.equal(true);
      expect(result.succeeded).to.equal(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
