// The usage state in awsim's state file: S3 objects, pending invocation logs,
// managed policies and their attachments, counted spend, cost-allocation tags,
// logging configurations and Budgets actions survive SIGTERM and a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  BedrockClient,
  CreateInferenceProfileCommand,
  PutModelInvocationLoggingConfigurationCommand,
  GetModelInvocationLoggingConfigurationCommand,
} from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { IAMClient, CreateRoleCommand, CreatePolicyCommand, AttachRolePolicyCommand, ListAttachedRolePoliciesCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import { CostExplorerClient, UpdateCostAllocationTagsStatusCommand, ListCostAllocationTagsCommand } from '@aws-sdk/client-cost-explorer';
import { BudgetsClient, CreateBudgetCommand, CreateBudgetActionCommand, DescribeBudgetActionsForBudgetCommand, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsim, ACCOUNT } from './lib/awsim.mjs';

const dir = mkdtempSync(join(tmpdir(), 'awsim-usage-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] });
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] });

const clients = (sim) => ({
  s3: new S3Client(sim.config({ forcePathStyle: true })),
  br: new BedrockClient(sim.config()),
  rt: new BedrockRuntimeClient(sim.config({ requestHandler: new NodeHttpHandler() })),
  iam: new IAMClient(sim.config()),
  ce: new CostExplorerClient(sim.config()),
  budgets: new BudgetsClient(sim.config()),
});

test('the usage state survives SIGTERM and a restart', async () => {
  const file = join(dir, 'state.json');
  let sim = await startAwsim(['--state', file, '--invocation-log-delay', '60000']);
  let c = clients(sim);
  await c.s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
  await c.s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'bin', Body: Buffer.from([0, 1, 2, 255]) }));
  await c.br.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: { s3Config: { bucketName: 'keep', keyPrefix: 'p' } } }));
  const profile = (await c.br.send(new CreateInferenceProfileCommand({
    inferenceProfileName: 'a', modelSource: { copyFrom: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}` }, tags: [{ key: 'tenant', value: 'a' }],
  }))).inferenceProfileArn;
  await c.rt.send(new ConverseCommand({ modelId: profile, messages: [{ role: 'user', content: [{ text: 'x'.repeat(40) }] }] }));
  await c.ce.send(new UpdateCostAllocationTagsStatusCommand({ CostAllocationTagsStatus: [{ TagKey: 'tenant', Status: 'Active' }] }));
  await c.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
  const arn = (await c.iam.send(new CreatePolicyCommand({ PolicyName: 'deny', PolicyDocument: DOC }))).Policy.Arn;
  await c.iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: arn }));
  await c.budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: {
    BudgetName: 'a', TimeUnit: 'MONTHLY', BudgetType: 'COST', BudgetLimit: { Amount: '100', Unit: 'USD' },
    FilterExpression: { Tags: { Key: 'tenant', Values: ['a'] } },
  } }));
  const { ActionId } = await c.budgets.send(new CreateBudgetActionCommand({
    AccountId: ACCOUNT, BudgetName: 'a', NotificationType: 'ACTUAL', ActionType: 'APPLY_IAM_POLICY',
    ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
    Definition: { IamActionDefinition: { PolicyArn: arn, Roles: ['r'] } },
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/budgets-actions`, ApprovalModel: 'AUTOMATIC',
    Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }],
  }));
  const spend = (await c.budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'a' }))).Budget.CalculatedSpend.ActualSpend;
  assert.notEqual(spend.Amount, '0');
  assert.equal(await sim.stop(), 0);

  sim = await startAwsim(['--state', file, '--invocation-log-delay', '1']);
  c = clients(sim);
  try {
    const got = await c.s3.send(new GetObjectCommand({ Bucket: 'keep', Key: 'bin' }));
    assert.deepEqual([...(await got.Body.transformToByteArray())], [0, 1, 2, 255]);
    // the batch pending at SIGTERM is delivered after the restart
    const logs = (await c.s3.send(new ListObjectsV2Command({ Bucket: 'keep', Prefix: 'p/AWSLogs/' }))).Contents;
    assert.equal(logs.length, 1);
    const rec = JSON.parse(gunzipSync(Buffer.from(await (await c.s3.send(new GetObjectCommand({ Bucket: 'keep', Key: logs[0].Key }))).Body.transformToByteArray())).toString());
    assert.equal(rec.modelId, profile);
    assert.equal((await c.br.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig.s3Config.keyPrefix, 'p');
    const attached = await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'r' }));
    assert.deepEqual(attached.AttachedPolicies.map((p) => p.PolicyArn), [arn]);
    const v = await c.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    assert.equal(decodeURIComponent(v.PolicyVersion.Document), DOC);
    const tags = await c.ce.send(new ListCostAllocationTagsCommand({}));
    assert.deepEqual(tags.CostAllocationTags.map((t) => [t.TagKey, t.Status]), [['tenant', 'Active']]);
    const after = (await c.budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'a' }))).Budget.CalculatedSpend.ActualSpend;
    assert.equal(after.Amount, spend.Amount);
    const actions = await c.budgets.send(new DescribeBudgetActionsForBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'a' }));
    assert.deepEqual(actions.Actions.map((a) => [a.ActionId, a.Status]), [[ActionId, 'STANDBY']]);
  } finally {
    assert.equal(await sim.stop(), 0);
  }
});
