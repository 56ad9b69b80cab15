import { mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLocalMesh, type LocalMesh, type LocalMeshOptions } from '../cli/local-mesh.js';
import { summarizeCpuProfile } from './cpu-profile.js';
import { GC_DIR_ENV, PROFILE_DIR_ENV } from './process-probe.js';
import type { MeasuredProcess } from './process-cost.js';
import type { SuiteContext } from './suite-context.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'process-probe.js');

/** A mesh the bench started: its processes are measured (CPU, GC) and, with --profile, profiled. */
export interface BenchMesh {
  readonly mesh: LocalMesh;
  /** Where its processes answer GC totals (bench/process-probe.ts). */
  readonly gcDir: string;
  /** The router and every shard, by name and pid. */
  processes(): MeasuredProcess[];
  /** Stops the mesh; with --profile, names each process's .cpuprofile and records it in `ctx.profiles`. */
  stop(): Promise<void>;
}

/** The NODE_OPTIONS the children get: what was there, and the probe (process-probe.ts). */
export function childNodeOptions(existing: string | undefined): string {
  const probe = `--import="${pathToFileURL(PROBE).href}"`;
  return existing ? `${existing} ${probe}` : probe;
}

/**
 * `startLocalMesh` with the router and shards preloading bench/process-probe.ts and, in profile mode,
 * running V8's profiler (a profile is written when a process exits, so `stop()` collects
 * them). `label` names the folders: RUN_ID/gc/LABEL and RUN_ID/profiles/LABEL/NAME.cpuprofile.
 */
export async function startBenchMesh(
  ctx: SuiteContext,
  label: string,
  options: LocalMeshOptions,
): Promise<BenchMesh> {
  const gcDir = path.join(ctx.workDir, 'gc', label);
  const profileDir = ctx.cpuProfile ? path.join(ctx.workDir, 'profiles', label) : undefined;
  await mkdir(gcDir, { recursive: true });
  if (profileDir) await mkdir(profileDir, { recursive: true });
  // startLocalMesh hands its children this process's environment; it is restored once they run.
  const saved = {
    options: process.env['NODE_OPTIONS'],
    gc: process.env[GC_DIR_ENV],
    profile: process.env[PROFILE_DIR_ENV],
  };
  process.env['NODE_OPTIONS'] = childNodeOptions(saved.options);
  process.env[GC_DIR_ENV] = gcDir;
  if (profileDir) process.env[PROFILE_DIR_ENV] = profileDir;
  let mesh: LocalMesh;
  try {
    mesh = await startLocalMesh(options);
  } finally {
    restore('NODE_OPTIONS', saved.options);
    restore(GC_DIR_ENV, saved.gc);
    restore(PROFILE_DIR_ENV, saved.profile);
  }
  // The router, then the shards in name order (shard-2 before shard-10), whatever order they started in.
  const processes = (): MeasuredProcess[] =>
    [
      mesh.router,
      ...[...mesh.shards.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
    ].map((c) => ({ name: c.name, pid: c.process.pid! }));
  return {
    mesh,
    gcDir,
    processes,
    async stop() {
      const names = new Map(processes().map((p) => [p.pid, p.name]));
      await mesh.stop();
      if (profileDir) await collectProfiles(ctx, label, profileDir, names);
    },
  };
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** The probe names profiles PID.cpuprofile; they become NAME.cpuprofile. */
async function collectProfiles(
  ctx: SuiteContext,
  label: string,
  dir: string,
  names: Map<number, string>,
): Promise<void> {
  for (const file of await readdir(dir)) {
    const pid = Number(/^(\d+)\.cpuprofile$/.exec(file)?.[1]);
    const name = names.get(pid);
    if (!name) continue;
    const target = path.join(dir, `${name}.cpuprofile`);
    await rename(path.join(dir, file), target);
    ctx.profiles.push({
      mesh: label,
      process: name,
      file: path.relative(path.dirname(ctx.workDir), target),
      top: await summarizeCpuProfile(target).catch(() => []),
    });
  }
  for (const name of names.values())
    if (!ctx.profiles.some((p) => p.mesh === label && p.process === name))
      ctx.log(`profile: ${label} ${name} wrote no .cpuprofile (killed before it could exit?)`);
}
