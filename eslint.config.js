import tseslint from 'typescript-eslint';

/*
 * The layers of design.md's "Folders" table, enforced: each folder names the project folders it
 * may import; every other one is refused. Imports are relative, so a pattern matches the folder
 * name after any run of `../`, whatever the importing file's depth (no subfolder shares a name
 * with a top-level folder). Tests beside code follow their folder's rules; the exceptions below
 * say why.
 */
const FOLDERS = ['lib', 'registry', 'certs', 'services', 'partition', 'cli', 'integration', 'bench', 'sdk'];

const LAYERS = [
  { folder: 'lib', mayImport: [] },
  { folder: 'registry', mayImport: ['lib'] },
  { folder: 'certs', mayImport: ['lib'] },
  // Router and shard never import each other: they share only proto/ and lib/.
  { folder: 'services/shard', mayImport: ['lib', 'registry', 'certs'], onnxRuntime: true },
  { folder: 'services/router', mayImport: ['lib', 'registry', 'certs'] },
  { folder: 'partition', mayImport: ['lib'], onnxRuntime: true },
  // The command: everything above it in the table (not bench/, not integration/), and the SDK.
  { folder: 'cli', mayImport: ['lib', 'registry', 'certs', 'services', 'partition', 'sdk'] },
  // Nothing imports integration/; it may import everything.
  { folder: 'integration', mayImport: FOLDERS },
  { folder: 'bench', mayImport: FOLDERS.filter((f) => f !== 'integration') },
  // Client packages users install: they stand alone, with the protos copied in at pack time.
  { folder: 'sdk', mayImport: [] },
];

const design = 'design.md, "Folders"';

/**
 * `no-restricted-imports` patterns for the files of `layer`, less the refusals `except` lifts:
 * `folders` it may import after all, `onnxRuntime`, `telemetrySdk`.
 */
function layerImports(layer, except = {}) {
  const [top, sub] = layer.folder.split('/');
  const allowed = [...new Set([layer.folder, ...layer.mayImport])].map((f) => `${f}/`).join(', ');
  const refused = FOLDERS.filter(
    (f) => f !== top && !layer.mayImport.includes(f) && !(except.folders ?? []).includes(f),
  );
  const patterns = refused.map((f) => ({
    regex: `^(\\.\\./)+${f}(/|$)`,
    message: `${layer.folder}/ may import ${allowed} and npm packages, not ${f}/ (${design}).`,
  }));
  // The other services under services/, reached as ../NAME or ../../services/NAME.
  for (const other of LAYERS.filter(
    (l) => sub !== undefined && l !== layer && l.folder.startsWith(`${top}/`),
  )) {
    patterns.push({
      regex: `^(\\.\\./)+(${top}/)?${other.folder.split('/')[1]}(/|$)`,
      message: `${layer.folder}/ and ${other.folder}/ never import each other; they share proto/ and lib/ (${design}).`,
    });
  }
  if (!layer.onnxRuntime && !except.onnxRuntime)
    patterns.push({
      regex: '^onnxruntime-node$',
      message: `only services/shard/ and partition/ import onnxruntime-node (${design}).`,
    });
  if (!except.telemetrySdk)
    patterns.push({
      regex: '^@opentelemetry/sdk-',
      message: `only lib/telemetry/ imports the OpenTelemetry SDK; use @opentelemetry/api (${design}).`,
    });
  return patterns;
}

/** One flat-config entry per layer; an entry further down replaces the rule for the files it names. */
function layerConfig(files, patterns, ...extraPatterns) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...patterns, ...extraPatterns] }],
    },
  };
}

const layer = (folder) => LAYERS.find((l) => l.folder === folder);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.tools/',
      '.shardmesh/',
      'scratch/',
      'bench/results/',
      '*.js',
      // What the SDK's prepack writes: its build and its copy of the protos.
      'sdk/typescript/dist/',
      'sdk/typescript/proto/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs and reports suites itself; their returned promises need no handling.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...LAYERS.map((l) => layerConfig([`${l.folder}/**/*.ts`], layerImports(l))),

  // Inside lib/, imports run one way: plan/ and grpc/ use tensor/, which uses neither. The plan
  // layer knows no gRPC: it throws GatherError and PlanError, and services map them to statuses.
  layerConfig(
    ['lib/tensor/**/*.ts'],
    layerImports(layer('lib')),
    { regex: '^(\\.\\./)+(plan|grpc)(/|$)', message: 'lib/tensor/ imports neither lib/plan/ nor lib/grpc/.' },
    { regex: '^@grpc/', message: 'lib/tensor/ knows no gRPC.' },
  ),
  layerConfig(
    ['lib/plan/**/*.ts'],
    layerImports(layer('lib')),
    {
      regex: '^(\\.\\./)+grpc(/|$)',
      message: 'lib/plan/ throws domain errors (GatherError, PlanError); services map them to gRPC statuses.',
    },
    { regex: '^@grpc/', message: 'lib/plan/ throws domain errors; services map them to gRPC statuses.' },
  ),
  // The one place that starts the OpenTelemetry SDK.
  layerConfig(['lib/telemetry/**/*.ts'], layerImports(layer('lib'), { telemetrySdk: true })),

  // The TypeScript SDK is published on its own: nothing outside its src/ but Node's built-ins and
  // the two gRPC packages its package.json depends on.
  layerConfig(['sdk/typescript/**/*.ts'], layerImports(layer('sdk')), {
    regex: '^(?!node:|@grpc/grpc-js$|@grpc/proto-loader$|\\./)',
    message:
      'sdk/typescript/ may import node: built-ins, @grpc/grpc-js, @grpc/proto-loader and its own src/ files only (it is published on its own).',
  }),

  // Exceptions, each for one file and one reason.
  // Reading while writing is implemented once, in the client SDK (which must stand alone); the
  // router and the CLI take it from there through this file.
  layerConfig(['lib/grpc/read-while-writing.ts'], layerImports(layer('lib'), { folders: ['sdk'] })),
  // The Consul registry is tested against a real Consul agent, whose launcher is the integration
  // harness (design.md: nothing in the request path is mocked).
  layerConfig(
    ['registry/consul-registry.test.ts', 'registry/consul-model-repository.test.ts'],
    layerImports(layer('registry'), { folders: ['integration'] }),
  ),
  // The overhead suite's floor is `session.run` with nothing around it, not the shard's OrtRunner.
  layerConfig(['bench/floors/ort-session-floor.ts'], layerImports(layer('bench'), { onnxRuntime: true })),
);
