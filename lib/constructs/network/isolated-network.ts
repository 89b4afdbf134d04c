import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeLintRule } from '../acknowledgements/acknowledge';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';

/** Props of {@link IsolatedNetwork}. */
export interface IsolatedNetworkProps {
  /** IPv4 CIDR of the VPC. */
  readonly cidr: string;
  /** Availability zones to span (1 to 3). */
  readonly azCount: number;
  /** Name of the flow log group. @default - generated */
  readonly flowLogGroupName?: string;
}

/**
 * A VPC with no route to the internet: isolated subnets only, no internet or NAT gateway, DNS
 * on (interface endpoints need it), the default security group stripped of all rules, and every
 * flow (accepted and rejected) logged to an encrypted log group.
 */
export class IsolatedNetwork extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: IsolatedNetworkProps) {
    super(scope, id);
    const flowLogs = new EncryptedLogGroup(this, 'FlowLogs', { logGroupName: props.flowLogGroupName });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: 'Delivers VPC flow logs to CloudWatch Logs',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    new iam.ManagedPolicy(this, 'FlowLogDelivery', {
      description: 'Write VPC flow logs to their log group',
      roles: [flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [flowLogs.logGroup.logGroupArn],
        }),
      ],
    });

    const vpcBits = Number(props.cidr.split('/')[1]);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      maxAzs: props.azCount,
      natGateways: 0,
      createInternetGateway: false,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: true,
      // Room for up to four subnets, so an AZ can be added later without renumbering.
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: Math.min(vpcBits + 2, 28) },
      ],
      flowLogs: {
        all: {
          trafficType: ec2.FlowLogTrafficType.ALL,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs.logGroup, flowLogRole.withoutPolicyUpdates()),
        },
      },
    });
    acknowledgeDefaultSecurityGroupHandler(this);
  }
}

/** The Lambda aws-cdk-lib uses to strip the default security group's rules, found by its type id. */
export function acknowledgeDefaultSecurityGroupHandler(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  const handler = provider?.node.tryFindChild('Handler');
  if (!handler) return;
  acknowledgeLintRule(
    handler,
    'W3005',
    "aws-cdk-lib declares this handler's DependsOn on its role; harmless duplicate of the GetAtt, not editable on a CDK-internal provider.",
  );
  acknowledgeGuardRule(
    handler,
    'lambda_inside_vpc_check',
    'aws-cdk-lib handler that removes the rules of the VPC default security group at deploy time; it only calls the EC2 API and runs during CloudFormation deploys.',
  );
}
