// The layers of .dependency-cruiser.cjs hold over the sources: no violation, none ignored (no
// known-violations file, no `--ignore-known`), and no import circle anywhere in production. And
// every rule can fail: a throwaway tree that breaks each rule once is cruised with the same
// configuration, and each rule reports the module that breaks it, and nothing else is reported.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/repo.js';

const CONFIG = '.dependency-cruiser.cjs';
const CLI = path.join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
  readonly cycle?: readonly { readonly name: string }[];
}

interface Summary {
  readonly violations: readonly Violation[];
  readonly error: number;
  readonly ignore?: number;
}

/** depcruise's JSON summary for `args`, run in `cwd` (it exits non-zero when it finds violations). */
function cruise(cwd: string, args: readonly string[]): Promise<Summary> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, '--config', CONFIG, '--output-type', 'json', ...args], { cwd, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      try {
        resolve((JSON.parse(stdout) as { summary: Summary }).summary);
      } catch {
        reject(new Error(`depcruise gave no JSON (${String(error)}): ${stderr}`));
      }
    });
  });
}

const ruleNames = (): string[] => {
  const config = createRequire(import.meta.url)(path.join(repoRoot, CONFIG)) as { forbidden: { name: string }[] };
  return config.forbidden.map((rule) => rule.name);
};

describe('the layers (dependency-cruiser)', function () {
  this.timeout(120_000);

  it('the sources break no rule, with nothing ignored: no import circle anywhere', async () => {
    const summary = await cruise(repoRoot, ['lib', 'streams', 'bin']);
    const shown = summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle === undefined ? '' : ` (${v.cycle.map((step) => step.name).join(' -> ')})`}`);
    expect(shown).to.deep.equal([]);
    expect(summary.error).to.equal(0);
    expect(summary.ignore ?? 0).to.equal(0);
    const scripts = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['lint:layers']).to.equal(`depcruise --config ${CONFIG} lib streams bin`);
  });

  describe('each rule can fail', () => {
    let dir = '';
    // Each module breaks the rule named beside it, and only that one (a circle is reported once,
    // from where the cruise enters it).
    const tree: Record<string, readonly [rule: string, text: string]> = {
      'lib/core/a.ts': ['core-imports-only-core', "import { c } from '../config/c.js';\nexport const a = c;\n"],
      'lib/core/io.ts': ['core-does-no-io', "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n"],
      'lib/base/b.ts': ['base-imports-only-base', "import { c } from '../config/c.js';\nexport const b = c;\n"],
      'lib/config/c.ts': ['config-below-clients', "import { d } from '../configdb/d.js';\nexport const c = d;\n"],
      'lib/configdb/d.ts': ['lib-below-streams', "import { s } from '../../streams/s.js';\nexport const d = s;\n"],
      'lib/slurm/rx.ts': ['no-rxjs-in-lib', "import { of } from 'rxjs';\nexport const rx = of(1);\n"],
      'streams/s.ts': ['streams-below-bin', "import { m } from '../bin/m.js';\nexport const s = m;\n"],
      'bin/m.ts': ['bin-not-tests', "import { t } from '../spec/t.js';\nexport const m = t;\n"],
      'lib/auth/p.ts': ['no-circular', "import type { Q } from './q.js';\nexport interface P { readonly q?: Q }\n"],
      'lib/cli/u.ts': ['resolvable', "import { gone } from './missing.js';\nexport const u = gone;\n"],
    };

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sdp-layers-'));
      for (const file of [CONFIG, 'tsconfig.json', 'package.json']) await copyFile(path.join(repoRoot, file), path.join(dir, file));
      await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      const files: Record<string, string> = {
        'spec/t.ts': 'export const t = 1;\n',
        'lib/auth/q.ts': "import type { P } from './p.js';\nexport interface Q { readonly p?: P }\n",
        ...Object.fromEntries(Object.entries(tree).map(([file, [, text]]) => [file, text])),
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
    });

    after(async () => {
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    });

    it('a tree that breaks every rule once: each rule names its module, and no other is reported', async () => {
      const summary = await cruise(dir, ['lib', 'streams', 'bin']);
      const found = new Set(summary.violations.map((v) => `${v.rule.name} ${v.from}`));
      const expected = new Set(Object.entries(tree).map(([file, [rule]]) => `${rule} ${file}`));
      expect([...found].sort()).to.deep.equal([...expected].sort());
      // Every rule of the configuration is among them: none is there that could never fail.
      expect([...new Set(Object.values(tree).map(([rule]) => rule))].sort()).to.deep.equal(ruleNames().sort());
    });
  });
});
