// Quotas per account (and region) with --quota and admin overrides, Service Quotas
// (GetServiceQuota, ListServiceQuotas), IAM GetAccountSummary and
// GetAccountAuthorizationDetails, SSM tiers and DescribeParameters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, CreateInferenceProfileCommand, TagResourceCommand } from '@aws-sdk/client-bedrock';
import { BudgetsClient, CreateBudgetCommand } from '@aws-sdk/client-budgets';
import {
  IAMClient,
  CreateRoleCommand,
  PutRolePolicyCommand,
  GetAccountSummaryCommand,
  GetAccountAuthorizationDetailsCommand,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import {
  SSMClient,
  PutParameterCommand,
  DeleteParameterCommand,
  AddTagsToResourceCommand,
  DescribeParametersCommand,
  paginateDescribeParameters,
} from '@aws-sdk/client-ssm';
import {
  ServiceQuotasClient,
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  paginateListServiceQuotas,
} from '@aws-sdk/client-service-quotas';
import { startAwsim, rejectsWith, collect, ACCOUNT, KEY } from './lib/awsim.mjs';

const OTHER = '111122223333';
const OTHER_KEY = { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'otherSecretKeyForTheSecondAccount00000' };
const FM = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
const FM_WEST = 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let sim, plain;
const clients = (account, region = 'us-east-1') => {
  const cfg = sim.config({ region, credentials: account === OTHER ? OTHER_KEY : KEY });
  return {
    br: new BedrockClient(cfg),
    iam: new IAMClient({ ...cfg, region: 'us-east-1' }),
    ssm: new SSMClient(cfg),
    budgets: new BudgetsClient({ ...cfg, region: 'us-east-1' }),
    sq: new ServiceQuotasClient(cfg),
  };
};

before(async () => {
  sim = await startAwsim([
    '--region', 'us-east-1', '--region', 'us-west-2',
    '--credentials', `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
    '--credentials', `${OTHER_KEY.accessKeyId}:${OTHER_KEY.secretAccessKey}:${OTHER}`,
    '--quota', 'L-40EC9882=2', '--quota', 'L-FE177D64=3', '--quota', 'X-BUDGETS=2',
    '--quota', 'X-SSM-STANDARD-PARAMETERS=3', '--quota', 'X-SSM-ADVANCED-PARAMETERS=2',
    '--quota', 'X-TAGS-PER-RESOURCE=3', '--quota', 'X-IAM-ROLE-POLICY-SIZE=200',
  ]);
  plain = await startAwsim();
});
after(async () => {
  assert.equal(await sim.stop(), 0);
  assert.equal(await plain.stop(), 0);
});

const profile = (c, name, extra = {}, fm = FM) =>
  c.br.send(new CreateInferenceProfileCommand({ inferenceProfileName: name, modelSource: { copyFrom: fm }, ...extra }));
const quota = async (c, ServiceCode, QuotaCode) =>
  (await c.sq.send(new GetServiceQuotaCommand({ ServiceCode, QuotaCode }))).Quota;

test('the defaults of an awsim without --quota, as Service Quotas, IAM and the admin API report them', async () => {
  const sq = new ServiceQuotasClient(plain.config());
  const p = (await sq.send(new GetServiceQuotaCommand({ ServiceCode: 'bedrock', QuotaCode: 'L-40EC9882' }))).Quota;
  assert.equal(p.Value, 1000);
  assert.equal(p.QuotaName, 'Inference profiles per account');
  assert.equal(p.Adjustable, true);
  assert.equal(p.GlobalQuota, false);
  assert.equal(p.QuotaArn, `arn:aws:servicequotas:us-east-1:${ACCOUNT}:bedrock/L-40EC9882`);
  const r = (await sq.send(new GetServiceQuotaCommand({ ServiceCode: 'iam', QuotaCode: 'L-FE177D64' }))).Quota;
  assert.equal(r.Value, 1000);
  assert.equal(r.GlobalQuota, true);
  const sum = (await new IAMClient(plain.config()).send(new GetAccountSummaryCommand({}))).SummaryMap;
  assert.equal(sum.Roles, 0);
  assert.equal(sum.RolesQuota, 1000);
  assert.equal(sum.RolePolicySizeQuota, 10240);
  const admin = (await plain.admin('/quotas')).json;
  assert.deepEqual(admin.quotas, {
    'L-40EC9882': 1000,
    'X-SSM-STANDARD-PARAMETERS': 10000,
    'X-SSM-ADVANCED-PARAMETERS': 100000,
    'X-BUDGETS': 20000,
    'L-FE177D64': 1000,
    'X-IAM-ROLE-POLICY-SIZE': 10240,
    'X-TAGS-PER-RESOURCE': 50,
  });
  // the cheap defaults, hit for real: 50 tags, 10,240 policy characters
  const br = new BedrockClient(plain.config());
  const tags = Array.from({ length: 51 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
  await rejectsWith(() => br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'x', modelSource: { copyFrom: FM }, tags })),
    'TooManyTagsException', 400);
  await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'x', modelSource: { copyFrom: FM }, tags: tags.slice(1) }));
  const iam = new IAMClient(plain.config());
  await iam.send(new CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: trust }));
  const doc = (n) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(n) }] });
  const fill = 10240 - doc(0).length;
  await rejectsWith(() => iam.send(new PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'p', PolicyDocument: doc(fill + 1) })),
    'LimitExceededException', 409);
  await iam.send(new PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'p', PolicyDocument: doc(fill) + '\n'.repeat(100) }));
});

test('application profiles: the quota holds per account and region', async () => {
  const a = clients(ACCOUNT), aw = clients(ACCOUNT, 'us-west-2'), b = clients(OTHER);
  await profile(a, 'p1');
  await profile(a, 'p2');
  const e = await rejectsWith(() => profile(a, 'p3'), 'ServiceQuotaExceededException', 400);
  assert.match(e.message, /\(2\)/);
  await profile(aw, 'p1', {}, FM_WEST); // another region of the same account
  await profile(b, 'p1'); // another account in the same region
  assert.equal((await quota(a, 'bedrock', 'L-40EC9882')).Value, 2);
});

test('an admin override for one account and region, and for one account', async () => {
  let r = await sim.admin('/quotas', { method: 'PUT', body: { account: OTHER, region: 'us-west-2', quotas: { 'L-40EC9882': 1 } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.overrides, [{ account: OTHER, region: 'us-west-2', code: 'L-40EC9882', value: 1 }]);
  const bw = clients(OTHER, 'us-west-2'), b = clients(OTHER), a = clients(ACCOUNT);
  assert.equal((await quota(bw, 'bedrock', 'L-40EC9882')).Value, 1);
  assert.equal((await quota(b, 'bedrock', 'L-40EC9882')).Value, 2);
  assert.equal((await quota(a, 'bedrock', 'L-40EC9882')).Value, 2);
  await profile(bw, 'w1', {}, FM_WEST);
  await rejectsWith(() => profile(bw, 'w2', {}, FM_WEST), 'ServiceQuotaExceededException', 400);
  await profile(b, 'p2'); // us-east-1 of the same account keeps the base value
  // account-wide; the account-region override still wins where it is set
  r = await sim.admin('/quotas', { method: 'PUT', body: { account: ACCOUNT, quotas: { 'L-40EC9882': 3 } } });
  assert.equal(r.status, 200, r.text);
  await profile(a, 'p3');
  assert.equal((await quota(a, 'bedrock', 'L-40EC9882')).Value, 3);
  // null removes an override
  r = await sim.admin('/quotas', { method: 'PUT', body: { account: OTHER, region: 'us-west-2', quotas: { 'L-40EC9882': null } } });
  assert.equal(r.status, 200, r.text);
  await profile(bw, 'w2', {}, FM_WEST);
  // bad input is refused whole
  for (const body of [
    { quotas: { 'L-NOPE': 1 } },
    { quotas: { 'L-40EC9882': -1 } },
    { quotas: { 'L-40EC9882': 1.5 } },
    { region: 'us-east-1', quotas: { 'L-40EC9882': 1 } },
    { account: '12', quotas: { 'L-40EC9882': 1 } },
  ]) {
    r = await sim.admin('/quotas', { method: 'PUT', body });
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  assert.equal((await sim.admin('/quotas')).json.quotas['L-40EC9882'], 2);
});

test('Service Quotas: list, paging, unknown codes, own codes not answered', async () => {
  const a = clients(ACCOUNT);
  const list = (await a.sq.send(new ListServiceQuotasCommand({ ServiceCode: 'iam' }))).Quotas;
  assert.deepEqual(list.map((q) => [q.QuotaCode, q.Value]), [['L-FE177D64', 3]]);
  const { items } = await collect(paginateListServiceQuotas({ client: a.sq, pageSize: 1 }, { ServiceCode: 'bedrock' }), 'Quotas');
  assert.deepEqual(items.map((q) => q.QuotaCode), ['L-40EC9882']);
  await rejectsWith(() => quota(a, 'bedrock', 'L-00000000'), 'NoSuchResourceException', 400);
  await rejectsWith(() => quota(a, 'budgets', 'X-BUDGETS'), 'NoSuchResourceException', 400);
  await rejectsWith(() => quota(a, 'iam', 'L-40EC9882'), 'NoSuchResourceException', 400);
  await rejectsWith(() => a.sq.send(new ListServiceQuotasCommand({ ServiceCode: 'nosuch' })), 'NoSuchResourceException', 400);
  await rejectsWith(
    () => a.sq.send(new ListServiceQuotasCommand({ ServiceCode: 'iam', NextToken: 'bm90IGEgdG9rZW4=' })),
    'InvalidPaginationTokenException', 400);
});

test('IAM roles per account, GetAccountSummary, and an account-wide override', async () => {
  const a = clients(ACCOUNT), b = clients(OTHER);
  for (const n of ['r1', 'r2', 'r3']) await a.iam.send(new CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: trust }));
  const e = await rejectsWith(
    () => a.iam.send(new CreateRoleCommand({ RoleName: 'r4', AssumeRolePolicyDocument: trust })), 'LimitExceededException', 409);
  assert.match(e.message, /RolesPerAccount: 3/);
  await b.iam.send(new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trust }));
  let sum = (await a.iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
  assert.equal(sum.Roles, 3);
  assert.equal(sum.RolesQuota, 3);
  assert.equal(sum.RolePolicySizeQuota, 200);
  assert.equal((await sim.admin('/quotas', { method: 'PUT', body: { account: ACCOUNT, quotas: { 'L-FE177D64': 4 } } })).status, 200);
  await a.iam.send(new CreateRoleCommand({ RoleName: 'r4', AssumeRolePolicyDocument: trust }));
  sum = (await a.iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
  assert.deepEqual([sum.Roles, sum.RolesQuota], [4, 4]);
  assert.equal((await quota(a, 'iam', 'L-FE177D64')).Value, 4);
  assert.equal((await quota(b, 'iam', 'L-FE177D64')).Value, 3);
});

test('inline policies of one role together, whitespace not counted', async () => {
  const a = clients(ACCOUNT);
  const doc = (n, pad = '') =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(n) }] }) + pad;
  const base = doc(0).length; // 79 characters without a resource
  await a.iam.send(new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'one', PolicyDocument: doc(100 - base, ' '.repeat(500)) }));
  await a.iam.send(new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'two', PolicyDocument: doc(100 - base) }));
  const e = await rejectsWith(
    () => a.iam.send(new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'three', PolicyDocument: doc(1) })),
    'LimitExceededException', 409);
  assert.match(e.message, /Maximum policy size of 200 bytes exceeded for role r1/);
  // replacing a policy counts the new document instead of the old one
  await a.iam.send(new PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'two', PolicyDocument: doc(100 - base) }));
});

test('GetAccountAuthorizationDetails: roles with their inline policies, Filter, MaxItems and Marker', async () => {
  const a = clients(ACCOUNT);
  const { items, pages } = await collect(
    paginateGetAccountAuthorizationDetails({ client: a.iam, pageSize: 1 }, { Filter: ['Role'] }), 'RoleDetailList');
  assert.equal(pages, 4);
  assert.deepEqual(items.map((r) => r.RoleName), ['r1', 'r2', 'r3', 'r4']);
  const r1 = items[0];
  assert.equal(r1.Arn, `arn:aws:iam::${ACCOUNT}:role/r1`);
  assert.deepEqual(r1.RolePolicyList.map((p) => p.PolicyName), ['one', 'two']);
  assert.equal(JSON.parse(decodeURIComponent(r1.RolePolicyList[1].PolicyDocument)).Version, '2012-10-17');
  assert.deepEqual(JSON.parse(decodeURIComponent(r1.AssumeRolePolicyDocument)), JSON.parse(trust));
  const all = await a.iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000 }));
  assert.equal(all.RoleDetailList.length, 4);
  assert.equal(all.IsTruncated, false);
  const users = await a.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
  assert.deepEqual(users.RoleDetailList ?? [], []);
  await rejectsWith(() => a.iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })), 'ValidationError', 400);
  await rejectsWith(() => a.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Robot'] })), 'ValidationError', 400);
});

test('tags per resource in Bedrock, SSM and IAM', async () => {
  const a = clients(ACCOUNT, 'us-west-2');
  const tags = (n, k = 'key', v = 'value') => Array.from({ length: n }, (_, i) => ({ [k]: `t${i}`, [v]: 'v' }));
  const e = await rejectsWith(() => profile(a, 'tagged', { tags: tags(4) }, FM_WEST), 'TooManyTagsException', 400);
  assert.match(e.message, /3 tags per resource/);
  const { inferenceProfileArn } = await profile(a, 'tagged', { tags: tags(3) }, FM_WEST);
  await rejectsWith(
    () => a.br.send(new TagResourceCommand({ resourceARN: inferenceProfileArn, tags: [{ key: 'more', value: 'v' }] })),
    'TooManyTagsException', 400);
  await a.ssm.send(new PutParameterCommand({ Name: '/tags/p', Value: 'v', Type: 'String', Tags: tags(3, 'Key', 'Value') }));
  await rejectsWith(
    () => a.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', Tags: [{ Key: 'more', Value: 'v' }] })),
    'TooManyTagsError', 400);
  await a.ssm.send(new DeleteParameterCommand({ Name: '/tags/p' }));
  await rejectsWith(
    () => clients(OTHER).iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: trust, Tags: tags(4, 'Key', 'Value') })),
    'LimitExceededException', 409);
});

test('budgets per account', async () => {
  const budget = (BudgetName) => ({
    BudgetName, TimeUnit: 'MONTHLY', BudgetType: 'COST', BudgetLimit: { Amount: '10', Unit: 'USD' },
  });
  const a = clients(ACCOUNT), b = clients(OTHER);
  await a.budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('b1') }));
  await a.budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('b2') }));
  await rejectsWith(
    () => a.budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('b3') })), 'CreationLimitExceededException', 400);
  await b.budgets.send(new CreateBudgetCommand({ AccountId: OTHER, Budget: budget('b1') }));
  assert.equal((await sim.admin('/quotas', { method: 'PUT', body: { account: ACCOUNT, quotas: { 'X-BUDGETS': 3 } } })).status, 200);
  await a.budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('b3') }));
  // the value everywhere, set and restored through the admin API
  assert.equal((await sim.admin('/quotas', { method: 'PUT', body: { quotas: { 'X-BUDGETS': 1 } } })).status, 200);
  await rejectsWith(
    () => b.budgets.send(new CreateBudgetCommand({ AccountId: OTHER, Budget: budget('b2') })), 'CreationLimitExceededException', 400);
  assert.equal((await sim.admin('/quotas', { method: 'PUT', body: { quotas: { 'X-BUDGETS': null } } })).status, 200);
  assert.equal((await sim.admin('/quotas')).json.quotas['X-BUDGETS'], 2);
  // tags per budget
  const tags = Array.from({ length: 4 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
  await rejectsWith(
    () => b.budgets.send(new CreateBudgetCommand({ AccountId: OTHER, Budget: budget('b2'), ResourceTags: tags })),
    'ServiceQuotaExceededException', 400);
  await b.budgets.send(new CreateBudgetCommand({ AccountId: OTHER, Budget: budget('b2'), ResourceTags: tags.slice(1) }));
});

test('SSM tiers: Standard and Advanced counted apart; Intelligent-Tiering picks Standard unless it needs Advanced', async () => {
  const a = clients(ACCOUNT);
  const put = (Name, extra = {}) => a.ssm.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String', ...extra }));
  for (const n of ['/t/s1', '/t/s2', '/t/s3']) assert.equal((await put(n)).Tier, 'Standard');
  const e = await rejectsWith(() => put('/t/s4'), 'ParameterLimitExceeded', 400);
  assert.match(e.message, /standard parameters/);
  // the Standard cap is full: Intelligent-Tiering gives Advanced
  assert.equal((await put('/t/it1', { Tier: 'Intelligent-Tiering' })).Tier, 'Advanced');
  assert.equal((await put('/t/a1', { Tier: 'Advanced' })).Tier, 'Advanced');
  await rejectsWith(() => put('/t/a2', { Tier: 'Advanced' }), 'ParameterLimitExceeded', 400);
  await rejectsWith(() => put('/t/it2', { Tier: 'Intelligent-Tiering' }), 'ParameterLimitExceeded', 400);
  // an Advanced parameter never goes back to Standard
  await rejectsWith(() => put('/t/a1', { Tier: 'Standard', Overwrite: true }), 'ValidationException', 400);
  assert.equal((await put('/t/a1', { Tier: 'Intelligent-Tiering', Overwrite: true })).Tier, 'Advanced');
  // room in Standard again: Intelligent-Tiering gives Standard, unless the value is over 4 KB
  await a.ssm.send(new DeleteParameterCommand({ Name: '/t/s3' }));
  await a.ssm.send(new DeleteParameterCommand({ Name: '/t/a1' }));
  assert.equal((await put('/t/it3', { Tier: 'Intelligent-Tiering' })).Tier, 'Standard');
  assert.equal((await put('/t/big', { Tier: 'Intelligent-Tiering', Value: 'x'.repeat(5000) })).Tier, 'Advanced');
  // other regions and accounts have their own counts
  assert.equal((await clients(ACCOUNT, 'us-west-2').ssm.send(new PutParameterCommand({ Name: '/t/s4', Value: 'v', Type: 'String' }))).Tier, 'Standard');
});

test('DescribeParameters: metadata with Version and Tier, 50 a page, ParameterFilters', async () => {
  const c = clients(OTHER, 'us-west-2');
  await sim.admin('/quotas', { method: 'PUT', body: { account: OTHER, quotas: { 'X-SSM-STANDARD-PARAMETERS': 200 } } });
  for (let i = 0; i < 60; i++)
    await c.ssm.send(new PutParameterCommand({ Name: `/app/t${String(i).padStart(2, '0')}/arn`, Value: 'v', Type: 'String', Tags: i < 2 ? [{ Key: 'tenant', Value: `t${i}` }] : undefined }));
  await c.ssm.send(new PutParameterCommand({ Name: '/app/t00/arn', Value: 'v2', Type: 'String', Overwrite: true }));
  await c.ssm.send(new PutParameterCommand({ Name: '/app/top', Value: 'v', Type: 'SecureString', Tier: 'Advanced' }));
  await c.ssm.send(new PutParameterCommand({ Name: 'flat', Value: 'v', Type: 'String' }));

  const { items, pages } = await collect(paginateDescribeParameters({ client: c.ssm, pageSize: 50 }, {}), 'Parameters');
  assert.equal(items.length, 62);
  assert.equal(pages, 2);
  const first = items.find((p) => p.Name === '/app/t00/arn');
  assert.equal(first.Version, 2);
  assert.equal(first.Tier, 'Standard');
  assert.equal(first.Value, undefined);
  assert.ok(first.LastModifiedDate instanceof Date);
  assert.equal(items.find((p) => p.Name === '/app/top').Tier, 'Advanced');
  await rejectsWith(() => c.ssm.send(new DescribeParametersCommand({ MaxResults: 51 })), 'ValidationException', 400);

  const names = async (ParameterFilters) =>
    (await collect(paginateDescribeParameters({ client: c.ssm, pageSize: 50 }, { ParameterFilters }), 'Parameters')).items.map((p) => p.Name);
  assert.equal((await names([{ Key: 'Path', Option: 'Recursive', Values: ['/app'] }])).length, 61);
  assert.deepEqual(await names([{ Key: 'Path', Option: 'OneLevel', Values: ['/app'] }]), ['/app/top']);
  assert.deepEqual(await names([{ Key: 'Path', Values: ['/app/t01'] }]), ['/app/t01/arn']);
  assert.deepEqual(await names([{ Key: 'Tier', Values: ['Advanced'] }]), ['/app/top']);
  assert.deepEqual(await names([{ Key: 'Type', Values: ['SecureString'] }]), ['/app/top']);
  assert.deepEqual(await names([{ Key: 'Name', Option: 'BeginsWith', Values: ['/app/t5'] }]).then((l) => l.length), 10);
  assert.deepEqual(await names([{ Key: 'Name', Option: 'Contains', Values: ['t59'] }]), ['/app/t59/arn']);
  assert.deepEqual(await names([{ Key: 'Name', Values: ['flat'] }]), ['flat']);
  assert.deepEqual(await names([{ Key: 'tag:tenant', Values: ['t1'] }]), ['/app/t01/arn']);
  assert.deepEqual(await names([{ Key: 'tag:tenant' }]), ['/app/t00/arn', '/app/t01/arn']);
  assert.deepEqual(
    await names([{ Key: 'Path', Option: 'Recursive', Values: ['/app'] }, { Key: 'Name', Option: 'BeginsWith', Values: ['/app/t0'] }]).then((l) => l.length),
    10);
  const legacy = await c.ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['flat'] }] }));
  assert.deepEqual(legacy.Parameters.map((p) => p.Name), ['flat']);
  await rejectsWith(() => names([{ Key: 'Label', Values: ['x'] }]), 'InvalidFilterKey', 400);
  await rejectsWith(() => names([{ Key: 'Path', Option: 'Equals', Values: ['/app'] }]), 'InvalidFilterOption', 400);
  await rejectsWith(() => names([{ Key: 'Type', Option: 'Contains', Values: ['String'] }]), 'InvalidFilterOption', 400);
  await rejectsWith(() => c.ssm.send(new DescribeParametersCommand({ NextToken: 'bm9wZQ' })), 'InvalidNextToken', 400);
});

test('reset restores the --quota values and drops the overrides', async () => {
  assert.equal((await sim.admin('/reset', { method: 'POST' })).status, 200);
  const q = (await sim.admin('/quotas')).json;
  assert.equal(q.quotas['L-40EC9882'], 2);
  assert.equal(q.quotas['X-TAGS-PER-RESOURCE'], 3);
  assert.deepEqual(q.overrides, []);
});
