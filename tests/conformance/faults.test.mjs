// Fault injection as the SDK clients see it: each protocol's throttling error,
// injected 500/503 and custom errors, latency, resets, lost answers (the mutation
// happens; a retry with the same clientRequestToken finds it), eventual
// consistency of the application-profile listing and read-after-write lag of Get.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BedrockClient,
  CreateInferenceProfileCommand,
  GetInferenceProfileCommand,
  ListInferenceProfilesCommand,
} from '@aws-sdk/client-bedrock';
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { SSMClient, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startAwsim, rejectsWith, ACCOUNT, KEY } from './lib/awsim.mjs';

const FM = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';
let sim, br;
before(async () => {
  sim = await startAwsim();
  br = new BedrockClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));
beforeEach(async () => {
  await sim.admin('/faults', { method: 'DELETE' });
  await sim.admin('/calls', { method: 'DELETE' });
});

const listApp = async () =>
  (await br.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION' }))).inferenceProfileSummaries.map(
    (p) => p.inferenceProfileName,
  );

test("a token bucket per operation throttles with each protocol's error", async () => {
  await sim.faults({ rules: [{ rate: 0.001, burst: 2 }] });
  const cases = [
    [() => br.send(new ListInferenceProfilesCommand({})), 'ThrottlingException', 429],
    [() => new BudgetsClient(sim.config()).send(new DescribeBudgetsCommand({ AccountId: ACCOUNT })), 'ThrottlingException', 400],
    [() => new SSMClient(sim.config()).send(new GetParameterCommand({ Name: '/p' })), 'ThrottlingException', 400],
    [() => new ResourceGroupsTaggingAPIClient(sim.config()).send(new GetResourcesCommand({})), 'ThrottledException', 400],
    [() => new IAMClient(sim.config()).send(new ListRolesCommand({})), 'Throttling', 400],
    [() => new STSClient(sim.config()).send(new GetCallerIdentityCommand({})), 'Throttling', 400],
  ];
  for (const [call, name, status] of cases) {
    for (let i = 0; i < 2; i++) {
      try {
        await call();
      } catch (e) {
        assert.notEqual(e.name, name, 'throttled within the burst');
      }
    }
    await rejectsWith(call, name, status);
  }
  const calls = (await sim.admin('/calls')).json;
  assert.deepEqual(calls['bedrock:ListInferenceProfiles'], { ok: 2, throttled: 1, failed: 0, dropped: 0, mutating: false });
  assert.equal(calls['ssm:GetParameter'].throttled, 1);
  assert.equal(calls['ssm:GetParameter'].failed, 2); // ParameterNotFound
});

test('a shared bucket spans operations; a rule can name one operation and region', async () => {
  await sim.faults({ rules: [{ service: 'bedrock', operation: 'GetInferenceProfile', region: 'us-east-1', rate: 0.001, burst: 1 }] });
  await br.send(new ListInferenceProfilesCommand({}));
  await br.send(new ListInferenceProfilesCommand({}));
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'zzzzzzzzzzzz' })), 'ResourceNotFoundException');
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'zzzzzzzzzzzz' })), 'ThrottlingException');
  await sim.faults({ rules: [{ service: 'bedrock', rate: 0.001, burst: 1, shared_bucket: true }] });
  await br.send(new ListInferenceProfilesCommand({}));
  await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'zzzzzzzzzzzz' })), 'ThrottlingException');
});

test('the SDK retries throttling and 5xx answers and then succeeds', async () => {
  await sim.faults({ rules: [{ service: 'ssm', throttle_percent: 100, times: 1 }, { service: 'ssm', error_503_percent: 100, times: 1 }] });
  const ssm = new SSMClient(sim.config({ maxAttempts: 3 }));
  const out = await ssm.send(new PutParameterCommand({ Name: '/retried', Value: 'v', Type: 'String' }));
  assert.equal(out.$metadata.attempts, 3);
  const calls = (await sim.admin('/calls')).json['ssm:PutParameter'];
  assert.deepEqual(calls, { ok: 1, throttled: 1, failed: 1, dropped: 0, mutating: true });
});

test('injected 500, 503 and custom errors', async () => {
  await sim.faults({
    rules: [
      { service: 'bedrock', operation: 'ListInferenceProfiles', error_500_percent: 100, times: 1 },
      { service: 'bedrock', operation: 'ListInferenceProfiles', error_503_percent: 100, times: 1 },
      { service: 'bedrock', operation: 'ListInferenceProfiles', error_percent: 100, times: 1, error: { status: 400, code: 'ConflictException', message: 'busy' } },
      { service: 'iam', error_500_percent: 100, times: 1 },
    ],
  });
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({})), 'InternalServerException', 500);
  await rejectsWith(() => br.send(new ListInferenceProfilesCommand({})), 'ServiceUnavailableException', 503);
  const e = await rejectsWith(() => br.send(new ListInferenceProfilesCommand({})), 'ConflictException', 400);
  assert.equal(e.message, 'busy');
  await br.send(new ListInferenceProfilesCommand({}));
  await rejectsWith(() => new IAMClient(sim.config()).send(new ListRolesCommand({})), 'ServiceFailureException', 500);
});

test('latency delays the answer', async () => {
  await sim.faults({ rules: [{ service: 'bedrock', operation: 'ListInferenceProfiles', latency_ms: 300, times: 1 }] });
  const t0 = Date.now();
  await br.send(new ListInferenceProfilesCommand({}));
  assert.ok(Date.now() - t0 >= 300);
});

test('a reset cuts the connection before the operation runs', async () => {
  await sim.faults({ rules: [{ service: 'bedrock', operation: 'CreateInferenceProfile', reset_percent: 100, times: 1 }] });
  await assert.rejects(() => br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'reset-me', modelSource: { copyFrom: FM } })));
  assert.ok(!(await listApp()).includes('reset-me'));
  await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'reset-me', modelSource: { copyFrom: FM } }));
  assert.equal((await sim.admin('/calls')).json['bedrock:CreateInferenceProfile'].dropped, 1);
});

test('a lost answer: the profile exists; a retry with the same token returns it', async () => {
  await sim.faults({ rules: [{ service: 'bedrock', operation: 'CreateInferenceProfile', lost_percent: 100, times: 1 }] });
  await assert.rejects(() => br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'lost-1', modelSource: { copyFrom: FM } })));
  assert.ok((await listApp()).includes('lost-1'));
  await sim.faults({ rules: [{ service: 'bedrock', operation: 'CreateInferenceProfile', lost_percent: 100, times: 1 }] });
  const retrying = new BedrockClient(sim.config({ maxAttempts: 3 }));
  const out = await retrying.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'lost-2', modelSource: { copyFrom: FM } }));
  assert.equal(out.$metadata.attempts, 2);
  const got = await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: out.inferenceProfileArn }));
  assert.equal(got.inferenceProfileName, 'lost-2');
  assert.equal((await listApp()).filter((n) => n === 'lost-2').length, 1);
});

test('eventual consistency: a new profile shows in List only after the delay', async () => {
  await sim.faults({ eventual_consistency_ms: 2000 });
  const out = await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'slow-to-list', modelSource: { copyFrom: FM } }));
  assert.ok(!(await listApp()).includes('slow-to-list'));
  await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: out.inferenceProfileArn }));
  const deadline = Date.now() + 20000;
  while (!(await listApp()).includes('slow-to-list')) {
    assert.ok(Date.now() < deadline, 'never listed');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('read-after-write lag: Get answers ResourceNotFoundException for a new profile, then finds it', async () => {
  await sim.faults({ read_after_write_ms: 1500 });
  const out = await br.send(new CreateInferenceProfileCommand({ inferenceProfileName: 'slow-to-read', modelSource: { copyFrom: FM } }));
  const get = () => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: out.inferenceProfileArn }));
  await rejectsWith(get, 'ResourceNotFoundException', 404);
  assert.ok((await listApp()).includes('slow-to-read'), 'the profile is live (listed) meanwhile');
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const p = await get();
      assert.deepEqual(p.models.map((m) => m.modelArn), [FM]);
      break;
    } catch (e) {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.ok(Date.now() < deadline, 'never readable');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

test('a seeded plan decides the same way twice', async () => {
  const plan = { seed: 99, rules: [{ service: 'sts', error_500_percent: 50 }] };
  const sts = new STSClient(sim.config());
  const run = async () => {
    await sim.faults(plan);
    const seen = [];
    for (let i = 0; i < 20; i++) {
      try {
        await sts.send(new GetCallerIdentityCommand({}));
        seen.push('ok');
      } catch (e) {
        seen.push(e.name);
      }
    }
    return seen;
  };
  const first = await run();
  assert.ok(first.includes('ok') && first.includes('InternalFailure'));
  assert.deepEqual(await run(), first);
});

test('fault plans: YAML accepted, bad plans refused with a reason', async () => {
  const yaml = 'seed: 5\nrules:\n  - service: ssm\n    operation: GetParameter\n    throttle_percent: 100\n    times: 1\n';
  const r = await sim.admin('/faults', { method: 'PUT', body: yaml, headers: { 'content-type': 'application/yaml' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.rules[0].times, 1);
  await rejectsWith(() => new SSMClient(sim.config()).send(new GetParameterCommand({ Name: '/p' })), 'ThrottlingException');
  const bad = await sim.admin('/faults', { method: 'PUT', body: { rules: [{ service: 'ec2' }] } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /unknown service ec2/);
  const badKey = await sim.admin('/faults', { method: 'PUT', body: { rules: [{ throttle: 5 }] } });
  assert.equal(badKey.status, 400);
});

test('buckets per account and Region: each place its own, a global service per account; the shared default unchanged', async () => {
  const OTHER = '111122223333';
  const OTHER_KEY = { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'otherSecretKeyForTheSecondAccount00000' };
  const places = await startAwsim([
    '--region', 'us-east-1', '--region', 'us-west-2',
    '--credentials', `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
    '--credentials', `${OTHER_KEY.accessKeyId}:${OTHER_KEY.secretAccessKey}:${OTHER}`,
  ]);
  try {
    const ssm = (credentials, region = 'us-east-1') => new SSMClient(places.config({ credentials, region }));
    const iam = (credentials) => new IAMClient(places.config({ credentials }));
    let n = 0;
    const put = (c) => c.send(new PutParameterCommand({ Name: `/per/p${n++}`, Value: 'v', Type: 'String' }));
    const plan = await places.faults({
      rules: [
        { service: 'ssm', operation: 'PutParameter', rate: 0.001, burst: 2, per: 'account-region' },
        { service: 'iam', rate: 0.001, burst: 1, per: 'account-region' },
      ],
    });
    assert.equal(plan.rules[0].per, 'account-region');
    // each (account, Region) has its own two tokens
    for (const c of [ssm(KEY), ssm(OTHER_KEY), ssm(KEY, 'us-west-2'), ssm(OTHER_KEY, 'us-west-2')]) {
      await put(c);
      await put(c);
      await rejectsWith(() => put(c), 'ThrottlingException', 400);
    }
    // IAM is global: one bucket per account
    await iam(KEY).send(new ListRolesCommand({}));
    await rejectsWith(() => iam(KEY).send(new ListRolesCommand({})), 'Throttling', 400);
    await iam(OTHER_KEY).send(new ListRolesCommand({}));
    let calls = (await places.admin('/calls')).json;
    assert.deepEqual(calls['ssm:PutParameter'], { ok: 8, throttled: 4, failed: 0, dropped: 0, mutating: true });
    assert.equal(calls['iam:ListRoles'].ok, 2);

    // without `per`: one bucket for every account and Region, as before
    await places.admin('/calls', { method: 'DELETE' });
    assert.equal((await places.faults({ rules: [{ service: 'ssm', operation: 'PutParameter', rate: 0.001, burst: 2 }] })).rules[0].per, 'all');
    await put(ssm(KEY));
    await put(ssm(OTHER_KEY, 'us-west-2'));
    await rejectsWith(() => put(ssm(OTHER_KEY)), 'ThrottlingException', 400);
    await rejectsWith(() => put(ssm(KEY, 'us-west-2')), 'ThrottlingException', 400);
    calls = (await places.admin('/calls')).json;
    assert.deepEqual(calls['ssm:PutParameter'], { ok: 2, throttled: 2, failed: 0, dropped: 0, mutating: true });

    const bad = await places.admin('/faults', { method: 'PUT', body: { rules: [{ rate: 1, per: 'region' }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /per must be/);
  } finally {
    assert.equal(await places.stop(), 0);
  }
});
