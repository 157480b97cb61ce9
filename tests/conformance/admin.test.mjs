// The admin API and the state file, around resources made with the SDK.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockClient, CreateInferenceProfileCommand, GetInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { SSMClient, PutParameterCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

const dir = mkdtempSync(join(tmpdir(), 'awsim-admin-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FM = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0';

test('state dump, counters, reset', async () => {
  const sim = await startAwsim();
  try {
    const br = new BedrockClient(sim.config());
    const { inferenceProfileArn: arn } = await br.send(
      new CreateInferenceProfileCommand({ inferenceProfileName: 'dumped', modelSource: { copyFrom: FM } }),
    );
    const state = (await sim.admin('/state')).json;
    assert.equal(state.format, 'awsim-state/1');
    const acct = state.accounts.find((a) => a.id === ACCOUNT);
    const region = acct.regions.find((r) => r.name === 'us-east-1');
    assert.deepEqual(region.profiles.map((p) => p.arn), [arn]);
    const calls = (await sim.admin('/calls')).json;
    assert.deepEqual(calls['bedrock:CreateInferenceProfile'], { ok: 1, throttled: 0, failed: 0, dropped: 0, mutating: true });
    assert.equal((await sim.admin('/calls', { method: 'DELETE' })).status, 200);
    assert.deepEqual((await sim.admin('/calls')).json, {});
    assert.equal((await sim.admin('/reset', { method: 'POST' })).status, 200);
    await rejectsWith(() => br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: arn })), 'ResourceNotFoundException');
    assert.equal((await sim.admin('/nothing-here')).status, 404);
    assert.equal((await sim.admin('/health')).json.ok, true);
    const config = (await sim.admin('/config')).json;
    assert.equal(config.account, ACCOUNT);
    assert.deepEqual(config.regions, ['us-east-1']);
  } finally {
    assert.equal(await sim.stop(), 0);
  }
});

test('the state survives SIGTERM and a restart, temporary credentials included', async () => {
  const file = join(dir, 'state.json');
  let sim = await startAwsim(['--state', file]);
  let arn, creds;
  try {
    const br = new BedrockClient(sim.config());
    arn = (
      await br.send(
        new CreateInferenceProfileCommand({
          inferenceProfileName: 'kept',
          modelSource: { copyFrom: FM },
          clientRequestToken: 'kept-token-1',
          tags: [{ key: 'k', value: 'v' }],
        }),
      )
    ).inferenceProfileArn;
    await new SSMClient(sim.config()).send(new PutParameterCommand({ Name: '/kept', Value: 'yes', Type: 'String' }));
    const out = await new STSClient(sim.config()).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`, RoleSessionName: 'kept' }),
    );
    creds = { accessKeyId: out.Credentials.AccessKeyId, secretAccessKey: out.Credentials.SecretAccessKey, sessionToken: out.Credentials.SessionToken };
  } finally {
    assert.equal(await sim.stop(), 0);
  }
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).format, 'awsim-state/1');
  sim = await startAwsim(['--state', file]);
  try {
    const br = new BedrockClient(sim.config());
    const p = await br.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: arn }));
    assert.equal(p.inferenceProfileName, 'kept');
    const replay = await br.send(
      new CreateInferenceProfileCommand({ inferenceProfileName: 'kept', modelSource: { copyFrom: FM }, clientRequestToken: 'kept-token-1' }),
    );
    assert.equal(replay.inferenceProfileArn, arn);
    assert.equal((await new SSMClient(sim.config()).send(new GetParameterCommand({ Name: '/kept' }))).Parameter.Value, 'yes');
    const who = await new STSClient(sim.config({ credentials: creds })).send(new GetCallerIdentityCommand({}));
    assert.match(who.Arn, /assumed-role\/r\/kept$/);
    assert.equal((await sim.admin('/save', { method: 'POST' })).status, 200);
  } finally {
    assert.equal(await sim.stop(), 0);
  }
});

test('a corrupt state file stops awsim at start with a message', async () => {
  const file = join(dir, 'bad.json');
  (await import('node:fs')).writeFileSync(file, '{"format": "something-else"}');
  await assert.rejects(() => startAwsim(['--state', file]), /exited with 1/);
});
