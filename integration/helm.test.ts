// The Helm chart (deploy/helm/shardmesh), offline: `helm lint --strict`, `helm template` with the
// default values (placement mode), ci/placement-values.yaml and ci/multi-group-values.yaml (groups
// mode), every rendered object validated against
// Kubernetes KUBERNETES_VERSION's own schemas in strict mode (kubernetes-validate, which rejects
// unknown fields as well as wrong types), a wrong value refused by values.schema.json, and what the
// rendered objects say: the flags they pass exist, certificates come from the Secrets, the router
// reads plans from Consul only (no --models, no model volume), generic workers get no --serve and a
// --capacity-bytes their memory limit holds, each shard StatefulSet's budget selects exactly its
// pods, a group's memory follows its partition sizes.
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
const PLACEMENT = path.join(CHART, 'ci', 'placement-values.yaml');
/** Every values file the tests render: [] is the chart's defaults. */
const VALUE_SETS = [
  ['default', []],
  ['placement', [PLACEMENT]],
  ['multi-group', [MULTI_GROUP]],
] as const;

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
    for (const [name, values] of VALUE_SETS) rendered.set(name, objects(await render(...values)));
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('helm lint --strict passes with the default, placement and multi-group values', async () => {
    for (const [, files] of VALUE_SETS) {
      const values = files.flatMap((v) => ['-f', v]);
      const r = await helm('lint', '--strict', '--kube-version', KUBERNETES_VERSION, CHART, ...values);
      assert.equal(r.code, 0, `${values.join(' ')}\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test(`the rendered manifests are valid Kubernetes ${KUBERNETES_VERSION} objects (strict)`, async () => {
    for (const [name, values] of VALUE_SETS) {
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
      'shards:\n  mode: groups\n  groups:\n    - name: a\n      replicas: two\n      partitions: [{serve: a/1/0/0, sizeMiB: 1}]\n',
      'shards:\n  workers:\n    replicas: two\n',
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

  test('a worker memory limit that leaves no room for partitions, or an unknown mode, is refused', async () => {
    for (const [wrong, message] of [
      // 256 base + 256 in flight: nothing left for weights.
      ['shards:\n  workers:\n    memoryMiB: 512\n', /shards\.workers\.memoryMiB 512 leaves no room/],
      ['shards:\n  mode: static\n', /mode.*(placement|groups)/s],
    ] as const) {
      const file = path.join(work, 'wrong.yaml');
      await writeFile(file, wrong);
      const template = await helm('template', 'mesh', CHART, '-f', file);
      assert.notEqual(template.code, 0, template.stdout);
      assert.match(template.stderr, message);
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

  test('in every mode the router reads plans from Consul only: no --models, no model volume', () => {
    for (const [name, objs] of rendered) {
      const pod = objs.find((o) => o.kind === 'Deployment')!.spec['template'].spec;
      const container = pod.containers[0];
      assert.equal(flag(container.args, '--models'), undefined, `${name}: router --models`);
      assert.match(flag(container.args, '--registry')!, /^consul:\/\//, name);
      assert.deepEqual(
        pod.volumes.map((v: { name: string }) => v.name),
        name === 'multi-group' ? ['tls', 'tmp'] : ['tls', 'policy', 'tmp'],
        `${name}: router volumes`,
      );
      assert.deepEqual(
        container.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
        name === 'multi-group'
          ? ['/etc/shardmesh/tls', '/tmp']
          : ['/etc/shardmesh/tls', '/etc/shardmesh/policy', '/tmp'],
        `${name}: router mounts`,
      );
    }
  });

  test("each shard group's PodDisruptionBudget selects exactly that group's pods", () => {
    for (const [name, objs] of rendered) {
      const sets = objs.filter((o) => o.kind === 'StatefulSet');
      const budgets = objs.filter(
        (o) =>
          o.kind === 'PodDisruptionBudget' && o.metadata.labels?.['app.kubernetes.io/component'] === 'shard',
      );
      assert.equal(budgets.length, sets.length, name);
      assert.equal(sets.length, name === 'multi-group' ? 2 : 1);
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
    const placement = rendered.get('placement')!.filter((o) => o.kind === 'PodDisruptionBudget');
    assert.deepEqual(
      placement.map((b) => [b.metadata.name, b.spec['minAvailable'], b.spec['maxUnavailable']]),
      [
        ['mesh-shardmesh-router', undefined, 1],
        ['mesh-shardmesh-shard-workers', 5, undefined],
      ],
    );
  });

  test('placement mode: generic workers, no --serve, --capacity-bytes their memory limit holds', () => {
    // What each values file sets that the rendered args do not show.
    const memory = {
      default: { baseMiB: 256, weightsFactor: 2, capacity: '1792MiB' }, // (4096 − 256 − 256) / 2
      placement: { baseMiB: 512, weightsFactor: 1.5, capacity: '9898MiB' }, // ⌊(16384 − 512 − 1024) / 1.5⌋
    };
    for (const [name, m] of Object.entries(memory)) {
      const sets = rendered.get(name)!.filter((o) => o.kind === 'StatefulSet');
      assert.deepEqual(
        sets.map((x) => x.metadata.name),
        ['mesh-shardmesh-shard-workers'],
        `${name}: workers only, no group StatefulSets`,
      );
      const pod = sets[0]!.spec['template'].spec;
      const c = pod.containers[0];
      assert.deepEqual(flags(c.args, '--serve'), [], `${name}: a worker has no --serve`);
      const capacity = flag(c.args, '--capacity-bytes');
      assert.equal(capacity, m.capacity, name);
      // The memory formula holds with the capacity full, and one more MiB of partitions would break it.
      const limitMiB = mib(c.resources.limits.memory);
      assert.equal(c.resources.requests.memory, c.resources.limits.memory, name);
      const inflightMiB = mib(flag(c.args, '--max-inflight-bytes')!);
      const need = (capacityMiB: number): number => m.baseMiB + m.weightsFactor * capacityMiB + inflightMiB;
      assert.ok(need(mib(capacity!)) <= limitMiB, `${name}: ${capacity} overfills ${limitMiB} MiB`);
      assert.ok(need(mib(capacity!) + 1) > limitMiB, `${name}: ${capacity} wastes room in ${limitMiB} MiB`);
      // Workers fetch into a writable cache at --models; no model repository volume.
      const models = flag(c.args, '--models');
      const cacheMount = c.volumeMounts.find((v: { name: string }) => v.name === 'cache');
      assert.deepEqual(cacheMount, { name: 'cache', mountPath: models }, name);
      assert.ok(!pod.volumes.some((v: { name: string }) => v.name === 'models'), name);
      assert.equal(flag(c.readinessProbe.exec.command, '--name'), 'shard');
      assert.match(flag(c.args, '--advertise-address')!, /^\$\(POD_NAME\)\.mesh-shardmesh-shard\./);
      // Spread over topologyKey, counting the workers' own pods and no others.
      const [spread, ...more] = pod.topologySpreadConstraints;
      assert.equal(more.length, 0);
      assert.deepEqual(spread.labelSelector.matchLabels, sets[0]!.spec['selector'].matchLabels, name);
      assert.equal(spread.maxSkew, 1);
    }
    const byName = (name: string) => {
      const set = rendered.get(name)!.find((o) => o.kind === 'StatefulSet')!;
      return { set, pod: set.spec['template'].spec };
    };
    const d = byName('default');
    assert.deepEqual(
      d.pod.volumes.find((v: { name: string }) => v.name === 'cache'),
      {
        name: 'cache',
        emptyDir: { sizeLimit: '20Gi' },
      },
    );
    assert.equal(d.set.spec['volumeClaimTemplates'], undefined);
    assert.equal(d.pod.topologySpreadConstraints[0].topologyKey, 'kubernetes.io/hostname');
    assert.equal(d.pod.topologySpreadConstraints[0].whenUnsatisfiable, 'ScheduleAnyway');
    const p = byName('placement');
    assert.ok(!p.pod.volumes.some((v: { name: string }) => v.name === 'cache'));
    assert.deepEqual(
      (p.set.spec['volumeClaimTemplates'] as K8sObject[]).map((t) => [t.metadata.name, t.spec]),
      [
        [
          'cache',
          {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'fast-ssd',
            resources: { requests: { storage: '200Gi' } },
          },
        ],
      ],
    );
    assert.equal(p.pod.topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
    const args = p.pod.containers[0].args as string[];
    assert.equal(flag(args, '--registry'), 'consul://$(HOST_IP):8500');
    assert.equal(flag(args, '--worker-session-ttl'), '15s');
    assert.equal(flag(args, '--threads'), '4');
    assert.equal(p.pod.terminationGracePeriodSeconds, 75);
  });

  test('groups mode renders its shards as before placement mode existed', () => {
    const set = rendered
      .get('multi-group')!
      .find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mesh-shardmesh-shard-ocr-head')!;
    const pod = set.spec['template'].spec;
    const c = pod.containers[0];
    assert.deepEqual(c.args, [
      'shard',
      '--name',
      'shard',
      '--certs',
      '/etc/shardmesh/tls',
      '--models',
      '/models',
      '--registry',
      'consul://$(HOST_IP):8500',
      '--host',
      '0.0.0.0',
      '--port',
      '8001',
      '--advertise-address',
      '$(POD_NAME).mesh-shardmesh-shard.$(POD_NAMESPACE).svc.cluster.local',
      '--threads',
      '2',
      '--max-inflight-bytes',
      '512MiB',
      '--drain-timeout',
      '30s',
      '--serve',
      'ocr-rec/1/1/0',
      '--serve',
      'ocr-rec/1/1/1',
    ]);
    assert.deepEqual(
      c.volumeMounts.find((m: { name: string }) => m.name === 'models'),
      { name: 'models', mountPath: '/models', readOnly: true },
    );
    assert.deepEqual(
      pod.volumes.find((v: { name: string }) => v.name === 'models'),
      {
        name: 'models',
        persistentVolumeClaim: { claimName: 'shardmesh-models', readOnly: true },
      },
    );
    assert.equal(pod.topologySpreadConstraints, undefined);
    assert.ok(pod.affinity.podAntiAffinity);
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

/** MiB in a size the chart writes: `1792MiB` (a flag) or `4096Mi` (a quantity). */
function mib(size: string): number {
  const match = /^(\d+)Mi(B)?$/.exec(size);
  assert.ok(match, `not a size in MiB: ${size}`);
  return Number(match[1]);
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
