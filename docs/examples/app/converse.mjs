// An example tenant application: it looks up its profile's ARN in SSM Parameter Store
// (where bedrock-tenantd publishes it), assumes its IAM role, and calls Converse
// through the profile with requestMetadata naming the tenant, as an application of a
// multi-tenant service would. The official AWS SDK for JavaScript v3.
//
//   node converse.mjs TENANT PROFILE ROLE_ARN TEXT [COUNT]
//
// Endpoints and credentials come from the environment as for any SDK program
// (AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...). SDK_DIR names a directory
// whose node_modules holds the SDK (default: the current one).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.SDK_DIR || process.cwd(), 'node_modules', '.'));
const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');
const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { BedrockRuntimeClient, ConverseCommand } = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const [tenant, profile, roleArn, text, count = '1'] = process.argv.slice(2);
if (!tenant || !profile || !roleArn || !text) {
  console.error('usage: node converse.mjs TENANT PROFILE ROLE_ARN TEXT [COUNT]');
  process.exit(2);
}

const param = `/bedrock-tenants/${tenant}/${profile}/profile-arn`;
const ssm = new SSMClient({});
const arn = (await ssm.send(new GetParameterCommand({ Name: param }))).Parameter.Value;

const sts = new STSClient({});
const creds = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `${tenant}-app` }))).Credentials;
const runtime = new BedrockRuntimeClient({
  credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
  requestHandler: new NodeHttpHandler(), // HTTP/1.1
});

let ok = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    const out = await runtime.send(
      new ConverseCommand({
        modelId: arn,
        messages: [{ role: 'user', content: [{ text }] }],
        requestMetadata: { tenantId: tenant },
      }),
    );
    ok++;
    if (i === 0)
      console.log(`${tenant}: Converse via ${arn}: ${out.usage.inputTokens} input, ${out.usage.outputTokens} output tokens`);
  } catch (e) {
    console.log(`${tenant}: call ${i + 1}: ${e.name}: ${e.message}`);
    console.log(`${tenant}: ${ok} of ${count} calls answered`);
    process.exit(1);
  }
}
console.log(`${tenant}: ${ok} of ${count} calls answered`);
