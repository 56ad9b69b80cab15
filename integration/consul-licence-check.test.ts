import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { writeGoModuleProxy, type GoModule } from './harness/go-module-proxy.js';
import { runTool, toolPath, type ToolResult } from './harness/tools.js';

/**
 * The licence check that guards the Consul build (scripts/tools/consul_licences.py), run as
 * scripts/tools/consul.sh runs it, against modules served by a Go module proxy in a folder: the
 * real `go mod download`, fake licences.
 */
const CHECKER = path.join(PACKAGE_ROOT, 'scripts', 'tools', 'consul_licences.py');
const MPL = 'Mozilla Public License, version 2.0\n\n1. Definitions\n';
const BUSL =
  'License text copyright (c) 2020 MariaDB Corporation Ab, All Rights Reserved.\n' +
  '"Business Source License" is a trademark of MariaDB Corporation Ab.\n\nLicensor: HashiCorp, Inc.\n';
const MIT = 'MIT License\n\nPermission is hereby granted, free of charge, ...\n';

const MODULES: GoModule[] = [
  { path: 'github.com/hashicorp/consul', version: 'v1.14.90', files: { LICENSE: MPL } },
  { path: 'github.com/hashicorp/consul', version: 'v1.17.90', files: { LICENSE: BUSL } },
  // MPL at the top, the BUSL one folder down: the check walks the whole module.
  {
    path: 'github.com/hashicorp/consul/api',
    version: 'v1.90.0',
    files: { LICENSE: MPL, 'ent/LICENSE.txt': BUSL },
  },
  { path: 'github.com/hashicorp/consul-net-rpc', version: 'v0.90.0', files: { 'net/rpc/LICENSE': MIT } },
  { path: 'github.com/hashicorp/consul-net-rpc', version: 'v0.91.0', files: { 'net/rpc/LICENSE': BUSL } },
  { path: 'github.com/hashicorp/consul-template', version: 'v0.90.0', files: { LICENSE: MIT } },
];

describe('consul licence check', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let python: string;

  before(async () => {
    python = toolPath('venv/bin/python');
    dir = await mkdtemp(path.join(os.tmpdir(), 'shardmesh-licences-'));
    env = await writeGoModuleProxy(dir, MODULES);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the checker on `modules` ("PATH VERSION" lines) with `args` before the list. */
  async function check(modules: readonly string[], ...args: string[]): Promise<ToolResult> {
    const list = path.join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(list, modules.map((m) => `${m}\n`).join(''));
    return runTool(python, [CHECKER, ...args, list], 60_000, { env, cwd: dir });
  }

  test('passes MPL-2.0 consul modules and counts them', async () => {
    const r = await check(['github.com/hashicorp/consul v1.14.90', 'github.com/example/other v1.0.0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1');
  });

  test('fails loudly on a consul module under the Business Source License', async () => {
    const r = await check(['github.com/hashicorp/consul v1.14.90', 'github.com/hashicorp/consul v1.17.90']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /licence check: github\.com\/hashicorp\/consul@v1\.17\.90 is under the Business Source License/,
    );
  });

  test('fails on BUSL text in a licence file below the top folder', async () => {
    const r = await check(['github.com/hashicorp/consul/api v1.90.0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /consul\/api@v1\.90\.0 is under the Business Source License/);
  });

  test('fails on a consul module under another licence', async () => {
    const r = await check(['github.com/hashicorp/consul-template v0.90.0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /consul-template@v0\.90\.0 is not under the Mozilla Public License 2\.0/);
  });

  test('a consul module without a top-level LICENSE fails unless it is an allowed exception', async () => {
    const refused = await check(['github.com/hashicorp/consul-net-rpc v0.90.0']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /consul-net-rpc@v0\.90\.0 has no LICENSE file/);
    const allowed = await check(
      ['github.com/hashicorp/consul-net-rpc v0.90.0'],
      '--allow-no-licence',
      'github.com/hashicorp/consul-net-rpc',
    );
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  test('an allowed exception is still checked for the Business Source License', async () => {
    const r = await check(
      ['github.com/hashicorp/consul-net-rpc v0.91.0'],
      '--allow-no-licence',
      'github.com/hashicorp/consul-net-rpc',
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /consul-net-rpc@v0\.91\.0 is under the Business Source License/);
  });

  test('fails on the non-free envoyextensions and troubleshoot modules before downloading', async () => {
    const r = await check([
      'github.com/hashicorp/consul/envoyextensions v0.1.0',
      'github.com/hashicorp/consul/troubleshoot v0.1.0',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /not open source \(BUSL\):\ngithub\.com\/hashicorp\/consul\/envoyextensions@v0\.1\.0\ngithub\.com\/hashicorp\/consul\/troubleshoot@v0\.1\.0/,
    );
  });

  test('with --dirs, fails on any linked module whose licence is the BUSL', async () => {
    const linked = path.join(dir, 'linked', 'busl');
    await mkdir(linked, { recursive: true });
    await writeFile(path.join(linked, 'COPYING'), BUSL);
    const dirs = path.join(dir, 'dirs.txt');
    await writeFile(dirs, `github.com/example/busl ${linked}\n`);
    const r = await check(['github.com/example/busl v1.0.0'], '--dirs', dirs);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /github\.com\/example\/busl@v1\.0\.0, linked into consul, is under the Business Source License/,
    );
  });
});
