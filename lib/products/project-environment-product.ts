import { CfnCondition, CfnOutput, CfnParameter, Fn, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as resourcegroups from 'aws-cdk-lib/aws-resourcegroups';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { Names, PROJECT_PARAMETERS, subnetIdParameter, TAG_KEYS } from '../config/names';
import { NestedProductStackTemplate } from '../constructs/catalog/product-stack-template';
import { onlyWhen } from '../constructs/catalog/launch-condition';
import { EncryptionKey } from '../constructs/encryption/encryption-key';
import { switchRoleUrl } from '../constructs/identity/project-administrator-role';
import { TRUSTED_ROLE_ARNS } from '../constructs/identity/trust';
import { NotebookEnvironment, NotebookLifecycle } from '../constructs/project/notebook-lifecycle';
import { ProjectStudio, STUDIO_IDLE } from '../constructs/studio/project-studio';
import { StudioLaunchRole } from '../constructs/studio/studio-launch-role';
import { StudioUserProduct } from './studio-user-product';
import {
  launchIdOfThisStack,
  publishProjectSetting,
  ProjectContext,
  projectResourceName,
} from '../constructs/project/project-context';
import { ProjectDnsFirewall } from '../constructs/project/project-dns-firewall';
import { ProjectNetwork } from '../constructs/project/project-network';
import { ProjectRoles } from '../constructs/project/project-roles';
import { ProjectStorage } from '../constructs/project/project-storage';
import { NotebookLaunchRole } from '../constructs/project/notebook-launch-role';
import { ProjectBudget } from '../constructs/project/project-budget';
import { ALERT_PERCENT, ENDPOINTS_ON_STOP, MONTHLY_BUDGET, STOP_PERCENT } from '../config/budget';
import { NotebookProduct } from './notebook-product';
import { addProjectParameters, PROJECT_PARAMETER_IDS } from './project-parameters';
import { accountArn } from '../config/arns';
import { EMAIL_PATTERN } from '../config/config';

/** VPC CIDR of a project: a /16 to /22 network, split into three /24 subnets. */
export const VPC_CIDR = {
  pattern:
    '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(1[6-9]|2[0-2])$',
  description: 'an IPv4 network from /16 to /22, e.g. 10.0.0.0/16 (three /24 subnets are cut from its start)',
} as const;

/** An email address, or empty (launch parameter pattern). */
export const EMAIL = {
  pattern: `^$|${EMAIL_PATTERN.source}`,
  description: 'empty, or an email address such as admin@example.com',
} as const;

/** Props of {@link ProjectEnvironmentProduct}. */
export interface ProjectEnvironmentProductProps {
  readonly names: Names;
  /** Catalog asset bucket (a literal name): holds the nested notebook product template and the notebook seed. */
  readonly assetBucket: s3.IBucket;
  /** AZs the shared PyPI mirror's load balancer spans (the first N of the region): its endpoint works only there. */
  readonly mirrorAzCount: number;
  /** Networks the console may open notebooks from. @default - any */
  readonly consoleSourceCidrs?: readonly string[];
  /** Default of the UserRoleArns launch parameter (config `projectUserRoleArns`). @default - none */
  readonly defaultUserRoleArns?: readonly string[];
  /** Default of the AdminRoleArns launch parameter (config `projectAdminRoleArns`). @default - none */
  readonly defaultAdminRoleArns?: readonly string[];
  /** Notebook instance types offered (config `notebookInstanceTypes`). @default DEFAULT_NOTEBOOK_INSTANCE_TYPES */
  readonly notebookInstanceTypes?: readonly string[];
}

/**
 * The "Data Science Project Environment" product: an isolated network, encrypted storage, the
 * project roles and lifecycle configuration, and the project's own portfolio from which its data
 * scientists launch notebooks.
 */
export class ProjectEnvironmentProduct extends servicecatalog.ProductStack {
  readonly projectName: CfnParameter;
  readonly envType: CfnParameter;
  readonly portfolio: servicecatalog.Portfolio;
  readonly notebookProduct: servicecatalog.CloudFormationProduct;
  /** The nested ProductStack behind the notebook product. */
  readonly notebookStack: NotebookProduct;
  /** The Studio user product (its resources exist only when the launch enables Studio). */
  readonly studioProduct: servicecatalog.CloudFormationProduct;
  readonly studioStack: StudioUserProduct;

  constructor(scope: Construct, id: string, props: ProjectEnvironmentProductProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description: 'Isolated, encrypted, audited data science project environment',
    });
    const { names } = props;
    const { projectName, envType } = addProjectParameters(this);
    this.projectName = projectName;
    this.envType = envType;
    const vpcCidr = new CfnParameter(this, 'VpcCidr', {
      type: 'String',
      description: `Network of the project VPC: ${VPC_CIDR.description}. Projects may reuse a range: their VPCs are never connected.`,
      default: '10.0.0.0/16',
      allowedPattern: VPC_CIDR.pattern,
      constraintDescription: `must be ${VPC_CIDR.description}`,
    });
    const trustedRoles = (id: string, who: string, platformDefault: readonly string[] = []) =>
      new CfnParameter(this, id, {
        type: 'String',
        description: `Who may switch into the project ${who} role without an MFA session: ${TRUSTED_ROLE_ARNS.description}. This account with MFA always may.`,
        default: platformDefault.join(','),
        // Bounded so the trust policy stays within IAM's 2,048 characters whatever the launch passes.
        maxLength: TRUSTED_ROLE_ARNS.maxLength,
        allowedPattern: TRUSTED_ROLE_ARNS.pattern,
        constraintDescription: `must be ${TRUSTED_ROLE_ARNS.description}`,
      });
    const containerImages = new CfnParameter(this, 'ContainerImages', {
      type: 'String',
      description:
        "Enabled: data scientists push their own images to the project's ECR repository from the project network. Adds two interface endpoints (ECR API and Docker) in the EnvType's AZs: see npm run cost.",
      allowedValues: ['Disabled', 'Enabled'],
      default: 'Disabled',
    });
    const monthlyBudget = new CfnParameter(this, 'MonthlyBudget', {
      type: 'Number',
      description: `Monthly budget of the project in USD, over its tagged resources: alerts at ${ALERT_PERCENT}% (actual) and ${STOP_PERCENT}% (forecast), and a hard stop at ${STOP_PERCENT}% (actual). 0: no budget. Budget data lags by hours.`,
      default: MONTHLY_BUDGET.default,
      minValue: 0,
      maxValue: MONTHLY_BUDGET.max,
      constraintDescription: `must be a number of USD from 0 (no budget) to ${MONTHLY_BUDGET.max}`,
    });
    const budgetAlertEmail = new CfnParameter(this, 'BudgetAlertEmail', {
      type: 'String',
      description:
        'Email address of the project administrator for budget alerts and stops (confirm the subscription email). Empty: the alert topic only.',
      default: '',
      maxLength: 254,
      allowedPattern: EMAIL.pattern,
      constraintDescription: `must be ${EMAIL.description}`,
    });
    const endpointsOnStop = new CfnParameter(this, 'BudgetStopEndpoints', {
      type: 'String',
      description:
        "What the budget stop does to the project's real-time endpoints: ScaleDown to one instance per variant, or Delete them (their models and configurations stay).",
      allowedValues: [...ENDPOINTS_ON_STOP],
      default: ENDPOINTS_ON_STOP[0],
    });
    const studio = new CfnParameter(this, 'Studio', {
      type: 'String',
      description:
        "Enabled: a SageMaker Studio domain in the project network (VpcOnly, project key) and a 'SageMaker Studio user' product in the project portfolio. No cost while nobody runs an app, but home volumes (EFS) and apps: see npm run cost.",
      allowedValues: ['Disabled', 'Enabled'],
      default: 'Disabled',
    });
    const studioIdle = new CfnParameter(this, 'StudioIdleMinutes', {
      type: 'Number',
      description: `Studio shuts down JupyterLab and Code Editor apps idle for this many minutes (${STUDIO_IDLE.min} to ${STUDIO_IDLE.max}; a user may choose within that range). Their files stay in the space.`,
      default: STUDIO_IDLE.default,
      minValue: STUDIO_IDLE.min,
      maxValue: STUDIO_IDLE.max,
      constraintDescription: `must be a whole number of minutes from ${STUDIO_IDLE.min} to ${STUDIO_IDLE.max}`,
    });
    const userTrust = trustedRoles('UserRoleArns', 'user', props.defaultUserRoleArns);
    const adminTrust = trustedRoles('AdminRoleArns', 'admin', props.defaultAdminRoleArns);
    const project: ProjectContext = {
      names,
      projectName: projectName.valueAsString,
      envType: envType.valueAsString,
      launchId: launchIdOfThisStack(),
    };
    Tags.of(this).add(TAG_KEYS.system, names.prefix);
    Tags.of(this).add(TAG_KEYS.projectName, project.projectName);
    Tags.of(this).add(TAG_KEYS.environmentType, project.envType);
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Project' }, Parameters: [projectName.logicalId, envType.logicalId] },
          { Label: { default: 'Network' }, Parameters: [vpcCidr.logicalId, containerImages.logicalId] },
          { Label: { default: 'Studio' }, Parameters: [studio.logicalId, studioIdle.logicalId] },
          { Label: { default: 'Sign-in' }, Parameters: [userTrust.logicalId, adminTrust.logicalId] },
          {
            Label: { default: 'Cost' },
            Parameters: [monthlyBudget.logicalId, budgetAlertEmail.logicalId, endpointsOnStop.logicalId],
          },
        ],
        ParameterLabels: {
          [projectName.logicalId]: { default: 'Project name' },
          [envType.logicalId]: { default: 'Environment type (dev: 1 AZ of endpoints, test: 2, prod: 3)' },
          [vpcCidr.logicalId]: { default: 'VPC CIDR' },
          [containerImages.logicalId]: { default: 'Container images (ECR endpoints, extra cost)' },
          [studio.logicalId]: { default: 'SageMaker Studio domain' },
          [studioIdle.logicalId]: { default: 'Shut down idle Studio apps after (minutes)' },
          [userTrust.logicalId]: { default: 'Federated roles of data scientists (IAM Identity Center, SAML)' },
          [adminTrust.logicalId]: { default: 'Federated roles of project administrators' },
          [monthlyBudget.logicalId]: { default: 'Monthly budget (USD, 0: none)' },
          [budgetAlertEmail.logicalId]: { default: 'Budget alert email' },
          [endpointsOnStop.logicalId]: { default: 'Endpoints when the budget is exhausted' },
        },
      },
    };
    const isDev = new CfnCondition(this, 'IsDev', { expression: Fn.conditionEquals(envType.valueAsString, 'dev') });
    const isProd = new CfnCondition(this, 'IsProd', { expression: Fn.conditionEquals(envType.valueAsString, 'prod') });
    const withContainerImages = new CfnCondition(this, 'WithContainerImages', {
      expression: Fn.conditionEquals(containerImages.valueAsString, 'Enabled'),
    });
    const withStudio = new CfnCondition(this, 'WithStudio', {
      expression: Fn.conditionEquals(studio.valueAsString, 'Enabled'),
    });

    const boundary = iam.ManagedPolicy.fromManagedPolicyName(this, 'ProjectBoundary', names.projectBoundaryPolicy);
    const key = new EncryptionKey(this, 'Key', {
      description: 'Encrypts the data, models, repository and logs of one data science project',
      alias: `alias/${projectResourceName(project, 'key')}`,
    });
    const network = new ProjectNetwork(this, 'Network', {
      project,
      cidr: vpcCidr.valueAsString,
      key,
      boundary,
      isDev,
      isProd,
      withContainerImages,
      mirrorAzCount: props.mirrorAzCount,
    });
    new ProjectDnsFirewall(this, 'DnsFirewall', {
      project,
      vpcId: network.vpc.ref,
      key,
      mirrorDomainName: network.mirrorDomainName,
      mirrorTls: network.mirrorTls,
    });
    const storage = new ProjectStorage(this, 'Storage', { project, key, s3EndpointId: network.s3Endpoint.ref });
    const subnetIds = network.subnets.map((s) => s.ref);
    const securityGroupId = network.sageMakerSecurityGroup.securityGroupId;
    const workspaceEnvironment: NotebookEnvironment = {
      vpcId: network.vpc.ref,
      subnetIds,
      securityGroupId,
      kmsKeyArn: key.keyArn,
      dataBucket: storage.dataBucket.bucketName,
      modelBucket: storage.modelBucket.bucketName,
      pipIndexUrl: network.mirrorUrl,
      pipTrustedHost: network.mirrorTrustedHost,
      imageRepositoryUri: storage.imageRepository.repositoryUri,
    };
    const lifecycle = new NotebookLifecycle(this, 'Lifecycle', { project, environment: workspaceEnvironment });
    const projectStudio = new ProjectStudio(this, 'StudioDomain', {
      project,
      vpc: network.vpc,
      vpcRef: network.vpcRef,
      subnetIds,
      sageMakerSecurityGroup: network.sageMakerSecurityGroup,
      key,
      boundary,
      environment: workspaceEnvironment,
      idleMinutes: studioIdle.valueAsNumber,
      condition: withStudio,
    });

    // The project's own catalog, with the notebook product pinned to this project.
    this.portfolio = new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: projectResourceName(project, 'portfolio'),
      providerName: 'Data science platform team',
      description: 'Products the data scientists of this project may launch',
    });
    this.notebookStack = new NotebookProduct(this, 'NotebookProduct', {
      names,
      assetBucket: props.assetBucket,
      instanceTypes: props.notebookInstanceTypes,
    });
    this.notebookProduct = new servicecatalog.CloudFormationProduct(this, 'Notebook', {
      productName: 'SageMaker Notebook',
      owner: 'Data science platform team',
      description: "A SageMaker notebook inside this project's network, with no internet access",
      productVersions: [
        { productVersionName: 'v1', cloudFormationTemplate: new NestedProductStackTemplate(this.notebookStack) },
      ],
    });
    this.portfolio.addProduct(this.notebookProduct);
    const notebookLaunchRole = new NotebookLaunchRole(this, 'NotebookLaunchRole', { project, boundary, key });
    this.portfolio.setLaunchRole(this.notebookProduct, notebookLaunchRole.role);
    this.pinToProject(this.notebookProduct, 'Notebooks', project.projectName, project.envType);

    // The Studio user product, offered only when the launch enables Studio.
    const before = new Set(this.portfolio.node.findAll());
    this.studioStack = new StudioUserProduct(this, 'StudioUserProduct', { names, assetBucket: props.assetBucket });
    this.studioProduct = new servicecatalog.CloudFormationProduct(this, 'StudioUser', {
      productName: 'SageMaker Studio user',
      owner: 'Data science platform team',
      description: "Your SageMaker Studio profile in this project's network, with no internet access",
      productVersions: [
        { productVersionName: 'v1', cloudFormationTemplate: new NestedProductStackTemplate(this.studioStack) },
      ],
    });
    this.portfolio.addProduct(this.studioProduct);
    const studioLaunchRole = new StudioLaunchRole(this, 'StudioLaunchRole', {
      project,
      boundary,
      domain: projectStudio.domain,
    });
    this.portfolio.setLaunchRole(this.studioProduct, studioLaunchRole.role);
    this.pinToProject(this.studioProduct, 'Studio profiles', project.projectName, project.envType);
    const studioParts = [
      this.studioProduct,
      studioLaunchRole,
      ...this.portfolio.node.findAll().filter((c) => !before.has(c)),
    ];
    for (const part of studioParts) {
      onlyWhen(part, withStudio);
      // Deleted only once the domain cleanup succeeded: while it refuses (profiles remain), their launches stay
      // terminable with the launch role and product they were launched with.
      part.node.addDependency(projectStudio.cleanup);
    }

    const arn = (service: string, resource: string) => accountArn(service, resource);
    const roles = new ProjectRoles(this, 'Roles', {
      project,
      vpcId: network.vpc.ref,
      consoleSourceCidrs: props.consoleSourceCidrs,
      boundary,
      subnetIds,
      securityGroupId,
      key,
      buckets: [storage.dataBucket, storage.modelBucket],
      repositoryArn: storage.repository.repositoryArn,
      imageRepositoryArn: storage.imageRepository.repositoryArn,
      notebookProductArn: arn('catalog', `product/${this.notebookProduct.productId}`),
      studio: {
        domain: projectStudio.domain,
        cleanup: projectStudio.cleanup,
        productArn: arn('catalog', `product/${this.studioProduct.productId}`),
        condition: withStudio,
      },
      portfolioArn: arn('catalog', `portfolio/${this.portfolio.portfolioId}`),
      userTrustedRoleArns: userTrust.valueAsString,
      adminTrustedRoleArns: adminTrust.valueAsString,
    });
    this.portfolio.giveAccessToRole(roles.admin);
    this.portfolio.giveAccessToRole(roles.user);
    new ProjectBudget(this, 'Budget', {
      project,
      monthlyLimit: monthlyBudget,
      alertEmail: budgetAlertEmail.valueAsString,
      endpointsOnStop: endpointsOnStop.valueAsString,
      key,
      stoppedRoles: [roles.user, roles.admin, notebookLaunchRole.role],
    });

    // What notebooks, tools and the notebook product read at launch.
    const publish = (key: string, value: string, description: string) =>
      publishProjectSetting(this, project, key, value, description);
    publish(PROJECT_PARAMETERS.vpcId, network.vpc.ref, 'Project VPC');
    publish(PROJECT_PARAMETERS.subnetIds, Fn.join(',', subnetIds), 'Project subnets, comma-separated');
    subnetIds.forEach((subnetId, i) => publish(subnetIdParameter(i + 1), subnetId, `Project subnet ${i + 1}`));
    publish(PROJECT_PARAMETERS.launchId, project.launchId!, 'Launch id: names what a termination retains');
    publish(PROJECT_PARAMETERS.repositoryName, storage.repository.repositoryName, 'Project repository name');
    publish(PROJECT_PARAMETERS.imageRepositoryArn, storage.imageRepository.repositoryArn, 'Project image repository');
    publish(PROJECT_PARAMETERS.securityGroupId, securityGroupId, 'Security group of SageMaker resources');
    publish(PROJECT_PARAMETERS.kmsKeyArn, key.keyArn, 'Project KMS key');
    publish(PROJECT_PARAMETERS.dataBucket, storage.dataBucket.bucketName, 'Project data bucket');
    publish(PROJECT_PARAMETERS.modelBucket, storage.modelBucket.bucketName, 'Project model bucket');
    publish(PROJECT_PARAMETERS.repositoryCloneUrl, storage.repository.repositoryCloneUrlHttp, 'Project repository');
    publish(
      PROJECT_PARAMETERS.lifecycleConfigName,
      lifecycle.config.attrNotebookInstanceLifecycleConfigName,
      'Notebook lifecycle configuration',
    );
    publish(PROJECT_PARAMETERS.s3EndpointId, network.s3Endpoint.ref, 'S3 gateway endpoint of the project VPC');
    publish(PROJECT_PARAMETERS.userRoleId, roles.user.roleId, 'Unique id of the project user role (Studio owners)');

    new resourcegroups.CfnGroup(this, 'ResourceGroup', {
      name: projectResourceName(project, 'resources'),
      description: 'Every resource of this data science project environment',
      resourceQuery: {
        type: 'TAG_FILTERS_1_0',
        query: {
          resourceTypeFilters: ['AWS::AllSupported'],
          tagFilters: [
            { key: TAG_KEYS.projectName, values: [project.projectName] },
            { key: TAG_KEYS.environmentType, values: [project.envType] },
          ],
        },
      },
    });

    new CfnOutput(this, 'ProjectAdministratorSwitchRoleUrl', {
      description: 'Console link that switches into the project administrator role',
      value: switchRoleUrl(roles.admin.roleName, 'ProjectAdmin'),
    });
    new CfnOutput(this, 'ProjectUserSwitchRoleUrl', {
      description: 'Console link that switches into the project user (data scientist) role',
      value: switchRoleUrl(roles.user.roleName, 'DataScientist'),
    });
    new CfnOutput(this, 'DataBucket', { value: storage.dataBucket.bucketName });
    new CfnOutput(this, 'ModelBucket', { value: storage.modelBucket.bucketName });
    new CfnOutput(this, 'RepositoryCloneUrl', { value: storage.repository.repositoryCloneUrlGrc });
  }

  /**
   * Template constraint: `product`, launched from this portfolio, carries this project's name and
   * environment (its template must take the ProjectName and EnvType parameters). The L2 serializes
   * the rule with both sides as this stack's Ref, so the rule JSON is written here: the left side
   * names the product template's parameter, the right side is this project's value, resolved at launch.
   * `what` names the launches in the messages a refused launch shows ("Notebooks").
   */
  private pinToProject(product: servicecatalog.IProduct, what: string, project: string, env: string): void {
    this.portfolio.constrainCloudFormationParameters(product, {
      rule: { ruleName: 'ThisProjectOnly', assertions: [{ assert: Fn.conditionEquals(project, project) }] },
    });
    const constraint = this.portfolio.node
      .findAll()
      .filter(
        (c): c is servicecatalog.CfnLaunchTemplateConstraint => c instanceof servicecatalog.CfnLaunchTemplateConstraint,
      )
      .find((c) => c.productId === product.productId);
    if (!constraint) throw new Error('Template constraint not found: aws-cdk-lib changed Portfolio');
    const rules = {
      ThisProjectOnly: {
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: PROJECT_PARAMETER_IDS.projectName }, project] },
            AssertDescription: `${what} launched from this portfolio belong to this project`,
          },
          {
            Assert: { 'Fn::Equals': [{ Ref: PROJECT_PARAMETER_IDS.envType }, env] },
            AssertDescription: `${what} launched from this portfolio belong to this environment type`,
          },
        ],
      },
    };
    constraint.rules = this.toJsonString(rules);
  }
}
