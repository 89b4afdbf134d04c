import * as path from 'node:path';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PACKAGES_PREFIX } from '../../config/names';
import { acknowledgeCompliance, acknowledgeGuardRule, acknowledgeLintRule } from '../acknowledgements/acknowledge';
import { bucketObjectsFinding, logStreamsFinding } from '../acknowledgements/findings';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';
import { AccessLogBucket } from '../storage/secure-bucket';
import { iamArn } from '../../config/arns';
import { readEncryptedObjectsStatements } from '../storage/encrypted-objects';

/** Where the mirror image is built from (a Dockerfile in this repository). */
export const MIRROR_IMAGE_DIRECTORY = path.join(__dirname, '..', '..', '..', 'containers', 'pypi-mirror');
/** Port pypiserver listens on inside the task. */
export const MIRROR_CONTAINER_PORT = 8080;

/** Props of {@link PypiMirror}. */
export interface PypiMirrorProps {
  readonly vpc: ec2.IVpc;
  /** The approved-packages bucket: the single source of what can be installed. */
  readonly packagesBucket: s3.IBucket;
  readonly packagesKey: kms.IKey;
  /** Receives the load balancer's access logs. */
  readonly accessLogs: AccessLogBucket;
  /** @default - plain HTTP on port 80 inside PrivateLink */
  readonly certificate?: acm.ICertificate;
  /** Tasks to run; two spread over AZs keep the mirror up during an AZ or task failure. @default 2 */
  readonly desiredCount?: number;
  /** Security group of the interface endpoints the tasks call (ECR, CloudWatch Logs). */
  readonly endpointsSecurityGroup: ec2.ISecurityGroup;
  /** Id of the region's S3 prefix list: the tasks reach S3 (image layers, packages) through the gateway endpoint. */
  readonly s3PrefixListId: string;
}

/**
 * A PyPI mirror of pre-approved packages: pypiserver on Fargate in isolated subnets (no public
 * IP, non-root), fed from the approved-packages bucket, behind an internal Network Load Balancer
 * that is published as a VPC endpoint service so project VPCs reach it by PrivateLink only.
 */
export class PypiMirror extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly endpointService: ec2.VpcEndpointService;
  readonly port: number;
  readonly scheme: 'http' | 'https';
  readonly taskRole: iam.Role;

  constructor(scope: Construct, id: string, props: PypiMirrorProps) {
    super(scope, id);
    const { vpc } = props;
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.port = props.certificate ? 443 : 80;
    this.scheme = props.certificate ? 'https' : 'http';

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    acknowledgeGuardRule(
      cluster,
      'ecs_container_insights_enabled_check',
      'Container Insights is on in its "enhanced" mode, a superset of "enabled" that the rule does not know yet.',
    );
    const logs = new EncryptedLogGroup(this, 'Logs');
    const image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: MIRROR_IMAGE_DIRECTORY,
      platform: ecrAssets.Platform.LINUX_AMD64,
      // Not in the image, nor in its hash: the tests of the sync script and the bytecode running them leaves
      // (which appeared mid-run and changed the asset hash between two synths of one test run).
      exclude: ['__pycache__', 'test_*.py'],
    });

    // Roles with hand-written managed policies: no inline grants, nothing beyond what the task needs.
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      description: 'Pulls the mirror image and writes its logs',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    const executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: 'Pull the mirror image, write the mirror logs',
      roles: [executionRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [image.repository.repositoryArn],
        }),
        // GetAuthorizationToken has no resource type.
        new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logs.logGroup.logGroupArn}:*`],
        }),
      ],
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      description: 'Reads the approved packages (read-only)',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const readPackages = new iam.ManagedPolicy(this, 'ReadPackages', {
      description: 'Read the approved packages and nothing else',
      roles: [this.taskRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.packagesBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${PACKAGES_PREFIX}*`] } },
        }),
        ...readEncryptedObjectsStatements(
          props.packagesBucket.arnForObjects(`${PACKAGES_PREFIX}*`),
          props.packagesKey.keyArn,
        ),
      ],
    });

    Validations.of(executionPolicy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken has no resource type; image pulls are limited to the mirror repository.',
      },
      {
        id: `AwsSolutions-IAM5[${logStreamsFinding(logs.logGroup)}]`,
        reason: 'Log streams of the mirror log group only; ECS names streams per task at run time.',
      },
    );
    Validations.of(readPackages).acknowledge({
      id: `AwsSolutions-IAM5[${bucketObjectsFinding(props.packagesBucket, `${PACKAGES_PREFIX}*`)}]`,
      reason: 'Read-only on the approved-packages prefix, whose file names change with every approval.',
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      executionRole: executionRole.withoutPolicyUpdates(),
      taskRole: this.taskRole.withoutPolicyUpdates(),
    });
    const container = taskDefinition.addContainer('pypiserver', {
      image: ecs.ContainerImage.fromDockerImageAsset(image),
      user: '9898:9898',
      essential: true,
      memoryLimitMiB: 1024,
      // Writable only where pypiserver keeps packages and temporary files (volumes below).
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: MIRROR_CONTAINER_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: logs.logGroup, streamPrefix: 'mirror' }),
      environment: {
        PACKAGES_BUCKET: props.packagesBucket.bucketName,
        PACKAGES_PREFIX,
        SYNC_INTERVAL_SECONDS: '60',
      },
      healthCheck: {
        command: [
          'CMD',
          'python',
          '-c',
          `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${MIRROR_CONTAINER_PORT}/health', timeout=3)`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
    });

    for (const [name, containerPath] of [
      ['packages', '/data/packages'],
      ['tmp', '/tmp'],
    ]) {
      taskDefinition.addVolume({ name });
      container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    }
    // Bucket name and sync interval are not secrets; nothing else is passed in the environment.
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'Environment holds only the approved-packages bucket name, key prefix and sync interval: no secrets.',
    });

    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'PyPI mirror tasks: only the mirror load balancer reaches them',
      allowAllOutbound: false,
    });
    // HTTPS out only to the interface endpoints and, through the gateway endpoint, S3: never to an address range.
    taskSecurityGroup.addEgressRule(props.endpointsSecurityGroup, ec2.Port.tcp(443), 'AWS APIs through VPC endpoints');
    taskSecurityGroup.addEgressRule(
      ec2.Peer.prefixList(props.s3PrefixListId),
      ec2.Port.tcp(443),
      'S3 through the gateway endpoint',
    );
    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'PyPI mirror load balancer: PrivateLink traffic only, no other ingress',
      allowAllOutbound: false,
    });
    lbSecurityGroup.addEgressRule(taskSecurityGroup, ec2.Port.tcp(MIRROR_CONTAINER_PORT), 'to mirror tasks');
    taskSecurityGroup.addIngressRule(
      lbSecurityGroup,
      ec2.Port.tcp(MIRROR_CONTAINER_PORT),
      'from the mirror load balancer',
    );

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: props.desiredCount ?? 2,
      assignPublicIp: false,
      vpcSubnets: isolated,
      securityGroups: [taskSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
    });

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: isolated,
      crossZoneEnabled: true,
      securityGroups: [lbSecurityGroup],
      // Endpoint traffic arrives by PrivateLink only; with no ingress rule, nothing else can.
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false,
      deletionProtection: true,
    });
    logNlbAccess(this.loadBalancer, props.accessLogs.bucket, 'mirror-nlb');
    const listener = this.loadBalancer.addListener('Listener', {
      port: this.port,
      protocol: props.certificate ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
      certificates: props.certificate
        ? [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)]
        : undefined,
      sslPolicy: props.certificate ? elbv2.SslPolicy.TLS13_13 : undefined,
    });
    if (!props.certificate) {
      acknowledgeCompliance(
        listener,
        'ELBv2ACMCertificateRequired',
        'No certificate configured (mirrorCertificateArn): plain HTTP runs only inside AWS PrivateLink between VPCs of this account; set mirrorCertificateArn and mirrorDomainName for TLS.',
      );
    }
    listener.addTargets('Tasks', {
      port: MIRROR_CONTAINER_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service.loadBalancerTarget({ containerName: container.containerName })],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { protocol: elbv2.Protocol.HTTP, path: '/health', interval: Duration.seconds(15) },
    });

    acknowledgeLintRule(
      this.service,
      'W3005',
      'aws-cdk-lib makes the service depend on the listener (needed: the target group must be attached first) and on the target group, which the Ref already implies.',
    );

    this.endpointService = new ec2.VpcEndpointService(this, 'EndpointService', {
      vpcEndpointServiceLoadBalancers: [this.loadBalancer],
      acceptanceRequired: false,
      allowedPrincipals: [new iam.ArnPrincipal(iamArn('root'))],
    });
  }
}

/**
 * NLB access logs (written for TLS listeners), delivered by the log delivery service. Set by
 * attribute because the L2 helper needs a concrete region for ALB-style delivery accounts.
 */
function logNlbAccess(loadBalancer: elbv2.NetworkLoadBalancer, bucket: s3.IBucket, prefix: string): void {
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
  const delivery = new iam.ServicePrincipal('delivery.logs.amazonaws.com');
  const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
  const put = bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'NlbAccessLogDelivery',
      principals: [delivery],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
      conditions: {
        ...fromThisAccount,
        StringEquals: { ...fromThisAccount.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'NlbAccessLogAclCheck',
      principals: [delivery],
      actions: ['s3:GetBucketAcl'],
      resources: [bucket.bucketArn],
      conditions: fromThisAccount,
    }),
  );
  if (put.policyDependable) loadBalancer.node.addDependency(put.policyDependable);
}
