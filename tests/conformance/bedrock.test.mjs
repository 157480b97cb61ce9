// Amazon Bedrock control plane (restJson1) through @aws-sdk/client-bedrock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BedrockClient,
  CreateInferenceProfileCommand,
  GetInferenceProfileCommand,
  ListInferenceProfilesCommand,
  DeleteInferenceProfileCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
  ListFoundationModelsCommand,
  GetFoundationModelCommand,
  paginateListInferenceProfiles,
} from '@aws-sdk/client-bedrock';
import { startAwsim, rejectsWith, collect, ACCOUNT } from './lib/awsim.mjs';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const FM = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
const US_PROFILE = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.${HAIKU}`;

let sim, br;
before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--region', 'eu-west-1']);
  br = new BedrockClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

const create = (name, extra = {}) =>
  br.send(new CreateInferenceProfileCommand({ inferenceProfileName: name, modelSource: { copyFrom: FM }, ...extra }));

test('create answers 201 with an ARN of a 12-character lowercase id', async () => {
  const out = await create('tenant-a chat', { description: 'Tenant a', tags: [{ key: 'dept', value: 'a' }] });
  assert.equal(out.$metadata.httpStatusCode, 201);
  assert.equal(out.status, 'ACTIVE');
  assert.match(out.inferenceProfileArn, new RegExp(`^arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/[a-z0-9]{12}$`));
});

test('get by ID and by ARN; timestamps parse; models list the FM ARN', async () => {
  const { inferenceProfileArn: arn } = await create('get-me');
  const id = arn.split('/')[1];
  for (const ident of [id, arn]) {
    const p = await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: ident }));
    assert.equal(p.inferenceProfileArn, arn);
    assert.equal(p.inferenceProfileId, id);
    assert.equal(p.inferenceProfileName, 'get-me');
    assert.equal(p.type, 'APPLICATION');
    assert.equal(p.status, 'ACTIVE');
    assert.ok(p.createdAt instanceof Date && !Number.isNaN(p.createdAt.getTime()));
    assert.ok(p.updatedAt instanceof Date);
    assert.deepEqual(p.models, [{ modelArn: FM }]);
  }
});

test('a profile copied from a system-defined profile lists the FM in each destination region', async () => {
  const { inferenceProfileArn: arn } = await create('from-system', { modelSource: { copyFrom: US_PROFILE } });
  const p = await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: arn }));
  assert.deepEqual(
    p.models.map((m) => m.modelArn),
    ['us-east-1', 'us-east-2', 'us-west-2'].map((r) => `arn:aws:bedrock:${r}::foundation-model/${HAIKU}`),
  );
});

test('list without type shows only system-defined profiles; type=APPLICATION the others', async () => {
  const sys = await br.send(new ListInferenceProfilesCommand({}));
  assert.ok(sys.inferenceProfileSummaries.length > 0);
  assert.ok(sys.inferenceProfileSummaries.every((p) => p.type === 'SYSTEM_DEFINED'));
  assert.ok(sys.inferenceProfileSummaries.some((p) => p.inferenceProfileArn === US_PROFILE));
  const sysProfile = await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: US_PROFILE }));
  assert.equal(sysProfile.type, 'SYSTEM_DEFINED');
  const app = await br.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION' }));
  assert.ok(app.inferenceProfileSummaries.length > 0);
  assert.ok(app.inferenceProfileSummaries.every((p) => p.type === 'APPLICATION'));
});

test('the paginator walks every page of application profiles', async () => {
  for (let i = 0; i < 7; i++) await create(`page-${i}`);
  const { items, pages } = await collect(
    paginateListInferenceProfiles({ client: br, pageSize: 2 }, { typeEquals: 'APPLICATION' }),
    'inferenceProfileSummaries',
  );
  const all = await br.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION', maxResults: 1000 }));
  assert.ok(pages >= 5);
  assert.equal(items.length, all.inferenceProfileSummaries.length);
  assert.equal(new Set(items.map((p) => p.inferenceProfileId)).size, items.length);
});

test('maxResults outside 1..1000 and a forged nextToken are ValidationException', async () => {
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({ maxResults: 1001 })), 'ValidationException', 400);
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({ maxResults: 0 })), 'ValidationException', 400);
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({ nextToken: 'not-ours' })), 'ValidationException', 400);
});

test('a replayed clientRequestToken returns the original ARN', async () => {
  const token = '6a1f5b0e-4a3c-4a43-9c62-0f6a8c1a2b3c';
  const first = await create('idem', { clientRequestToken: token });
  const again = await create('idem', { clientRequestToken: token });
  assert.equal(again.$metadata.httpStatusCode, 201);
  assert.equal(again.inferenceProfileArn, first.inferenceProfileArn);
});

test('a duplicate name is ConflictException', async () => {
  await create('dup');
  await rejectsWith(() => create('dup'), 'ConflictException', 400);
});

test('bad names, descriptions and sources are ValidationException or ResourceNotFoundException', async () => {
  await rejectsWith(() => create('-leading'), 'ValidationException', 400);
  await rejectsWith(() => create('double  space'), 'ValidationException', 400);
  await rejectsWith(() => create('x'.repeat(65)), 'ValidationException', 400);
  await rejectsWith(() => create('desc', { description: 'bad!' }), 'ValidationException', 400);
  await rejectsWith(() => create('src', { modelSource: { copyFrom: 'not-an-arn' } }), 'ValidationException', 400);
  await rejectsWith(
    () => create('src2', { modelSource: { copyFrom: 'arn:aws:bedrock:us-east-1::foundation-model/acme.nothing-v1:0' } }),
    'ResourceNotFoundException',
    404,
  );
});

test('get and delete of an unknown profile are ResourceNotFoundException', async () => {
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'zzzzzzzzzzzz' })), 'ResourceNotFoundException', 404);
  await rejectsWith(() => br.send(new DeleteInferenceProfileCommand({ inferenceProfileIdentifier: 'zzzzzzzzzzzz' })), 'ResourceNotFoundException', 404);
});

test('delete by ARN, then the profile is gone', async () => {
  const { inferenceProfileArn: arn } = await create('doomed');
  const out = await br.send(new DeleteInferenceProfileCommand({ inferenceProfileIdentifier: arn }));
  assert.equal(out.$metadata.httpStatusCode, 200);
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: arn })), 'ResourceNotFoundException');
});

test('tags: tag, untag, list; 50 per resource; aws: keys refused', async () => {
  const { inferenceProfileArn: arn } = await create('tagged', { tags: [{ key: 'a', value: '1' }] });
  await br.send(new TagResourceCommand({ resourceARN: arn, tags: [{ key: 'b', value: '2' }, { key: 'a', value: '3' }] }));
  let tags = (await br.send(new ListTagsForResourceCommand({ resourceARN: arn }))).tags;
  assert.deepEqual(tags, [{ key: 'a', value: '3' }, { key: 'b', value: '2' }]);
  await br.send(new UntagResourceCommand({ resourceARN: arn, tagKeys: ['a'] }));
  tags = (await br.send(new ListTagsForResourceCommand({ resourceARN: arn }))).tags;
  assert.deepEqual(tags, [{ key: 'b', value: '2' }]);
  const many = Array.from({ length: 49 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  await br.send(new TagResourceCommand({ resourceARN: arn, tags: many })); // 50 in all
  const e = await rejectsWith(
    () => br.send(new TagResourceCommand({ resourceARN: arn, tags: [{ key: 'one-more', value: 'v' }] })),
    'TooManyTagsException',
    400,
  );
  assert.equal(e.resourceName, arn);
  await rejectsWith(
    () => br.send(new TagResourceCommand({ resourceARN: arn, tags: [{ key: 'aws:cloudformation:stack', value: 'x' }] })),
    'ValidationException',
  );
  await rejectsWith(
    () => create('toomany', { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }),
    'TooManyTagsException',
  );
  const missing = arn.replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz');
  await rejectsWith(() => br.send(new ListTagsForResourceCommand({ resourceARN: missing })), 'ResourceNotFoundException', 404);
});

test('the application-profile quota answers ServiceQuotaExceededException', async () => {
  const before = (await br.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION', maxResults: 1000 })))
    .inferenceProfileSummaries.length;
  const r = await sim.admin('/quotas', { method: 'PUT', body: { application_inference_profiles: before + 1 } });
  assert.equal(r.status, 200);
  await create('last-one');
  await rejectsWith(() => create('over-quota'), 'ServiceQuotaExceededException', 400);
  await sim.admin('/quotas', { method: 'PUT', body: { application_inference_profiles: 1000 } });
});

test('regions keep separate state; an unconfigured region is refused', async () => {
  const eu = new BedrockClient(sim.config({ region: 'eu-west-1' }));
  const { inferenceProfileArn: arn } = await eu.send(
    new CreateInferenceProfileCommand({
      inferenceProfileName: 'eu-only',
      modelSource: { copyFrom: `arn:aws:bedrock:eu-west-1::foundation-model/${HAIKU}` },
    }),
  );
  assert.match(arn, /^arn:aws:bedrock:eu-west-1:/);
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: arn })), 'ResourceNotFoundException');
  const eus = await eu.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION' }));
  assert.deepEqual(eus.inferenceProfileSummaries.map((p) => p.inferenceProfileName), ['eu-only']);
  const ap = new BedrockClient(sim.config({ region: 'ap-south-1' }));
  await rejectsWith(() => ap.send(new ListInferenceProfilesCommand({})), 'InvalidSignatureException', 403);
});

test('foundation models: list with filters, get by id and by ARN', async () => {
  const all = await br.send(new ListFoundationModelsCommand({}));
  assert.ok(all.modelSummaries.some((m) => m.modelId === HAIKU));
  const anthropic = await br.send(new ListFoundationModelsCommand({ byProvider: 'Anthropic' }));
  assert.ok(anthropic.modelSummaries.length > 0);
  assert.ok(anthropic.modelSummaries.every((m) => m.providerName === 'Anthropic'));
  const emb = await br.send(new ListFoundationModelsCommand({ byOutputModality: 'EMBEDDING' }));
  assert.ok(emb.modelSummaries.every((m) => m.outputModalities.includes('EMBEDDING')));
  for (const ident of [HAIKU, FM]) {
    const m = await br.send(new GetFoundationModelCommand({ modelIdentifier: ident }));
    assert.equal(m.modelDetails.modelArn, FM);
    assert.equal(m.modelDetails.modelLifecycle.status, 'ACTIVE');
  }
  await rejectsWith(() => br.send(new GetFoundationModelCommand({ modelIdentifier: 'acme.nothing-v1:0' })), 'ResourceNotFoundException', 404);
});
