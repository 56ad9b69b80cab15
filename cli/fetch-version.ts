import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { checkDigest, type FileDigest } from '../lib/plan/file-digest.js';
import type { Plan } from '../lib/plan/schema.js';
import { planDir } from '../lib/plan/repository.js';
import { validatePlan } from '../lib/plan/validate.js';
import { replaceVersion } from '../lib/plan/version-swap.js';
import { ConsulClient } from '../registry/consul-client.js';
import { DEFAULT_MODELS_PREFIX, planKey } from '../registry/model-kv-layout.js';
import { parseRegistryUrl } from '../registry/open-registry.js';
import { recordedDigest } from './publish-version.js';

/** Reads a published plan from Consul KV; throws naming the key when there is none. */
export async function readPublishedPlan(
  registryUrl: string,
  name: string,
  version: string,
  prefix = DEFAULT_MODELS_PREFIX,
): Promise<Plan> {
  const location = parseRegistryUrl(registryUrl);
  if (location.kind !== 'consul')
    throw new TypeError(`--registry ${registryUrl}: fetch reads from consul://HOST:PORT`);
  const client = new ConsulClient(location.host, location.port);
  try {
    const key = planKey(prefix, name, version);
    const text = await client.readKey(key);
    if (text === undefined) throw new Error(`${name}/${version} is not published (no Consul key ${key})`);
    return validatePlan(JSON.parse(text));
  } finally {
    client.close();
  }
}

/** The bytes at a file:// or http(s):// URL, as a stream. */
async function open(url: string): Promise<Readable> {
  if (url.startsWith('file://')) return createReadStream(fileURLToPath(url));
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status}`);
  return Readable.fromWeb(response.body as ReadableStream);
}

/** Copies `url` to `file`, hashing on the way, and checks the result against `expected`. */
async function download(url: string, file: string, expected: FileDigest): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      // Past the recorded size the file is wrong whatever follows: stop reading.
      done(
        bytes > expected.bytes ? new Error(`${url}: more than the plan's ${expected.bytes} bytes`) : null,
        chunk,
      );
    },
  });
  await mkdir(path.dirname(file), { recursive: true });
  await pipeline(await open(url), count, createWriteStream(file));
  checkDigest(url, expected, { bytes, sha256: hash.digest('hex') });
}

/**
 * Downloads every partition file of a published version into `<outDir>/<name>/<version>/` with
 * the published plan.json (which records sizes and SHA-256s, so a shard checks them again at
 * load). The version folder is replaced whole (lib/plan/version-swap.ts): a failed download
 * leaves the previous folder, if any, as it was.
 */
export async function fetchVersion(plan: Plan, outDir: string): Promise<string> {
  const dir = planDir(outDir, plan.name, plan.version);
  await replaceVersion(dir, async (folder) => {
    for (const [s, stage] of plan.stages.entries())
      for (const [p, partition] of stage.partitions.entries()) {
        const where = `stages[${s}].partitions[${p}]`;
        const expected = recordedDigest(partition);
        if (partition.url === undefined)
          throw new Error(`${plan.name}/${plan.version} ${where} has no url: publish it with --base-url`);
        if (expected === undefined)
          throw new Error(`${plan.name}/${plan.version} ${where} records no SHA-256`);
        const target = path.resolve(folder, partition.file);
        if (!target.startsWith(folder + path.sep))
          throw new Error(`${where}.file ${JSON.stringify(partition.file)} leaves the version folder`);
        await download(partition.url, target, expected);
      }
    await writeFile(path.join(folder, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  });
  return dir;
}
