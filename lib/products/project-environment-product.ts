import { CfnParameter, Fn, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { Names, TAG_KEYS } from '../config/names';
import { NestedProductStackTemplate } from '../constructs/catalog/product-stack-template';
import { NotebookProduct } from './notebook-product';
import { addProjectParameters } from './project-parameters';

/** Props of {@link ProjectEnvironmentProduct}. */
export interface ProjectEnvironmentProductProps {
  readonly names: Names;
  /** Catalog asset bucket (a literal name): holds the nested notebook product template. */
  readonly assetBucket: s3.IBucket;
}

/**
 * The "Data Science Project Environment" product: everything one project needs, including
 * its own portfolio from which its data scientists launch notebooks.
 */
export class ProjectEnvironmentProduct extends servicecatalog.ProductStack {
  readonly projectName: CfnParameter;
  readonly envType: CfnParameter;
  readonly portfolio: servicecatalog.Portfolio;
  readonly notebookProduct: servicecatalog.CloudFormationProduct;
  /** The nested ProductStack behind the notebook product. */
  readonly notebookStack: NotebookProduct;

  constructor(scope: Construct, id: string, props: ProjectEnvironmentProductProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description: 'Isolated, encrypted, audited data science project environment',
    });
    const { names } = props;
    const { projectName, envType } = addProjectParameters(this);
    this.projectName = projectName;
    this.envType = envType;
    const project = projectName.valueAsString;
    const env = envType.valueAsString;
    Tags.of(this).add(TAG_KEYS.system, names.prefix);
    Tags.of(this).add(TAG_KEYS.projectName, project);
    Tags.of(this).add(TAG_KEYS.environmentType, env);
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          {
            Label: { default: 'Project' },
            Parameters: [projectName.logicalId, envType.logicalId],
          },
        ],
        ParameterLabels: {
          [projectName.logicalId]: { default: 'Project name' },
          [envType.logicalId]: { default: 'Environment type' },
        },
      },
    };

    const boundary = iam.ManagedPolicy.fromManagedPolicyName(this, 'ProjectBoundary', names.projectBoundaryPolicy);
    const notebookLaunchRole = new iam.Role(this, 'NotebookLaunchRole', {
      roleName: names.projectResource(project, env, 'notebook-launch'),
      description: "Service Catalog launch role of this project's SageMaker Notebook product",
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
      permissionsBoundary: boundary,
    });

    this.portfolio = new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: names.projectResource(project, env, 'portfolio'),
      providerName: 'Data science platform team',
      description: 'Products the data scientists of this project may launch',
    });
    this.notebookStack = new NotebookProduct(this, 'NotebookProduct', {
      names,
      assetBucket: props.assetBucket,
    });
    this.notebookProduct = new servicecatalog.CloudFormationProduct(this, 'Notebook', {
      productName: 'SageMaker Notebook',
      owner: 'Data science platform team',
      description: "A SageMaker notebook inside this project's network, with no internet access",
      productVersions: [
        {
          productVersionName: 'v1',
          cloudFormationTemplate: new NestedProductStackTemplate(this.notebookStack),
        },
      ],
    });
    this.portfolio.addProduct(this.notebookProduct);
    this.portfolio.setLaunchRole(this.notebookProduct, notebookLaunchRole);
    this.pinNotebookToProject(project, env);
  }

  /**
   * Template constraint: notebooks launched from this portfolio carry this project's name and
   * environment. The L2 serializes the rule with both sides as this stack's Ref, so the rule
   * JSON is written here: the left side names the notebook template's parameter, the right
   * side is this project's value, resolved at launch.
   */
  private pinNotebookToProject(project: string, env: string): void {
    this.portfolio.constrainCloudFormationParameters(this.notebookProduct, {
      rule: { ruleName: 'ThisProjectOnly', assertions: [{ assert: Fn.conditionEquals(project, project) }] },
    });
    const constraint = this.portfolio.node
      .findAll()
      .find(
        (c): c is servicecatalog.CfnLaunchTemplateConstraint => c instanceof servicecatalog.CfnLaunchTemplateConstraint,
      );
    if (!constraint) throw new Error('Template constraint not found: aws-cdk-lib changed Portfolio');
    const rules = {
      ThisProjectOnly: {
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: 'ProjectName' }, project] },
            AssertDescription: 'Notebooks launched from this portfolio belong to this project',
          },
          {
            Assert: { 'Fn::Equals': [{ Ref: 'EnvType' }, env] },
            AssertDescription: 'Notebooks launched from this portfolio belong to this environment type',
          },
        ],
      },
    };
    constraint.rules = this.toJsonString(rules);
  }
}
