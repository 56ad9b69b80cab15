import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./ip-servername-warning.js', import.meta.url));

/** stderr of a Node process that dials an IP with TLS (as grpc-js does) and emits one other warning. */
function stderrOf(install: boolean): string {
  const script = `
    import tls from 'node:tls';
    import { dropIpServernameWarning } from ${JSON.stringify(MODULE)};
    if (${install}) dropIpServernameWarning();
    tls.connect({ host: '127.0.0.1', port: 1, servername: '127.0.0.1' }).on('error', () => {});
    process.emitWarning('another warning', 'Warning');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return child.stderr;
}

test('the IP servername warning is dropped, and other warnings still print', () => {
  const before = stderrOf(false);
  assert.match(before, /DEP0123/, 'Node warns when nothing is installed');
  const after = stderrOf(true);
  assert.doesNotMatch(after, /DEP0123/);
  assert.match(after, /Warning: another warning/);
});
