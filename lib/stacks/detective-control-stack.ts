import { Aws, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AppConfig } from '../config/config';
import { Names } from '../config/names';
import { BudgetGuard } from '../constructs/cost/budget-guard';
import { SageMakerNetworkControl } from '../constructs/detective/sagemaker-network-control';
import { EncryptionKey } from '../constructs/encryption/encryption-key';
import { acknowledgeCompliance, acknowledgeLintRule } from '../constructs/acknowledgements/acknowledge';
import { EncryptedLogGroup } from '../constructs/observability/encrypted-log-group';
import { AccessLogBucket, SecureBucket } from '../constructs/storage/secure-bucket';

/** Props of {@link DetectiveControlStack}. */
export interface DetectiveControlStackProps extends StackProps {
  readonly config: AppConfig;
  readonly names: Names;
}

/**
 * The detective control and what it needs: a CloudTrail trail (unless an organization trail is
 * relied on), the security findings topic, and the control itself; and the budget guard, which
 * halts the work of projects whose budget stop applies.
 */
export class DetectiveControlStack extends Stack {
  readonly topic: sns.Topic;
  readonly control: SageMakerNetworkControl;
  readonly trail?: cloudtrail.Trail;
  readonly budgetGuard: BudgetGuard;

  constructor(scope: Construct, id: string, props: DetectiveControlStackProps) {
    super(scope, id, props);
    const { config, names } = props;

    const topicKey = new EncryptionKey(this, 'FindingsKey', { description: 'Encrypts security findings' });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishFindings',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'Findings', {
      topicName: names.findingsTopic,
      displayName: 'Data science platform security findings',
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (config.securityNotificationEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(config.securityNotificationEmail));
    }

    if (!config.useExistingTrail) {
      const accessLogs = new AccessLogBucket(this, 'AccessLogs');
      const trailKey = new EncryptionKey(this, 'TrailKey', { description: 'Encrypts CloudTrail log files' });
      const trailBucket = new SecureBucket(this, 'TrailBucket', {
        accessLogs,
        encryptionKey: trailKey,
        purpose: 'CloudTrail log files (integrity-validated)',
      });
      const trailLogs = new EncryptedLogGroup(this, 'TrailLogs', { encryptionKey: trailKey });
      // CloudTrail encrypts log files with the key on its own behalf: the key policy must let it, for this trail only.
      // The ARN is built from the name: the trail's own ARN attribute would make the key depend on the trail.
      const trailArn = this.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: names.trailName });
      trailKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudTrailEncryptsLogFiles',
          principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
          actions: ['kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceArn': trailArn },
            StringLike: {
              'kms:EncryptionContext:aws:cloudtrail:arn': this.formatArn({
                service: 'cloudtrail',
                region: '*',
                resource: 'trail',
                resourceName: '*',
              }),
            },
          },
        }),
      );
      trailKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudTrailDescribesKey',
          principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
          actions: ['kms:DescribeKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
        }),
      );
      this.trail = new cloudtrail.Trail(this, 'Trail', {
        trailName: names.trailName,
        bucket: trailBucket.bucket,
        encryptionKey: trailKey,
        enableFileValidation: true,
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: true,
        sendToCloudWatchLogs: true,
        cloudWatchLogGroup: trailLogs.logGroup,
        managementEvents: cloudtrail.ReadWriteType.ALL,
      });
      acknowledgeLintRule(
        this.trail,
        'W3005',
        'aws-cdk-lib orders the trail after its log-delivery role with a DependsOn that duplicates the GetAtt; harmless, and not removable on the L2.',
      );
      const logsRole = this.trail.node.tryFindChild('LogsRole');
      if (logsRole) {
        acknowledgeCompliance(
          logsRole,
          'IAMNoInlinePolicy',
          'aws-cdk-lib creates the CloudTrail-to-CloudWatch-Logs delivery role with an inline policy limited to the trail log group.',
        );
      }
    }

    this.control = new SageMakerNetworkControl(this, 'SageMakerNetworkControl', {
      names,
      topic: this.topic,
      topicKey,
      mode: config.detectiveControlMode,
      reservedConcurrency: config.detectiveControlConcurrency,
    });

    this.budgetGuard = new BudgetGuard(this, 'BudgetGuard', { names, topic: this.topic, topicKey });

    new CfnOutput(this, 'FindingsTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'DetectiveControlFunction', { value: this.control.function.functionName });
  }
}
