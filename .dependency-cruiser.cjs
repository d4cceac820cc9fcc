// The layers of the house, checked by dependency-cruiser (`npm run lint:layers`, and
// spec/tools/layers.spec.ts in every test run). Imports point down only:
//   bin -> streams -> lib/{slurm,configdb,auth,cli} -> lib/config -> lib/base, lib/core
// lib/core imports nothing of ours but lib/core, lib/base nothing but lib/base. Type-only imports
// count (tsPreCompilationDeps): a circle of types is still a circle. spec/ and scripts/ may
// import anything; nothing in production imports them. Nothing is ignored: no known violation,
// and no import circle anywhere in lib/, streams/ or bin/.

const OURS = '^(lib|streams|bin|spec|scripts)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment: 'lib/core is the pure decision code: it imports nothing of ours outside lib/core.',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: OURS, pathNot: '^lib/core/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'lib/core does no I/O: no Node core module (fs, net, timers, ...).',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'base-imports-only-base',
      comment: 'lib/base (Secret, SettingError, ...) lies below every other lib folder but core: it imports nothing of ours outside lib/base.',
      severity: 'error',
      from: { path: '^lib/base/' },
      to: { path: OURS, pathNot: '^lib/base/' },
    },
    {
      name: 'config-below-clients',
      comment: 'lib/config is read by the clients (lib/slurm, lib/configdb, lib/auth, lib/cli), never the other way.',
      severity: 'error',
      from: { path: '^lib/config/' },
      to: { path: '^lib/(slurm|configdb|auth|cli)/' },
    },
    {
      name: 'lib-below-streams',
      comment: 'lib/ never imports streams/, bin/, spec/ or scripts/.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(streams|bin|spec|scripts)/' },
    },
    {
      name: 'no-rxjs-in-lib',
      comment: 'lib/ is plain functions and clients; RxJS lives in streams/.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '(^|/)node_modules/rxjs/' },
    },
    {
      name: 'streams-below-bin',
      comment: 'streams/ never imports bin/, spec/ or scripts/: the CLI wires streams, not the other way.',
      severity: 'error',
      from: { path: '^streams/' },
      to: { path: '^(bin|spec|scripts)/' },
    },
    {
      name: 'bin-not-tests',
      comment: 'The command never imports spec/ or scripts/.',
      severity: 'error',
      from: { path: '^bin/' },
      to: { path: '^(spec|scripts)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import circles in production (type-only imports count).',
      severity: 'error',
      from: { path: '^(lib|streams|bin)/' },
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves: an import the cruiser cannot follow would be checked by no rule.',
      severity: 'error',
      from: { path: '^(lib|streams|bin)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
