// SNS (awsQuery) through @aws-sdk/client-sns: topics made, listed and deleted per
// account and Region; Publish with a subject; what was published readable through
// awsim's admin API; the SDK's errors for a missing topic, a topic of another Region
// and a bad subject.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SNSClient,
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTopicsCommand,
  PublishCommand,
} from '@aws-sdk/client-sns';
import { startAwsim, rejectsWith, ACCOUNT } from './lib/awsim.mjs';

let sim, sns;
before(async () => {
  sim = await startAwsim(['--region', 'us-east-1', '--region', 'eu-west-1']);
  sns = new SNSClient(sim.config());
});
after(async () => assert.equal(await sim.stop(), 0));

test('CreateTopic is idempotent and names the topic by account and Region', async () => {
  const a = await sns.send(new CreateTopicCommand({ Name: 'tenantd-alerts' }));
  assert.equal(a.TopicArn, `arn:aws:sns:us-east-1:${ACCOUNT}:tenantd-alerts`);
  const b = await sns.send(new CreateTopicCommand({ Name: 'tenantd-alerts' }));
  assert.equal(b.TopicArn, a.TopicArn);
  const eu = new SNSClient(sim.config({ region: 'eu-west-1' }));
  const c = await eu.send(new CreateTopicCommand({ Name: 'tenantd-alerts' }));
  assert.equal(c.TopicArn, `arn:aws:sns:eu-west-1:${ACCOUNT}:tenantd-alerts`);
  const listed = await sns.send(new ListTopicsCommand({}));
  assert.deepEqual(listed.Topics.map((t) => t.TopicArn), [a.TopicArn]);
  await rejectsWith(() => sns.send(new CreateTopicCommand({ Name: 'bad name!' })), 'InvalidParameterException', 400);
});

test('Publish answers a MessageId and the message is kept for tests', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'published' }));
  await sim.admin('/sns/messages', { method: 'DELETE' });
  const out = await sns.send(new PublishCommand({ TopicArn, Subject: 'tenant stalled', Message: '{"event":"tenant_stalled"}' }));
  assert.match(out.MessageId, /^[0-9a-f-]{36}$/);
  const kept = (await sim.admin('/sns/messages')).json;
  assert.equal(kept.length, 1);
  assert.equal(kept[0].topic_arn, TopicArn);
  assert.equal(kept[0].message_id, out.MessageId);
  assert.equal(kept[0].subject, 'tenant stalled');
  assert.equal(kept[0].message, '{"event":"tenant_stalled"}');
});

test('Publish errors: a missing topic, another Region, an empty message, a bad subject', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'errs' }));
  await rejectsWith(() => sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:nope`, Message: 'x' })),
    'NotFoundException', 404);
  await rejectsWith(() => sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:errs`, Message: 'x' })),
    'InvalidParameterException', 400);
  await rejectsWith(() => sns.send(new PublishCommand({ TopicArn, Message: '' })), 'InvalidParameterException', 400);
  await rejectsWith(() => sns.send(new PublishCommand({ TopicArn, Message: 'x', Subject: 'two\nlines' })),
    'InvalidParameterException', 400);
});

test('DeleteTopic removes it (again: no error, as in AWS); publishing to it then fails', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'gone' }));
  await sns.send(new DeleteTopicCommand({ TopicArn }));
  await rejectsWith(() => sns.send(new PublishCommand({ TopicArn, Message: 'x' })), 'NotFoundException', 404);
  await sns.send(new DeleteTopicCommand({ TopicArn }));
  assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics.map((t) => t.TopicArn).filter((a) => a.endsWith(':gone')), []);
});
