import * as fs from 'node:fs';
import * as path from 'node:path';
import { TAG_KEYS } from '../../lib/config/names';
import { NOTEBOOKS_DIRECTORY } from '../../lib/constructs/project/project-storage';
import { evaluate, Request } from '../helpers/iam';
import { ACCOUNT, launchNotebook, launchProject, LaunchedProject, launchStudioUser, REGION } from '../helpers/projects';
import { synthesize } from '../helpers/synth';
import { projectNamed } from '../helpers/names';

/**
 * Every SageMaker call the sample notebooks make, derived from their code, evaluated against the
 * notebook execution role (with the project boundary) as the notebook makes it: from inside the
 * project network. What a call carries (network, keys, tags, names) is read from the keyword
 * arguments the notebook passes, so removing one from a notebook changes the request here.
 */

interface Cell {
  cell_type: string;
  source: string | string[];
}
const code = (file: string): string =>
  (JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIRECTORY, file), 'utf8')) as { cells: Cell[] }).cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source))
    .join('\n');

/** Keyword arguments of the call `<variable> = <Class>(...)` (top-level names only). */
function kwargsOf(source: string, variable: string): Set<string> {
  const start = source.search(new RegExp(`^${variable} = \\w+\\(`, 'm'));
  if (start < 0) throw new Error(`${variable} is not constructed in the notebook`);
  return new Set([...argumentText(source, source.indexOf('(', start)).matchAll(/(?:^|\n)\s*(\w+)=/g)].map((m) => m[1]));
}

/** Keyword arguments of the first call that starts with `call` (`model.deploy(`, `Run(`). */
function callKwargs(source: string, call: string): Set<string> {
  const at = source.indexOf(call);
  if (at < 0) throw new Error(`${call} is not called`);
  const text = argumentText(source, source.indexOf('(', at));
  return new Set([...text.matchAll(/(?:^|[\n(,])\s*(\w+)=/g)].map((m) => m[1]));
}

/** The text between the parenthesis at `open` and its match. */
function argumentText(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '(') depth++;
    if (source[i] === ')' && --depth === 0) return source.slice(open + 1, i);
  }
  throw new Error('unbalanced parentheses');
}

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const role = launchNotebook(synthesized, alpha, 'jane');
const roleArn = `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'nb-jane')}`;
// The same notebooks in Studio JupyterLab: jane's Studio execution role runs them (and is what jobs are passed).
const studio = launchStudioUser(synthesized, launchProject(synthesized, 'alpha', { studio: true }), 'jane', 'jane');
/** The request as Studio makes it: the execution role it passes is the Studio role. */
const inStudio = (request: Request): Request =>
  request.action === 'iam:PassRole' && request.resource === roleArn
    ? { ...request, resource: studio.executionRole.arn }
    : request;
const arn = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const inNetwork = { 'aws:SourceVpc': alpha.vpcId, 'aws:SecureTransport': 'true' };
const ownTags = {
  [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
  [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
};
/** A call on one of the project's own (tagged) resources, from inside the project network. */
const ownInNetwork = { ...inNetwork, ...ownTags };

/** A call of the notebook on one of the project's own resources (`resource` after the account), from inside its network. */
const own = (action: string, resource: string): Request => ({
  action: `sagemaker:${action}`,
  resource: arn(resource),
  context: ownInNetwork,
});

/** Condition keys a create call carries, from the keyword arguments the notebook passes. */
function createContext(p: LaunchedProject, kwargs: Set<string>): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { ...inNetwork };
  if (['network_config', 'subnets', 'vpc_config'].some((k) => kwargs.has(k))) {
    context['sagemaker:VpcSubnets'] = p.subnetIds;
    context['sagemaker:VpcSecurityGroupIds'] = [p.securityGroupId];
  }
  if (kwargs.has('volume_kms_key')) context['sagemaker:VolumeKmsKeyArn'] = p.keyArn;
  if (kwargs.has('output_kms_key')) context['sagemaker:OutputKmsKeyArn'] = p.keyArn;
  if (kwargs.has('tags')) {
    context[`aws:RequestTag/${TAG_KEYS.projectName}`] = p.name;
    context[`aws:RequestTag/${TAG_KEYS.environmentType}`] = 'dev';
  }
  return context;
}

const passRole: Request = {
  action: 'iam:PassRole',
  resource: roleArn,
  context: { 'iam:PassedToService': 'sagemaker.amazonaws.com', ...ownTags },
};

/** One SDK call of a notebook: how to find it, and the requests it makes. */
interface NotebookCall {
  readonly notebook: string;
  readonly call: string;
  readonly requests: (source: string) => Request[];
  /** The notebook shows this call being refused. */
  readonly refused?: boolean;
}

const CALLS: NotebookCall[] = [
  {
    notebook: '00-platform-tour.ipynb',
    call: 'create_training_job(',
    refused: true,
    requests: (source) => {
      // The request dict names its own fields: no VpcConfig here on purpose.
      const dict = argumentText(source, source.indexOf('(', source.indexOf('request = dict(')));
      expect(dict).not.toContain('VpcConfig');
      return [
        {
          action: 'sagemaker:CreateTrainingJob',
          resource: arn('training-job/alpha-no-vpc-demo'),
          context: createContext(alpha, new Set(['volume_kms_key', 'output_kms_key', 'tags'])),
        },
      ];
    },
  },
  {
    notebook: '01-data-scientist.ipynb',
    call: 'processor.run(',
    requests: (source) => [
      {
        action: 'sagemaker:CreateProcessingJob',
        resource: arn('processing-job/sklearn-1'),
        context: createContext(alpha, kwargsOf(source, 'processor')),
      },
      passRole,
      own('DescribeProcessingJob', 'processing-job/sklearn-1'),
    ],
  },
  {
    notebook: '01-data-scientist.ipynb',
    call: 'Run(',
    requests: (source) => {
      const context = createContext(alpha, callKwargs(source, 'Run('));
      return [
        // Load-or-create: the first read of a name that does not exist yet must answer "not found".
        {
          action: 'sagemaker:DescribeExperiment',
          resource: arn('experiment/alpha-credit-default'),
          context: inNetwork,
        },
        { action: 'sagemaker:CreateExperiment', resource: arn('experiment/alpha-credit-default'), context },
        { action: 'sagemaker:CreateTrial', resource: arn('experiment-trial/default-run-group'), context },
        {
          action: 'sagemaker:CreateTrialComponent',
          resource: arn('experiment-trial-component/xgboost-baseline'),
          context,
        },
        { action: 'sagemaker:Search', resource: '*', context: inNetwork },
        own('AssociateTrialComponent', 'experiment-trial-component/xgboost-baseline'),
        own('UpdateTrialComponent', 'experiment-trial-component/xgboost-baseline'),
      ];
    },
  },
  {
    notebook: '01-data-scientist.ipynb',
    call: 'estimator.fit(',
    requests: (source) => [
      {
        action: 'sagemaker:CreateTrainingJob',
        resource: arn('training-job/xgboost-1'),
        context: createContext(alpha, kwargsOf(source, 'estimator')),
      },
      passRole,
      own('DescribeTrainingJob', 'training-job/xgboost-1'),
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'model.deploy(',
    requests: (source) => {
      const model = kwargsOf(source, 'model');
      const deploy = callKwargs(source, 'model.deploy(');
      const modelName = model.has('name')
        ? `${projectNamed('alpha', 'dev', 'credit-default')}`
        : 'xgboost-2026-11-26-10-00-00-000';
      const config = createContext(alpha, deploy.has('tags') ? new Set(['tags']) : new Set());
      if (deploy.has('kms_key')) config['sagemaker:VolumeKmsKeyArn'] = alpha.keyArn;
      config['sagemaker:ModelArn'] = [arn(`model/${modelName}`)];
      return [
        // The SDK passes deploy()'s tags to the model it creates.
        {
          action: 'sagemaker:CreateModel',
          resource: arn(`model/${modelName}`),
          context: createContext(alpha, new Set([...model, ...(deploy.has('tags') ? ['tags'] : [])])),
        },
        passRole,
        {
          action: 'sagemaker:CreateEndpointConfig',
          resource: arn('endpoint-config/alpha-credit-default'),
          context: config,
        },
        {
          action: 'sagemaker:CreateEndpoint',
          resource: arn('endpoint/alpha-credit-default'),
          context: createContext(alpha, deploy),
        },
        own('CreateEndpoint', 'endpoint-config/alpha-credit-default'),
        own('DescribeEndpoint', 'endpoint/alpha-credit-default'),
      ];
    },
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'monitor.suggest_baseline(',
    requests: (source) => [
      {
        action: 'sagemaker:CreateProcessingJob',
        resource: arn('processing-job/baseline-1'),
        context: createContext(alpha, kwargsOf(source, 'monitor')),
      },
      passRole,
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'monitor.create_monitoring_schedule(',
    // The SDK creates a job definition with the monitor's network, keys and tags, then a schedule that only
    // names it and carries the tags: no VPC, keys or instance types of its own.
    requests: (source) => [
      {
        action: 'sagemaker:CreateDataQualityJobDefinition',
        resource: arn('data-quality-job-definition/data-quality-job-definition-2026-11-26-10-00-00-000'),
        context: createContext(alpha, kwargsOf(source, 'monitor')),
      },
      passRole,
      {
        action: 'sagemaker:CreateMonitoringSchedule',
        resource: arn('monitoring-schedule/alpha-credit-default-monitor'),
        context: createContext(alpha, new Set([...kwargsOf(source, 'monitor')].filter((k) => k === 'tags'))),
      },
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'predictor.predict(',
    requests: () => [own('InvokeEndpoint', 'endpoint/alpha-credit-default')],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'monitor.list_executions(',
    requests: () => [
      { action: 'sagemaker:ListMonitoringExecutions', resource: '*', context: inNetwork },
      own('DescribeProcessingJob', 'processing-job/monitoring-1'),
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'LineageTableVisualizer(',
    requests: () => [
      { action: 'sagemaker:QueryLineage', resource: '*', context: inNetwork },
      own('DescribeTrainingJob', 'training-job/xgboost-1'),
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'monitor.delete_monitoring_schedule(',
    // The SDK waits for the schedule to go, then deletes the job definition it created.
    requests: () => [
      own('DeleteMonitoringSchedule', 'monitoring-schedule/alpha-credit-default-monitor'),
      own('DescribeMonitoringSchedule', 'monitoring-schedule/alpha-credit-default-monitor'),
      own(
        'DeleteDataQualityJobDefinition',
        'data-quality-job-definition/data-quality-job-definition-2026-11-26-10-00-00-000',
      ),
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'predictor.delete_endpoint(',
    requests: () => [
      own('DeleteEndpoint', 'endpoint/alpha-credit-default'),
      own('DeleteEndpointConfig', 'endpoint-config/alpha-credit-default'),
    ],
  },
  {
    notebook: '02-mlops.ipynb',
    call: 'model.delete_model(',
    requests: () => [own('DeleteModel', `model/${projectNamed('alpha', 'dev', 'credit-default')}`)],
  },
];

/** SageMaker SDK entry points (objects and methods that call the API): each one in a notebook must be in CALLS. */
const SDK_CALL =
  /\b(?:processor|estimator|model|monitor|predictor)\.(?!hyperparameters|baseline_statistics|suggested_constraints)\w+\(|\)\.create_\w+\(|\bRun\(|LineageTableVisualizer\(/g;

describe('sample notebooks: every SageMaker call passes our own policies', () => {
  test.each(['00-platform-tour.ipynb', '01-data-scientist.ipynb', '02-mlops.ipynb'])(
    '%s makes no SageMaker call this suite does not evaluate',
    (notebook) => {
      const source = code(notebook);
      const known = CALLS.filter((c) => c.notebook === notebook).map((c) => c.call);
      const found = [...new Set([...source.matchAll(SDK_CALL)].map((m) => m[0].replace(/^\)\./, '')))];
      const unknown = found.filter((call) => !known.includes(call));
      expect(unknown).toEqual([]);
      for (const call of known) expect(source).toContain(call);
    },
  );

  const workspaces = [
    ['notebook instance', role, (r: Request) => r],
    ['Studio', studio.executionRole, inStudio],
  ] as const;
  test.each(
    workspaces.flatMap(([where, principal, as]) =>
      CALLS.map((c) => [where, c.notebook, c.call, principal, as, c] as const),
    ),
  )('%s: %s: %s', async (_where, _notebook, _call, principal, as, call) => {
    const source = code(call.notebook);
    for (const request of call.requests(source).map(as)) {
      const { decision, why } = await evaluate(principal, request);
      if (call.refused) expect([request.action, decision]).not.toEqual([request.action, 'Allowed']);
      else
        expect([request.action, request.resource, decision, why]).toEqual([
          request.action,
          request.resource,
          'Allowed',
          why,
        ]);
    }
  });

  test('the suite can fail: a model deployed without the project name prefix is refused', async () => {
    const source = code('02-mlops.ipynb').replace(/\n\s*name=f"\{MODEL_NAME_PREFIX\}credit-default",[^\n]*/, '');
    const [createModel] = CALLS.find((c) => c.call === 'model.deploy(')!.requests(source);
    expect((await evaluate(role, createModel)).decision).not.toBe('Allowed');
  });

  test('the suite can fail: a monitor without network settings is refused', async () => {
    const source = code('02-mlops.ipynb').replace(/\n\s*network_config=network,/, '');
    const [definition] = CALLS.find((c) => c.call === 'monitor.create_monitoring_schedule(')!.requests(source);
    expect((await evaluate(role, definition)).decision).not.toBe('Allowed');
  });
});
