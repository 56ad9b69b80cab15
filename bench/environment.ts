import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT, VERSION } from '../cli/paths.js';
import type { Peer } from './peers/peer.js';
import type { Environment } from './results.js';
import { PERF_ANALYZER, TOOLS_DIR } from './tools.js';

const run = promisify(execFile);

async function packageVersion(name: string): Promise<string> {
  const file = path.join(PACKAGE_ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

/**
 * perf_analyzer prints no release number (the wheel's build says "0.0.0"), so the wheel's, which
 * the bootstrap records, is given with it, and the trixie libraries it runs on, if any.
 */
async function perfAnalyzerVersion(): Promise<string> {
  const dir = path.join(TOOLS_DIR, 'bench', 'perf-analyzer');
  const read = (name: string): Promise<string> =>
    readFile(path.join(dir, name), 'utf8').then(
      (s) => s.trim(),
      () => '',
    );
  try {
    const { stdout, stderr } = await run(PERF_ANALYZER, ['--version']);
    const runtime = await read('runtime.txt');
    return `${(await read('version.txt')) || '?'} (PyPI perf-analyzer; ${(stdout + stderr).trim()}${runtime ? `; runs on Debian trixie ${runtime}` : ''})`;
  } catch (error) {
    return `not available: ${(error as Error).message}`;
  }
}

/** The machine and the versions of everything measured. */
export async function describeEnvironment(peers: readonly Peer[]): Promise<Environment> {
  const peerVersions: Environment['peers'] = {};
  for (const peer of peers) {
    try {
      peerVersions[peer.id] = { version: await peer.version(), configuration: peer.configuration };
    } catch (error) {
      peerVersions[peer.id] = {
        error: `not installed: ${(error as Error).message.split('\n')[0]}`,
        configuration: peer.configuration,
      };
    }
  }
  const cpus = os.cpus();
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    shardmesh: VERSION,
    onnxruntimeNode: await packageVersion('onnxruntime-node'),
    perfAnalyzer: await perfAnalyzerVersion(),
    peers: peerVersions,
  };
}
