import { Aws, CfnCondition, CfnDynamicReference, CfnDynamicReferenceService, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../acknowledgements/acknowledge';
import { SHARED_PARAMETERS } from '../../config/names';
import { MirrorAccess } from './mirror-access';
import { ENDPOINT_AZS, ProjectEndpoints } from './project-endpoints';
import { projectLogGroupName, ProjectContext, projectResourceName } from './project-context';

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
 * subnet per AZ, flow logs of all traffic, and the SageMaker security group; with it, the ways out
 * it allows: the AWS service endpoints (ProjectEndpoints) and the shared PyPI mirror
 * (MirrorAccess). Written with L1 resources where the CIDR is a launch parameter, since the L2 VPC
 * needs a CIDR known at synth time.
 */
export class ProjectNetwork extends Construct {
  readonly vpc: ec2.CfnVPC;
  readonly subnets: ec2.CfnSubnet[];
  readonly sageMakerSecurityGroup: ec2.SecurityGroup;
  /** The L2 view of the VPC, for more security groups. */
  readonly vpcRef: ec2.IVpc;
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
    this.vpcRef = vpc;
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
    const attached = { project, vpc: this.vpc, vpcRef: vpc, sageMakerSecurityGroup: sm };
    this.s3Endpoint = new ProjectEndpoints(this, {
      ...attached,
      subnets: this.subnets,
      routeTable,
      endpointSubnets: subnetsByEnvType((envAzs) => envAzs),
      isProd: props.isProd,
      withContainerImages: props.withContainerImages,
    }).s3Endpoint;
    const mirror = new MirrorAccess(this, {
      ...attached,
      mirrorSubnets: subnetsByEnvType((envAzs) => mirrorEndpointAzCount(envAzs, props.mirrorAzCount)),
    });
    this.mirrorUrl = mirror.url;
    this.mirrorTrustedHost = mirror.trustedHost;
    this.mirrorTls = mirror.tls;
    this.mirrorDomainName = mirror.domainName;
  }
}
