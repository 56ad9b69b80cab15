import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A Go module made of in-memory files; `files` are relative to the module root, `go.mod` added. */
export interface GoModule {
  readonly path: string;
  readonly version: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * Writes `modules` as a Go module proxy in `dir` (the GOPROXY protocol over `file://`), and
 * returns the environment under which `go mod download` reads only it, into a module cache of
 * its own under `dir`: no network, no checksum database, nothing written to the user's cache.
 */
export async function writeGoModuleProxy(
  dir: string,
  modules: readonly GoModule[],
): Promise<NodeJS.ProcessEnv> {
  for (const m of modules) {
    const at = path.join(dir, 'proxy', m.path, '@v');
    const goMod = `module ${m.path}\n`;
    const entries = Object.entries({ 'go.mod': goMod, ...m.files }).map(
      ([name, text]) => [`${m.path}@${m.version}/${name}`, Buffer.from(text)] as const,
    );
    await mkdir(at, { recursive: true });
    await writeFile(path.join(at, 'list'), `${m.version}\n`, { flag: 'a' });
    await writeFile(path.join(at, `${m.version}.info`), JSON.stringify({ Version: m.version }));
    await writeFile(path.join(at, `${m.version}.mod`), goMod);
    await writeFile(path.join(at, `${m.version}.zip`), storedZip(entries));
  }
  return {
    ...process.env,
    GOPROXY: `file://${path.join(dir, 'proxy')}`,
    GOSUMDB: 'off',
    GOMODCACHE: path.join(dir, 'modcache'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
  };
}

/** A zip archive with every entry stored (no compression), as a module zip may be. */
function storedZip(entries: readonly (readonly [string, Buffer])[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** CRC-32 (IEEE), bit by bit: the files here are a few hundred bytes. */
function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
