// Amazon Bedrock Runtime (restJson1) through @aws-sdk/client-bedrock-runtime:
// Converse and InvokeModel on models and profiles, deterministic token counts, and
// the IAM evaluation of an assumed role's policies (inline, as bedrock-tenantd
// writes them, and attached managed policies).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { BedrockClient, CreateInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import {
  IAMClient,
  CreateRoleCommand,
  PutRolePolicyCommand,
  CreatePolicyCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  ListPolicyVersionsCommand,
  DeletePolicyCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const FM = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
const US_PROFILE = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.${HAIKU}`;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
});

let sim, br, rt, iam, sts, profA, profB, tenantRt;

// The role policy bedrock-tenantd writes (state/policy_doc.c) for profile arn.
const tenantPolicy = (arn) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'InvokeTenantProfiles', Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: [arn] },
      {
        Sid: 'InvokeModelsOnlyThroughTenantProfiles',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [FM, `arn:aws:bedrock:us-east-2::foundation-model/${HAIKU}`],
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': [arn] } },
      },
      { Sid: 'DescribeTenantProfiles', Effect: 'Allow', Action: 'bedrock:GetInferenceProfile', Resource: [arn] },
    ],
  });

async function assumeClient(role) {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'app' }));
  const c = out.Credentials;
  return new BedrockRuntimeClient(
    sim.config({
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      requestHandler: new NodeHttpHandler(), // awsim speaks HTTP/1.1; the client defaults to HTTP/2
    }),
  );
}

before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--region', 'eu-west-1']);
  br = new BedrockClient(sim.config());
  rt = new BedrockRuntimeClient(sim.config({ requestHandler: new NodeHttpHandler() }));
  iam = new IAMClient(sim.config());
  sts = new STSClient(sim.config());
  profA = (await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'tenant-a', modelSource: { copyFrom: US_PROFILE }, tags: [{ key: 'tenant', value: 'a' }] }))).inferenceProfileArn;
  profB = (await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'tenant-b', modelSource: { copyFrom: FM } }))).inferenceProfileArn;
  await iam.send(new CreateRoleCommand({ RoleName: 'tenant-a-app', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'tenant-a-app', PolicyName: 'bedrock-tenantd', PolicyDocument: tenantPolicy(profA) }));
  tenantRt = await assumeClient('tenant-a-app');
});
after(async () => assert.equal(await sim.stop(), 0));

const hello = (modelId, extra = {}) =>
  new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Hello there' }] }], ...extra });

test('Converse on a foundation model: the real shape, tokens from the input', async () => {
  const out = await rt.send(hello(HAIKU, { system: [{ text: 'Be brief.' }] }));
  // 11 + 9 bytes of text -> ceil(20 / 4) = 5 input tokens; 10 + 5 / 2 = 12 output tokens
  assert.deepEqual(out.usage, { inputTokens: 5, outputTokens: 12, totalTokens: 17 });
  assert.equal(out.stopReason, 'end_turn');
  assert.equal(out.output.message.role, 'assistant');
  assert.equal(out.output.message.content[0].text.split(' ').length, 12);
  assert.equal(typeof out.metrics.latencyMs, 'number');
  const again = await rt.send(hello(HAIKU, { system: [{ text: 'Be brief.' }] }));
  assert.deepEqual(again.output, out.output);
});

test('Converse: maxTokens caps the answer (stopReason max_tokens); requestMetadata is accepted', async () => {
  const out = await rt.send(hello(profA, { inferenceConfig: { maxTokens: 4 }, requestMetadata: { tenantId: 'a', app: 'chat' } }));
  assert.equal(out.usage.outputTokens, 4);
  assert.equal(out.stopReason, 'max_tokens');
});

test('Converse rejects bad input with ValidationException', async () => {
  await rejectsWith(() => rt.send(new ConverseCommand({ modelId: HAIKU, messages: [] })), 'ValidationException', 400);
  await rejectsWith(() => rt.send(hello('no.such-model-v1:0')), 'ValidationException', 400);
  const md = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  await rejectsWith(() => rt.send(hello(HAIKU, { requestMetadata: md })), 'ValidationException', 400);
  for (const bad of [{}, { 'bad<key>': 'v' }, { k: 'no!' }, { k: 'x'.repeat(257) }])
    await rejectsWith(() => rt.send(hello(HAIKU, { requestMetadata: bad })), 'ValidationException', 400);
  await rt.send(hello(HAIKU, { requestMetadata: { 'tenant:id': 'a b_c@d$e#f=g/h+i,j-k.l', empty: '' } }));
});

test('InvokeModel with a profile ARN in the path (URL-encoded as the SDK sends it)', async () => {
  const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there, model' }] });
  const out = await rt.send(new InvokeModelCommand({ modelId: profA, body, contentType: 'application/json', accept: 'application/json' }));
  assert.equal(out.contentType, 'application/json');
  const answer = JSON.parse(new TextDecoder().decode(out.body));
  // "Hello there, model" is 18 bytes -> 5 input tokens, 12 output tokens
  assert.deepEqual(answer.usage, { input_tokens: 5, output_tokens: 12 });
  assert.equal(answer.model, HAIKU);
  assert.equal(answer.type, 'message');
  assert.equal(answer.content[0].type, 'text');
  assert.equal(out.$metadata.httpStatusCode, 200);
});

test('an unknown profile is ResourceNotFoundException', async () => {
  const missing = `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/zzzzzzzzzzzz`;
  await rejectsWith(() => rt.send(hello(missing)), 'ResourceNotFoundException', 404);
});

test("a tenant's role invokes its own profile and is denied everything else", async () => {
  const out = await tenantRt.send(hello(profA));
  assert.equal(out.usage.inputTokens, 3);
  for (const other of [profB, HAIKU, FM, US_PROFILE]) {
    const e = await rejectsWith(() => tenantRt.send(hello(other)), 'AccessDeniedException', 403);
    assert.match(e.message, /assumed-role\/tenant-a-app\/app is not authorized to perform: bedrock:InvokeModel on resource: /);
    assert.match(e.message, /because no identity-based policy allows/);
  }
  const body = JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  await tenantRt.send(new InvokeModelCommand({ modelId: profA, body }));
  await rejectsWith(() => tenantRt.send(new InvokeModelCommand({ modelId: profB, body })), 'AccessDeniedException', 403);
});

test('a role without policies, or unknown to IAM, is denied; the configured key is not', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'empty', AssumeRolePolicyDocument: TRUST }));
  await rejectsWith(async () => (await assumeClient('empty')).send(hello(profA)), 'AccessDeniedException', 403);
  await rejectsWith(async () => (await assumeClient('nobody')).send(hello(profA)), 'AccessDeniedException', 403);
  await rt.send(hello(profB));
});

test('an attached managed policy: Allow with wildcards grants, an explicit Deny wins', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'wild', AssumeRolePolicyDocument: TRUST }));
  const allow = await iam.send(new CreatePolicyCommand({
    PolicyName: 'allow-app-profiles',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'bedrock:Invoke*', Resource: `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/*` },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-2024030?-v1:0',
        Condition: { ArnLike: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/*` } } },
    ] }),
  }));
  assert.equal(allow.Policy.Arn, `arn:aws:iam::${ACCOUNT}:policy/allow-app-profiles`);
  assert.equal(allow.Policy.DefaultVersionId, 'v1');
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'wild', PolicyArn: allow.Policy.Arn }));
  const client = await assumeClient('wild');
  await client.send(hello(profA));
  await client.send(hello(profB));
  await rejectsWith(() => client.send(hello(HAIKU)), 'AccessDeniedException', 403); // condition needs a profile

  const deny = await iam.send(new CreatePolicyCommand({
    PolicyName: 'deny-b',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Deny', Action: 'bedrock:*', Resource: profB },
    ] }),
  }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'wild', PolicyArn: deny.Policy.Arn }));
  const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'wild' }));
  assert.deepEqual(listed.AttachedPolicies.map((p) => p.PolicyName).sort(), ['allow-app-profiles', 'deny-b']);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: deny.Policy.Arn }))).Policy.AttachmentCount, 1);
  await client.send(hello(profA));
  const e = await rejectsWith(() => client.send(hello(profB)), 'AccessDeniedException', 403);
  assert.match(e.message, /with an explicit deny in an identity-based policy/);
  await rejectsWith(() => iam.send(new DeletePolicyCommand({ PolicyArn: deny.Policy.Arn })), 'DeleteConflictException', 409);
  await iam.send(new DetachRolePolicyCommand({ RoleName: 'wild', PolicyArn: deny.Policy.Arn }));
  await client.send(hello(profB));
  await iam.send(new DeletePolicyCommand({ PolicyArn: deny.Policy.Arn }));
});

test('policy versions: a new default version changes what the role may do', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'versioned', AssumeRolePolicyDocument: TRUST }));
  const p = await iam.send(new CreatePolicyCommand({ PolicyName: 'v', PolicyDocument: tenantPolicy(profA) }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'versioned', PolicyArn: p.Policy.Arn }));
  const client = await assumeClient('versioned');
  await client.send(hello(profA));
  const v2 = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: p.Policy.Arn, PolicyDocument: tenantPolicy(profB), SetAsDefault: true }));
  assert.equal(v2.PolicyVersion.VersionId, 'v2');
  const got = await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Policy.Arn, VersionId: 'v2' }));
  assert.equal(JSON.parse(decodeURIComponent(got.PolicyVersion.Document)).Statement[0].Resource[0], profB);
  await rejectsWith(() => client.send(hello(profA)), 'AccessDeniedException', 403);
  await client.send(hello(profB));
});

test('policy versions: five at most (LimitExceeded), listed newest first without documents', async () => {
  const p = await iam.send(new CreatePolicyCommand({ PolicyName: 'five', PolicyDocument: tenantPolicy(profA) }));
  const arn = p.Policy.Arn;
  for (let i = 2; i <= 5; i++) {
    const v = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: tenantPolicy(profB), SetAsDefault: i === 3 }));
    assert.equal(v.PolicyVersion.VersionId, `v${i}`);
  }
  const e = await rejectsWith(
    () => iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: tenantPolicy(profA), SetAsDefault: true })),
    'LimitExceededException', 409);
  assert.match(e.message, /up to 5 versions/);
  const l = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  assert.equal(l.IsTruncated, false);
  assert.deepEqual(l.Versions.map((v) => v.VersionId), ['v5', 'v4', 'v3', 'v2', 'v1']);
  assert.deepEqual(l.Versions.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), ['v3']);
  assert.ok(l.Versions.every((v) => v.Document === undefined && v.CreateDate instanceof Date));
  // the oldest non-default version deleted: room for one more, numbered on
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  const v6 = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: tenantPolicy(profA), SetAsDefault: true }));
  assert.equal(v6.PolicyVersion.VersionId, 'v6');
  const after = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  assert.deepEqual(after.Versions.map((v) => v.VersionId), ['v6', 'v5', 'v4', 'v3', 'v2']);
  // a policy with versions besides the default cannot be deleted
  await rejectsWith(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflictException', 409);
  for (const id of ['v2', 'v3', 'v4', 'v5']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: id }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  await rejectsWith(() => iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn })), 'NoSuchEntityException', 404);
});
