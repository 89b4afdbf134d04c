import { CfnCondition, Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import { Construct } from 'constructs';
import { VENDED_LOGS_PREFIX } from '../../config/names';
import { projectLogGroupName, ProjectContext, projectResourceName } from './project-context';
import { accountArn } from '../../config/arns';

/**
 * Names project workloads may resolve: AWS service endpoints (interface endpoints, S3, the mirror's
 * PrivateLink name), SageMaker's own domains and the VPC's internal host names. Everything else is
 * refused, so a compromised notebook cannot carry data out inside DNS queries to a domain it owns.
 */
export const DNS_ALLOWED_DOMAINS = [
  'amazonaws.com',
  '*.amazonaws.com',
  '*.sagemaker.aws',
  '*.api.aws',
  '*.compute.internal',
  '*.ec2.internal',
] as const;

/** Props of {@link ProjectDnsFirewall}. */
export interface ProjectDnsFirewallProps {
  readonly project: ProjectContext;
  readonly vpcId: string;
  /** Encrypts the query log. */
  readonly key: kms.IKey;
  /** The mirror's TLS name, allowed when `mirrorTls` holds. */
  readonly mirrorDomainName: string;
  readonly mirrorTls: CfnCondition;
}

/**
 * Route 53 Resolver DNS Firewall on the project VPC: the allowed domains answer, every other name
 * gets NXDOMAIN, and every query is logged to a log group encrypted with the project key. The
 * firewall fails closed (Resolver's default): if it cannot answer, queries are refused.
 */
export class ProjectDnsFirewall extends Construct {
  readonly queryLogGroup: logs.CfnLogGroup;

  constructor(scope: Construct, id: string, props: ProjectDnsFirewallProps) {
    super(scope, id);
    const { project } = props;
    const allowed = new route53resolver.CfnFirewallDomainList(this, 'Allowed', {
      name: projectResourceName(project, 'dns-allowed'),
      domains: Token.asList(
        Fn.conditionIf(
          props.mirrorTls.logicalId,
          [...DNS_ALLOWED_DOMAINS, props.mirrorDomainName],
          [...DNS_ALLOWED_DOMAINS],
        ),
      ),
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'Everything', {
      name: projectResourceName(project, 'dns-everything'),
      domains: ['*'],
    });
    const rules = new route53resolver.CfnFirewallRuleGroup(this, 'Rules', {
      name: projectResourceName(project, 'dns-firewall'),
      firewallRules: [
        { firewallDomainListId: allowed.attrId, action: 'ALLOW', priority: 100 },
        { firewallDomainListId: everything.attrId, action: 'BLOCK', blockResponse: 'NXDOMAIN', priority: 200 },
      ],
    });
    new route53resolver.CfnFirewallRuleGroupAssociation(this, 'Association', {
      name: projectResourceName(project, 'dns-firewall'),
      firewallRuleGroupId: rules.attrId,
      vpcId: props.vpcId,
      // 101 is the first priority customers may use.
      priority: 101,
    });

    // Under /aws/vendedlogs/, the log delivery's resource policy covers every such group with one wildcard,
    // so launching more projects never fills CloudWatch Logs' 5,120-character resource policy.
    this.queryLogGroup = new logs.CfnLogGroup(this, 'QueryLogs', {
      logGroupName: `${VENDED_LOGS_PREFIX}${projectLogGroupName(project, 'dns-queries')}`,
      kmsKeyId: props.key.keyArn,
      retentionInDays: 365,
    });
    this.queryLogGroup.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    const queryLogging = new route53resolver.CfnResolverQueryLoggingConfig(this, 'QueryLogging', {
      name: projectResourceName(project, 'dns-queries'),
      destinationArn: accountArn('logs', `log-group:${this.queryLogGroup.ref}`),
    });
    new route53resolver.CfnResolverQueryLoggingConfigAssociation(this, 'QueryLoggingAssociation', {
      resolverQueryLogConfigId: queryLogging.attrId,
      resourceId: props.vpcId,
    });
  }
}

/** Log group name pattern (IAM wildcard) of a project's DNS query logs, whatever the launch. */
export function dnsQueryLogGroupPattern(project: ProjectContext): string {
  return `${VENDED_LOGS_PREFIX}${project.names.projectParameter(project.projectName, project.envType, '*')}`;
}
