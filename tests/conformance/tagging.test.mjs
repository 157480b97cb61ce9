// Resource Groups Tagging API (awsJson1.1) through
// @aws-sdk/client-resource-groups-tagging-api, over resources made with the other SDKs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ResourceGroupsTaggingAPIClient,
  GetResourcesCommand,
  paginateGetResources,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  BedrockClient,
  CreateInferenceProfileCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-bedrock';
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
import { BudgetsClient, CreateBudgetCommand } from '@aws-sdk/client-budgets';
import { startAwsim, rejectsWith, collect, ACCOUNT } from './lib/awsim.mjs';

let sim, tagging, profiles = [];
before(async () => {
  sim = await startAwsim();
  tagging = new ResourceGroupsTaggingAPIClient(sim.config());
  const br = new BedrockClient(sim.config());
  for (const t of ['a', 'a', 'b', 'c']) {
    const out = await br.send(
      new CreateInferenceProfileCommand({
        inferenceProfileName: `tenant-${t}-${profiles.length}`,
        modelSource: { copyFrom: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' },
        tags: [{ key: 'tenant', value: t }, { key: 'managed-by', value: 'bedrock-tenantd' }],
      }),
    );
    profiles.push(out.inferenceProfileArn);
  }
  // one untagged profile, never listed
  await br.send(
    new CreateInferenceProfileCommand({
      inferenceProfileName: 'untagged',
      modelSource: { copyFrom: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' },
    }),
  );
  // previously tagged, now untagged
  await br.send(new UntagResourceCommand({ resourceARN: profiles[3], tagKeys: ['tenant', 'managed-by'] }));
  const ssm = new SSMClient(sim.config());
  await ssm.send(new PutParameterCommand({ Name: '/t/a', Value: 'x', Type: 'String', Tags: [{ Key: 'tenant', Value: 'a' }] }));
  const budgets = new BudgetsClient(sim.config());
  await budgets.send(
    new CreateBudgetCommand({
      AccountId: ACCOUNT,
      Budget: { BudgetName: 'b-a', TimeUnit: 'MONTHLY', BudgetType: 'COST', BudgetLimit: { Amount: '1', Unit: 'USD' } },
      ResourceTags: [{ Key: 'tenant', Value: 'a' }],
    }),
  );
});
after(async () => assert.equal(await sim.stop(), 0));

const arns = (out) => out.ResourceTagMappingList.map((m) => m.ResourceARN);

test('TagFilters: AND across keys, OR across values; ResourceTypeFilters by service and type', async () => {
  const a = await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'tenant', Values: ['a'] }] }));
  assert.equal(a.ResourceTagMappingList.length, 4); // two profiles, a parameter, a budget
  const profilesA = await tagging.send(
    new GetResourcesCommand({
      TagFilters: [{ Key: 'tenant', Values: ['a', 'b'] }, { Key: 'managed-by' }],
      ResourceTypeFilters: ['bedrock:application-inference-profile'],
    }),
  );
  assert.deepEqual(arns(profilesA).sort(), profiles.slice(0, 3).sort());
  const ssmOnly = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['ssm:parameter'] }));
  assert.deepEqual(arns(ssmOnly), [`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/t/a`]);
  const budgetsOnly = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['budgets'] }));
  assert.deepEqual(arns(budgetsOnly), [`arn:aws:budgets::${ACCOUNT}:budget/b-a`]);
  assert.equal(budgetsOnly.ResourceTagMappingList[0].Tags[0].Key, 'tenant');
});

test('previously tagged, now untagged resources appear with Tags: [] only without TagFilters', async () => {
  const all = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['bedrock'] }));
  const gone = all.ResourceTagMappingList.find((m) => m.ResourceARN === profiles[3]);
  assert.ok(gone);
  assert.deepEqual(gone.Tags, []);
  assert.equal(all.ResourceTagMappingList.length, 4); // never the never-tagged one
  const c = await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'tenant', Values: ['c'] }] }));
  assert.deepEqual(c.ResourceTagMappingList, []);
});

test('the paginator walks every page; the last token is empty', async () => {
  const { items, pages } = await collect(paginateGetResources({ client: tagging }, { ResourcesPerPage: 2 }), 'ResourceTagMappingList');
  assert.equal(items.length, 6);
  assert.ok(pages >= 3);
  assert.equal(new Set(items.map((m) => m.ResourceARN)).size, 6);
  const last = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 100 }));
  assert.equal(last.PaginationToken, '');
});

test('a last page filled exactly has an empty token: no empty page follows', async () => {
  // four profiles (three tagged, one untagged since) at two a page: two pages, even
  // with sections (parameters, budgets) after the one that filled the page
  const { items, pages } = await collect(
    paginateGetResources({ client: tagging }, { ResourceTypeFilters: ['bedrock'], ResourcesPerPage: 2 }),
    'ResourceTagMappingList',
  );
  assert.equal(items.length, 4);
  assert.equal(pages, 2);
  // a page filled at a section's end continues in the next section
  const first = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 4 }));
  assert.equal(first.ResourceTagMappingList.length, 4);
  assert.notEqual(first.PaginationToken, '');
  const rest = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 4, PaginationToken: first.PaginationToken }));
  assert.equal(rest.ResourceTagMappingList.length, 2);
  assert.equal(rest.PaginationToken, '');
});

test('bad parameters are InvalidParameterException', async () => {
  await rejectsWith(() => tagging.send(new GetResourcesCommand({ ResourcesPerPage: 101 })), 'InvalidParameterException', 400);
  await rejectsWith(() => tagging.send(new GetResourcesCommand({ TagsPerPage: 50 })), 'InvalidParameterException', 400);
  await rejectsWith(() => tagging.send(new GetResourcesCommand({ PaginationToken: 'forged' })), 'InvalidParameterException', 400);
  await rejectsWith(
    () => tagging.send(new GetResourcesCommand({ ResourceARNList: [profiles[0]], TagFilters: [{ Key: 'tenant' }] })),
    'InvalidParameterException',
  );
  const byArn = await tagging.send(new GetResourcesCommand({ ResourceARNList: [profiles[0]] }));
  assert.deepEqual(arns(byArn), [profiles[0]]);
});
