import { credentials, Metadata, status as Status, type Client, type ChannelCredentials } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createSecureContext } from 'node:tls';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { runCertsInit, runCertsIssue } from '../certs/cli.js';
import { loadTlsFiles, type TlsMaterial } from '../certs/credentials.js';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService, type ChildService } from '../cli/child-service.js';
import { loadInferencePackage } from '../lib/grpc/protos.js';
import { ChildLogs, message } from './harness/child-logs.js';
import { makeCertificates } from './harness/mesh.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'shardmesh-test';
const quiet = (): void => undefined;

/** Who the router takes for a client: certificates, bearer tokens, and the TLS versions it speaks. */
describe('authentication at the router', () => {
  const matrix: [string, string][] = [];
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let jwksFile: string;
  let tokenRouter: ChildService;
  let certRouter: ChildService;
  let logs: ChildLogs;
  const keys = new Map<string, { privateKey: CryptoKey; publicKey: CryptoKey }>();
  const tls = new Map<string, TlsMaterial>();

  const writeJwks = async (kids: readonly string[], text?: string): Promise<void> => {
    const jwks = {
      keys: await Promise.all(
        kids.map(async (kid) => ({ ...(await exportJWK(keys.get(kid)!.publicKey)), kid, alg: 'ES256' })),
      ),
    };
    // As an operator's tooling replaces a file: write aside, then rename over it.
    await writeFile(`${jwksFile}.new`, text ?? JSON.stringify(jwks));
    await rename(`${jwksFile}.new`, jwksFile);
  };

  before(async () => {
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-authn-'));
    // A second trust domain whose CA the router also trusts (a federated bundle): its client
    // certificates pass TLS, so only the trust-domain check can refuse them.
    const foreign = path.join(work, 'foreign');
    await runCertsInit({ dir: foreign, trustDomain: 'other.test' }, quiet);
    await runCertsIssue({ dir: foreign, role: 'client', name: 'client' }, quiet);
    await writeFile(
      path.join(certs.dir, 'ca.pem'),
      Buffer.concat([
        await readFile(path.join(certs.dir, 'ca.pem')),
        await readFile(path.join(foreign, 'ca.pem')),
      ]),
    );
    for (const name of ['client', 'router', 'shard-0'])
      tls.set(name, await loadTlsFiles(storeTlsFiles(certs.dir, name)));
    tls.set('foreign', await loadTlsFiles(storeTlsFiles(foreign, 'client')));
    for (const kid of ['a', 'b', 'unknown'])
      keys.set(kid, await generateKeyPair('ES256', { extractable: true }));
    await mkdir(path.join(work, 'jwks'));
    jwksFile = path.join(work, 'jwks', 'jwks.json');
    await writeJwks(['a']);
    const models = path.join(work, 'models');
    await mkdir(models);
    const registry = `embedded:${path.join(work, 'registry')}`;
    // Authorization is not what this file tests: every authenticated caller may do everything.
    const policy = path.join(work, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({
        version: 1,
        rules: [
          {
            principals: [{ spiffe: 'spiffe://*/*/*' }, { claim: 'iss', equals: ISSUER }],
            verbs: ['*'],
            models: ['*'],
          },
        ],
      }),
    );
    const common = [
      'router',
      '--policy',
      policy,
      '--models',
      models,
      '--certs',
      certs.dir,
      '--registry',
      registry,
      '--port',
      '0',
      '--metrics-port',
      '0',
    ];
    tokenRouter = await startChildService(
      'router',
      [...common, '--jwks', jwksFile, '--token-issuer', ISSUER, '--token-audience', AUDIENCE],
      { logs: 'pipe', env: { ...process.env, SHARDMESH_LOG_LEVEL: 'info' } },
    );
    logs = ChildLogs.tap(tokenRouter);
    certRouter = await startChildService(
      'router-allowing',
      [
        ...common,
        ...['--allow-client-identity', 'spiffe://shardmesh.local/router/*'],
        ...['--allow-client-identity', 'spiffe://shardmesh.local/shard/shard-*'],
        ...['--tls-min-version', 'TLSv1.2'],
      ],
      { logs: 'ignore' },
    );
  });

  after(async () => {
    console.log(`authentication matrix:\n${matrix.map(([c, s]) => `  ${c.padEnd(58)} ${s}`).join('\n')}`);
    await Promise.all([tokenRouter?.stop(5_000), certRouter?.stop(5_000)]);
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const Service = loadInferencePackage().service;
  // Generated methods are untyped on a loaded service; these are the two shapes used here.
  type V2Client = Client & {
    ServerLive(
      request: object,
      metadata: Metadata,
      options: object,
      callback: (error: { code: Status; details: string } | null) => void,
    ): void;
    ModelStreamInfer(metadata: Metadata): NodeJS.EventEmitter & { write(m: object): void; end(): void };
  };
  const channel = (
    material: TlsMaterial | undefined,
    maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3',
  ): ChannelCredentials =>
    credentials.createFromSecureContext(
      createSecureContext({
        ca: tls.get('client')!.caPem,
        ...(material ? { cert: material.certPem, key: material.keyPem } : {}),
        maxVersion,
      }),
    );

  /** ServerLive (authentication only) as `name`, recording the status in the printed matrix. */
  const live = async (
    caseName: string,
    router: ChildService,
    creds: ChannelCredentials,
    token?: string,
  ): Promise<{ code: Status; details: string }> => {
    const client = new Service(`127.0.0.1:${router.port}`, creds) as unknown as V2Client;
    const metadata = new Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    const result = await new Promise<{ code: Status; details: string }>((resolve) =>
      client.ServerLive(
        {},
        metadata,
        { deadline: Date.now() + 10_000 },
        (error: { code: Status; details: string } | null) =>
          resolve(error ? { code: error.code, details: error.details } : { code: Status.OK, details: '' }),
      ),
    );
    client.close();
    matrix.push([caseName, `${Status[result.code]} ${result.details.split('\n')[0]!.slice(0, 90)}`]);
    return result;
  };

  const sign = (kid: string, claims: JWTPayload = {}, alg = 'ES256'): Promise<string> =>
    new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'team-a', ...claims })
      .setProtectedHeader({ alg, kid })
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? '10m')
      .sign(keys.get(kid)!.privateKey);

  const refused = (r: { code: Status; details: string }, why: RegExp): void => {
    assert.equal(r.code, Status.UNAUTHENTICATED, r.details);
    assert.match(r.details, why);
    assert.doesNotMatch(r.details, /spiffe:\/\//, 'no identities in messages');
  };

  test('a client certificate is accepted', async () => {
    assert.equal((await live('client cert', tokenRouter, channel(tls.get('client')))).code, Status.OK);
  });

  test('router and shard certificates are refused as clients', async () => {
    refused(
      await live('router cert', tokenRouter, channel(tls.get('router'))),
      /router certificate is not accepted/,
    );
    refused(
      await live('shard cert', tokenRouter, channel(tls.get('shard-0'))),
      /shard certificate is not accepted/,
    );
  });

  test('--allow-client-identity accepts the router and shard certificates it names', async () => {
    assert.equal(
      (await live('router cert, allowed by pattern', certRouter, channel(tls.get('router')))).code,
      Status.OK,
    );
    assert.equal(
      (await live('shard cert, allowed by pattern', certRouter, channel(tls.get('shard-0')))).code,
      Status.OK,
    );
  });

  test('a certificate of a foreign trust domain is refused', async () => {
    refused(
      await live('foreign trust domain cert', tokenRouter, channel(tls.get('foreign'))),
      /trust domain "other.test"/,
    );
  });

  test('no credentials: UNAUTHENTICATED with tokens on, refused at TLS without', async () => {
    refused(await live('no credentials (tokens on)', tokenRouter, channel(undefined)), /no credentials/);
    const r = await live('no credentials (certificates only)', certRouter, channel(undefined));
    assert.equal(r.code, Status.UNAVAILABLE, r.details);
  });

  test('a valid token is accepted without a client certificate', async () => {
    assert.equal(
      (await live('valid token', tokenRouter, channel(undefined), await sign('a'))).code,
      Status.OK,
    );
  });

  test('a call with both a certificate and a token is who the token says', async () => {
    // The router's certificate alone is refused (above); with a valid token the token decides.
    const both = await live(
      'router cert + valid token',
      tokenRouter,
      channel(tls.get('router')),
      await sign('a'),
    );
    assert.equal(both.code, Status.OK, both.details);
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign('a', { exp: now - 120 });
    refused(
      await live('client cert + expired token', tokenRouter, channel(tls.get('client')), expired),
      /expired/,
    );
  });

  test('tokens that are expired, early, or for someone else are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const none = channel(undefined);
    refused(await live('expired token', tokenRouter, none, await sign('a', { exp: now - 120 })), /expired/);
    refused(
      await live('not-yet-valid token', tokenRouter, none, await sign('a', { nbf: now + 120 })),
      /not yet valid/,
    );
    refused(
      await live('wrong audience', tokenRouter, none, await sign('a', { aud: 'other' })),
      /wrong audience/,
    );
    refused(
      await live('wrong issuer', tokenRouter, none, await sign('a', { iss: 'https://evil.test' })),
      /wrong issuer/,
    );
  });

  test('alg none, HMAC with the public key, and unknown keys are refused', async () => {
    const none = channel(undefined);
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const unsigned = `${b64({ alg: 'none', kid: 'a' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp })}.`;
    refused(await live('alg: none', tokenRouter, none, unsigned), /algorithm not allowed/);
    const publicJwk = JSON.stringify(await exportJWK(keys.get('a')!.publicKey));
    const hmac = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'a' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(publicJwk));
    refused(await live('HS256 signed with the public key', tokenRouter, none, hmac), /algorithm not allowed/);
    refused(await live('token from an unknown key', tokenRouter, none, await sign('unknown')), /unknown key/);
    refused(await live('malformed authorization header', tokenRouter, none, 'not-a-jwt'), /malformed/);
  });

  /** One ModelStreamInfer message for an unknown model: past authentication it is NOT_FOUND in-band. */
  const stream = async (caseName: string, token?: string): Promise<{ code: Status; messages: string[] }> => {
    const client = new Service(`127.0.0.1:${tokenRouter.port}`, channel(undefined)) as unknown as V2Client;
    const metadata = new Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    const call = client.ModelStreamInfer(metadata);
    const messages: string[] = [];
    call.on('data', (m: { error_message: string }) => messages.push(m.error_message));
    const code = await new Promise<Status>((resolve) => {
      call.on('error', (e: { code: Status }) => resolve(e.code));
      call.on('status', (s: { code: Status }) => resolve(s.code));
      call.write({ model_name: 'no-such-model', id: 'r1', inputs: [], outputs: [], raw_input_contents: [] });
      call.end();
    });
    client.close();
    matrix.push([caseName, `${Status[code]} ${messages.join('; ').slice(0, 90)}`]);
    return { code, messages };
  };

  test('ModelStreamInfer: refused without credentials, served with a token', async () => {
    const without = await stream('stream, no credentials');
    assert.equal(without.code, Status.UNAUTHENTICATED);
    assert.deepEqual(without.messages, []);
    const withToken = await stream('stream, valid token', await sign('a'));
    assert.equal(withToken.code, Status.OK);
    assert.match(withToken.messages[0] ?? '', /^NOT_FOUND/);
  });

  test('a stream opened with a token ends UNAUTHENTICATED at its first message after the token expires', async () => {
    // Expired 27 s ago: inside the router's 30 s clock skew when the stream opens, outside it 3 s later.
    const token = await sign('a', { exp: Math.floor(Date.now() / 1000) - 27 });
    const client = new Service(`127.0.0.1:${tokenRouter.port}`, channel(undefined)) as unknown as V2Client;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const call = client.ModelStreamInfer(metadata);
    const messages: string[] = [];
    const request = (id: string): object => ({
      model_name: 'no-such-model',
      id,
      inputs: [],
      outputs: [],
      raw_input_contents: [],
    });
    const ended = new Promise<{ code: Status; details: string }>((resolve) => {
      call.on('error', (e: { code: Status; details: string }) => resolve(e));
      call.on('status', (s: { code: Status; details: string }) => resolve(s));
    });
    const answered = new Promise<void>((resolve) =>
      call.on('data', (m: { error_message: string }) => {
        messages.push(m.error_message);
        resolve();
      }),
    );
    call.write(request('before'));
    await answered;
    await new Promise((r) => setTimeout(r, 3_500));
    call.write(request('after'));
    const status = await ended;
    client.close();
    matrix.push([
      'stream, token expires mid-stream',
      `${Status[status.code]} ${status.details.slice(0, 80)}`,
    ]);
    assert.equal(messages.length, 1, 'the message before expiry was answered, the one after was not');
    assert.match(messages[0]!, /^NOT_FOUND/);
    refused(status, /expired during the stream/);
  });

  test('a rotated JWKS file takes effect while running; an invalid one keeps the keys', async () => {
    const none = channel(undefined);
    const tokenA = await sign('a');
    const tokenB = await sign('b');
    await writeJwks(['a', 'b']);
    await logs.waitFor('the JWKS reload', message('token keys reloaded'));
    assert.equal((await live('key b after rotation in', tokenRouter, none, tokenB)).code, Status.OK);
    assert.equal((await live('key a, still in the file', tokenRouter, none, tokenA)).code, Status.OK);
    await writeJwks([], '{"keys": [');
    await logs.waitFor('the invalid JWKS', message('new token keys invalid; keeping the old'));
    assert.equal((await live('key b after an invalid JWKS', tokenRouter, none, tokenB)).code, Status.OK);
    const since = logs.lines.length;
    await writeJwks(['b']);
    await logs.waitFor('the JWKS reload', message('token keys reloaded'), 30_000, since);
    refused(await live('key a after removal', tokenRouter, none, tokenA), /unknown key/);
    assert.equal((await live('key b after a removed', tokenRouter, none, tokenB)).code, Status.OK);
  });

  test('TLS 1.2 clients are refused unless --tls-min-version TLSv1.2', async () => {
    const r = await live('TLS 1.2-only client (default)', tokenRouter, channel(tls.get('client'), 'TLSv1.2'));
    assert.equal(r.code, Status.UNAVAILABLE, r.details);
    const allowed = await live(
      'TLS 1.2-only client, --tls-min-version TLSv1.2',
      certRouter,
      channel(tls.get('client'), 'TLSv1.2'),
    );
    assert.equal(allowed.code, Status.OK, allowed.details);
  });
});
