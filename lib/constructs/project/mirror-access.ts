import {
  Aws,
  CfnCondition,
  CfnDynamicReference,
  CfnDynamicReferenceService,
  CfnParameter,
  Fn,
  ICfnRuleConditionExpression,
  Stack,
  Token,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { SHARED_PARAMETERS } from '../../config/names';
import { ProjectContext } from './project-context';

/** What {@link MirrorAccess} attaches to. */
export interface MirrorAccessProps {
  readonly project: ProjectContext;
  readonly vpc: ec2.CfnVPC;
  /** The L2 view of the VPC, for the security group. */
  readonly vpcRef: ec2.IVpc;
  /** The only group that may reach the mirror. */
  readonly sageMakerSecurityGroup: ec2.SecurityGroup;
  /** Subnets of the mirror endpoint by EnvType: only AZs where the mirror's load balancer is. */
  readonly mirrorSubnets: ICfnRuleConditionExpression;
}

/**
 * The project's way to the shared PyPI mirror: a PrivateLink endpoint to the mirror's endpoint
 * service, reachable from SageMaker only, and with TLS a private zone that resolves the
 * certificate's name to it inside this VPC. Adds its resources to `scope` (the project network),
 * so their logical ids stay those of launched projects.
 */
export class MirrorAccess {
  /** `http(s)://<host>[:port]` of the mirror, as pip must call it. */
  readonly url: string;
  /** Host pip must trust (plain HTTP), or empty with TLS. */
  readonly trustedHost: string;
  /** Holds when the mirror is served over TLS under its own name. */
  readonly tls: CfnCondition;
  /** The mirror's TLS name (`none` without TLS). */
  readonly domainName: string;

  constructor(scope: Construct, props: MirrorAccessProps) {
    const { project, sageMakerSecurityGroup: sm } = props;
    const mirrorSecurityGroup = new ec2.SecurityGroup(scope, 'MirrorSecurityGroup', {
      vpc: props.vpcRef,
      description: 'Endpoint of the shared PyPI mirror: HTTP(S) from SageMaker only',
      allowAllOutbound: false,
    });
    for (const port of [80, 443]) {
      mirrorSecurityGroup.addIngressRule(sm, ec2.Port.tcp(port), 'pip from SageMaker');
      sm.addEgressRule(mirrorSecurityGroup, ec2.Port.tcp(port), 'PyPI mirror');
    }

    const mirror = new ec2.CfnVPCEndpoint(scope, 'PypiMirror', {
      vpcId: props.vpc.ref,
      serviceName: new CfnDynamicReference(
        CfnDynamicReferenceService.SSM,
        project.names.sharedParameter(SHARED_PARAMETERS.mirrorEndpointServiceName),
      ).toString(),
      vpcEndpointType: 'Interface',
      privateDnsEnabled: false,
      subnetIds: Token.asList(props.mirrorSubnets),
      securityGroupIds: [mirrorSecurityGroup.securityGroupId],
    });
    // DnsEntries: ["<zone id>:<dns name>", ...]; the first is the regional name.
    const firstDnsEntry = Fn.select(0, mirror.attrDnsEntries);
    const mirrorDnsName = Fn.select(1, Fn.split(':', firstDnsEntry));
    const mirrorZoneId = Fn.select(0, Fn.split(':', firstDnsEntry));

    // With TLS, the certificate's name resolves to the mirror endpoint inside this VPC only.
    // A typed parameter, not a dynamic reference: CloudFormation resolves those in properties only, not in conditions.
    const domainName = new CfnParameter(Stack.of(scope), 'MirrorDomainName', {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: project.names.sharedParameter(SHARED_PARAMETERS.mirrorDomainName),
      description: 'Platform setting (leave as is): SSM parameter holding the TLS name of the PyPI mirror.',
    }).valueAsString;
    this.tls = new CfnCondition(scope, 'MirrorTls', {
      expression: Fn.conditionNot(Fn.conditionEquals(domainName, 'none')),
    });
    this.domainName = domainName;
    const zone = new route53.CfnHostedZone(scope, 'MirrorZone', {
      name: domainName,
      vpcs: [{ vpcId: props.vpc.ref, vpcRegion: Aws.REGION }],
      hostedZoneConfig: { comment: 'PyPI mirror name inside this project VPC' },
    });
    zone.cfnOptions.condition = this.tls;
    const record = new route53.CfnRecordSet(scope, 'MirrorRecord', {
      hostedZoneId: zone.ref,
      name: domainName,
      type: 'A',
      aliasTarget: { dnsName: mirrorDnsName, hostedZoneId: mirrorZoneId, evaluateTargetHealth: false },
    });
    record.cfnOptions.condition = this.tls;

    this.url = Fn.conditionIf(
      this.tls.logicalId,
      Fn.join('', ['https://', domainName]),
      Fn.join('', ['http://', mirrorDnsName]),
    ).toString();
    this.trustedHost = Fn.conditionIf(this.tls.logicalId, '', mirrorDnsName).toString();
  }
}
