// The IAM Identity Center portal (GetRoleCredentials, restJson1, not signed) through
// @aws-sdk/client-sso: a token from awsim's stand-in for `aws sso login` gets role
// credentials that the other services accept; an expired, revoked or missing token
// is UnauthorizedException, a malformed account InvalidRequestException.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SSOClient, GetRoleCredentialsCommand } from '@aws-sdk/client-sso';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

let sim, sso;
before(async () => {
  sim = await startAwsim();
  // the portal takes no SigV4 credentials: the client is built without any
  sso = new SSOClient({ endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1 });
});
after(async () => assert.equal(await sim.stop(), 0));

const login = async (expires_in = 3600) => {
  const r = await sim.admin('/sso/token', { method: 'POST', body: { expires_in } });
  assert.equal(r.status, 200);
  assert.ok(r.json.accessToken);
  assert.match(r.json.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return r.json.accessToken;
};

test('GetRoleCredentials answers role credentials every service accepts', async () => {
  const accessToken = await login();
  const out = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: ACCOUNT, roleName: 'Operators' }));
  const rc = out.roleCredentials;
  assert.ok(rc.accessKeyId && rc.secretAccessKey && rc.sessionToken);
  assert.equal(typeof rc.expiration, 'number');
  assert.ok(rc.expiration > Date.now());
  const sts = new STSClient(sim.config({
    credentials: { accessKeyId: rc.accessKeyId, secretAccessKey: rc.secretAccessKey, sessionToken: rc.sessionToken },
  }));
  const me = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(me.Account, ACCOUNT);
  assert.match(me.Arn, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Operators_[0-9a-f]{16}/sso-user$`));
  const calls = (await sim.admin('/calls')).json;
  assert.equal(calls['sso:GetRoleCredentials'].ok, 1);
});

test('an expired or unknown token is UnauthorizedException (401)', async () => {
  const expired = await login(-60);
  await rejectsWith(() => sso.send(new GetRoleCredentialsCommand({ accessToken: expired, accountId: ACCOUNT, roleName: 'R' })),
    'UnauthorizedException', 401);
  await rejectsWith(() => sso.send(new GetRoleCredentialsCommand({ accessToken: 'never-issued', accountId: ACCOUNT, roleName: 'R' })),
    'UnauthorizedException', 401);
});

test('a revoked token is refused', async () => {
  const accessToken = await login();
  assert.equal((await sim.admin('/sso/token', { method: 'DELETE' })).status, 200);
  await rejectsWith(() => sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: ACCOUNT, roleName: 'R' })),
    'UnauthorizedException', 401);
});

test('a malformed account id is InvalidRequestException (400)', async () => {
  const accessToken = await login();
  await rejectsWith(() => sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: '12', roleName: 'R' })),
    'InvalidRequestException', 400);
});
