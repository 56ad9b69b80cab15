import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadRepository } from '../../lib/plan/repository.js';
import { openRegistry } from '../../registry/open-registry.js';
import type { ListedInstance } from '../../registry/registry.js';
import type { RouterStatus } from '../../services/router/router-status.js';
import { meshStatus, type ExpectedModel, type MeshStatus, type RouterReport } from '../mesh-status.js';
import { renderMeshStatus } from '../mesh-status-text.js';
import { parseAddress, parseDurationMs, parseRegistry } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL } from '../paths.js';

/** The local mesh's router metrics port (`shardmesh up`, `shardmesh router` defaults). */
const DEFAULT_ROUTER = '127.0.0.1:8002';
/** How long the registry and each router get to answer one refresh. */
const ANSWER_TIMEOUT_MS = 3_000;

interface StatusOptions {
  registry: string;
  models: string;
  certs: string;
  /** Undefined when no --router is given: commander calls the collecting parser only per use. */
  router?: string[];
  json?: boolean;
  watch?: boolean;
  interval: number;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'show the mesh: per model, version, stage and partition, the replicas (health, in-flight, requests/s, p50/p99 over the last minute), missing partitions in red, and certificate expiry',
    )
    .option('--registry <url>', 'consul://HOST:PORT or embedded:DIR', parseRegistry, DEFAULT_REGISTRY_URL)
    .option(
      '--router <host:port>',
      `a router's metrics address (its --metrics-port; repeatable); default ${DEFAULT_ROUTER}`,
      (value: string, previous: string[] = []) => [...previous, parseAddress(value)],
    )
    .option(
      '--models <dir>',
      'model repository whose plans name the partitions expected (skipped if absent)',
      DEFAULT_MODELS_DIR,
    )
    .option(
      '--certs <dir>',
      'certificate store whose expiry dates to show (skipped if absent)',
      DEFAULT_CERTS_DIR,
    )
    .option('--json', 'print JSON for scripts (with --watch, one line per refresh)')
    .option('--watch', 'refresh in place until Ctrl-C')
    .option('--interval <duration>', 'with --watch: time between refreshes (e.g. 2s)', parseDurationMs, 2_000)
    .action(async (o: StatusOptions) => {
      const routers = o.router ?? [DEFAULT_ROUTER];
      const once = async (): Promise<void> => {
        const status = await gatherStatus({ ...o, router: routers });
        if (o.json) process.stdout.write(`${JSON.stringify(status, null, o.watch ? undefined : 2)}\n`);
        else {
          const text = renderMeshStatus(status, useColor());
          // In place: home and clear, so a terminal shows one screen that changes.
          process.stdout.write(o.watch && process.stdout.isTTY ? `\u001b[H\u001b[2J${text}` : text);
        }
      };
      await once();
      if (!o.watch) return;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, o.interval));
        await once();
      }
    });
}

/** Colour on a terminal; NO_COLOR turns it off, FORCE_COLOR (not 0) on, as most tools agree. */
function useColor(): boolean {
  const force = process.env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (process.env['NO_COLOR']) return false;
  return process.stdout.isTTY;
}

async function gatherStatus(o: StatusOptions & { router: string[] }): Promise<MeshStatus> {
  const [instances, plans, routers, certificates] = await Promise.all([
    registeredInstances(o.registry),
    expectedModels(o.models),
    Promise.all(o.router.map(routerReport)),
    certificateExpiries(o.certs),
  ]);
  return meshStatus({ now: new Date(), registry: o.registry, instances, plans, routers, certificates });
}

/** Every instance the registry lists, critical ones too. */
async function registeredInstances(url: string): Promise<readonly ListedInstance[]> {
  const registry = openRegistry(url);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the registry ${url} did not answer within ${ANSWER_TIMEOUT_MS} ms`)),
      ANSWER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([registry.list(), late]);
  } finally {
    clearTimeout(timer);
    // A Consul registry keeps an idle keep-alive socket; `--watch` opens a registry per refresh.
    registry.close();
  }
}

async function expectedModels(dir: string): Promise<ExpectedModel[]> {
  try {
    return (await loadRepository(dir)).map(({ plan }) => ({
      model: plan.name,
      version: plan.version,
      stages: plan.stages.map((s) => ({ stage: s.name, partitions: s.partitions.length })),
    }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function routerReport(address: string): Promise<RouterReport> {
  try {
    const response = await fetch(`http://${address}/status`, {
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    if (!response.ok) return { address, ok: false, error: `HTTP ${response.status}` };
    const status = (await response.json()) as RouterStatus;
    if (status.statusVersion !== 1) return { address, ok: false, error: 'not a shardmesh router /status' };
    return { address, ok: true, status };
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout, a bad port).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { address, ok: false, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** Every certificate (not key) file in the store: name and notAfter. */
async function certificateExpiries(dir: string): Promise<{ name: string; notAfter: string }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.pem') && !f.endsWith('-key.pem')).sort();
  } catch {
    return [];
  }
  const out: { name: string; notAfter: string }[] = [];
  for (const name of names) {
    try {
      const cert = new X509Certificate(await readFile(path.join(dir, name)));
      out.push({ name: name.slice(0, -'.pem'.length), notAfter: new Date(cert.validTo).toISOString() });
    } catch {
      // Not a certificate (a JWKS, a CA bundle we cannot read): nothing to show.
    }
  }
  return out;
}
