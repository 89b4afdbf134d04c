/**
 * The project budget as the environment product declares it, and the platform's budget guard as the
 * detective-control stack deploys it: launch parameters that refuse bad input, a budget over the
 * project's two tags with alerts through the encrypted topic, the stop action, and a guard whose
 * grants follow the table of halted work.
 */
import { Match } from 'aws-cdk-lib/assertions';
import {
  BUDGET_STOP_ACTIONS,
  ENDPOINT_CALLS,
  ENDPOINTS_ON_STOP,
  HALTED_WORKLOADS,
  MONTHLY_BUDGET,
} from '../../lib/config/budget';
import { conditionValue } from '../../scripts/preflight/cfn-resolve';
import { EMAIL } from '../../lib/products/project-environment-product';
import { DeployContext, resolve } from '../helpers/intrinsics';
import { CfnTemplate, resourcesOfType, synthesize } from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const synthesized = synthesize();
const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
const launch = (parameters: Record<string, string>): DeployContext => ({
  account: '111122223333',
  region: 'eu-west-1',
  parameters: { ProjectName: 'alpha', EnvType: 'dev', ...parameters },
});
const only = (type: string) => {
  const found = resourcesOfType(template, type);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('launch parameters of the budget', () => {
  test('the amount is a bounded number of USD, 0 meaning no budget', () => {
    expect(template.Parameters?.MonthlyBudget).toMatchObject({
      Type: 'Number',
      MinValue: 0,
      MaxValue: MONTHLY_BUDGET.max,
      Default: MONTHLY_BUDGET.default,
    });
  });

  test('the alert email is empty or an address; anything else is refused at launch', () => {
    expect(template.Parameters?.BudgetAlertEmail).toMatchObject({ AllowedPattern: EMAIL.pattern, Default: '' });
    const pattern = new RegExp(EMAIL.pattern);
    for (const good of ['', 'admin@example.com', 'first.last+ds@corp.example.co.uk']) expect(good).toMatch(pattern);
    for (const bad of ['admin', 'admin@', 'admin@example', 'two words@example.com', 'a@b@c.com']) {
      expect(bad).not.toMatch(pattern);
    }
  });

  test('endpoints are scaled down unless the admin chose Delete', () => {
    expect(template.Parameters?.BudgetStopEndpoints).toMatchObject({
      AllowedValues: [...ENDPOINTS_ON_STOP],
      Default: 'ScaleDown',
    });
  });

  test('with 0, no budget, topic, stop policy, action or role is created; without an email, no subscription', () => {
    const budgetResources = Object.entries(template.Resources).filter(([id]) => id.startsWith('Budget'));
    expect(budgetResources.map(([, r]) => r.Type).sort()).toEqual(
      [
        'AWS::Budgets::Budget',
        'AWS::Budgets::BudgetsAction',
        'AWS::IAM::ManagedPolicy',
        'AWS::IAM::ManagedPolicy',
        'AWS::IAM::Role',
        'AWS::SNS::Subscription',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicPolicy',
      ].sort(),
    );
    for (const [id, r] of budgetResources) {
      const condition = (r as { Condition?: string }).Condition;
      expect({ id, condition }).toEqual({ id, condition: expect.any(String) });
      expect(conditionValue(condition!, template, launch({ MonthlyBudget: '0' }))).toBe(false);
      const withBudget = conditionValue(condition!, template, launch({ MonthlyBudget: '500', BudgetAlertEmail: '' }));
      expect(withBudget).toBe(r.Type !== 'AWS::SNS::Subscription');
    }
    const [subscriptionId] = only('AWS::SNS::Subscription');
    const condition = (template.Resources[subscriptionId] as { Condition: string }).Condition;
    expect(
      conditionValue(condition, template, launch({ MonthlyBudget: '500', BudgetAlertEmail: 'a@example.com' })),
    ).toBe(true);
  });
});

describe('the budget', () => {
  const [, budget] = only('AWS::Budgets::Budget');
  const ctx = launch({ MonthlyBudget: '750' });

  test('counts the monthly cost of resources carrying both project tags', () => {
    expect(resolve(budget.Budget, template, ctx)).toMatchObject({
      BudgetName: `${projectNamed('alpha', 'dev', 'budget')}`,
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: '750', Unit: 'USD' },
      FilterExpression: {
        And: [
          { Tags: { Key: 'ProjectName', Values: ['alpha'], MatchOptions: ['EQUALS'] } },
          { Tags: { Key: 'EnvironmentType', Values: ['dev'], MatchOptions: ['EQUALS'] } },
        ],
      },
    });
  });

  test('alerts at 80% actual, 100% forecast and 100% actual, through the project topic', () => {
    const [topicId] = only('AWS::SNS::Topic');
    const notifications = budget.NotificationsWithSubscribers as Record<string, Record<string, unknown>>[];
    expect(notifications.map((n) => [n.Notification.NotificationType, n.Notification.Threshold])).toEqual([
      ['ACTUAL', 80],
      ['FORECASTED', 100],
      ['ACTUAL', 100],
    ]);
    for (const n of notifications)
      expect(n.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: { Ref: topicId } }]);
  });

  test('carries the project tags and the endpoint choice the guard reads', () => {
    const tags = resolve(budget.ResourceTags, template, launch({ BudgetStopEndpoints: 'Delete' })) as {
      Key: string;
      Value: string;
    }[];
    expect(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      ProjectName: 'alpha',
      EnvironmentType: 'dev',
      BudgetStopEndpoints: 'Delete',
    });
  });

  test('the alert topic is encrypted with the project key, and only AWS Budgets of this account publishes', () => {
    const [topicId, topic] = only('AWS::SNS::Topic');
    const [keyId, key] = only('AWS::KMS::Key');
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const [, topicPolicy] = only('AWS::SNS::TopicPolicy');
    const budgetsStatement = {
      Principal: { Service: 'budgets.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: { 'aws:SourceArn': 'arn:aws:budgets::111122223333:*' },
      },
    };
    expect(resolve(topicPolicy.PolicyDocument, template, ctx)).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({
          ...budgetsStatement,
          Action: 'sns:Publish',
          Resource: expect.stringContaining(`:${projectNamed('alpha', 'dev', 'budget')}`),
        }),
      ]),
    });
    expect(topicPolicy.Topics).toEqual([{ Ref: topicId }]);
    expect(resolve(key.KeyPolicy, template, ctx)).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({
          Principal: budgetsStatement.Principal,
          Condition: {
            StringEquals: {
              'aws:SourceAccount': '111122223333',
              'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:eu-west-1:111122223333:${projectNamed('alpha', 'dev', 'budget')}`,
            },
          },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    });
  });
});

describe('the stop', () => {
  const [, action] = only('AWS::Budgets::BudgetsAction');
  const policies = resourcesOfType(template, 'AWS::IAM::ManagedPolicy');
  const named = (name: string) =>
    policies.find(([, p]) => resolve(p.ManagedPolicyName, template, launch({})) === name)!;

  test('applies itself at 100% of actual spend, without waiting for approval', () => {
    expect(action).toMatchObject({
      ActionType: 'APPLY_IAM_POLICY',
      ApprovalModel: 'AUTOMATIC',
      NotificationType: 'ACTUAL',
      ActionThreshold: { Type: 'PERCENTAGE', Value: 100 },
    });
  });

  test("attaches the stop policy to the project's people and notebook launch role", () => {
    const [stopId] = named(`${projectNamed('alpha', 'dev', 'budget-stop')}`);
    const definition = resolve(action.Definition, template, launch({})) as {
      IamActionDefinition: { PolicyArn: string; Roles: string[] };
    };
    expect(definition.IamActionDefinition).toEqual({
      PolicyArn: resolve({ Ref: stopId }, template, launch({})),
      Roles: [
        `${projectNamed('alpha', 'dev', 'user')}`,
        `${projectNamed('alpha', 'dev', 'admin')}`,
        `${projectNamed('alpha', 'dev', 'notebook-launch')}`,
      ],
    });
  });

  test('the stop policy denies exactly the actions that start or grow spend, and attaches to nothing by itself', () => {
    const [, stop] = named(`${projectNamed('alpha', 'dev', 'budget-stop')}`);
    expect(stop.Roles).toBeUndefined();
    expect(stop.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'BudgetExhausted', Effect: 'Deny', Action: [...BUDGET_STOP_ACTIONS].sort(), Resource: '*' }],
    });
  });
});

describe('the budget guard in the detective-control stack', () => {
  const stack = synthesized.stack('detective');
  const detective = stack.toJSON() as CfnTemplate;
  const [functionId] = resourcesOfType(detective, 'AWS::Lambda::Function').find(([, f]) =>
    String(f.Description).startsWith('Budget guard'),
  )!;

  test('runs every 15 minutes, with the deployment’s prefix', () => {
    stack.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] } })],
    });
    expect(detective.Resources[functionId].Properties!.Environment).toMatchObject({
      Variables: { PREFIX: TEST_NAMES.prefix },
    });
  });

  test('may call exactly the stop calls of the table, only on project-tagged resources', () => {
    const [, policy] = resourcesOfType(detective, 'AWS::IAM::ManagedPolicy').find(([, p]) =>
      String(p.Description).includes('budget guard'),
    )!;
    const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const halt = statements.find((s) => s.Sid === 'HaltProjectWork')!;
    expect(halt.Action).toEqual(
      [
        ...Object.values(HALTED_WORKLOADS).map((w) => `sagemaker:${w.stop}`),
        `sagemaker:${ENDPOINT_CALLS.ScaleDown}`,
        `sagemaker:${ENDPOINT_CALLS.Delete}`,
      ].sort(),
    );
    expect(halt.Condition).toEqual({
      Null: { 'aws:ResourceTag/ProjectName': 'false', 'aws:ResourceTag/EnvironmentType': 'false' },
    });
  });

  test('a failed run alarms to the findings topic', () => {
    stack.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('budget guard run failed'),
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
    });
  });
});
