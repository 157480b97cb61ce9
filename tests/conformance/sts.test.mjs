// STS (awsQuery) through @aws-sdk/client-sts: identities, AssumeRole credentials
// that work and expire, and the unsigned AssumeRoleWithWebIdentity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  STSClient,
  GetCallerIdentityCommand,
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
} from '@aws-sdk/client-sts';
import { SSMClient, PutParameterCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { IAMClient, CreateRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

let sim, sts;
before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--region', 'eu-west-1']);
  sts = new STSClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

const ROLE = `arn:aws:iam::${ACCOUNT}:role/tenant-app`;
const credsOf = (out) => ({
  accessKeyId: out.Credentials.AccessKeyId,
  secretAccessKey: out.Credentials.SecretAccessKey,
  sessionToken: out.Credentials.SessionToken,
});

test('GetCallerIdentity for the configured key, in any configured region', async () => {
  const me = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(me.Account, ACCOUNT);
  assert.equal(me.Arn, `arn:aws:iam::${ACCOUNT}:user/awsim`);
  assert.ok(me.UserId);
  const eu = new STSClient(sim.config({ region: 'eu-west-1' }));
  assert.equal((await eu.send(new GetCallerIdentityCommand({}))).Account, ACCOUNT);
});

test('AssumeRole credentials work on every service and report the assumed role', async () => {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'reconciler', DurationSeconds: 900 }));
  assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
  assert.ok(out.Credentials.SessionToken.length > 100);
  assert.ok(out.Credentials.Expiration instanceof Date);
  const left = out.Credentials.Expiration.getTime() - Date.now();
  assert.ok(left > 800e3 && left <= 900e3, `expiration ${left} ms away`);
  assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/tenant-app/reconciler`);
  const cfg = sim.config({ credentials: credsOf(out) });
  const who = await new STSClient(cfg).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, out.AssumedRoleUser.Arn);
  const ssm = new SSMClient(cfg);
  await ssm.send(new PutParameterCommand({ Name: '/assumed', Value: 'ok', Type: 'String' }));
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/assumed' }))).Parameter.Value, 'ok');
  await new BedrockClient(cfg).send(new ListInferenceProfilesCommand({}));
  await new IAMClient(cfg).send(new ListRolesCommand({}));
});

test('expired session tokens: ExpiredTokenException (JSON) and ExpiredToken (query)', async () => {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'short' }));
  const cfg = sim.config({ credentials: credsOf(out) });
  const r = await sim.admin('/credentials/expire', { method: 'POST', body: { access_key_id: out.Credentials.AccessKeyId } });
  assert.equal(r.status, 200);
  await rejectsWith(() => new SSMClient(cfg).send(new GetParameterCommand({ Name: '/assumed' })), 'ExpiredTokenException', 403);
  await rejectsWith(() => new BedrockClient(cfg).send(new ListInferenceProfilesCommand({})), 'ExpiredTokenException', 403);
  await rejectsWith(() => new STSClient(cfg).send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
});

test('a temporary key with a wrong or missing session token is refused', async () => {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'tok' }));
  const wrong = { ...credsOf(out), sessionToken: 'nope' };
  await rejectsWith(
    () => new SSMClient(sim.config({ credentials: wrong })).send(new GetParameterCommand({ Name: '/assumed' })),
    'UnrecognizedClientException',
    403,
  );
  const none = { ...credsOf(out), sessionToken: undefined };
  await rejectsWith(
    () => new STSClient(sim.config({ credentials: none })).send(new GetCallerIdentityCommand({})),
    'InvalidClientTokenId',
    403,
  );
});

test('a role awsim knows caps DurationSeconds; bad input is ValidationError', async () => {
  await new IAMClient(sim.config()).send(
    new CreateRoleCommand({ RoleName: 'capped', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) }),
  );
  await rejectsWith(
    () => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/capped`, RoleSessionName: 's', DurationSeconds: 7200 })),
    'ValidationError',
  );
  await rejectsWith(() => sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x', DurationSeconds: 60 })), 'ValidationError');
  await rejectsWith(() => sts.send(new AssumeRoleCommand({ RoleArn: 'not-an-arn-at-all-here', RoleSessionName: 'ok' })), 'ValidationError');
});

test('cross-account AssumeRole acts in the role account', async () => {
  const other = '210987654321';
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${other}:role/deployer`, RoleSessionName: 'deploy' }));
  const who = await new STSClient(sim.config({ credentials: credsOf(out) })).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Account, other);
});

test('AssumeRoleWithWebIdentity is unsigned and its credentials work', async () => {
  const claims = { sub: 'system:serviceaccount:ops:bedrock-tenantd', aud: 'sts.amazonaws.com', iss: 'https://oidc.example.com' };
  const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  const anon = new STSClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: async () => { throw new Error('must not sign'); } });
  const out = await anon.send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: jwt }),
  );
  assert.equal(out.SubjectFromWebIdentityToken, claims.sub);
  assert.equal(out.Provider, claims.iss);
  assert.equal(out.Audience, claims.aud);
  const who = await new STSClient(sim.config({ credentials: credsOf(out) })).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/tenant-app/web`);
  await rejectsWith(
    () => anon.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: 'not-a-jwt' })),
    'InvalidIdentityTokenException',
    400,
  );
  const old = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ ...claims, exp: 1000 })).toString('base64url')}.c2ln`;
  await rejectsWith(
    () => anon.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: old })),
    'ExpiredTokenException',
    400,
  );
});
