// npm's prepare hook (npm ci, npm pack): compiles the TypeScript to dist/. Under
// `npm ci --omit=dev` there is no compiler: the dist/ an earlier build made is used as it is
// (an image build, a production install); without one, say so and fail.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  if (existsSync(new URL('../dist/bin/main.js', import.meta.url))) {
    console.error('prepare: typescript is not installed (--omit=dev): using the dist/ built before');
    process.exit(0);
  }
  console.error('prepare: typescript is not installed and there is no dist/: run `npm ci` (with dev dependencies) once');
  process.exit(1);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
