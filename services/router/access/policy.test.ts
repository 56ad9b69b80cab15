import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_TOKEN_ISSUER } from '../../../certs/dev-tokens.js';
import { DEV_TOKEN_SUBJECT, devPolicy } from './dev-policy.js';
import { compilePolicy, decide, loadPolicy, PolicyError, quotaFor, type PolicyDocument } from './policy.js';
import type { Principal } from './principal.js';

const cert = (id: string): Principal => ({ kind: 'certificate', id, claims: {} });
const token = (sub: string, claims: Record<string, unknown> = {}): Principal => ({
  kind: 'token',
  id: sub,
  claims: { sub, ...claims },
});

const DOC: PolicyDocument = {
  version: 1,
  rules: [
    {
      name: 'ml clients infer on ocr 3',
      principals: [{ spiffe: 'spiffe://shardmesh.local/client/ml-*' }],
      verbs: ['infer'],
      models: ['ocr:3'],
    },
    {
      name: 'ml-team reads metadata',
      principals: [{ claim: 'groups', includes: 'ml-team' }, { subject: 'ops-*' }],
      verbs: ['metadata', 'statistics'],
      models: ['*'],
    },
    { principals: [{ claim: 'role', equals: 'admin' }], verbs: ['*'], models: ['ocr'] },
  ],
  quotas: [
    {
      name: 'ml',
      principals: [{ spiffe: 'spiffe://shardmesh.local/client/ml-*' }],
      quota: { requestsPerSecond: 5 },
    },
  ],
};
const policy = compilePolicy(DOC, 'test.yaml');

void describe('decide: allow rules over a default deny', () => {
  const cases: [string, Principal, Parameters<typeof decide>[2], string, string, string | undefined][] = [
    [
      'spiffe wildcard, exact version',
      cert('spiffe://shardmesh.local/client/ml-a'),
      'infer',
      'ocr',
      '3',
      'rules[0] "ml clients infer on ocr 3"',
    ],
    ['other version', cert('spiffe://shardmesh.local/client/ml-a'), 'infer', 'ocr', '4', undefined],
    [
      'empty version (router picks) needs a rule for every version',
      cert('spiffe://shardmesh.local/client/ml-a'),
      'infer',
      'ocr',
      '',
      undefined,
    ],
    ['verb not in the rule', cert('spiffe://shardmesh.local/client/ml-a'), 'admin', 'ocr', '3', undefined],
    ['other name', cert('spiffe://shardmesh.local/client/web'), 'infer', 'ocr', '3', undefined],
    [
      '* stops at / in a SPIFFE id',
      cert('spiffe://shardmesh.local/client/ml-a/x'),
      'infer',
      'ocr',
      '3',
      undefined,
    ],
    ['shard role', cert('spiffe://shardmesh.local/shard/ml-a'), 'infer', 'ocr', '3', undefined],
    ['foreign trust domain', cert('spiffe://evil.example/client/ml-a'), 'infer', 'ocr', '3', undefined],
    [
      'a token subject is not a SPIFFE id',
      token('spiffe://shardmesh.local/client/ml-a'),
      'infer',
      'ocr',
      '3',
      undefined,
    ],
    [
      'claim list includes',
      token('bob', { groups: ['x', 'ml-team'] }),
      'metadata',
      'mlp',
      '',
      'rules[1] "ml-team reads metadata"',
    ],
    ['claim list lacks', token('bob', { groups: ['x'] }), 'metadata', 'mlp', '', undefined],
    [
      'single-valued claim includes',
      token('bob', { groups: 'ml-team' }),
      'statistics',
      'mlp',
      '1',
      'rules[1] "ml-team reads metadata"',
    ],
    ['subject pattern', token('ops-carol'), 'statistics', 'mlp', '', 'rules[1] "ml-team reads metadata"'],
    ['subject pattern on a certificate', cert('ops-carol'), 'statistics', 'mlp', '', undefined],
    ['claim equals, verb *', token('dan', { role: 'admin' }), 'admin', 'ocr', '', 'rules[2]'],
    [
      'claim equals, model without version covers every version',
      token('dan', { role: 'admin' }),
      'infer',
      'ocr',
      '7',
      'rules[2]',
    ],
    ['claim equals, other model', token('dan', { role: 'admin' }), 'admin', 'mlp', '', undefined],
    ['claim equals is exact', token('dan', { role: 'admins' }), 'admin', 'ocr', '', undefined],
  ];
  for (const [what, principal, verb, name, version, rule] of cases) {
    it(`${what}: ${rule ?? 'deny'}`, () => {
      assert.deepEqual(decide(policy, principal, verb, { name, version }), {
        allowed: rule !== undefined,
        rule,
      });
    });
  }

  it('an empty policy denies everything', () => {
    const none = compilePolicy({ version: 1, rules: [] }, 'x');
    assert.equal(decide(none, token('root'), 'infer', { name: 'ocr', version: '' }).allowed, false);
  });

  it('the first matching quota entry applies; no entry: no quota', () => {
    assert.deepEqual(quotaFor(policy, cert('spiffe://shardmesh.local/client/ml-a'))?.quota, {
      requestsPerSecond: 5,
    });
    assert.equal(quotaFor(policy, cert('spiffe://shardmesh.local/client/web')), undefined);
  });
});

void describe('the dev policy', () => {
  const dev = devPolicy();
  const infer = { name: 'any', version: '' };
  it('lets client identities and dev tokens (any subject) do everything', () => {
    for (const verb of ['infer', 'metadata', 'statistics', 'admin'] as const) {
      assert.equal(decide(dev, cert('spiffe://shardmesh.local/client/demo'), verb, infer).allowed, true);
      assert.equal(
        decide(dev, token(DEV_TOKEN_SUBJECT, { iss: DEV_TOKEN_ISSUER }), verb, infer).allowed,
        true,
      );
      assert.equal(decide(dev, token('demo', { iss: DEV_TOKEN_ISSUER }), verb, infer).allowed, true);
    }
  });
  it("lets routers, shards and other issuers' tokens do nothing", () => {
    for (const principal of [
      cert('spiffe://shardmesh.local/router/r'),
      cert('spiffe://shardmesh.local/shard/s'),
      token(DEV_TOKEN_SUBJECT, { iss: 'https://issuer.example' }),
      token('someone'),
    ])
      assert.equal(decide(dev, principal, 'metadata', infer).allowed, false);
  });
});

void describe('policy files: validation names the file, the path and the fault', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-policy-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads YAML and JSON alike', async () => {
    const yamlFile = path.join(dir, 'good.yaml');
    await writeFile(
      yamlFile,
      [
        'version: 1',
        'rules:',
        '  - principals: [{ spiffe: "spiffe://shardmesh.local/client/*" }]',
        '    verbs: [infer]',
        '    models: ["ocr:*"]',
        'quotas:',
        '  - principals: [{ subject: "*" }]',
        '    quota: { requestsPerSecond: 2, concurrentRequests: 1 }',
      ].join('\n'),
    );
    const jsonFile = path.join(dir, 'good.json');
    await writeFile(jsonFile, JSON.stringify(DOC));
    const fromYaml = await loadPolicy(yamlFile);
    assert.equal(
      decide(fromYaml, cert('spiffe://shardmesh.local/client/a'), 'infer', { name: 'ocr', version: '' })
        .allowed,
      true,
    );
    assert.deepEqual(quotaFor(fromYaml, token('x'))?.quota, { requestsPerSecond: 2, concurrentRequests: 1 });
    const fromJson = await loadPolicy(jsonFile);
    assert.equal(fromJson.rules.length, 3);
  });

  const bad: [string, unknown, string, RegExp][] = [
    [
      'unknown verb',
      { version: 1, rules: [{ principals: [{ subject: 'a' }], verbs: ['write'], models: ['m'] }] },
      'rules[0].verbs[0]',
      /infer/,
    ],
    [
      'no principals',
      { version: 1, rules: [{ principals: [], verbs: ['infer'], models: ['m'] }] },
      'rules[0].principals',
      /1/,
    ],
    [
      'two kinds in one principal',
      {
        version: 1,
        rules: [
          { principals: [{ subject: 'a', spiffe: 'spiffe://x/client/a' }], verbs: ['infer'], models: ['m'] },
        ],
      },
      'rules[0].principals[0]',
      /exactly one of spiffe, subject or claim/,
    ],
    [
      'claim without includes/equals',
      { version: 1, rules: [{ principals: [{ claim: 'groups' }], verbs: ['infer'], models: ['m'] }] },
      'rules[0].principals[0]',
      /claim 'groups' needs exactly one of includes or equals/,
    ],
    [
      'spiffe pattern without scheme',
      { version: 1, rules: [{ principals: [{ spiffe: 'client/*' }], verbs: ['infer'], models: ['m'] }] },
      'rules[0].principals[0].spiffe',
      /starts with spiffe:\/\//,
    ],
    [
      'bad model pattern',
      { version: 1, rules: [{ principals: [{ subject: 'a' }], verbs: ['infer'], models: ['m:1:2'] }] },
      'rules[0].models[0]',
      /NAME or NAME:VERSION/,
    ],
    ['unknown key', { version: 1, rules: [], rule: [] }, '', /rule/],
    ['missing version', { rules: [] }, 'version', /1/],
    [
      'negative rate',
      {
        version: 1,
        rules: [],
        quotas: [{ principals: [{ subject: '*' }], quota: { requestsPerSecond: -1 } }],
      },
      'quotas[0].quota.requestsPerSecond',
      /0/,
    ],
    [
      'fractional concurrency',
      {
        version: 1,
        rules: [],
        quotas: [{ principals: [{ subject: '*' }], quota: { concurrentRequests: 1.5 } }],
      },
      'quotas[0].quota.concurrentRequests',
      /int/i,
    ],
    [
      'empty quota',
      { version: 1, rules: [], quotas: [{ principals: [{ subject: '*' }], quota: {} }] },
      'quotas[0].quota',
      /at least one limit/,
    ],
  ];
  for (const [what, document, where, reason] of bad) {
    it(`refuses ${what} at ${where || 'the top'}`, async () => {
      const file = path.join(dir, 'bad.json');
      await writeFile(file, JSON.stringify(document));
      await assert.rejects(loadPolicy(file), (error: unknown) => {
        assert.ok(error instanceof PolicyError, String(error));
        assert.equal(error.file, file);
        assert.equal(error.path, where);
        assert.match(error.reason, reason);
        assert.ok(error.message.startsWith(`${file}: `));
        return true;
      });
    });
  }

  it('refuses a file that is not YAML, and one that is missing', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'version: 1\nrules: [\n');
    await assert.rejects(loadPolicy(file), new RegExp(`^PolicyError: ${file}: is not JSON or YAML: `));
    await assert.rejects(loadPolicy(path.join(dir, 'none.yaml')), /none\.yaml: cannot be read \(ENOENT\)/);
  });
});
