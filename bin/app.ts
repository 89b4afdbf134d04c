#!/usr/bin/env node
import { App, Tags, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { loadConfig } from '../lib/config/config';
import { Names, TAG_KEYS } from '../lib/config/names';
import { AdminPortfolioStack } from '../lib/stacks/admin-portfolio-stack';
import { AdminPrincipalsStack } from '../lib/stacks/admin-principals-stack';

const app = new App();
const config = loadConfig((key) => app.node.tryGetContext(key), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
const names = new Names(config.prefix);

const principals = new AdminPrincipalsStack(app, 'AdminPrincipals', {
  stackName: names.stackName('admin-principals'),
  description: 'Data science platform: administration principals',
  config,
  names,
});
new AdminPortfolioStack(app, 'AdminPortfolio', {
  stackName: names.stackName('admin-portfolio'),
  description: 'Data science platform: administration portfolio and product assets',
  config,
  names,
  projectAdministratorRole: principals.projectAdministratorRole,
  environmentLaunchRole: principals.environmentLaunchRole,
});

Tags.of(app).add(TAG_KEYS.system, config.prefix);

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new HIPAASecurityChecks(app),
  new NIST80053R5Checks(app),
  new PCIDSS321Checks(app),
  // Control Tower proactive controls; it does not see product templates, which `npm run check:templates` covers.
  new CfnGuardValidator({ controlTowerRulesEnabled: true }),
);
