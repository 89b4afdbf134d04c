import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { AppConfig } from './config/config';
import { Names, TAG_KEYS } from './config/names';
import { ControlTowerRules } from './synth-checks/control-tower';
import { cachedCloudFormationValidation } from './synth-checks/schema-validation';
import { AdminPortfolioStack } from './stacks/admin-portfolio-stack';
import { AdminPrincipalsStack } from './stacks/admin-principals-stack';
import { DetectiveControlStack } from './stacks/detective-control-stack';
import { SharedServicesStack } from './stacks/shared-services-stack';

/** The stacks of one deployment, in deployment order. */
export interface Platform {
  readonly names: Names;
  readonly principals: AdminPrincipalsStack;
  readonly portfolio: AdminPortfolioStack;
  readonly shared: SharedServicesStack;
  readonly detective: DetectiveControlStack;
}

/**
 * The stacks that use no other stack's outputs, each as the platform builds it (id, name and
 * description): a test can build one of them alone in a small app and get the same template.
 */
export const STANDALONE_STACKS = {
  principals: (app: App, config: AppConfig, names: Names) =>
    new AdminPrincipalsStack(app, 'AdminPrincipals', {
      stackName: names.stackName('admin-principals'),
      description: 'Data science platform: administration principals',
      config,
      names,
    }),
  shared: (app: App, config: AppConfig, names: Names) =>
    new SharedServicesStack(app, 'SharedServices', {
      stackName: names.stackName('shared-services'),
      description: 'Data science platform: shared-services network and private PyPI mirror',
      config,
      names,
    }),
  detective: (app: App, config: AppConfig, names: Names) =>
    new DetectiveControlStack(app, 'DetectiveControl', {
      stackName: names.stackName('detective-control'),
      description: 'Data science platform: CloudTrail and the SageMaker network detective control',
      config,
      names,
    }),
};

/** Builds every stack of the platform into `app` from a validated config. */
export function buildPlatform(app: App, config: AppConfig): Platform {
  const names = new Names(config.prefix);
  const principals = STANDALONE_STACKS.principals(app, config, names);
  const portfolio = new AdminPortfolioStack(app, 'AdminPortfolio', {
    stackName: names.stackName('admin-portfolio'),
    description: 'Data science platform: administration portfolio and product assets',
    config,
    names,
    projectAdministratorRole: principals.projectAdministratorRole,
    environmentLaunchRole: principals.environmentLaunchRole,
  });
  const shared = STANDALONE_STACKS.shared(app, config, names);
  const detective = STANDALONE_STACKS.detective(app, config, names);
  Tags.of(app).add(TAG_KEYS.system, config.prefix);
  return { names, principals, portfolio, shared, detective };
}

/**
 * Registers every synth-time guardrail: the four cdk-nag packs (they see product templates too),
 * the Control Tower guard rules (stack templates; `npm run check:templates` covers products) and
 * aws-cdk-lib's CloudFormation schema validation (an error under the `validateAgainstDefaultRules`
 * flag), the last two cached per template content. Any unacknowledged finding makes synthesis fail.
 */
export function addGuardrails(app: App): void {
  Validations.of(app).addPlugins(
    cachedCloudFormationValidation(),
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new PCIDSS321Checks(app),
    new ControlTowerRules(),
  );
}
