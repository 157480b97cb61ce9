// AWS Budgets actions through @aws-sdk/client-budgets: their life cycle, and an
// AUTOMATIC APPLY_IAM_POLICY action that attaches a deny policy to a tenant's role
// once the tenant's spend crosses the threshold, after which Bedrock Runtime denies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateBudgetActionCommand,
  DescribeBudgetActionCommand,
  DescribeBudgetActionsForBudgetCommand,
  DescribeBudgetActionsForAccountCommand,
  DeleteBudgetCommand,
  UpdateBudgetActionCommand,
  DeleteBudgetActionCommand,
  ExecuteBudgetActionCommand,
  DescribeBudgetCommand,
} from '@aws-sdk/client-budgets';
import { BedrockClient, CreateInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { CostExplorerClient, UpdateCostAllocationTagsStatusCommand } from '@aws-sdk/client-cost-explorer';
import {
  IAMClient,
  CreateRoleCommand,
  PutRolePolicyCommand,
  CreatePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListEntitiesForPolicyCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  DeleteRoleCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const FM = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] });
const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/budgets-actions`;
const SUBSCRIBERS = [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }];

let sim, budgets, iam, rt, tenantRt, profile, denyArn;

const hello = (modelId) => new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Hello there' }] }] });
const limit = (amount) => ({ TimeUnit: 'MONTHLY', BudgetType: 'COST', BudgetLimit: { Amount: amount, Unit: 'USD' } });
const action = (budget, extra = {}) => ({
  AccountId: ACCOUNT,
  BudgetName: budget,
  NotificationType: 'ACTUAL',
  ActionType: 'APPLY_IAM_POLICY',
  ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
  Definition: { IamActionDefinition: { PolicyArn: denyArn, Roles: ['tenant-a'] } },
  ExecutionRoleArn: EXEC_ROLE,
  ApprovalModel: 'AUTOMATIC',
  Subscribers: SUBSCRIBERS,
  ...extra,
});
const describe = async (budget, id) =>
  (await budgets.send(new DescribeBudgetActionCommand({ AccountId: ACCOUNT, BudgetName: budget, ActionId: id }))).Action;
const execute = (budget, id, type) =>
  budgets.send(new ExecuteBudgetActionCommand({ AccountId: ACCOUNT, BudgetName: budget, ActionId: id, ExecutionType: type }));

before(async () => {
  // every token costs $1: "Hello there" is 3 input and 11 output tokens, $14 a call
  sim = await startAwsim(['--region', 'us-east-1', '--prices', '*=1000,1000']);
  budgets = new BudgetsClient(sim.config());
  iam = new IAMClient(sim.config());
  rt = new BedrockRuntimeClient(sim.config({ requestHandler: new NodeHttpHandler() }));
  profile = (await new BedrockClient(sim.config()).send(new CreateInferenceProfileCommand({
    inferenceProfileName: 'tenant-a', modelSource: { copyFrom: FM }, tags: [{ key: 'tenant', value: 'a' }],
  }))).inferenceProfileArn;
  await iam.send(new CreateRoleCommand({ RoleName: 'tenant-a', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'tenant-a', PolicyName: 'invoke', PolicyDocument: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profile },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: FM, Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } } },
    ],
  }) }));
  denyArn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'tenant-a-over-budget', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: profile }],
  }) }))).Policy.Arn;
  const creds = (await new STSClient(sim.config()).send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/tenant-a`, RoleSessionName: 'app',
  }))).Credentials;
  tenantRt = new BedrockRuntimeClient(sim.config({
    requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
  }));
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: {
    BudgetName: 'tenant-a', ...limit('20'), FilterExpression: { Tags: { Key: 'tenant', Values: ['a'], MatchOptions: ['EQUALS'] } },
  } }));
});
after(async () => assert.equal(await sim.stop(), 0));

test('an AUTOMATIC APPLY_IAM_POLICY action attaches its policy when spend crosses the threshold', async () => {
  await tenantRt.send(hello(profile)); // $14; the tag key becomes known ...
  await new CostExplorerClient(sim.config()).send(new UpdateCostAllocationTagsStatusCommand({
    CostAllocationTagsStatus: [{ TagKey: 'tenant', Status: 'Active' }], // ... and the budget sees it
  }));
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('tenant-a')));
  assert.match(id, /^[0-9a-f-]{36}$/);
  let a = await describe('tenant-a', id);
  assert.equal(a.Status, 'STANDBY'); // $14 of $20
  assert.equal(a.ApprovalModel, 'AUTOMATIC');
  assert.deepEqual(a.Definition.IamActionDefinition.Roles, ['tenant-a']);
  await tenantRt.send(hello(profile)); // $28: over
  const budget = await budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a' }));
  assert.equal(budget.Budget.CalculatedSpend.ActualSpend.Amount, '28');
  a = await describe('tenant-a', id);
  assert.equal(a.Status, 'EXECUTION_SUCCESS');
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'tenant-a' }));
  assert.deepEqual(attached.AttachedPolicies.map((p) => p.PolicyArn), [denyArn]);
  const e = await rejectsWith(() => tenantRt.send(hello(profile)), 'AccessDeniedException', 403);
  assert.match(e.message, /explicit deny/);
  await rt.send(hello(profile)); // the configured key is not a tenant role

  // reverse: detached, the tenant may call again; reset: back to STANDBY and, still
  // over the threshold, executed again by the next invocation
  await execute('tenant-a', id, 'REVERSE_BUDGET_ACTION');
  assert.equal((await describe('tenant-a', id)).Status, 'REVERSE_SUCCESS');
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'tenant-a' }))).AttachedPolicies, []);
  await tenantRt.send(hello(profile));
  await rejectsWith(() => execute('tenant-a', id, 'REVERSE_BUDGET_ACTION'), 'ResourceLockedException', 400);
  await execute('tenant-a', id, 'RESET_BUDGET_ACTION');
  assert.equal((await describe('tenant-a', id)).Status, 'STANDBY');
  await tenantRt.send(hello(profile));
  assert.equal((await describe('tenant-a', id)).Status, 'EXECUTION_SUCCESS');
  await rejectsWith(() => tenantRt.send(hello(profile)), 'AccessDeniedException', 403);
  await execute('tenant-a', id, 'REVERSE_BUDGET_ACTION');
});

test('a MANUAL action waits in PENDING for approval; admin-set spend counts', async () => {
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'manual', ...limit('100') } }));
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('manual', {
    ApprovalModel: 'MANUAL', ActionThreshold: { ActionThresholdValue: 1000, ActionThresholdType: 'ABSOLUTE_VALUE' },
  })));
  assert.equal((await describe('manual', id)).Status, 'STANDBY');
  const r = await sim.admin('/budgets/manual/spend', { method: 'PUT', body: { actual: '1000' } });
  assert.equal(r.status, 200);
  assert.equal((await describe('manual', id)).Status, 'PENDING');
  await execute('manual', id, 'APPROVE_BUDGET_ACTION');
  assert.equal((await describe('manual', id)).Status, 'EXECUTION_SUCCESS');
  await rejectsWith(() => tenantRt.send(hello(profile)), 'AccessDeniedException', 403);
  await execute('manual', id, 'REVERSE_BUDGET_ACTION');
  await tenantRt.send(hello(profile));
});

test('RETRY_BUDGET_ACTION redoes a failed execution and a failed reversal; a role with the policy attached stays', async () => {
  const role = 'retry-app';
  const attached = async () =>
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies.map((p) => p.PolicyArn);
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'retry', ...limit('100') } }));
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('retry', {
    Definition: { IamActionDefinition: { PolicyArn: denyArn, Roles: [role] } },
  })));
  assert.equal((await describe('retry', id)).Status, 'STANDBY');
  // the role gone when the spend crosses the threshold: the execution fails
  await iam.send(new DeleteRoleCommand({ RoleName: role }));
  await sim.admin('/budgets/retry/spend', { method: 'PUT', body: { actual: '150' } });
  assert.equal((await describe('retry', id)).Status, 'EXECUTION_FAILURE');
  await rejectsWith(() => execute('retry', id, 'REVERSE_BUDGET_ACTION'), 'ResourceLockedException', 400);
  await execute('retry', id, 'RETRY_BUDGET_ACTION'); // still gone: fails again
  assert.equal((await describe('retry', id)).Status, 'EXECUTION_FAILURE');
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
  await execute('retry', id, 'RETRY_BUDGET_ACTION');
  assert.equal((await describe('retry', id)).Status, 'EXECUTION_SUCCESS');
  assert.deepEqual(await attached(), [denyArn]);
  // IAM deletes no role a managed policy is attached to
  await rejectsWith(() => iam.send(new DeleteRoleCommand({ RoleName: role })), 'DeleteConflictException', 409);
  assert.deepEqual(await attached(), [denyArn]);
  // detached by hand and the role deleted: the reversal fails, and is redone by a retry
  await iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: denyArn }));
  await iam.send(new DeleteRoleCommand({ RoleName: role }));
  await execute('retry', id, 'REVERSE_BUDGET_ACTION');
  assert.equal((await describe('retry', id)).Status, 'REVERSE_FAILURE');
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
  await execute('retry', id, 'RETRY_BUDGET_ACTION');
  assert.equal((await describe('retry', id)).Status, 'REVERSE_SUCCESS');
  assert.deepEqual(await attached(), []);
  await rejectsWith(() => execute('retry', id, 'RETRY_BUDGET_ACTION'), 'ResourceLockedException', 400);
});

test('describe for budget, update, delete, and bad input', async () => {
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'crud', ...limit('1000000') } }));
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('crud')));
  const listed = await budgets.send(new DescribeBudgetActionsForBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'crud' }));
  assert.deepEqual(listed.Actions.map((a) => a.ActionId), [id]);
  const up = await budgets.send(new UpdateBudgetActionCommand({
    AccountId: ACCOUNT, BudgetName: 'crud', ActionId: id, ActionThreshold: { ActionThresholdValue: 50, ActionThresholdType: 'PERCENTAGE' },
  }));
  assert.equal(up.OldAction.ActionThreshold.ActionThresholdValue, 100);
  assert.equal(up.NewAction.ActionThreshold.ActionThresholdValue, 50);
  assert.equal(up.NewAction.Status, 'STANDBY');
  const del = await budgets.send(new DeleteBudgetActionCommand({ AccountId: ACCOUNT, BudgetName: 'crud', ActionId: id }));
  assert.equal(del.Action.ActionId, id);
  await rejectsWith(() => describe('crud', id), 'NotFoundException', 400);
  await rejectsWith(() => budgets.send(new CreateBudgetActionCommand(action('no-such-budget'))), 'NotFoundException', 400);
  await rejectsWith(() => budgets.send(new CreateBudgetActionCommand(action('crud', { Definition: {} }))), 'InvalidParameterException', 400);
  await rejectsWith(() => budgets.send(new CreateBudgetActionCommand(action('crud', { ApprovalModel: 'SOMETIMES' }))), 'InvalidParameterException', 400);
  await rejectsWith(() => budgets.send(new CreateBudgetActionCommand(action('crud', { AccountId: '210987654321' }))), 'AccessDeniedException', 400);
});

test('the account\'s actions, every budget\'s, page by page; a deleted budget takes its actions', async () => {
  for (const name of ['acct-a', 'acct-b'])
    await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: name, ...limit('1000000') } }));
  const ids = [];
  for (const name of ['acct-a', 'acct-a', 'acct-b'])
    ids.push((await budgets.send(new CreateBudgetActionCommand(action(name)))).ActionId);
  const seen = [];
  let NextToken;
  do {
    const page = await budgets.send(new DescribeBudgetActionsForAccountCommand({ AccountId: ACCOUNT, MaxResults: 2, NextToken }));
    assert.ok(page.Actions.length <= 2);
    for (const a of page.Actions) seen.push([a.BudgetName, a.ActionId, a.Status]);
    NextToken = page.NextToken;
  } while (NextToken);
  for (const id of ids) assert.ok(seen.some(([, i]) => i === id), `action ${id} listed`);
  assert.ok(seen.every(([, , st]) => typeof st === 'string'));
  await budgets.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'acct-b' }));
  const after = await budgets.send(new DescribeBudgetActionsForAccountCommand({ AccountId: ACCOUNT }));
  assert.ok(!after.Actions.some((a) => a.BudgetName === 'acct-b'));
  assert.ok(after.Actions.some((a) => a.ActionId === ids[0]));
  await rejectsWith(() => budgets.send(new DescribeBudgetActionsForAccountCommand({ AccountId: '210987654321' })), 'AccessDeniedException', 400);
});

test('ListPolicies: the account\'s own policies under a path, paged', async () => {
  for (const name of ['p1', 'p2', 'p3'])
    await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: '/bedrock-tenants/', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: '*' }],
    }) }));
  const names = [];
  let Marker;
  do {
    const page = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/bedrock-tenants/', MaxItems: 2, Marker }));
    for (const p of page.Policies) {
      assert.equal(p.Path, '/bedrock-tenants/');
      assert.equal(p.DefaultVersionId, 'v1');
      assert.equal(p.AttachmentCount, 0);
      names.push(p.PolicyName);
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  assert.deepEqual(names.sort(), ['p1', 'p2', 'p3']);
  const all = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
  assert.ok(all.Policies.some((p) => p.PolicyName === 'tenant-a-over-budget'));
  assert.deepEqual((await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies, []);
});

test('a new budget period: the spend starts again from 0, actions keep their status', async () => {
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'period', ...limit('100') } }));
  await sim.admin('/budgets/period/spend', { method: 'PUT', body: { actual: '150' } });
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('period')));
  assert.equal((await describe('period', id)).Status, 'EXECUTION_SUCCESS');
  const r = await sim.admin('/budgets/period/new-period', { method: 'POST', body: {} });
  assert.equal(r.status, 200);
  const b = await budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'period' }));
  assert.equal(b.Budget.CalculatedSpend.ActualSpend.Amount, '0');
  assert.equal(b.Budget._awsimCountedBefore, undefined);
  assert.equal((await describe('period', id)).Status, 'EXECUTION_SUCCESS');
  await execute('period', id, 'REVERSE_BUDGET_ACTION');
  await execute('period', id, 'RESET_BUDGET_ACTION');
  assert.equal((await describe('period', id)).Status, 'STANDBY');
  assert.equal((await sim.admin('/budgets/nope/new-period', { method: 'POST', body: {} })).status, 404);
});

test('ListEntitiesForPolicy: the roles a policy is attached to', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'other-app', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: denyArn }));
  // attached already: changes nothing, no error, even with the role at its 10 attached
  const fillers = [];
  for (let i = 0; i < 10; i++) {
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `filler-${i}`, Path: '/filler/',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }) }));
    fillers.push(Policy.Arn);
  }
  for (const arn of fillers.slice(0, 9))
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: arn }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: denyArn }));
  await rejectsWith(() => iam.send(new AttachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: fillers[9] })),
    'LimitExceededException', 409);
  for (const arn of fillers.slice(0, 9))
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: arn }));
  let e = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: denyArn }));
  assert.deepEqual(e.PolicyRoles.map((r) => r.RoleName), ['other-app']);
  assert.match(e.PolicyRoles[0].RoleId, /^AROA/);
  assert.deepEqual(e.PolicyUsers, []);
  assert.deepEqual(e.PolicyGroups, []);
  assert.equal(e.IsTruncated, false);
  e = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: denyArn, EntityFilter: 'User' }));
  assert.deepEqual(e.PolicyRoles, []);
  await iam.send(new DetachRolePolicyCommand({ RoleName: 'other-app', PolicyArn: denyArn }));
  e = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: denyArn, EntityFilter: 'Role' }));
  assert.deepEqual(e.PolicyRoles, []);
  await rejectsWith(() => iam.send(new ListEntitiesForPolicyCommand({
    PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope`,
  })), 'NoSuchEntityException', 404);
});

test('budget_action_ms: an execution, a reversal and a reset are in progress for that long, and locked', async () => {
  const statusOf = async (id) => (await describe('slow', id)).Status;
  const settled = async (id, from) => {
    for (let i = 0; i < 100 && (await statusOf(id)) === from; i++)
      await new Promise((r) => setTimeout(r, 100));
    return statusOf(id);
  };
  const attached = async () =>
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'tenant-a' }))).AttachedPolicies.map((p) => p.PolicyArn);
  await sim.faults({ budget_action_ms: 2000 });
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'slow', ...limit('100') } }));
  await sim.admin('/budgets/slow/spend', { method: 'PUT', body: { actual: '150' } });
  const { ActionId: id } = await budgets.send(new CreateBudgetActionCommand(action('slow')));
  assert.equal(await statusOf(id), 'EXECUTION_IN_PROGRESS');
  assert.deepEqual(await attached(), []); // the policy lands when the execution ends
  await rejectsWith(() => execute('slow', id, 'REVERSE_BUDGET_ACTION'), 'ResourceLockedException', 400);
  assert.equal(await settled(id, 'EXECUTION_IN_PROGRESS'), 'EXECUTION_SUCCESS');
  assert.deepEqual(await attached(), [denyArn]);
  await execute('slow', id, 'REVERSE_BUDGET_ACTION');
  assert.equal(await statusOf(id), 'REVERSE_IN_PROGRESS');
  assert.deepEqual(await attached(), [denyArn]);
  await rejectsWith(() => execute('slow', id, 'RESET_BUDGET_ACTION'), 'ResourceLockedException', 400);
  assert.equal(await settled(id, 'REVERSE_IN_PROGRESS'), 'REVERSE_SUCCESS');
  assert.deepEqual(await attached(), []);
  await execute('slow', id, 'RESET_BUDGET_ACTION');
  assert.equal(await statusOf(id), 'RESET_IN_PROGRESS');
  assert.equal(await settled(id, 'RESET_IN_PROGRESS'), 'STANDBY');
  await sim.faults({});
  await budgets.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'slow' }));
});
