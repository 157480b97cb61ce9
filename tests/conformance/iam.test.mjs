// IAM (awsQuery, XML) through @aws-sdk/client-iam.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateRoleCommand,
  GetRoleCommand,
  DeleteRoleCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  GetRolePolicyCommand,
  DeleteRolePolicyCommand,
  ListRolePoliciesCommand,
  paginateListRoles,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import { startAwsim, rejectsWith, collect, ACCOUNT } from './lib/awsim.mjs';

let sim, iam;
before(async () => {
  sim = await startAwsim();
  iam = new IAMClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const policy = (resource) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Invoke', Effect: 'Allow', Action: ['bedrock:InvokeModel'], Resource: resource }],
  });
const role = (RoleName, extra = {}) => iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, ...extra }));

test('create and get a role; the trust policy comes back URL-encoded', async () => {
  const out = await role('tenant-app', { Path: '/apps/', Description: 'app role', Tags: [{ Key: 'team', Value: 'a' }] });
  assert.equal(out.Role.Arn, `arn:aws:iam::${ACCOUNT}:role/apps/tenant-app`);
  assert.match(out.Role.RoleId, /^AROA[A-Z0-9]{17}$/);
  assert.ok(out.Role.CreateDate instanceof Date);
  const got = (await iam.send(new GetRoleCommand({ RoleName: 'tenant-app' }))).Role;
  assert.equal(got.Path, '/apps/');
  assert.equal(got.MaxSessionDuration, 3600);
  assert.equal(got.Description, 'app role');
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'a' }]);
  assert.deepEqual(JSON.parse(decodeURIComponent(got.AssumeRolePolicyDocument)), JSON.parse(trust));
});

test('duplicate role names (any case) are EntityAlreadyExistsException; unknown ones NoSuchEntityException', async () => {
  await rejectsWith(() => role('TENANT-APP'), 'EntityAlreadyExistsException', 409);
  await rejectsWith(() => iam.send(new GetRoleCommand({ RoleName: 'nope' })), 'NoSuchEntityException', 404);
  await rejectsWith(() => role('bad name!'), 'ValidationError', 400);
  await rejectsWith(() => role('bad-trust', { AssumeRolePolicyDocument: '{not json' }), 'MalformedPolicyDocumentException', 400);
});

test('ListRoles paginates with Marker', async () => {
  for (let i = 0; i < 5; i++) await role(`page-${i}`);
  const { items, pages } = await collect(paginateListRoles({ client: iam, pageSize: 2 }, {}), 'Roles');
  assert.equal(items.length, 6);
  assert.ok(pages >= 3);
  const apps = await iam.send(new ListRolesCommand({ PathPrefix: '/apps/' }));
  assert.deepEqual(apps.Roles.map((r) => r.RoleName), ['tenant-app']);
});

test('inline policies: put, get (URL-encoded), list, delete', async () => {
  const doc = policy('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh');
  await iam.send(new PutRolePolicyCommand({ RoleName: 'tenant-app', PolicyName: 'bedrock-tenantd-acme', PolicyDocument: doc }));
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'tenant-app', PolicyName: 'bedrock-tenantd-acme' }));
  assert.equal(got.RoleName, 'tenant-app');
  assert.match(got.PolicyDocument, /^%7B%22Version%22/);
  assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument)), JSON.parse(doc));
  for (let i = 0; i < 4; i++)
    await iam.send(new PutRolePolicyCommand({ RoleName: 'tenant-app', PolicyName: `extra-${i}`, PolicyDocument: policy('*') }));
  const { items, pages } = await collect(
    paginateListRolePolicies({ client: iam, pageSize: 2 }, { RoleName: 'tenant-app' }),
    'PolicyNames',
  );
  assert.deepEqual(items, ['bedrock-tenantd-acme', 'extra-0', 'extra-1', 'extra-2', 'extra-3']);
  assert.ok(pages >= 3);
  await rejectsWith(() => iam.send(new DeleteRoleCommand({ RoleName: 'tenant-app' })), 'DeleteConflictException', 409);
  for (let i = 0; i < 4; i++) await iam.send(new DeleteRolePolicyCommand({ RoleName: 'tenant-app', PolicyName: `extra-${i}` }));
  const left = await iam.send(new ListRolePoliciesCommand({ RoleName: 'tenant-app' }));
  assert.deepEqual(left.PolicyNames, ['bedrock-tenantd-acme']);
  assert.equal(left.IsTruncated, false);
  await rejectsWith(
    () => iam.send(new GetRolePolicyCommand({ RoleName: 'tenant-app', PolicyName: 'extra-0' })),
    'NoSuchEntityException',
    404,
  );
  await rejectsWith(
    () => iam.send(new PutRolePolicyCommand({ RoleName: 'nope', PolicyName: 'p', PolicyDocument: policy('*') })),
    'NoSuchEntityException',
    404,
  );
});

test('10,240 characters of inline policy per role, whitespace not counted', async () => {
  await role('limits');
  const base = policy('');
  const filler = (n) => policy('x'.repeat(n));
  // One document of exactly 10,240 non-whitespace characters, padded with spaces.
  const exact = filler(10240 - base.length);
  assert.equal(exact.length, 10240);
  const padded = exact.replace('"Version"', ' '.repeat(500) + '"Version"');
  await iam.send(new PutRolePolicyCommand({ RoleName: 'limits', PolicyName: 'big', PolicyDocument: padded }));
  await rejectsWith(
    () => iam.send(new PutRolePolicyCommand({ RoleName: 'limits', PolicyName: 'more', PolicyDocument: policy('*') })),
    'LimitExceededException',
    409,
  );
  // Replacing the same policy counts only the new document.
  await iam.send(new PutRolePolicyCommand({ RoleName: 'limits', PolicyName: 'big', PolicyDocument: policy('*') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'limits', PolicyName: 'more', PolicyDocument: policy('*') }));
  await rejectsWith(
    () => iam.send(new PutRolePolicyCommand({ RoleName: 'limits', PolicyName: 'huge', PolicyDocument: filler(10300) })),
    'LimitExceededException',
  );
});

test('delete a role', async () => {
  await role('gone');
  await iam.send(new DeleteRoleCommand({ RoleName: 'gone' }));
  await rejectsWith(() => iam.send(new GetRoleCommand({ RoleName: 'gone' })), 'NoSuchEntityException');
});
