// The Helm chart (deploy/helm/shardmesh), offline: `helm lint --strict`, `helm template` with the
// default values and with ci/multi-group-values.yaml, every rendered object validated against
// Kubernetes KUBERNETES_VERSION's own schemas in strict mode (kubernetes-validate, which rejects
// unknown fields as well as wrong types), a wrong value refused by values.schema.json, and what the
// rendered objects say: the flags they pass exist, certificates come from the Secrets, each
// partition group's budget selects exactly its pods, memory follows the partition sizes.
// Helm and kubernetes-validate come from the bootstrap (scripts/tools/helm.sh, the test venv).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../cli/run-cli.js';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { runTool, toolPath, type ToolResult } from './harness/tools.js';

/** The Kubernetes version the manifests are rendered for and validated against. */
const KUBERNETES_VERSION = '1.33.0';
const CHART = path.join(PACKAGE_ROOT, 'deploy', 'helm', 'shardmesh');
const MULTI_GROUP = path.join(CHART, 'ci', 'multi-group-values.yaml');

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('the Helm chart', () => {
  let work: string;
  let helmEnv: NodeJS.ProcessEnv;
  const helm = (...args: string[]): Promise<ToolResult> =>
    runTool(toolPath('bin/helm'), args, 120_000, { env: helmEnv });
  const render = async (...values: string[]): Promise<string> => {
    const r = await helm(
      'template',
      'mesh',
      CHART,
      '--namespace',
      'serving',
      '--kube-version',
      KUBERNETES_VERSION,
      ...values.flatMap((v) => ['-f', v]),
    );
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const objects = (manifest: string): K8sObject[] =>
    parseAllDocuments(manifest)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
  const rendered = new Map<string, K8sObject[]>();

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-helm-'));
    // Helm's cache, config and data stay in the test's folder, not in $HOME.
    helmEnv = {
      ...process.env,
      HELM_CACHE_HOME: path.join(work, 'cache'),
      HELM_CONFIG_HOME: path.join(work, 'config'),
      HELM_DATA_HOME: path.join(work, 'data'),
    };
    rendered.set('default', objects(await render()));
    rendered.set('multi-group', objects(await render(MULTI_GROUP)));
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('helm lint --strict passes with the default and the multi-group values', async () => {
    for (const values of [[], ['-f', MULTI_GROUP]]) {
      const r = await helm('lint', '--strict', '--kube-version', KUBERNETES_VERSION, CHART, ...values);
      assert.equal(r.code, 0, `${values.join(' ')}\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test(`the rendered manifests are valid Kubernetes ${KUBERNETES_VERSION} objects (strict)`, async () => {
    for (const [name, values] of [
      ['default', []],
      ['multi-group', [MULTI_GROUP]],
    ] as const) {
      const file = path.join(work, `${name}.yaml`);
      await writeFile(file, await render(...values));
      const r = await runTool(toolPath('venv/bin/kubernetes-validate'), [
        '--strict',
        '--kubernetes-version',
        KUBERNETES_VERSION,
        file,
      ]);
      assert.equal(r.code, 0, `${name}:\n${r.stdout}${r.stderr}`);
      // One "passed" line per object, so an empty render cannot pass.
      const valid = r.stdout.split('\n').filter((line) => line.includes(' passed for resource '));
      assert.equal(valid.length, rendered.get(name)!.length, r.stdout);
    }
  });

  test('a wrong value (replicas: "two") fails lint and template, naming the value', async () => {
    for (const wrong of [
      'router:\n  replicas: two\n',
      'shards:\n  groups:\n    - name: a\n      replicas: two\n      partitions: [{serve: a/1/0/0, sizeMiB: 1}]\n',
    ]) {
      const file = path.join(work, 'wrong.yaml');
      await writeFile(file, wrong);
      const lint = await helm('lint', '--strict', CHART, '-f', file);
      assert.notEqual(lint.code, 0, lint.stdout);
      assert.match(lint.stdout + lint.stderr, /replicas/);
      const template = await helm('template', 'mesh', CHART, '-f', file);
      assert.notEqual(template.code, 0, template.stdout);
      assert.match(template.stderr, /replicas.*(integer|string)/s);
    }
  });

  test('every flag the chart passes is one `shardmesh router` or `shard` has', async () => {
    const helpOf = async (command: string): Promise<string> =>
      (await runCli(PACKAGE_ROOT, command, '--help')).stdout;
    const known = { router: await helpOf('router'), shard: await helpOf('shard') };
    for (const objs of rendered.values()) {
      for (const o of objs.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
        const [command, ...args] = o.spec['template'].spec.containers[0].args as string[];
        assert.ok(command === 'router' || command === 'shard', command);
        for (const flag of args.filter((a) => a.startsWith('--')))
          assert.match(known[command], new RegExp(`\\s${flag}[ ,]`), `${o.metadata.name}: ${flag}`);
      }
    }
  });

  test('the router mounts its TLS Secret as the certificate store, and probes itself with it', () => {
    for (const objs of rendered.values()) {
      const router = objs.find((o) => o.kind === 'Deployment')!;
      const pod = router.spec['template'].spec;
      const container = pod.containers[0];
      const tls = pod.volumes.find((v: { name: string }) => v.name === 'tls');
      assert.deepEqual(tls.secret, {
        secretName: 'shardmesh-router-tls',
        defaultMode: 0o440,
        items: [
          { key: 'ca.crt', path: 'ca.pem' },
          { key: 'tls.crt', path: 'router.pem' },
          { key: 'tls.key', path: 'router-key.pem' },
        ],
      });
      assert.deepEqual(
        container.volumeMounts.find((m: { name: string }) => m.name === 'tls'),
        { name: 'tls', mountPath: '/etc/shardmesh/tls', readOnly: true },
      );
      assert.equal(flag(container.args, '--certs'), '/etc/shardmesh/tls');
      assert.equal(flag(container.args, '--name'), 'router');
      const probe = container.readinessProbe.exec.command as string[];
      assert.deepEqual(probe.slice(0, 6), [
        'node',
        'dist/cli/health-probe-main.js',
        '--certs',
        '/etc/shardmesh/tls',
        '--name',
        'router',
      ]);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(pod.securityContext.runAsNonRoot, true);
    }
  });

  test("each shard group's PodDisruptionBudget selects exactly that group's pods", () => {
    for (const [name, objs] of rendered) {
      const sets = objs.filter((o) => o.kind === 'StatefulSet');
      const budgets = objs.filter(
        (o) => o.kind === 'PodDisruptionBudget' && o.metadata.name.includes('-shard-'),
      );
      assert.equal(budgets.length, sets.length, name);
      assert.equal(sets.length, name === 'default' ? 1 : 2);
      for (const set of sets) {
        const podLabels = set.spec['template'].metadata.labels as Record<string, string>;
        const selecting = budgets.filter((b) => selects(b.spec['selector'].matchLabels, podLabels));
        assert.deepEqual(
          selecting.map((b) => b.metadata.name),
          [set.metadata.name],
          `${name}: budgets selecting ${set.metadata.name}'s pods`,
        );
      }
    }
    const multi = rendered.get('multi-group')!.filter((o) => o.kind === 'PodDisruptionBudget');
    assert.deepEqual(
      multi.map((b) => [b.metadata.name, b.spec['minAvailable'], b.spec['maxUnavailable']]),
      [
        ['mesh-shardmesh-router', undefined, 1],
        ['mesh-shardmesh-shard-ocr-head', 1, undefined],
        ['mesh-shardmesh-shard-mlp', undefined, 1],
      ],
    );
  });

  test('shards serve their partitions, advertise their pod DNS name, and request memory from partition sizes', () => {
    const sets = rendered.get('multi-group')!.filter((o) => o.kind === 'StatefulSet');
    const summary = sets.map((s) => {
      const c = s.spec['template'].spec.containers[0];
      return {
        name: s.metadata.name,
        replicas: s.spec['replicas'],
        serviceName: s.spec['serviceName'],
        serve: flags(c.args, '--serve'),
        advertise: flag(c.args, '--advertise-address'),
        registry: flag(c.args, '--registry'),
        threads: flag(c.args, '--threads'),
        inflight: flag(c.args, '--max-inflight-bytes'),
        resources: c.resources,
      };
    });
    const advertise = '$(POD_NAME).mesh-shardmesh-shard.$(POD_NAMESPACE).svc.cluster.local';
    const registry = 'consul://$(HOST_IP):8500';
    assert.deepEqual(summary, [
      {
        name: 'mesh-shardmesh-shard-ocr-head',
        replicas: 2,
        serviceName: 'mesh-shardmesh-shard',
        serve: ['ocr-rec/1/1/0', 'ocr-rec/1/1/1'],
        advertise,
        registry,
        threads: '2',
        inflight: '512MiB',
        // 256 base + ceil(2 × 600.5) + 512 in flight
        resources: { requests: { cpu: '2', memory: '1969Mi' }, limits: { memory: '1969Mi' } },
      },
      {
        name: 'mesh-shardmesh-shard-mlp',
        replicas: 3,
        serviceName: 'mesh-shardmesh-shard',
        serve: ['mlp/1/*/*'],
        advertise,
        registry,
        threads: '1',
        inflight: '256MiB',
        resources: { requests: { cpu: '1', memory: '768Mi' }, limits: { memory: '768Mi' } },
      },
    ]);
    const headless = rendered
      .get('multi-group')!
      .find((o) => o.kind === 'Service' && o.metadata.name === 'mesh-shardmesh-shard')!;
    assert.equal(headless.spec['clusterIP'], 'None');
    for (const set of sets)
      assert.ok(selects(headless.spec['selector'], set.spec['template'].metadata.labels));
  });
});

/** The value after the first `name` in `args`. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** The values after every `name` in `args`. */
function flags(args: readonly string[], name: string): string[] {
  return args.flatMap((a, i) => (a === name ? [args[i + 1]!] : []));
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
