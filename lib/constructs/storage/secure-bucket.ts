import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptionKey } from '../encryption/encryption-key';
import { acknowledgeCompliance, acknowledgeGuardRule } from '../acknowledgements/acknowledge';

/** Settings no bucket of this app may change. */
const NON_NEGOTIABLE = {
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
  // Lets a compliance team put legal holds or retention on objects; no default retention is imposed.
  objectLockEnabled: true,
  // Kept on delete and replacement; a create that rolls back removes it (still empty), so a retry is not blocked.
  removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  autoDeleteObjects: false,
} satisfies s3.BucketProps;

/**
 * Sends object-level events to EventBridge, for detective controls and consumers such as the
 * mirror sync. Set on the L1: the L2 `eventBridgeEnabled` adds a custom-resource Lambda per stack.
 */
function sendEventsToEventBridge(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}

/** Incomplete uploads are never data; they only cost. */
const ABORT_INCOMPLETE_UPLOADS = Duration.days(7);

/** Old versions of access logs are kept a year, then expire to bound cost; data buckets keep every version. */
const NONCURRENT_LOG_RETENTION = Duration.days(365);
const NONCURRENT_TO_INFREQUENT_ACCESS = Duration.days(30);

/** Replication is a per-organization disaster-recovery decision this app does not make for its users. */
function acknowledgeNoReplication(bucket: s3.Bucket, what: string): void {
  const reason = `${what}: versioned and retained on delete; cross-region replication needs a destination region and bucket chosen by the operator's DR policy, which this app does not own.`;
  acknowledgeCompliance(bucket, 'S3BucketReplicationEnabled', reason);
}

/** Props of {@link AccessLogBucket}. */
export interface AccessLogBucketProps {
  /** @default - a generated name */
  readonly bucketName?: string;
}

/**
 * Destination of S3 server access logs: versioned, TLS-only, private, retained.
 * Encrypted with SSE-S3 because log delivery cannot write to SSE-KMS buckets.
 */
export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: NONCURRENT_LOG_RETENTION,
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS,
        },
      ],
      ...NON_NEGOTIABLE,
    });
    const sseS3 =
      'S3 server access log delivery only supports SSE-S3 on the destination bucket; the logs hold request metadata, not data.';
    const noSelfLogging =
      'This is the access-log destination; logging it into itself would loop and into another bucket would only move the problem.';
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: noSelfLogging });
    acknowledgeCompliance(this.bucket, 'S3BucketLoggingEnabled', noSelfLogging);
    acknowledgeCompliance(this.bucket, 'S3DefaultEncryptionKMS', sseS3);
    acknowledgeGuardRule(this.bucket, 's3_bucket_logging_enabled_check', noSelfLogging);
    acknowledgeGuardRule(this.bucket, 's3_bucket_default_encryption_kms_check', sseS3);
    sendEventsToEventBridge(this.bucket);
    acknowledgeNoReplication(this.bucket, 'Access-log bucket');
  }
}

/** Props of {@link SecureBucket}. */
export interface SecureBucketProps {
  /** Bucket that receives this bucket's server access logs. */
  readonly accessLogs: AccessLogBucket;
  /** Prefix of this bucket's logs in the log bucket. @default - the construct id and a slash */
  readonly accessLogsPrefix?: string;
  /** @default - a new key with rotation enabled, retained on delete */
  readonly encryptionKey?: kms.IKey;
  /** @default - a generated name */
  readonly bucketName?: string;
  /** What the bucket holds, for the replication acknowledgement. @default 'Bucket' */
  readonly purpose?: string;
}

/**
 * A bucket for data that must not be lost or leaked: SSE-KMS with a customer key, versioned,
 * TLS 1.2+ only, public access blocked, ACLs disabled, access-logged and retained on delete.
 */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ?? new EncryptionKey(this, 'Key', { description: `Encrypts bucket ${this.node.path}` });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: props.accessLogs.bucket,
      serverAccessLogsPrefix: props.accessLogsPrefix ?? `${id}/`,
      // Every version is kept (nothing lost); old ones move to a cheaper class after a month.
      lifecycleRules: [
        {
          noncurrentVersionTransitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: NONCURRENT_TO_INFREQUENT_ACCESS },
          ],
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS,
        },
      ],
      ...NON_NEGOTIABLE,
    });
    sendEventsToEventBridge(this.bucket);
    acknowledgeNoReplication(this.bucket, props.purpose ?? 'Bucket');
  }
}
