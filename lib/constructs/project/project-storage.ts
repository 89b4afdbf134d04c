import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptionKey } from '../encryption/encryption-key';
import { cloudWatchLogsKeyStatement } from '../observability/encrypted-log-group';
import { AccessLogBucket, SecureBucket } from '../storage/secure-bucket';
import { dnsQueryLogGroupPattern } from './project-dns-firewall';
import { projectBucketName, ProjectContext, projectResourceName, projectRetainedName } from './project-context';
import { accountArn, iamArn } from '../../config/arns';

/** What the project repository is seeded with. */
export const NOTEBOOKS_DIRECTORY = path.join(__dirname, '..', '..', '..', 'notebooks');

/** Services through which project roles may use the project key. */
export const KEY_SERVICES = ['s3', 'sagemaker', 'codecommit', 'logs'];

/** Object actions that must come through the project network. */
const DATA_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:GetObjectAttributes',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:ListMultipartUploadParts',
  's3:AbortMultipartUpload',
  's3:RestoreObject',
];

/** Listing object keys: also through the project network only, except for CloudFormation's bucket handlers. */
const LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions'];

/** Props of {@link ProjectStorage}. */
export interface ProjectStorageProps {
  readonly project: ProjectContext;
  /** Id of the project's S3 gateway endpoint: data is reachable only through it. */
  readonly s3EndpointId: string;
  /** The project key; this construct adds the statements that let the project use it. */
  readonly key: EncryptionKey;
}

/**
 * The project's backing store: one rotating key, data and model buckets that only answer
 * through the project network, an access-log bucket, and the CodeCommit repository seeded
 * with the sample notebooks. Everything is retained when the environment is terminated, under
 * launch-unique names, so the same project can be launched again.
 */
export class ProjectStorage extends Construct {
  readonly key: EncryptionKey;
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;
  readonly repository: codecommit.Repository;
  /** The project's container images (pushed from inside the project network). */
  readonly imageRepository: ecr.Repository;
  /** ARN pattern of every role of this project. */
  readonly projectRolesPattern: string;
  /** ARN of the project administrator role (named, created elsewhere). */
  readonly adminRoleArn: string;

  constructor(scope: Construct, id: string, props: ProjectStorageProps) {
    super(scope, id);
    const { project } = props;
    const roleArn = (suffix: string) => iamArn(`role/${projectResourceName(project, suffix)}`);
    this.projectRolesPattern = roleArn('*');
    this.adminRoleArn = roleArn('admin');
    const launchRoleArn = iamArn(`role/${project.names.environmentLaunchRole}`);

    this.key = props.key;
    // Project roles use the key only through the services that store project data; never directly.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ProjectRolesThroughServices',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:PrincipalAccount': Aws.ACCOUNT_ID,
            'kms:ViaService': KEY_SERVICES.map((s) => `${s}.${Aws.REGION}.amazonaws.com`),
          },
          ArnLike: { 'aws:PrincipalArn': this.projectRolesPattern },
        },
      }),
    );
    this.key.addToResourcePolicy(
      cloudWatchLogsKeyStatement(
        'ProjectLogGroups',
        [
          project.names.projectParameter(project.projectName, project.envType, '*'),
          dnsQueryLogGroupPattern(project),
        ].map((name) => accountArn('logs', `log-group:${name}`)),
      ),
    );
    // The environment launch role manages this key (CloudFormation's read, update and tagging handlers) through this
    // statement only, so its own policies name no key; it can never delete or disable it.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentLaunchRoleManagesKey',
        principals: [new iam.ArnPrincipal(launchRoleArn)],
        actions: [
          'kms:DescribeKey',
          'kms:GetKeyPolicy',
          'kms:PutKeyPolicy',
          'kms:GetKeyRotationStatus',
          'kms:EnableKeyRotation',
          'kms:UpdateKeyDescription',
          'kms:ListResourceTags',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:CreateAlias',
          'kms:UpdateAlias',
          'kms:DeleteAlias',
        ],
        resources: ['*'],
      }),
    );
    // CodeCommit checks that whoever creates the repository may use its key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentLaunchRoleSeedsRepository',
        principals: [new iam.ArnPrincipal(launchRoleArn)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `codecommit.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    // ECR encrypts a repository through a grant it makes on the key with its creator's credentials, and retires
    // it on delete (the repository is retained, so only a failed create does).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentLaunchRoleEncryptsImages',
        principals: [new iam.ArnPrincipal(launchRoleArn)],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `ecr.${Aws.REGION}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentLaunchRoleRetiresImageGrants',
        principals: [new iam.ArnPrincipal(launchRoleArn)],
        actions: ['kms:RetireGrant'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `ecr.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ProjectAdministratorReadsKeySettings',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': this.adminRoleArn } },
      }),
    );

    const accessLogs = new AccessLogBucket(this, 'AccessLogs', { bucketName: projectRetainedName(project, 'logs') });
    const bucket = (bucketId: string, suffix: string, purpose: string) => {
      const secure = new SecureBucket(this, bucketId, {
        bucketName: projectBucketName(project, suffix),
        encryptionKey: this.key,
        accessLogs,
        purpose,
      });
      this.onlyThroughProjectNetwork(secure.bucket, props.s3EndpointId, launchRoleArn);
      return secure.bucket;
    };
    this.dataBucket = bucket('Data', 'data', 'Project data bucket');
    this.modelBucket = bucket('Models', 'models', 'Project model-artifact bucket');

    this.repository = new codecommit.Repository(this, 'Repository', {
      repositoryName: projectRetainedName(project, 'notebooks'),
      description: 'Notebooks and code of this data science project',
      code: codecommit.Code.fromDirectory(NOTEBOOKS_DIRECTORY, 'main'),
      kmsKey: this.key,
    });
    this.repository.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

    this.imageRepository = new ecr.Repository(this, 'ImageRepository', {
      repositoryName: projectRetainedName(project, 'images'),
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.key,
      imageScanOnPush: true,
      // A tag always names the image that was scanned and used: pushing again needs a new tag.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [
        {
          description: 'Untagged layers of rebuilt images',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
  }

  /**
   * Data is read, listed and deleted only through this project's S3 endpoint, whoever asks.
   * Exceptions, each needed by a workload: requests AWS services make on a caller's behalf
   * (SageMaker reading model artifacts, S3 replicating), which carry no endpoint; and uploads
   * by the project administrator from a workstation, to bring data in (write-only: reading it
   * back still needs the project network); and bucket listing by the environment launch role,
   * which CloudFormation's bucket handlers call.
   */
  private onlyThroughProjectNetwork(bucket: s3.Bucket, endpointId: string, launchRoleArn: string): void {
    const outsideNetwork = {
      StringNotEquals: { 'aws:SourceVpce': endpointId },
      BoolIfExists: { 'aws:ViaAWSService': 'false' },
    };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DataOnlyThroughProjectNetwork',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: DATA_ACTIONS,
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        conditions: outsideNetwork,
      }),
    );
    // The environment launch role lists the bucket in CloudFormation's read and update handlers; it reads no object.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ListingOnlyThroughProjectNetwork',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: LIST_ACTIONS,
        resources: [bucket.bucketArn],
        conditions: { ...outsideNetwork, ArnNotEquals: { 'aws:PrincipalArn': launchRoleArn } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadsOnlyThroughProjectNetworkOrByAdministrator',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: { ...outsideNetwork, ArnNotEquals: { 'aws:PrincipalArn': this.adminRoleArn } },
      }),
    );
  }
}
