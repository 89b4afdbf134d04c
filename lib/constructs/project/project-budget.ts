import { Aws, CfnCondition, CfnParameter, CfnResource, Fn } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { accountArn, iamArn } from '../../config/arns';
import {
  ALERT_PERCENT,
  BUDGET_NAMES,
  BUDGET_STOP_ACTIONS,
  ENDPOINTS_ON_STOP_TAG,
  STOP_PERCENT,
} from '../../config/budget';
import { TAG_KEYS } from '../../config/names';
import { onlyWhen } from '../catalog/launch-condition';
import { EncryptionKey } from '../encryption/encryption-key';
import { ProjectContext, projectResourceName } from './project-context';

/** Props of {@link ProjectBudget}. */
export interface ProjectBudgetProps {
  readonly project: ProjectContext;
  /** Monthly limit in USD (a Number launch parameter): 0 means no budget, alerts or stop. */
  readonly monthlyLimit: CfnParameter;
  /** Who gets the alerts (a launch parameter): empty means the topic only. */
  readonly alertEmail: string;
  /** `ScaleDown` or `Delete` (a launch parameter), read by the platform's budget guard from the budget's tags. */
  readonly endpointsOnStop: string;
  /** Encrypts the alert topic. */
  readonly key: EncryptionKey;
  /** Roles that lose the right to start or create billable work when the stop applies. */
  readonly stoppedRoles: iam.IRole[];
}

/**
 * A monthly AWS Budget over the cost of this project's tagged resources, with alerts to the project
 * admin through an encrypted topic, and a hard stop at 100% of actual spend: AWS Budgets attaches a
 * deny policy to the project's people and notebook launch role, and the platform's budget guard
 * halts what is running (see lambda/budget-guard). Budget data lags by hours: the cap is approximate.
 */
export class ProjectBudget extends Construct {
  readonly topic: sns.Topic;
  readonly stopPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ProjectBudgetProps) {
    super(scope, id);
    const { project } = props;
    const budgetName = projectResourceName(project, BUDGET_NAMES.budget);
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
    // The topic in the form AWS Budgets' SNS guide documents.
    const publishedByBudgets = {
      ...fromThisAccount,
      ArnLike: { 'aws:SourceArn': accountArn('budgets', '*', 'global') },
    };
    // For this project's budget (and its actions) only: no other budget of the account gets the role.
    const assumedByBudgets = {
      ...fromThisAccount,
      ArnLike: {
        'aws:SourceArn': [`budget/${budgetName}`, `budget/${budgetName}/*`].map((r) =>
          accountArn('budgets', r, 'global'),
        ),
      },
    };
    const topicName = projectResourceName(project, BUDGET_NAMES.budget);

    this.topic = new sns.Topic(this, 'Alerts', {
      topicName,
      displayName: 'Data science project budget',
      masterKey: props.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsPublishAlerts',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: publishedByBudgets,
      }),
    );
    // Budgets publishes to the encrypted topic on its own behalf: for this topic only (SNS names it in the
    // encryption context), with the account condition as for CloudWatch alarms. The ARN is formatted from the
    // name: the topic's own attribute would make the key depend on the topic, which depends on the key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsEncryptAlerts',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            ...fromThisAccount.StringEquals,
            'kms:EncryptionContext:aws:sns:topicArn': accountArn('sns', topicName),
          },
        },
      }),
    );
    const subscription = new sns.Subscription(this, 'AdminEmail', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: props.alertEmail,
    });

    const alert = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
    });
    const tagEquals = (key: string, value: string) => ({ tags: { key, values: [value], matchOptions: ['EQUALS'] } });
    const budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyLimit.valueAsNumber, unit: 'USD' },
        // CreateBudget takes FilterExpression together with Metrics (never alone, never with CostFilters).
        metrics: ['UnblendedCost'],
        // Costs of resources carrying both project tags (active as cost allocation tags: see docs/operations.md).
        filterExpression: {
          and: [
            tagEquals(TAG_KEYS.projectName, project.projectName),
            tagEquals(TAG_KEYS.environmentType, project.envType),
          ],
        },
      },
      notificationsWithSubscribers: [
        alert('ACTUAL', ALERT_PERCENT),
        alert('FORECASTED', STOP_PERCENT),
        alert('ACTUAL', STOP_PERCENT),
      ],
      resourceTags: [
        { key: TAG_KEYS.projectName, value: project.projectName },
        { key: TAG_KEYS.environmentType, value: project.envType },
        { key: ENDPOINTS_ON_STOP_TAG, value: props.endpointsOnStop },
      ],
    });

    // The stop: denies what starts or grows spend; stopping, deleting and terminating stay allowed.
    this.stopPolicy = new iam.ManagedPolicy(this, 'StopPolicy', {
      managedPolicyName: projectResourceName(project, BUDGET_NAMES.stopPolicy),
      description: 'Attached by AWS Budgets at 100% of the monthly budget: no new or restarted billable work',
      statements: [
        new iam.PolicyStatement({
          sid: 'BudgetExhausted',
          effect: iam.Effect.DENY,
          actions: [...BUDGET_STOP_ACTIONS],
          resources: ['*'],
        }),
      ],
    });
    const executionRole = new iam.Role(this, 'ActionRole', {
      roleName: projectResourceName(project, BUDGET_NAMES.actionRole),
      description: "AWS Budgets applies and reverses this project's budget stop",
      assumedBy: new iam.ServicePrincipal('budgets.amazonaws.com', { conditions: assumedByBudgets }),
      permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyName(
        this,
        'Boundary',
        project.names.projectBoundaryPolicy,
      ),
    });
    const actionPolicy = new iam.ManagedPolicy(this, 'ActionPolicy', {
      managedPolicyName: projectResourceName(project, BUDGET_NAMES.actionRole),
      description: "Attach or detach this project's budget stop policy, on this project's stopped roles only",
      roles: [executionRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'ApplyProjectBudgetStop',
          actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
          resources: props.stoppedRoles.map((r) => iamArn(`role/${r.roleName}`)),
          conditions: { ArnEquals: { 'iam:PolicyARN': this.stopPolicy.managedPolicyArn } },
        }),
      ],
    });
    const action = new budgets.CfnBudgetsAction(this, 'Stop', {
      budgetName: budget.ref,
      actionType: 'APPLY_IAM_POLICY',
      actionThreshold: { type: 'PERCENTAGE', value: STOP_PERCENT },
      notificationType: 'ACTUAL',
      approvalModel: 'AUTOMATIC',
      executionRoleArn: executionRole.roleArn,
      definition: {
        iamActionDefinition: {
          policyArn: this.stopPolicy.managedPolicyArn,
          roles: props.stoppedRoles.map((r) => r.roleName),
        },
      },
      subscribers: [{ type: 'SNS', address: this.topic.topicArn }],
    });
    // Budgets checks the role's rights when the action is created, and publishes only once the topic lets it.
    action.node.addDependency(actionPolicy);
    const topicPolicy = this.topic.node.findChild('Policy');
    budget.node.addDependency(topicPolicy);
    action.node.addDependency(topicPolicy);

    // Everything here exists only with a budget; the email subscription only with an address too.
    const withBudget = new CfnCondition(this, 'WithBudget', {
      expression: Fn.conditionNot(Fn.conditionEquals(props.monthlyLimit.valueAsString, '0')),
    });
    const withEmail = new CfnCondition(this, 'WithAlertEmail', {
      expression: Fn.conditionAnd(withBudget, Fn.conditionNot(Fn.conditionEquals(props.alertEmail, ''))),
    });
    onlyWhen(this, withBudget);
    (subscription.node.defaultChild as CfnResource).cfnOptions.condition = withEmail;
  }
}
