import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EncryptionKey } from '../encryption/encryption-key';

/** Props of {@link EncryptedLogGroup}. */
export interface EncryptedLogGroupProps {
  /** @default - a generated name */
  readonly logGroupName?: string;
  /** @default - a new key with rotation enabled, retained on delete */
  readonly encryptionKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
}

/**
 * A CloudWatch log group encrypted with a customer key, with a retention period, retained
 * on delete. The key lets CloudWatch Logs in this account and region use it, for this
 * account's log groups only.
 */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps = {}) {
    super(scope, id);
    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      const key = new EncryptionKey(this, 'Key', { description: `Encrypts log group ${this.node.path}` });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchLogsInThisAccount',
          principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
            },
          },
        }),
      );
      this.encryptionKey = key;
    }
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      encryptionKey: this.encryptionKey,
      retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
