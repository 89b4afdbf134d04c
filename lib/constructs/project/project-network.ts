import {
  Aws,
  CfnCondition,
  CfnParameter,
  RemovalPolicy,
  Stack,
  CfnDynamicReference,
  CfnDynamicReferenceService,
  Fn,
  Token,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../acknowledgements/acknowledge';
import { SHARED_PARAMETERS } from '../../config/names';
import {
  PROJECT_BUCKETS,
  projectBucketName,
  projectLogGroupName,
  ProjectContext,
  projectResourceName,
} from './project-context';
import { s3Arn } from '../../config/arns';

/** Interface endpoints every project VPC gets: what notebooks, jobs and model endpoints call. */
export const PROJECT_INTERFACE_ENDPOINTS = {
  SageMakerApi: 'sagemaker.api',
  SageMakerRuntime: 'sagemaker.runtime',
  Sts: 'sts',
  Logs: 'logs',
  Monitoring: 'monitoring',
  CodeCommitGit: 'git-codecommit',
  CodeCommit: 'codecommit',
} as const;

/** Interface endpoints for building and pushing container images, only in projects that opt in (they cost). */
export const CONTAINER_IMAGE_ENDPOINTS = {
  EcrApi: 'ecr.api',
  EcrDocker: 'ecr.dkr',
} as const;

/**
 * Accounts whose images a project may build on through its ECR endpoints: AWS Deep Learning Containers'
 * registry (most commercial regions). Images of any other account are refused at the endpoint.
 */
export const AWS_BASE_IMAGE_ACCOUNTS = ['763104351884'];

/** Subnets (one per AZ) every project VPC has; endpoints use the first 1, 2 or 3 by EnvType. */
export const PROJECT_SUBNET_COUNT = 3;

/** Props of {@link ProjectNetwork}. */
export interface ProjectNetworkProps {
  readonly project: ProjectContext;
  /** The VpcCidr launch parameter (/16 to /22; subnets are /24). */
  readonly cidr: string;
  /** Encrypts the flow logs. */
  readonly key: kms.IKey;
  /** Permissions boundary of roles created here. */
  readonly boundary: iam.IManagedPolicy;
  readonly isDev: CfnCondition;
  readonly isProd: CfnCondition;
  /** True when the launch opts in to container images (the ECR endpoints). */
  readonly withContainerImages: CfnCondition;
  /** AZs (the first N of the region) the shared mirror's load balancer spans. */
  readonly mirrorAzCount: number;
}

/** AZs of endpoints per EnvType: the main fixed cost of a project. */
export const ENDPOINT_AZS = { dev: 1, test: 2, prod: 3 } as const;

/**
 * How many of the project subnets (the first N AZs of the region) hold the mirror endpoint for
 * an EnvType: PrivateLink only works in AZs where the service's load balancer has a subnet, so
 * never more than the mirror spans. Notebooks in the other AZs reach it across AZs.
 */
export function mirrorEndpointAzCount(envAzs: number, mirrorAzCount: number): number {
  if (!Number.isInteger(mirrorAzCount) || mirrorAzCount < 1 || mirrorAzCount > PROJECT_SUBNET_COUNT) {
    throw new Error(`mirrorAzCount must be a whole number from 1 to ${PROJECT_SUBNET_COUNT} (got ${mirrorAzCount})`);
  }
  return Math.min(envAzs, mirrorAzCount);
}

/**
 * The project network: a VPC with no internet or NAT gateway and no route out, one isolated
 * subnet per AZ, flow logs of all traffic, security groups that only let SageMaker reach the
 * endpoints, the S3 gateway endpoint, the AWS service endpoints (in 1, 2 or 3 AZs by EnvType)
 * and the endpoint to the shared PyPI mirror. Written with L1 resources where the CIDR is a
 * launch parameter, since the L2 VPC needs a CIDR known at synth time.
 */
export class ProjectNetwork extends Construct {
  readonly vpc: ec2.CfnVPC;
  readonly subnets: ec2.CfnSubnet[];
  readonly sageMakerSecurityGroup: ec2.SecurityGroup;
  readonly s3Endpoint: ec2.CfnVPCEndpoint;
  /** `http(s)://<host>[:port]` of the mirror, as pip must call it. */
  readonly mirrorUrl: string;
  /** Host pip must trust (plain HTTP), or empty with TLS. */
  readonly mirrorTrustedHost: string;
  readonly flowLogGroup: logs.CfnLogGroup;
  /** Holds when the mirror is served over TLS under its own name. */
  readonly mirrorTls: CfnCondition;
  /** The mirror's TLS name (`none` without TLS). */
  readonly mirrorDomainName: string;

  constructor(scope: Construct, id: string, props: ProjectNetworkProps) {
    super(scope, id);
    const { project } = props;
    const shared = (key: string) =>
      new CfnDynamicReference(CfnDynamicReferenceService.SSM, project.names.sharedParameter(key)).toString();

    this.vpc = new ec2.CfnVPC(this, 'Vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: [{ key: 'Name', value: projectResourceName(project, 'vpc') }],
    });
    // No default security group rule is relied on: every SageMaker resource must name the project group (IAM enforces it).
    acknowledgeCompliance(
      this.vpc,
      'VPCDefaultSecurityGroupClosed',
      'Nothing in the project uses the default security group: IAM refuses SageMaker work outside the project group, and stripping its rules would need a Lambda in every project.',
    );
    const routeTable = new ec2.CfnRouteTable(this, 'RouteTable', { vpcId: this.vpc.ref });
    this.subnets = [...Array(PROJECT_SUBNET_COUNT).keys()].map((i) => {
      const subnet = new ec2.CfnSubnet(this, `Subnet${i + 1}`, {
        vpcId: this.vpc.ref,
        availabilityZone: Fn.select(i, Fn.getAzs()),
        cidrBlock: Fn.select(i, Fn.cidr(props.cidr, PROJECT_SUBNET_COUNT, '8')),
        mapPublicIpOnLaunch: false,
        tags: [{ key: 'Name', value: projectResourceName(project, `isolated-${i + 1}`) }],
      });
      new ec2.CfnSubnetRouteTableAssociation(this, `Subnet${i + 1}Routes`, {
        subnetId: subnet.ref,
        routeTableId: routeTable.ref,
      });
      return subnet;
    });

    // Flow logs of all traffic, encrypted with the project key.
    this.flowLogGroup = new logs.CfnLogGroup(this, 'FlowLogs', {
      // Retained on terminate, so the name carries the launch id (a relaunch creates its own).
      logGroupName: projectLogGroupName(project, 'flow-logs'),
      kmsKeyId: props.key.keyArn,
      retentionInDays: 365,
    });
    this.flowLogGroup.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      roleName: projectResourceName(project, 'flow-logs'),
      description: 'Delivers this project VPC flow logs',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      permissionsBoundary: props.boundary,
    });
    new iam.ManagedPolicy(this, 'FlowLogDelivery', {
      managedPolicyName: projectResourceName(project, 'flow-logs'),
      description: 'Write this project VPC flow logs',
      roles: [flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [this.flowLogGroup.attrArn],
        }),
      ],
    });
    new ec2.CfnFlowLog(this, 'FlowLog', {
      resourceId: this.vpc.ref,
      resourceType: 'VPC',
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logGroupName: this.flowLogGroup.ref,
      deliverLogsPermissionArn: flowLogRole.roleArn,
    });

    // Security groups: the L2 works on an imported VPC.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'VpcRef', {
      vpcId: this.vpc.ref,
      availabilityZones: this.subnets.map((s) => s.attrAvailabilityZone),
      isolatedSubnetIds: this.subnets.map((s) => s.ref),
      isolatedSubnetRouteTableIds: this.subnets.map(() => routeTable.ref),
    });
    this.sageMakerSecurityGroup = new ec2.SecurityGroup(this, 'SageMakerSecurityGroup', {
      vpc,
      description: 'SageMaker notebooks, jobs and endpoints of this project',
      allowAllOutbound: false,
    });
    const sm = this.sageMakerSecurityGroup;
    // Distributed training and multi-instance endpoints talk to each other.
    sm.addIngressRule(sm, ec2.Port.allTcp(), 'between SageMaker instances of this project');
    sm.addEgressRule(sm, ec2.Port.allTcp(), 'between SageMaker instances of this project');
    sm.addEgressRule(
      ec2.Peer.prefixList(shared(SHARED_PARAMETERS.s3PrefixListId)),
      ec2.Port.tcp(443),
      'S3 through the gateway endpoint',
    );
    const endpointsSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'AWS service endpoints of this project: HTTPS from SageMaker only',
      allowAllOutbound: false,
    });
    endpointsSecurityGroup.addIngressRule(sm, ec2.Port.tcp(443), 'HTTPS from SageMaker');
    sm.addEgressRule(endpointsSecurityGroup, ec2.Port.tcp(443), 'AWS service endpoints');
    const mirrorSecurityGroup = new ec2.SecurityGroup(this, 'MirrorSecurityGroup', {
      vpc,
      description: 'Endpoint of the shared PyPI mirror: HTTP(S) from SageMaker only',
      allowAllOutbound: false,
    });
    for (const port of [80, 443]) {
      mirrorSecurityGroup.addIngressRule(sm, ec2.Port.tcp(port), 'pip from SageMaker');
      sm.addEgressRule(mirrorSecurityGroup, ec2.Port.tcp(port), 'PyPI mirror');
    }

    // Endpoints in 1 (dev), 2 (test) or 3 (prod) AZs: the main fixed cost of a project.
    const subnetsByEnvType = (count: (envAzs: number) => number) =>
      Fn.conditionIf(
        props.isDev.logicalId,
        this.subnets.slice(0, count(ENDPOINT_AZS.dev)).map((s) => s.ref),
        Fn.conditionIf(
          props.isProd.logicalId,
          this.subnets.slice(0, count(ENDPOINT_AZS.prod)).map((s) => s.ref),
          this.subnets.slice(0, count(ENDPOINT_AZS.test)).map((s) => s.ref),
        ),
      );
    const endpointSubnets = subnetsByEnvType((envAzs) => envAzs);
    const mirrorSubnets = subnetsByEnvType((envAzs) => mirrorEndpointAzCount(envAzs, props.mirrorAzCount));
    const thisAccountOnly = {
      Statement: [
        {
          Sid: 'ThisAccountOnly',
          Effect: 'Allow',
          Principal: '*',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
        },
      ],
    };
    const interfaceEndpoint = (endpointId: string, service: string) =>
      new ec2.CfnVPCEndpoint(this, endpointId, {
        vpcId: this.vpc.ref,
        serviceName: `com.amazonaws.${Aws.REGION}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: Token.asList(endpointSubnets),
        securityGroupIds: [endpointsSecurityGroup.securityGroupId],
        policyDocument: thisAccountOnly,
      });
    for (const [endpointId, service] of Object.entries(PROJECT_INTERFACE_ENDPOINTS))
      interfaceEndpoint(endpointId, service);
    // ECR endpoints reach only this account's repositories and AWS's base images: never an image (or a pull that
    // carries data in its tags) of any other account.
    const imagesOnlyHere = {
      Statement: [
        {
          ...thisAccountOnly.Statement[0],
          Sid: 'ThisAccountAndAwsBaseImagesOnly',
          // IfExists: account-level calls (GetAuthorizationToken, the docker login) name no repository.
          Condition: {
            StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
            StringEqualsIfExists: { 'aws:ResourceAccount': [Aws.ACCOUNT_ID, ...AWS_BASE_IMAGE_ACCOUNTS] },
          },
        },
      ],
    };
    for (const [endpointId, service] of Object.entries(CONTAINER_IMAGE_ENDPOINTS)) {
      const endpoint = interfaceEndpoint(endpointId, service);
      endpoint.policyDocument = imagesOnlyHere;
      endpoint.cfnOptions.condition = props.withContainerImages;
    }
    // Prod also reaches the Jupyter UI privately (aws.sagemaker.<region>.notebook).
    const notebookEndpoint = new ec2.CfnVPCEndpoint(this, 'SageMakerNotebook', {
      vpcId: this.vpc.ref,
      serviceName: `aws.sagemaker.${Aws.REGION}.notebook`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      subnetIds: this.subnets.map((s) => s.ref),
      securityGroupIds: [endpointsSecurityGroup.securityGroupId],
      policyDocument: thisAccountOnly,
    });
    notebookEndpoint.cfnOptions.condition = props.isProd;

    this.s3Endpoint = new ec2.CfnVPCEndpoint(this, 'S3', {
      vpcId: this.vpc.ref,
      serviceName: `com.amazonaws.${Aws.REGION}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [routeTable.ref],
      // Only this project's buckets, and the AWS-owned bucket ECR serves image layers from, for this account's principals.
      policyDocument: {
        Statement: [
          {
            Sid: 'ProjectBuckets',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:*',
            Resource: PROJECT_BUCKETS.flatMap((suffix) => {
              const bucket = s3Arn(`${projectBucketName(project, suffix)}`);
              return [bucket, `${bucket}/*`];
            }),
            Condition: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
          },
          // No principal condition: image layers download through URLs ECR presigns with its own account, not ours.
          // Read-only, on the bucket ECR keeps layers in: nothing can be written out through it.
          {
            Sid: 'EcrImageLayers',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: s3Arn(`prod-${Aws.REGION}-starport-layer-bucket/*`),
          },
        ],
      },
    });

    const mirror = new ec2.CfnVPCEndpoint(this, 'PypiMirror', {
      vpcId: this.vpc.ref,
      serviceName: shared(SHARED_PARAMETERS.mirrorEndpointServiceName),
      vpcEndpointType: 'Interface',
      privateDnsEnabled: false,
      subnetIds: Token.asList(mirrorSubnets),
      securityGroupIds: [mirrorSecurityGroup.securityGroupId],
    });
    // DnsEntries: ["<zone id>:<dns name>", ...]; the first is the regional name.
    const firstDnsEntry = Fn.select(0, mirror.attrDnsEntries);
    const mirrorDnsName = Fn.select(1, Fn.split(':', firstDnsEntry));
    const mirrorZoneId = Fn.select(0, Fn.split(':', firstDnsEntry));

    // With TLS, the certificate's name resolves to the mirror endpoint inside this VPC only.
    // A typed parameter, not a dynamic reference: CloudFormation resolves those in properties only, not in conditions.
    const domainName = new CfnParameter(Stack.of(this), 'MirrorDomainName', {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: project.names.sharedParameter(SHARED_PARAMETERS.mirrorDomainName),
      description: 'Platform setting (leave as is): SSM parameter holding the TLS name of the PyPI mirror.',
    }).valueAsString;
    const withTls = new CfnCondition(this, 'MirrorTls', {
      expression: Fn.conditionNot(Fn.conditionEquals(domainName, 'none')),
    });
    this.mirrorTls = withTls;
    this.mirrorDomainName = domainName;
    const zone = new route53.CfnHostedZone(this, 'MirrorZone', {
      name: domainName,
      vpcs: [{ vpcId: this.vpc.ref, vpcRegion: Aws.REGION }],
      hostedZoneConfig: { comment: 'PyPI mirror name inside this project VPC' },
    });
    zone.cfnOptions.condition = withTls;
    const record = new route53.CfnRecordSet(this, 'MirrorRecord', {
      hostedZoneId: zone.ref,
      name: domainName,
      type: 'A',
      aliasTarget: { dnsName: mirrorDnsName, hostedZoneId: mirrorZoneId, evaluateTargetHealth: false },
    });
    record.cfnOptions.condition = withTls;

    this.mirrorUrl = Fn.conditionIf(
      withTls.logicalId,
      Fn.join('', ['https://', domainName]),
      Fn.join('', ['http://', mirrorDnsName]),
    ).toString();
    this.mirrorTrustedHost = Fn.conditionIf(withTls.logicalId, '', mirrorDnsName).toString();
  }
}
