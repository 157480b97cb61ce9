// Bedrock model invocation logging through @aws-sdk/client-bedrock (configuration)
// and @aws-sdk/client-s3 (delivery): records in the real schema, gzip'd JSON lines
// under AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/,
// delivered in batches after --invocation-log-delay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  BedrockClient,
  CreateInferenceProfileCommand,
  PutModelInvocationLoggingConfigurationCommand,
  GetModelInvocationLoggingConfigurationCommand,
  DeleteModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const FM = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
const DELAY = 400;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let sim, br, rt, s3, profile;
before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--invocation-log-delay', String(DELAY)]);
  br = new BedrockClient(sim.config());
  rt = new BedrockRuntimeClient(sim.config({ requestHandler: new NodeHttpHandler() }));
  s3 = new S3Client(sim.config({ forcePathStyle: true }));
  await s3.send(new CreateBucketCommand({ Bucket: 'bedrock-logs' }));
  profile = (await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'acme', modelSource: { copyFrom: FM } }))).inferenceProfileArn;
});
after(async () => assert.equal(await sim.stop(), 0));

const list = async (Prefix) => (await s3.send(new ListObjectsV2Command({ Bucket: 'bedrock-logs', Prefix }))).Contents ?? [];
const records = async (Key) => {
  const got = await s3.send(new GetObjectCommand({ Bucket: 'bedrock-logs', Key }));
  const text = gunzipSync(Buffer.from(await got.Body.transformToByteArray())).toString('utf8');
  assert.ok(text.endsWith('\n'));
  return text.trimEnd().split('\n').map((l) => JSON.parse(l));
};

test('the logging configuration: put, get, delete; a missing bucket is refused', async () => {
  assert.equal((await br.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig, undefined);
  await rejectsWith(() => br.send(new PutModelInvocationLoggingConfigurationCommand({
    loggingConfig: { s3Config: { bucketName: 'no-such-bucket' } },
  })), 'ValidationException', 400);
  const cfg = { s3Config: { bucketName: 'bedrock-logs', keyPrefix: 'first' }, textDataDeliveryEnabled: true };
  await br.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: cfg }));
  assert.deepEqual((await br.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig, cfg);
  await br.send(new DeleteModelInvocationLoggingConfigurationCommand({}));
  assert.equal((await br.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig, undefined);
});

test('invocations become records in the real schema, delivered as one gzip object after the delay', async () => {
  await br.send(new PutModelInvocationLoggingConfigurationCommand({
    loggingConfig: { s3Config: { bucketName: 'bedrock-logs', keyPrefix: 'inv' }, textDataDeliveryEnabled: true },
  }));
  const answers = [];
  for (const text of ['one', 'a longer question']) {
    answers.push(await rt.send(new ConverseCommand({
      modelId: profile, messages: [{ role: 'user', content: [{ text }] }], requestMetadata: { tenantId: 'acme', n: text },
    })));
  }
  const invoked = await rt.send(new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify({ max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) }));
  const invokeUsage = JSON.parse(new TextDecoder().decode(invoked.body)).usage;
  assert.deepEqual(await list('inv/'), [], 'nothing before the delay');
  await sleep(DELAY + 200);
  const objects = await list('inv/');
  assert.equal(objects.length, 1);
  const re = new RegExp(`^inv/AWSLogs/${ACCOUNT}/BedrockModelInvocationLogs/us-east-1/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/[^/]+\\.json\\.gz$`);
  const m = re.exec(objects[0].Key);
  assert.ok(m, objects[0].Key);
  const recs = await records(objects[0].Key);
  assert.equal(recs.length, 3);
  const [a, b, c] = recs;
  const ts = new Date(a.timestamp);
  assert.equal(`${m[1]}/${m[2]}/${m[3]}/${m[4]}`, ts.toISOString().slice(0, 13).replace(/[-T]/g, '/'));
  assert.equal(a.schemaType, 'ModelInvocationLog');
  assert.equal(a.schemaVersion, '1.0');
  assert.equal(a.accountId, ACCOUNT);
  assert.equal(a.region, 'us-east-1');
  assert.equal(a.identity.arn, `arn:aws:iam::${ACCOUNT}:user/awsim`);
  assert.equal(a.operation, 'Converse');
  assert.equal(a.modelId, profile);
  assert.match(a.requestId, /^[0-9a-f-]{36}$/);
  assert.notEqual(a.requestId, b.requestId);
  assert.deepEqual(a.requestMetadata, { tenantId: 'acme', n: 'one' });
  assert.equal(a.input.inputTokenCount, answers[0].usage.inputTokens);
  assert.equal(a.output.outputTokenCount, answers[0].usage.outputTokens);
  assert.equal(b.input.inputTokenCount, answers[1].usage.inputTokens);
  assert.equal(c.operation, 'InvokeModel');
  assert.equal(c.modelId, HAIKU);
  assert.equal(c.requestMetadata, undefined);
  assert.equal(c.input.inputTokenCount, invokeUsage.input_tokens);
  assert.equal(c.output.outputTokenCount, invokeUsage.output_tokens);
});

test('without a logging configuration nothing is delivered; a new prefix starts a new object', async () => {
  await br.send(new DeleteModelInvocationLoggingConfigurationCommand({}));
  await rt.send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'unlogged' }] }] }));
  await br.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: { s3Config: { bucketName: 'bedrock-logs' } } }));
  await rt.send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'logged' }] }] }));
  await sleep(DELAY + 200);
  const objects = await list('AWSLogs/');
  assert.equal(objects.length, 1);
  const recs = await records(objects[0].Key);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].input.inputTokenCount, 2); // "logged": 6 bytes
  assert.equal((await list('inv/')).length, 1);
});
