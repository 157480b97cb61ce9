// Signature checks and bad input. Requests are signed with @smithy/signature-v4 (the
// signer inside every SDK client) and then broken on purpose; the SDK clients show
// how the errors surface to callers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startAwsim, rejectsWith, KEY, ACCOUNT } from './lib/awsim.mjs';

let sim;
before(async () => {
  sim = await startAwsim();
});
after(async () => assert.equal(await sim.stop(), 0));

const SSM_BODY = JSON.stringify({ Name: '/x' });

// Sign a request, let `mutate` break it, send it, and return { status, headers, body }.
// body: null sends none (undefined would take the default).
async function raw({
  service = 'ssm',
  region = 'us-east-1',
  method = 'POST',
  path = '/',
  headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
  body = SSM_BODY,
  credentials = KEY,
  signingDate = new Date(),
  unsignableHeaders,
  sign = true,
  mutate = () => {},
} = {}) {
  let req = {
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: sim.port,
    path,
    query: {},
    headers: { host: `127.0.0.1:${sim.port}`, ...headers },
    body: body ?? undefined, // null: no body
  };
  if (sign) {
    const signer = new SignatureV4({ credentials, region, service, sha256: Hash.bind(null, 'sha256') });
    req = await signer.sign(req, { signingDate, unsignableHeaders });
  }
  mutate(req);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: sim.port, method: req.method, path: req.path, headers: req.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

const jsonError = (r) => JSON.parse(r.body);

test('wrong secret and unknown keys, as the SDK clients see them', async () => {
  const wrong = { ...KEY, secretAccessKey: 'not-the-secret' };
  await rejectsWith(() => new BedrockClient(sim.config({ credentials: wrong })).send(new ListInferenceProfilesCommand({})), 'InvalidSignatureException', 403);
  await rejectsWith(() => new IAMClient(sim.config({ credentials: wrong })).send(new ListRolesCommand({})), 'SignatureDoesNotMatch', 403);
  const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' };
  await rejectsWith(() => new BedrockClient(sim.config({ credentials: unknown })).send(new ListInferenceProfilesCommand({})), 'UnrecognizedClientException', 403);
  await rejectsWith(() => new SSMClient(sim.config({ credentials: unknown })).send(new GetParameterCommand({ Name: '/x' })), 'UnrecognizedClientException', 403);
  await rejectsWith(() => new STSClient(sim.config({ credentials: unknown })).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`, RoleSessionName: 'ss' })), 'InvalidClientTokenId', 403);
});

test('a well-signed raw request passes (the baseline of the cases below)', async () => {
  const r = await raw();
  assert.equal(r.status, 400);
  assert.equal(jsonError(r).__type, 'ParameterNotFound');
  assert.ok(r.headers['x-amzn-requestid']);
});

test('no Authorization: MissingAuthenticationToken in each protocol', async () => {
  let r = await raw({ sign: false });
  assert.equal(r.status, 403);
  assert.equal(jsonError(r).__type, 'MissingAuthenticationTokenException');
  r = await raw({ sign: false, method: 'GET', path: '/inference-profiles', headers: {}, body: null });
  assert.equal(r.status, 403);
  assert.match(r.headers['x-amzn-errortype'], /^MissingAuthenticationTokenException:/);
  r = await raw({
    sign: false,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListRoles&Version=2010-05-08',
  });
  assert.equal(r.status, 403);
  assert.match(r.body, /<Code>MissingAuthenticationToken<\/Code>/);
});

test('required headers must be signed: x-amz-target for awsJson', async () => {
  const r = await raw({ unsignableHeaders: new Set(['x-amz-target']) });
  assert.equal(r.status, 400);
  assert.equal(jsonError(r).__type, 'IncompleteSignatureException');
  assert.match(jsonError(r).Message, /x-amz-target/);
});

test('a header named in SignedHeaders must be present', async () => {
  const r = await raw({
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter', 'x-extra': '1' },
    mutate: (req) => delete req.headers['x-extra'],
  });
  assert.equal(r.status, 403);
  assert.equal(jsonError(r).__type, 'InvalidSignatureException');
  assert.match(jsonError(r).Message, /named as a SignedHeader/);
});

test('body changed after signing: hash mismatch and signature mismatch', async () => {
  let r = await raw({
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter', 'x-amz-content-sha256': 'UNSIGNED' },
    mutate: (req) => {
      req.headers['x-amz-content-sha256'] = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    },
  });
  assert.equal(r.status, 403);
  assert.match(jsonError(r).Message, /x-amz-content-sha256/);
  r = await raw({ mutate: (req) => (req.body = JSON.stringify({ Name: '/y' })) });
  assert.equal(r.status, 403);
  assert.equal(jsonError(r).__type, 'InvalidSignatureException');
});

test('wrong credential scope: region and service', async () => {
  let r = await raw({ region: 'eu-central-1' });
  assert.equal(r.status, 403);
  assert.match(jsonError(r).Message, /scoped to a valid region/);
  r = await raw({ service: 'budgets' });
  assert.equal(r.status, 403);
  assert.equal(jsonError(r).__type, 'InvalidSignatureException');
  assert.match(jsonError(r).Message, /scoped to correct service: 'ssm'/);
  r = await raw({
    service: 'iam',
    region: 'eu-central-1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListRoles&Version=2010-05-08',
  });
  assert.equal(r.status, 403);
  assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('clock skew over 5 minutes either way', async () => {
  let r = await raw({ signingDate: new Date(Date.now() - 10 * 60e3) });
  assert.equal(r.status, 403);
  assert.equal(jsonError(r).__type, 'InvalidSignatureException');
  assert.match(jsonError(r).Message, /^Signature expired/);
  r = await raw({ signingDate: new Date(Date.now() + 10 * 60e3) });
  assert.equal(r.status, 403);
  assert.match(jsonError(r).Message, /^Signature not yet current/);
  r = await raw({
    service: 'sts',
    signingDate: new Date(Date.now() - 10 * 60e3),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  });
  assert.equal(r.status, 403);
  assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code><Message>Signature expired/);
  // within the window is fine
  r = await raw({ signingDate: new Date(Date.now() - 2 * 60e3) });
  assert.equal(jsonError(r).__type, 'ParameterNotFound');
});

test('malformed bodies, unknown operations and oversized bodies get AWS-shaped errors', async () => {
  let r = await raw({ body: '{"Name": ' });
  assert.equal(r.status, 400);
  assert.equal(jsonError(r).__type, 'SerializationException');
  r = await raw({ headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.LaunchRockets' } });
  assert.equal(r.status, 400);
  assert.equal(jsonError(r).__type, 'UnknownOperationException');
  r = await raw({
    service: 'iam',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=LaunchRockets&Version=2010-05-08',
  });
  assert.equal(r.status, 400);
  assert.match(r.body, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
  assert.match(r.body, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  r = await raw({
    service: 'iam',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListRoles&Version=2010-05-08&Marker=%zz',
  });
  assert.equal(r.status, 400);
  assert.match(r.body, /<Code>MalformedInput<\/Code>/);
  r = await raw({ service: 'bedrock', method: 'GET', path: '/no-such-thing', headers: {}, body: null });
  assert.equal(r.status, 404);
  assert.match(r.headers['x-amzn-errortype'], /^UnknownOperationException/);
  r = await raw({ body: JSON.stringify({ Name: 'x'.repeat(1100 * 1024) }) });
  assert.equal(r.status, 413);
  assert.equal(jsonError(r).__type, 'RequestEntityTooLarge');
});
