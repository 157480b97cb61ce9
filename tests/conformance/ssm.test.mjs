// SSM Parameter Store (awsJson1.1) through @aws-sdk/client-ssm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SSMClient,
  PutParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  GetParametersByPathCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  AddTagsToResourceCommand,
  RemoveTagsFromResourceCommand,
  ListTagsForResourceCommand,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { startAwsim, rejectsWith, collect, ACCOUNT } from './lib/awsim.mjs';

let sim, ssm;
before(async () => {
  sim = await startAwsim();
  ssm = new SSMClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

const NAME = '/bedrock-tenants/acme/chat/profile-arn';
const put = (Name, Value, extra = {}) => ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));

test('put with tags, then get: every field parses', async () => {
  const out = await put(NAME, 'arn:one', { Tags: [{ Key: 'bedrock-tenantd:tenant', Value: 'acme' }] });
  assert.equal(out.Version, 1);
  assert.equal(out.Tier, 'Standard');
  const p = (await ssm.send(new GetParameterCommand({ Name: NAME }))).Parameter;
  assert.equal(p.Name, NAME);
  assert.equal(p.Value, 'arn:one');
  assert.equal(p.Type, 'String');
  assert.equal(p.Version, 1);
  assert.equal(p.DataType, 'text');
  assert.equal(p.ARN, `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${NAME}`);
  assert.ok(p.LastModifiedDate instanceof Date && !Number.isNaN(p.LastModifiedDate.getTime()));
});

test('the tags-and-overwrite rule and ParameterAlreadyExists', async () => {
  await rejectsWith(() => put(NAME, 'arn:two'), 'ParameterAlreadyExists', 400);
  const e = await rejectsWith(
    () => put(NAME, 'arn:two', { Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] }),
    'ValidationException',
    400,
  );
  assert.match(e.message, /tags and overwrite can't be used together/);
  const out = await put(NAME, 'arn:two', { Overwrite: true });
  assert.equal(out.Version, 2);
  assert.equal((await ssm.send(new GetParameterCommand({ Name: NAME }))).Parameter.Value, 'arn:two');
});

test('unknown parameters are ParameterNotFound; GetParameters lists them as invalid', async () => {
  await rejectsWith(() => ssm.send(new GetParameterCommand({ Name: '/nope' })), 'ParameterNotFound', 400);
  await rejectsWith(() => ssm.send(new DeleteParameterCommand({ Name: '/nope' })), 'ParameterNotFound', 400);
  const out = await ssm.send(new GetParametersCommand({ Names: [NAME, '/nope'] }));
  assert.deepEqual(out.Parameters.map((p) => p.Name), [NAME]);
  assert.deepEqual(out.InvalidParameters, ['/nope']);
});

test('GetParametersByPath: at most 10 per page, recursive or one level', async () => {
  for (let i = 0; i < 23; i++) await put(`/tree/t${String(i).padStart(2, '0')}/p`, `v${i}`);
  for (let i = 0; i < 3; i++) await put(`/tree/top${i}`, `top${i}`);
  const pages = [];
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: '/tree', Recursive: true })) {
    assert.ok(page.Parameters.length <= 10);
    pages.push(page);
  }
  const names = pages.flatMap((p) => p.Parameters.map((x) => x.Name));
  assert.equal(names.length, 26);
  assert.equal(new Set(names).size, 26);
  assert.ok(pages.length >= 3);
  const { items } = await collect(paginateGetParametersByPath({ client: ssm, pageSize: 2 }, { Path: '/tree/' }), 'Parameters');
  assert.deepEqual(items.map((p) => p.Name), ['/tree/top0', '/tree/top1', '/tree/top2']);
  await rejectsWith(() => ssm.send(new GetParametersByPathCommand({ Path: '/tree', MaxResults: 11 })), 'ValidationException');
});

test('DeleteParameters reports deleted and invalid names', async () => {
  await put('/del/a', '1');
  await put('/del/b', '2');
  const out = await ssm.send(new DeleteParametersCommand({ Names: ['/del/a', '/del/b', '/del/c'] }));
  assert.deepEqual(out.DeletedParameters.sort(), ['/del/a', '/del/b']);
  assert.deepEqual(out.InvalidParameters, ['/del/c']);
});

test('name rules: fully qualified, not reserved, at most 15 levels', async () => {
  await rejectsWith(() => put('a/b', 'x'), 'ValidationException');
  await rejectsWith(() => put('/aws/mine', 'x'), 'ValidationException');
  await rejectsWith(() => put('/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/'), 'x'), 'HierarchyLevelLimitExceededException');
  await rejectsWith(() => ssm.send(new PutParameterCommand({ Name: '/no-type', Value: 'x' })), 'ValidationException');
  await rejectsWith(() => put('/big', 'x'.repeat(4097)), 'ValidationException');
  const adv = await put('/big', 'x'.repeat(4097), { Tier: 'Advanced' });
  assert.equal(adv.Tier, 'Advanced');
});

test('tags on parameters: add, remove, list, 50 at most, unknown ids', async () => {
  const T = { ResourceType: 'Parameter', ResourceId: NAME };
  await ssm.send(new AddTagsToResourceCommand({ ...T, Tags: [{ Key: 'team', Value: 'x' }] }));
  let tags = (await ssm.send(new ListTagsForResourceCommand(T))).TagList;
  assert.deepEqual(tags, [{ Key: 'bedrock-tenantd:tenant', Value: 'acme' }, { Key: 'team', Value: 'x' }]);
  await ssm.send(new RemoveTagsFromResourceCommand({ ...T, TagKeys: ['team'] }));
  tags = (await ssm.send(new ListTagsForResourceCommand(T))).TagList;
  assert.deepEqual(tags, [{ Key: 'bedrock-tenantd:tenant', Value: 'acme' }]);
  const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await rejectsWith(() => ssm.send(new AddTagsToResourceCommand({ ...T, Tags: many })), 'TooManyTagsError', 400);
  await rejectsWith(
    () => ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/nope' })),
    'InvalidResourceId',
    400,
  );
});
