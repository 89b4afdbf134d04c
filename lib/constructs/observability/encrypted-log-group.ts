import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EncryptionKey } from '../encryption/encryption-key';
import { accountArn } from '../../config/arns';

/**
 * Key-policy statement that lets CloudWatch Logs of this region encrypt and decrypt the log groups
 * matching `logGroupArnPattern` (the encryption context CloudWatch Logs sends names the group).
 */
export function cloudWatchLogsKeyStatement(sid: string, logGroupArnPattern: string | string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArnPattern } },
  });
}

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
    const key =
      props.encryptionKey ?? new EncryptionKey(this, 'Key', { description: `Encrypts log group ${this.node.path}` });
    // CloudWatch Logs encrypts with the key on its own behalf, so the key policy must let it in
    // (a key shared with another purpose, e.g. the trail key, needs this as much as a dedicated one).
    const added = key.addToResourcePolicy(
      cloudWatchLogsKeyStatement('CloudWatchLogsInThisAccount', accountArn('logs', 'log-group:*')),
      false,
    );
    if (!added.statementAdded) {
      throw new Error(
        `${this.node.path}: the log group key must be one this app owns, so CloudWatch Logs can be let in`,
      );
    }
    this.encryptionKey = key;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      encryptionKey: this.encryptionKey,
      retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
  }
}
