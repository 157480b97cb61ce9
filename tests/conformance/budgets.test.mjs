// AWS Budgets (awsJson1.1) through @aws-sdk/client-budgets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BudgetsClient,
  CreateBudgetCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  UpdateBudgetCommand,
  DeleteBudgetCommand,
  CreateNotificationCommand,
  UpdateNotificationCommand,
  DeleteNotificationCommand,
  DescribeNotificationsForBudgetCommand,
  CreateSubscriberCommand,
  DeleteSubscriberCommand,
  DescribeSubscribersForNotificationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
} from '@aws-sdk/client-budgets';
import { startAwsim, rejectsWith, collect, ACCOUNT } from './lib/awsim.mjs';

let sim, b;
before(async () => {
  sim = await startAwsim();
  b = new BudgetsClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

const tagFilter = (tenant) => ({ Tags: { Key: 'bedrock-tenantd:tenant', Values: [tenant], MatchOptions: ['EQUALS'] } });
const budget = (name, extra = {}) => ({
  BudgetName: name,
  TimeUnit: 'MONTHLY',
  BudgetType: 'COST',
  BudgetLimit: { Amount: '100', Unit: 'USD' },
  FilterExpression: tagFilter(name),
  Metrics: ['UnblendedCost'],
  ...extra,
});
const note = (threshold, type = 'ACTUAL') => ({
  NotificationType: type,
  ComparisonOperator: 'GREATER_THAN',
  Threshold: threshold,
  ThresholdType: 'PERCENTAGE',
});
const email = (a) => ({ SubscriptionType: 'EMAIL', Address: a });
const arnOf = (name) => `arn:aws:budgets::${ACCOUNT}:budget/${name}`;

test('create with FilterExpression + Metrics and describe it back', async () => {
  await b.send(
    new CreateBudgetCommand({
      AccountId: ACCOUNT,
      Budget: budget('tenant-a'),
      NotificationsWithSubscribers: [{ Notification: note(80), Subscribers: [email('a@example.com')] }],
      ResourceTags: [{ Key: 'bedrock-tenantd:tenant', Value: 'a' }],
    }),
  );
  const out = await b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a', ShowFilterExpression: true }));
  const got = out.Budget;
  assert.equal(got.BudgetName, 'tenant-a');
  assert.deepEqual(got.BudgetLimit, { Amount: '100', Unit: 'USD' });
  assert.deepEqual(got.FilterExpression, tagFilter('tenant-a'));
  assert.deepEqual(got.Metrics, ['UnblendedCost']);
  assert.ok(got.TimePeriod.Start instanceof Date && got.TimePeriod.End instanceof Date);
  assert.equal(got.TimePeriod.End.toISOString(), '2087-06-15T00:00:00.000Z');
  assert.equal(got.TimePeriod.Start.getUTCDate(), 1);
  assert.ok(got.LastUpdatedTime instanceof Date);
  assert.deepEqual(got.CalculatedSpend.ActualSpend, { Amount: '0', Unit: 'USD' });
  const hidden = await b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a' }));
  assert.equal(hidden.Budget.FilterExpression, undefined);
});

test('legacy CostFilters + CostTypes work; mixing them with FilterExpression does not', async () => {
  await b.send(
    new CreateBudgetCommand({
      AccountId: ACCOUNT,
      Budget: {
        BudgetName: 'legacy',
        TimeUnit: 'QUARTERLY',
        BudgetType: 'COST',
        BudgetLimit: { Amount: '250.5', Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:dept$a'] },
        CostTypes: { IncludeTax: true },
      },
    }),
  );
  const got = (await b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'legacy' }))).Budget;
  assert.deepEqual(got.CostFilters, { TagKeyValue: ['user:dept$a'] });
  assert.equal(got.TimeUnit, 'QUARTERLY');
  await rejectsWith(
    () => b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('mixed', { CostFilters: { TagKeyValue: ['user:a$b'] } }) })),
    'InvalidParameterException',
    400,
  );
});

test('a duplicate name is DuplicateRecordException; an unknown one NotFoundException', async () => {
  await rejectsWith(() => b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('tenant-a') })), 'DuplicateRecordException', 400);
  await rejectsWith(() => b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'nope' })), 'NotFoundException', 400);
  await rejectsWith(() => b.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'nope' })), 'NotFoundException');
  await rejectsWith(
    () => b.send(new UpdateBudgetCommand({ AccountId: ACCOUNT, NewBudget: budget('nope') })),
    'NotFoundException',
  );
});

test('bad input is InvalidParameterException', async () => {
  await rejectsWith(() => b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('bad:name') })), 'InvalidParameterException');
  await rejectsWith(
    () => b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('bad-amount', { BudgetLimit: { Amount: 'ten', Unit: 'USD' } }) })),
    'InvalidParameterException',
  );
  await rejectsWith(() => b.send(new DescribeBudgetCommand({ AccountId: '12', BudgetName: 'x' })), 'InvalidParameterException');
});

test('update changes the limit and keeps the spend; delete removes', async () => {
  await b.send(new UpdateBudgetCommand({ AccountId: ACCOUNT, NewBudget: budget('tenant-a', { BudgetLimit: { Amount: '500', Unit: 'USD' } }) }));
  const got = (await b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a' }))).Budget;
  assert.equal(got.BudgetLimit.Amount, '500');
  await b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget('short-lived') }));
  await b.send(new DeleteBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'short-lived' }));
  await rejectsWith(() => b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'short-lived' })), 'NotFoundException');
});

test('spend set through the admin API shows in CalculatedSpend', async () => {
  const r = await sim.admin('/budgets/tenant-a/spend', { method: 'PUT', body: { actual: '42.5', forecasted: '90' } });
  assert.equal(r.status, 200);
  const got = (await b.send(new DescribeBudgetCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a' }))).Budget;
  assert.deepEqual(got.CalculatedSpend, {
    ActualSpend: { Amount: '42.5', Unit: 'USD' },
    ForecastedSpend: { Amount: '90', Unit: 'USD' },
  });
});

test('DescribeBudgets paginates every budget', async () => {
  for (let i = 0; i < 5; i++) await b.send(new CreateBudgetCommand({ AccountId: ACCOUNT, Budget: budget(`page-${i}`) }));
  const { items, pages } = await collect(paginateDescribeBudgets({ client: b, pageSize: 2 }, { AccountId: ACCOUNT }), 'Budgets');
  const names = items.map((x) => x.BudgetName);
  assert.ok(pages >= 4);
  assert.equal(new Set(names).size, names.length);
  for (let i = 0; i < 5; i++) assert.ok(names.includes(`page-${i}`));
});

test('notifications are identified by value: create, duplicate, update, delete', async () => {
  const N = { AccountId: ACCOUNT, BudgetName: 'tenant-a' };
  await b.send(new CreateNotificationCommand({ ...N, Notification: note(100), Subscribers: [email('b@example.com')] }));
  await rejectsWith(
    () => b.send(new CreateNotificationCommand({ ...N, Notification: note(100), Subscribers: [email('b@example.com')] })),
    'DuplicateRecordException',
  );
  await b.send(new UpdateNotificationCommand({ ...N, OldNotification: note(100), NewNotification: note(90, 'FORECASTED') }));
  const got = (await b.send(new DescribeNotificationsForBudgetCommand(N))).Notifications;
  assert.deepEqual(
    got.map((n) => [n.NotificationType, n.Threshold]).sort(),
    [['ACTUAL', 80], ['FORECASTED', 90]],
  );
  await b.send(new DeleteNotificationCommand({ ...N, Notification: note(90, 'FORECASTED') }));
  await rejectsWith(() => b.send(new DeleteNotificationCommand({ ...N, Notification: note(90, 'FORECASTED') })), 'NotFoundException');
  for (let t = 1; t <= 6; t++) await b.send(new CreateNotificationCommand({ ...N, Notification: note(t), Subscribers: [email('c@example.com')] }));
  const { items, pages } = await collect(paginateDescribeNotificationsForBudget({ client: b, pageSize: 3 }, N), 'Notifications');
  assert.equal(items.length, 7);
  assert.ok(pages >= 3);
});

test('subscribers: 1 SNS + up to 10 e-mail, paginated, the last one stays', async () => {
  const N = { AccountId: ACCOUNT, BudgetName: 'tenant-a', Notification: note(80) };
  const sns = { SubscriptionType: 'SNS', Address: 'arn:aws:sns:us-east-1:111122223333:budget-alerts' };
  await b.send(new CreateSubscriberCommand({ ...N, Subscriber: sns }));
  await rejectsWith(
    () => b.send(new CreateSubscriberCommand({ ...N, Subscriber: { ...sns, Address: `${sns.Address}-2` } })),
    'CreationLimitExceededException',
  );
  for (let i = 2; i <= 10; i++) await b.send(new CreateSubscriberCommand({ ...N, Subscriber: email(`u${i}@example.com`) }));
  await rejectsWith(() => b.send(new CreateSubscriberCommand({ ...N, Subscriber: email('u11@example.com') })), 'CreationLimitExceededException');
  await rejectsWith(() => b.send(new CreateSubscriberCommand({ ...N, Subscriber: email('u2@example.com') })), 'DuplicateRecordException');
  const { items, pages } = await collect(
    paginateDescribeSubscribersForNotification({ client: b, pageSize: 4 }, N),
    'Subscribers',
  );
  assert.equal(items.length, 11);
  assert.ok(pages >= 3);
  await b.send(new DeleteSubscriberCommand({ ...N, Subscriber: sns }));
  await rejectsWith(() => b.send(new DeleteSubscriberCommand({ ...N, Subscriber: sns })), 'NotFoundException');
  await rejectsWith(
    () => b.send(new CreateNotificationCommand({ AccountId: ACCOUNT, BudgetName: 'tenant-a', Notification: note(55), Subscribers: [sns, { ...sns, Address: `${sns.Address}-2` }] })),
    'CreationLimitExceededException',
  );
});

test('budget tags: tag, untag, list; unknown ARN is NotFoundException', async () => {
  const arn = arnOf('tenant-a');
  await b.send(new TagResourceCommand({ ResourceARN: arn, ResourceTags: [{ Key: 'team', Value: 'x' }] }));
  let tags = (await b.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).ResourceTags;
  assert.deepEqual(tags, [{ Key: 'bedrock-tenantd:tenant', Value: 'a' }, { Key: 'team', Value: 'x' }]);
  await b.send(new UntagResourceCommand({ ResourceARN: arn, ResourceTagKeys: ['team'] }));
  tags = (await b.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).ResourceTags;
  assert.deepEqual(tags, [{ Key: 'bedrock-tenantd:tenant', Value: 'a' }]);
  await rejectsWith(() => b.send(new ListTagsForResourceCommand({ ResourceARN: arnOf('nope') })), 'NotFoundException');
  await rejectsWith(
    () => b.send(new TagResourceCommand({ ResourceARN: arn, ResourceTags: [{ Key: 'aws:x', Value: 'y' }] })),
    'InvalidParameterException',
  );
  const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await rejectsWith(() => b.send(new TagResourceCommand({ ResourceARN: arn, ResourceTags: many })), 'ServiceQuotaExceededException');
});

test('Budgets is global: a request signed for another region is refused', async () => {
  const eu = new BudgetsClient(sim.config({ region: 'eu-west-1' }));
  await rejectsWith(() => eu.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT })), 'InvalidSignatureException', 403);
});
