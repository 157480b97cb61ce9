// The EC2 instance-metadata (IMDSv2) and ECS container-credential endpoints, read by
// the SDK's own credential providers, and the credentials they hand out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

let sim;
before(async () => {
  sim = await startAwsim(['--temp-credentials-ttl', '1200', '--container-auth-token', 'Bearer s3cret', '--instance-role', 'node-role']);
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `${sim.endpoint}/`;
  process.env.AWS_EC2_METADATA_V1_DISABLED = 'true';
});
after(async () => assert.equal(await sim.stop(), 0));

test('IMDSv2 credentials through the SDK provider work and carry the TTL', async () => {
  const creds = await fromInstanceMetadata({ maxRetries: 0, timeout: 5000 })();
  assert.match(creds.accessKeyId, /^ASIA/);
  assert.ok(creds.sessionToken);
  const left = creds.expiration.getTime() - Date.now();
  assert.ok(left > 1100e3 && left <= 1200e3, `expires in ${left} ms`);
  const who = await new STSClient(sim.config({ credentials: creds })).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/node-role/i-0a1b2c3d4e5f67890`);
});

test('IMDS without a session token is 401; a bad TTL is 400', async () => {
  let r = await fetch(`${sim.endpoint}/latest/meta-data/iam/security-credentials/`);
  assert.equal(r.status, 401);
  r = await fetch(`${sim.endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '0' } });
  assert.equal(r.status, 400);
  r = await fetch(`${sim.endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  const token = await r.text();
  r = await fetch(`${sim.endpoint}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': token } });
  assert.equal(await r.text(), 'node-role');
  r = await fetch(`${sim.endpoint}/latest/meta-data/iam/security-credentials/other`, { headers: { 'x-aws-ec2-metadata-token': token } });
  assert.equal(r.status, 404);
});

test('container credentials through the SDK provider, with the Authorization token', async () => {
  const creds = await fromHttp({
    awsContainerCredentialsFullUri: `${sim.endpoint}/_awsim/container-credentials`,
    awsContainerAuthorizationToken: 'Bearer s3cret',
  })();
  assert.match(creds.accessKeyId, /^ASIA/);
  const out = await new SSMClient(sim.config({ credentials: creds })).send(new GetParameterCommand({ Name: '/x' })).catch((e) => e);
  assert.equal(out.name, 'ParameterNotFound'); // signed and accepted
  const r = await fetch(`${sim.endpoint}/_awsim/container-credentials`, { headers: { authorization: 'Bearer wrong' } });
  assert.equal(r.status, 403);
});

test('issued credentials expire; the endpoints then issue fresh ones', async () => {
  const creds = await fromInstanceMetadata({ maxRetries: 0, timeout: 5000 })();
  assert.equal((await sim.admin('/credentials/expire', { method: 'POST' })).status, 200);
  await rejectsWith(() => new STSClient(sim.config({ credentials: creds })).send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
  const fresh = await fromInstanceMetadata({ maxRetries: 0, timeout: 5000 })();
  assert.notEqual(fresh.accessKeyId, creds.accessKeyId);
  await new STSClient(sim.config({ credentials: fresh })).send(new GetCallerIdentityCommand({}));
  const list = (await sim.admin('/credentials')).json;
  assert.ok(list.some((c) => c.access_key_id === fresh.accessKeyId && c.source === 'imds'));
});
