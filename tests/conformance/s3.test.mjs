// Amazon S3 (restXml) through @aws-sdk/client-s3, as far as invocation logs need:
// buckets, objects and ListObjectsV2 paging, path-style and virtual-host style,
// with S3's own SigV4 rules and its XML errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  S3Client,
  CreateBucketCommand,
  HeadBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { startAwsim, rejectsWith, collect, KEY } from './lib/awsim.mjs';

let sim, s3;
before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--region', 'eu-west-1']);
  s3 = new S3Client(sim.config({ forcePathStyle: true }));
  await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
});
after(async () => assert.equal(await sim.stop(), 0));

test('CreateBucket and HeadBucket; a second create is BucketAlreadyOwnedByYou', async () => {
  const out = await s3.send(new CreateBucketCommand({ Bucket: 'made-here' }));
  assert.equal(out.Location, '/made-here');
  const head = await s3.send(new HeadBucketCommand({ Bucket: 'made-here' }));
  assert.equal(head.BucketRegion, 'us-east-1');
  await rejectsWith(() => s3.send(new CreateBucketCommand({ Bucket: 'made-here' })), 'BucketAlreadyOwnedByYou', 409);
  await rejectsWith(() => s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), 'InvalidBucketName', 400);
  await rejectsWith(() => s3.send(new HeadBucketCommand({ Bucket: 'not-there' })), 'NotFound', 404);
  const eu = new S3Client(sim.config({ forcePathStyle: true, region: 'eu-west-1' }));
  await eu.send(new CreateBucketCommand({ Bucket: 'in-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  assert.equal((await eu.send(new HeadBucketCommand({ Bucket: 'in-eu' }))).BucketRegion, 'eu-west-1');
});

test('PutObject and GetObject round-trip keys that need encoding, signed once', async () => {
  const keys = ['plain.txt', 'dir/sub/a b+c=d&e.json', 'ünïcødé/ключ', 'x/../y/./z', 'tilde~(paren)!*'];
  for (const Key of keys) {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'logs', Key, Body: `body of ${Key}`, ContentType: 'text/plain' }));
    assert.match(put.ETag, /^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key }));
    assert.equal(await got.Body.transformToString(), `body of ${Key}`);
    assert.equal(got.ETag, put.ETag);
    assert.equal(got.ContentType, 'text/plain');
    assert.ok(got.LastModified instanceof Date);
  }
});

test('an object of 10 MB (a large log object) round-trips and lists with its size', async () => {
  const Body = Buffer.alloc(10 * 1024 * 1024, 7);
  await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'large/object.gz', Body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'large/object.gz' }));
  const bytes = await got.Body.transformToByteArray();
  assert.equal(bytes.length, Body.length);
  assert.ok(Buffer.from(bytes).equals(Body));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'large/' }));
  assert.equal(list.Contents[0].Size, Body.length);
});

test('an object of 16 MiB is the bound: it round-trips, one byte more is RequestEntityTooLarge', async () => {
  const at = Buffer.alloc(16 * 1024 * 1024, 1);
  await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'bound/at.gz', Body: at }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'bound/at.gz' }));
  assert.equal((await got.Body.transformToByteArray()).length, at.length);
  const over = Buffer.alloc(at.length + 1, 2);
  const e = await rejectsWith(
    () => s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'bound/over.gz', Body: over })),
    'RequestEntityTooLarge', 413);
  assert.match(e.message, /16777216 bytes/);
  await rejectsWith(() => s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'bound/over.gz' })), 'NoSuchKey', 404);
  // the connection closed after the refusal; the client's next call goes on a new one
  await s3.send(new HeadBucketCommand({ Bucket: 'logs' }));
});

test('errors come in S3 XML: NoSuchKey, NoSuchBucket', async () => {
  const e = await rejectsWith(() => s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'nope' })), 'NoSuchKey', 404);
  assert.match(e.message, /The specified key does not exist/);
  assert.ok(e.$metadata.requestId);
  await rejectsWith(() => s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'k' })), 'NoSuchBucket', 404);
  await rejectsWith(() => s3.send(new ListObjectsV2Command({ Bucket: 'nobucket' })), 'NoSuchBucket', 404);
  await rejectsWith(() => s3.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'k', Body: 'x' })), 'NoSuchBucket', 404);
});

test('ListObjectsV2: prefix, StartAfter, MaxKeys and continuation tokens', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
  const keys = [];
  for (let i = 0; i < 7; i++) keys.push(`p/${String(i).padStart(2, '0')}.gz`);
  keys.push('q/other');
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
  const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
  assert.equal(all.KeyCount, 8);
  assert.equal(all.IsTruncated, false);
  assert.deepEqual(all.Contents.map((o) => o.Key), keys);
  assert.equal(all.Contents[0].Size, keys[0].length);
  const pre = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'p/', StartAfter: 'p/03.gz' }));
  assert.deepEqual(pre.Contents.map((o) => o.Key), ['p/04.gz', 'p/05.gz', 'p/06.gz']);
  assert.equal(pre.StartAfter, 'p/03.gz');
  const first = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'p/', MaxKeys: 3 }));
  assert.equal(first.IsTruncated, true);
  assert.equal(first.KeyCount, 3);
  assert.ok(first.NextContinuationToken);
  const second = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'p/', MaxKeys: 3, ContinuationToken: first.NextContinuationToken }));
  assert.deepEqual(second.Contents.map((o) => o.Key), ['p/03.gz', 'p/04.gz', 'p/05.gz']);
  const { items, pages } = await collect(paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'listing', Prefix: 'p/' }), 'Contents');
  assert.equal(pages, 4);
  assert.deepEqual(items.map((o) => o.Key), keys.slice(0, 7));
  await rejectsWith(() => s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'bogus' })), 'InvalidArgument', 400);
  const none = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'zzz' }));
  assert.equal(none.KeyCount, 0);
  assert.equal(none.Contents, undefined);
});

test('virtual-host style: the bucket in the Host header', async () => {
  const vh = new S3Client({
    endpoint: `http://localhost:${sim.port}`, region: 'us-east-1', credentials: KEY, maxAttempts: 1, forcePathStyle: false,
  });
  // The request is signed for Host logs.localhost:PORT, then sent to 127.0.0.1.
  let host;
  vh.middlewareStack.add((next) => async (args) => {
    host = args.request.headers.host ?? args.request.hostname;
    args.request.hostname = '127.0.0.1';
    return next(args);
  }, { step: 'deserialize', priority: 'low' });
  await vh.send(new PutObjectCommand({ Bucket: 'logs', Key: 'vhost/key one', Body: 'v' }));
  assert.match(host, /^logs\.localhost/);
  const got = await vh.send(new GetObjectCommand({ Bucket: 'logs', Key: 'vhost/key one' }));
  assert.equal(await got.Body.transformToString(), 'v');
  const listed = await vh.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'vhost/' }));
  assert.deepEqual(listed.Contents.map((o) => o.Key), ['vhost/key one']);
});

test('a wrong secret is SignatureDoesNotMatch; an unknown key is refused', async () => {
  const bad = new S3Client(sim.config({ forcePathStyle: true, credentials: { ...KEY, secretAccessKey: 'wrong' } }));
  await rejectsWith(() => bad.send(new GetObjectCommand({ Bucket: 'logs', Key: 'plain.txt' })), 'SignatureDoesNotMatch', 403);
  const unknown = new S3Client(sim.config({ forcePathStyle: true, credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }));
  await rejectsWith(() => unknown.send(new GetObjectCommand({ Bucket: 'logs', Key: 'plain.txt' })), 'InvalidClientTokenId', 403);
});

// Sets x-amz-content-sha256 before signing: the signer then signs that value.
const unsignedPayload = (client) =>
  client.middlewareStack.add((next) => async (args) => {
    args.request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  }, { step: 'build', priority: 'low' });

test('S3 accepts UNSIGNED-PAYLOAD; other services do not', async () => {
  const client = new S3Client(sim.config({ forcePathStyle: true }));
  unsignedPayload(client);
  await client.send(new PutObjectCommand({ Bucket: 'logs', Key: 'unsigned', Body: 'not hashed' }));
  const got = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'unsigned' }));
  assert.equal(await got.Body.transformToString(), 'not hashed');
  const br = new BedrockClient(sim.config());
  unsignedPayload(br);
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({})), 'InvalidSignatureException', 403);
});

test('operations awsim does not emulate answer 501 NotImplemented', async () => {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  await rejectsWith(() => s3.send(new DeleteObjectCommand({ Bucket: 'logs', Key: 'plain.txt' })), 'NotImplemented', 501);
});
