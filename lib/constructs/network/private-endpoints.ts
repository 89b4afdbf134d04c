import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of {@link PrivateEndpoints}. */
export interface PrivateEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** Interface endpoints to create, by construct id. */
  readonly interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService>;
  /** Who may reach the interface endpoints on 443. */
  readonly clients: ec2.ISecurityGroup;
  /** Statements of the S3 gateway endpoint policy (each is limited to this account's principals). */
  readonly s3Statements: iam.PolicyStatement[];
  /** @default - the VPC's isolated subnets */
  readonly subnets?: ec2.SubnetSelection;
}

/** Condition that limits an endpoint policy statement to principals of this account. */
export const THIS_ACCOUNT_PRINCIPALS = { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } };

/**
 * The AWS service endpoints a VPC without internet needs. Every endpoint policy admits only
 * principals of this account, so stolen credentials of another account cannot use the network
 * as an exfiltration path; the S3 gateway endpoint further admits only the listed buckets.
 */
export class PrivateEndpoints extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  readonly s3: ec2.GatewayVpcEndpoint;
  readonly interfaces: Record<string, ec2.InterfaceVpcEndpoint> = {};

  constructor(scope: Construct, id: string, props: PrivateEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Interface endpoints: HTTPS from the clients only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clients, ec2.Port.tcp(443), 'HTTPS from endpoint clients');

    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    for (const [endpointId, service] of Object.entries(props.interfaceEndpoints)) {
      const endpoint = props.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets,
        securityGroups: [this.securityGroup],
        privateDnsEnabled: true,
        // Ingress only from the clients group (below), not the whole VPC CIDR.
        open: false,
      });
      endpoint.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ThisAccountOnly',
          principals: [new iam.AnyPrincipal()],
          actions: ['*'],
          resources: ['*'],
          conditions: THIS_ACCOUNT_PRINCIPALS,
        }),
      );
      this.interfaces[endpointId] = endpoint;
    }

    this.s3 = props.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnets] });
    for (const statement of props.s3Statements) {
      statement.addAnyPrincipal();
      statement.addCondition('StringEquals', THIS_ACCOUNT_PRINCIPALS.StringEquals);
      this.s3.addToPolicy(statement);
    }
  }
}
