/**
 * The budget stop, simulated against the synthesized, resolved policies: the role AWS Budgets uses
 * can attach only its own project's stop policy to only its own project's stopped roles; the stop
 * policy takes away starting and creating billable work but never stopping or terminating; no project
 * role can take the stop off; and the platform's budget guard halts only project-tagged work and
 * lifts only project budget stops.
 */
import { Request, logicalIdOf, principalFromTemplate, scenario } from '../helpers/iam';
import {
  ACCOUNT,
  launchProject,
  LaunchedProject,
  REGION,
  requestTags,
  resourceTags,
  nameIn,
  projectRole,
  withBudgetStop,
} from '../helpers/projects';
import { CfnTemplate, synthesize } from '../helpers/synth';
import { projectNamed } from '../helpers/names';

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const beta = launchProject(synthesized, 'beta');

const iam = (resource: string) => `arn:aws:iam::${ACCOUNT}:${resource}`;
const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const budgets = (resource: string) => `arn:aws:budgets::${ACCOUNT}:${resource}`;
const name = nameIn;
const stopPolicyArn = (p: LaunchedProject) => iam(`policy/${name(p, 'budget-stop')}`);

const stopped = withBudgetStop;

const actionRole = projectRole(synthesized, alpha, 'budget-action');
const launchRole = projectRole(synthesized, alpha, 'notebook-launch');

describe('the role AWS Budgets uses: only this project’s stop, on this project’s people and launch role', () => {
  const attach =
    (role: string, policyArn: string, action = 'iam:AttachRolePolicy') =>
    (): Request => ({
      action,
      resource: iam(`role/${role}`),
      context: { 'iam:PolicyARN': policyArn },
    });
  for (const suffix of ['user', 'admin', 'notebook-launch']) {
    scenario(
      `applies the stop to the project's ${suffix} role`,
      () => actionRole,
      attach(name(alpha, suffix), stopPolicyArn(alpha)),
      'Allowed',
    );
    scenario(
      `reverses the stop on the project's ${suffix} role`,
      () => actionRole,
      attach(name(alpha, suffix), stopPolicyArn(alpha), 'iam:DetachRolePolicy'),
      'Allowed',
    );
  }
  scenario(
    "cannot apply its stop to another project's user role",
    () => actionRole,
    attach(name(beta, 'user'), stopPolicyArn(alpha)),
    'Denied',
  );
  scenario(
    "cannot apply another project's stop to its own project",
    () => actionRole,
    attach(name(alpha, 'user'), stopPolicyArn(beta)),
    'Denied',
  );
  scenario(
    'cannot attach AdministratorAccess',
    () => actionRole,
    attach(name(alpha, 'user'), 'arn:aws:iam::aws:policy/AdministratorAccess'),
    'Denied',
  );
  scenario(
    "cannot attach the project's own SageMaker policy to a role (only the stop)",
    () => actionRole,
    attach(name(alpha, 'budget-action'), iam(`policy/${name(alpha, 'sagemaker')}`)),
    'Denied',
  );
  scenario(
    "cannot detach the project's SageMaker policy from its people",
    () => actionRole,
    attach(name(alpha, 'user'), iam(`policy/${name(alpha, 'sagemaker')}`), 'iam:DetachRolePolicy'),
    'Denied',
  );
  scenario(
    'cannot create roles or pass itself on',
    () => actionRole,
    () => ({ action: 'iam:PassRole', resource: iam(`role/${name(alpha, 'budget-action')}`) }),
    'Denied',
  );
});

describe('the stop takes away new and restarted work, never stopping or terminating', () => {
  const notebookInstance = (action: string) => (): Request => ({
    action: `sagemaker:${action}`,
    resource: sagemaker(`notebook-instance/${name(alpha, 'jane')}`),
    context: resourceTags('alpha'),
  });
  const provision = (): Request => ({ action: 'servicecatalog:ProvisionProduct', resource: alpha.notebookProductArn });
  const terminate = (): Request => ({
    action: 'servicecatalog:TerminateProvisionedProduct',
    resource: '*',
    context: { 'servicecatalog:userLevel': 'self' },
  });
  scenario(
    'before the stop, a data scientist starts a notebook',
    () => alpha.user,
    notebookInstance('StartNotebookInstance'),
    'Allowed',
  );
  scenario(
    'after it, starting a notebook is refused',
    () => stopped(alpha, alpha.user),
    notebookInstance('StartNotebookInstance'),
    'ExplicitlyDenied',
  );
  scenario('before the stop, a data scientist launches a notebook', () => alpha.user, provision, 'Allowed');
  scenario(
    'after it, launching a notebook is refused at the catalog',
    () => stopped(alpha, alpha.user),
    provision,
    'ExplicitlyDenied',
  );
  scenario(
    'the project admin cannot launch one either',
    () => stopped(alpha, alpha.admin),
    provision,
    'ExplicitlyDenied',
  );
  scenario(
    'after it, stopping a notebook still works',
    () => stopped(alpha, alpha.user),
    notebookInstance('StopNotebookInstance'),
    'Allowed',
  );
  scenario(
    'after it, terminating one’s own launch still works',
    () => stopped(alpha, alpha.user),
    terminate,
    'Allowed',
  );
  for (const [action, resource] of [
    ['CreateTrainingJob', 'training-job/x'],
    ['CreateProcessingJob', 'processing-job/x'],
    ['CreateEndpoint', 'endpoint/x'],
    ['StartPipelineExecution', `pipeline/${name(alpha, 'x')}`],
  ]) {
    scenario(
      `after it, ${action} is refused whatever the request carries`,
      () => stopped(alpha, alpha.user),
      () => ({ action: `sagemaker:${action}`, resource: sagemaker(resource), context: requestTags('alpha') }),
      'ExplicitlyDenied',
    );
  }
  scenario(
    'after it, the notebook launch role cannot create a notebook (an update or relaunch fails)',
    () => stopped(alpha, launchRole),
    () => ({
      action: 'sagemaker:CreateNotebookInstance',
      resource: sagemaker(`notebook-instance/${name(alpha, 'jane')}`),
      context: requestTags('alpha'),
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'after it, the notebook launch role still deletes notebooks (terminations work)',
    () => stopped(alpha, launchRole),
    () => ({
      action: 'sagemaker:DeleteNotebookInstance',
      resource: sagemaker(`notebook-instance/${name(alpha, 'jane')}`),
    }),
    'Allowed',
  );
});

describe('a notebook termination takes the stop off its own execution role, nothing more', () => {
  const detach = (role: string, policyArn: string) => (): Request => ({
    action: 'iam:DetachRolePolicy',
    resource: iam(`role/${role}`),
    context: { 'iam:PolicyARN': policyArn },
  });
  scenario(
    'the notebook launch role detaches the stop from an execution role it deletes',
    () => launchRole,
    detach(name(alpha, 'nb-jane'), stopPolicyArn(alpha)),
    'Allowed',
  );
  scenario(
    "not another project's stop, nor from the project's people",
    () => launchRole,
    detach(name(alpha, 'user'), stopPolicyArn(alpha)),
    'Denied',
  );
  scenario(
    'nor from a beta execution role',
    () => launchRole,
    detach(name(beta, 'nb-jane'), stopPolicyArn(beta)),
    'Denied',
  );
});

describe('no project role can take the stop off', () => {
  const detachStop = (): Request => ({
    action: 'iam:DetachRolePolicy',
    resource: iam(`role/${name(alpha, 'user')}`),
    context: { 'iam:PolicyARN': stopPolicyArn(alpha) },
  });
  scenario('the data scientist cannot', () => alpha.user, detachStop, 'Denied');
  scenario('the project admin cannot', () => alpha.admin, detachStop, 'Denied');
  scenario('the notebook launch role cannot', () => launchRole, detachStop, 'Denied');
  scenario(
    'the project admin cannot reverse the budget action itself',
    () => alpha.admin,
    () => ({
      action: 'budgets:ExecuteBudgetAction',
      resource: budgets(`budget/${name(alpha, 'budget')}/action/00000000-0000-4000-8000-000000000000`),
    }),
    'Denied',
  );
});

describe('the budget guard: halts only project-tagged work, lifts only project stops', () => {
  const template = synthesized.stack('detective').toJSON() as CfnTemplate;
  const guardRoleId = logicalIdOf(template, 'AWS::IAM::Role', (p) => String(p.Description).startsWith('Budget guard'));
  const guardRole = principalFromTemplate(template, guardRoleId, { account: ACCOUNT, region: REGION });
  const work = (action: string, resource: string, tagged: boolean) => (): Request => ({
    action: `sagemaker:${action}`,
    resource: sagemaker(resource),
    context: tagged ? resourceTags('beta') : {},
  });
  for (const [action, resource] of [
    ['StopNotebookInstance', `notebook-instance/${projectNamed('beta', 'dev', 'jane')}`],
    ['StopTrainingJob', 'training-job/xgb-1'],
    ['StopMonitoringSchedule', 'monitoring-schedule/drift'],
    ['UpdateEndpointWeightsAndCapacities', 'endpoint/credit'],
    ['DeleteEndpoint', 'endpoint/credit'],
  ]) {
    scenario(`${action} on a project's resource`, () => guardRole, work(action, resource, true), 'Allowed');
    scenario(`${action} on an untagged resource is refused`, () => guardRole, work(action, resource, false), 'Denied');
  }
  scenario(
    'never deletes notebooks or models',
    () => guardRole,
    work('DeleteNotebookInstance', `notebook-instance/${projectNamed('beta', 'dev', 'jane')}`, true),
    'Denied',
  );
  const action = (budget: string) => (): Request => ({
    action: 'budgets:ExecuteBudgetAction',
    resource: budgets(`budget/${budget}/action/00000000-0000-4000-8000-000000000000`),
  });
  scenario('lifts and re-arms a project budget stop', () => guardRole, action(name(alpha, 'budget')), 'Allowed');
  scenario("cannot act on the account's other budgets", () => guardRole, action('company-monthly'), 'Denied');
  scenario(
    'cannot raise a budget',
    () => guardRole,
    () => ({ action: 'budgets:ModifyBudget', resource: budgets(`budget/${name(alpha, 'budget')}`) }),
    'Denied',
  );
  const onRole =
    (role: string, policyArn: string, action = 'iam:AttachRolePolicy') =>
    (): Request => ({
      action,
      resource: iam(`role/${role}`),
      context: { 'iam:PolicyARN': policyArn },
    });
  scenario(
    'extends the stop to a notebook execution role (the budget action cannot name them)',
    () => guardRole,
    onRole(name(alpha, 'nb-jane'), stopPolicyArn(alpha)),
    'Allowed',
  );
  scenario(
    'takes it off again when the stop is lifted',
    () => guardRole,
    onRole(name(alpha, 'nb-jane'), stopPolicyArn(alpha), 'iam:DetachRolePolicy'),
    'Allowed',
  );
  scenario(
    'cannot attach anything else to an execution role',
    () => guardRole,
    onRole(name(alpha, 'nb-jane'), 'arn:aws:iam::aws:policy/AdministratorAccess'),
    'Denied',
  );
  scenario(
    "cannot detach the project's own policies from an execution role",
    () => guardRole,
    onRole(name(alpha, 'nb-jane'), iam(`policy/${name(alpha, 'sagemaker')}`), 'iam:DetachRolePolicy'),
    'Denied',
  );
  scenario(
    'cannot detach a stop policy itself',
    () => guardRole,
    () => ({
      action: 'iam:DetachRolePolicy',
      resource: iam(`role/${name(alpha, 'user')}`),
      context: { 'iam:PolicyARN': stopPolicyArn(alpha) },
    }),
    'Denied',
  );
});
