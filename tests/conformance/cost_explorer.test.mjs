// AWS Cost Explorer (awsJson1.1) through @aws-sdk/client-cost-explorer: cost-allocation
// tags and GetCostAndUsage grouped by tag, on the spend of awsim's own invocations,
// which Budgets' actual spend and the invocation logs agree with. A tag-filtered
// budget sees spend only once its tag key is Active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  CostExplorerClient,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
  GetCostAndUsageCommand,
} from '@aws-sdk/client-cost-explorer';
import { BedrockClient, CreateInferenceProfileCommand, PutModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { BudgetsClient, CreateBudgetCommand, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NOVA = 'amazon.nova-micro-v1:0';
const PRICES = { [HAIKU]: [1, 2], '*': [0.5, 0.5] }; // USD per 1,000 input, output tokens
const DELAY = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const today = () => new Date().toISOString().slice(0, 10);
const tomorrow = () => new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
const near = (a, b) => Math.abs(Number(a) - Number(b)) < 1e-9;

let sim, ce, br, rt, budgets, s3;
const spent = { a: 0, b: 0, none: 0 };
const modelOf = { [HAIKU]: HAIKU }; // modelId as invoked -> the model priced

const priceOf = (model, input, output) => {
  const [i, o] = PRICES[model] ?? PRICES['*'];
  return (input / 1000) * i + (output / 1000) * o;
};

async function converse(modelId, text, model, who) {
  const out = await rt.send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text }] }] }));
  spent[who] += priceOf(model, out.usage.inputTokens, out.usage.outputTokens);
}

const spendOf = async (name) =>
  (await budgets.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: name }))).Budget.CalculatedSpend.ActualSpend;

before(async () => {
  const prices = Object.entries(PRICES).map(([m, [i, o]]) => `${m}=${i},${o}`).join(';');
  sim = await startAwsim(['--region', 'us-east-1', '--prices', prices, '--invocation-log-delay', String(DELAY)]);
  ce = new CostExplorerClient(sim.config());
  br = new BedrockClient(sim.config());
  rt = new BedrockRuntimeClient(sim.config({ requestHandler: new NodeHttpHandler() }));
  budgets = new BudgetsClient(sim.config());
  s3 = new S3Client(sim.config({ forcePathStyle: true }));
  await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
  await br.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: { s3Config: { bucketName: 'logs' } } }));
  const base = { TimeUnit: 'MONTHLY', BudgetType: 'COST', BudgetLimit: { Amount: '100', Unit: 'USD' } };
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: { BudgetName: 'all', ...base } }));
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: {
    BudgetName: 'tenant-a', ...base, FilterExpression: { Tags: { Key: 'tenant', Values: ['a'], MatchOptions: ['EQUALS'] } },
  } }));
  await budgets.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: {
    BudgetName: 'tenant-b', ...base, CostFilters: { TagKeyValue: ['user:tenant$b'] },
  } }));
  const mk = async (name, model, tags) => (await br.send(new CreateInferenceProfileCommand({
    inferenceProfileName: name, modelSource: { copyFrom: `arn:aws:bedrock:us-east-1::foundation-model/${model}` }, tags,
  }))).inferenceProfileArn;
  const a = await mk('a', HAIKU, [{ key: 'tenant', value: 'a' }, { key: 'team', value: 'x' }]);
  const b = await mk('b', NOVA, [{ key: 'tenant', value: 'b' }]);
  modelOf[a] = HAIKU;
  modelOf[b] = NOVA;
  await converse(a, 'x'.repeat(40), HAIKU, 'a');
  await converse(a, 'a question of some length', HAIKU, 'a');
  await converse(b, 'y'.repeat(400), NOVA, 'b');
  await converse(HAIKU, 'untagged', HAIKU, 'none');
});
after(async () => assert.equal(await sim.stop(), 0));

const byTenant = async () => {
  const out = await ce.send(new GetCostAndUsageCommand({
    TimePeriod: { Start: today(), End: tomorrow() }, Granularity: 'DAILY', Metrics: ['UnblendedCost'],
    GroupBy: [{ Type: 'TAG', Key: 'tenant' }],
  }));
  assert.deepEqual(out.GroupDefinitions, [{ Type: 'TAG', Key: 'tenant' }]);
  assert.equal(out.ResultsByTime.length, 1);
  return Object.fromEntries(out.ResultsByTime[0].Groups.map((g) => [g.Keys[0], g.Metrics.UnblendedCost]));
};

test('tag keys of invoked profiles appear Inactive; a tag-filtered budget sees nothing yet', async () => {
  const tags = await ce.send(new ListCostAllocationTagsCommand({}));
  assert.deepEqual(tags.CostAllocationTags, [
    { TagKey: 'team', Type: 'UserDefined', Status: 'Inactive' },
    { TagKey: 'tenant', Type: 'UserDefined', Status: 'Inactive' },
  ]);
  const groups = await byTenant();
  assert.deepEqual(Object.keys(groups), ['tenant$']);
  assert.ok(near(groups['tenant$'].Amount, spent.a + spent.b + spent.none));
  assert.equal(groups['tenant$'].Unit, 'USD');
  assert.ok(near((await spendOf('all')).Amount, spent.a + spent.b + spent.none));
  assert.equal((await spendOf('tenant-a')).Amount, '0');
  assert.equal((await spendOf('tenant-b')).Amount, '0');
});

test('once the key is Active, Cost Explorer groups by it and the tag-filtered budgets agree', async () => {
  const up = await ce.send(new UpdateCostAllocationTagsStatusCommand({
    CostAllocationTagsStatus: [{ TagKey: 'tenant', Status: 'Active' }, { TagKey: 'never-seen', Status: 'Active' }],
  }));
  assert.deepEqual(up.Errors.map((e) => [e.TagKey, e.Code]), [['never-seen', 'TagKeysNotFoundException']]);
  const active = await ce.send(new ListCostAllocationTagsCommand({ Status: 'Active' }));
  assert.deepEqual(active.CostAllocationTags.map((t) => t.TagKey), ['tenant']);
  const groups = await byTenant();
  assert.deepEqual(Object.keys(groups).sort(), ['tenant$', 'tenant$a', 'tenant$b']);
  assert.ok(near(groups['tenant$a'].Amount, spent.a));
  assert.ok(near(groups['tenant$b'].Amount, spent.b));
  assert.ok(near(groups['tenant$'].Amount, spent.none));
  assert.ok(near((await spendOf('tenant-a')).Amount, spent.a));
  assert.ok(near((await spendOf('tenant-b')).Amount, spent.b));
  // a filter on the tag, monthly totals
  const filtered = await ce.send(new GetCostAndUsageCommand({
    TimePeriod: { Start: today(), End: tomorrow() }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost', 'UsageQuantity'],
    Filter: { Tags: { Key: 'tenant', Values: ['b'] } },
  }));
  assert.ok(near(filtered.ResultsByTime[0].Total.UnblendedCost.Amount, spent.b));
  await ce.send(new UpdateCostAllocationTagsStatusCommand({ CostAllocationTagsStatus: [{ TagKey: 'tenant', Status: 'Inactive' }] }));
  assert.equal((await spendOf('tenant-a')).Amount, '0');
  await ce.send(new UpdateCostAllocationTagsStatusCommand({ CostAllocationTagsStatus: [{ TagKey: 'tenant', Status: 'Active' }] }));
});

test('the invocation logs priced with the same table give the same total', async () => {
  await sleep(DELAY + 200);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'logs' }));
  let total = 0;
  let n = 0;
  for (const o of listed.Contents) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: o.Key }));
    const lines = gunzipSync(Buffer.from(await got.Body.transformToByteArray())).toString().trimEnd().split('\n');
    for (const line of lines) {
      const r = JSON.parse(line);
      total += priceOf(modelOf[r.modelId], r.input.inputTokenCount, r.output.outputTokenCount);
      n++;
    }
  }
  assert.equal(n, 4);
  const all = await ce.send(new GetCostAndUsageCommand({ TimePeriod: { Start: today(), End: tomorrow() }, Granularity: 'DAILY', Metrics: ['BlendedCost'] }));
  assert.ok(near(all.ResultsByTime[0].Total.BlendedCost.Amount, total));
  assert.ok(near((await spendOf('all')).Amount, total));
});

test('bad input: dates, granularity, metrics, group types', async () => {
  const base = { TimePeriod: { Start: today(), End: tomorrow() }, Granularity: 'DAILY', Metrics: ['UnblendedCost'] };
  await rejectsWith(() => ce.send(new GetCostAndUsageCommand({ ...base, TimePeriod: { Start: tomorrow(), End: today() } })), 'ValidationException', 400);
  await rejectsWith(() => ce.send(new GetCostAndUsageCommand({ ...base, Granularity: 'HOURLY' })), 'ValidationException', 400);
  await rejectsWith(() => ce.send(new GetCostAndUsageCommand({ ...base, Metrics: ['Bananas'] })), 'ValidationException', 400);
  await rejectsWith(() => ce.send(new GetCostAndUsageCommand({ ...base, GroupBy: [{ Type: 'DIMENSION', Key: 'REGION' }] })), 'ValidationException', 400);
  await rejectsWith(() => ce.send(new ListCostAllocationTagsCommand({ NextToken: 'bogus' })), 'InvalidNextTokenException', 400);
});
