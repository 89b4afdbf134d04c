import '../../scripts/node-support';
import { DeleteAppCommand, SageMakerClient, StopTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/detective-control';
import { ALPHA, ALPHA_STUDIO, cloudTrailEvent, SAMPLES, STRAY_DOMAIN, STUDIO } from './cloudtrail-events';
import { TEST_NAMES, projectNamed } from '../helpers/names';

describe('detective control handler, end to end with mocked AWS clients', () => {
  const sagemaker = mockClient(SageMakerClient);
  const sns = mockClient(SNSClient);
  const ssm = mockClient(SSMClient);
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  beforeAll(() => {
    process.env.TOPIC_ARN = `arn:aws:sns:eu-west-1:111122223333:${TEST_NAMES.prefix}-security-findings`;
    process.env.PREFIX = TEST_NAMES.prefix;
    process.env.MODE = 'enforce';
    // Project parameters as the project environment publishes them, over two pages.
    ssm
      .on(GetParametersByPathCommand, { Path: `${TEST_NAMES.projectsRoot}`, Recursive: true, NextToken: undefined })
      .resolves({
        Parameters: [{ Name: `${TEST_NAMES.projectsRoot}alpha/dev/subnet-ids`, Value: ALPHA.subnets.join(',') }],
        NextToken: 'page-2',
      })
      .on(GetParametersByPathCommand, { Path: `${TEST_NAMES.projectsRoot}`, Recursive: true, NextToken: 'page-2' })
      .resolves({
        Parameters: [
          { Name: `${TEST_NAMES.projectsRoot}alpha/dev/sagemaker-security-group-id`, Value: ALPHA.securityGroup },
          { Name: `${TEST_NAMES.projectsRoot}alpha/dev/studio-domain-id`, Value: ALPHA_STUDIO.domainId },
          {
            Name: `${TEST_NAMES.projectsRoot}alpha/dev/studio-security-group-id`,
            Value: ALPHA_STUDIO.securityGroup,
          },
          {
            Name: `${TEST_NAMES.projectsRoot}alpha/dev/data-bucket`,
            Value: `${projectNamed('alpha', 'dev', 'data-111122223333')}`,
          },
        ],
      });
    sagemaker.on(StopTrainingJobCommand).resolves({});
    sagemaker.on(DeleteAppCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  afterAll(() => stdout.mockRestore());

  test('stops a training job started outside the project networks it reads from SSM, and reports it', async () => {
    const outcome = await handler(
      cloudTrailEvent(
        'CreateTrainingJob',
        SAMPLES.CreateTrainingJob.request({ subnets: ['subnet-0ther'], securityGroup: 'sg-0ther' }),
      ),
    );
    expect(outcome).toMatchObject({
      decision: 'non-compliant',
      violations: ['not-a-project-network'],
      action: 'stopped',
    });
    expect(sagemaker.commandCalls(StopTrainingJobCommand)[0].args[0].input).toEqual({
      TrainingJobName: 'xgb-2026-11-20',
    });
    const published = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(published.TopicArn).toBe(process.env.TOPIC_ARN);
    expect(JSON.parse(published.Message!)).toMatchObject({ action: 'stopped', violations: ['not-a-project-network'] });
    const line = JSON.parse(String(stdout.mock.calls.at(-1)![0])) as Record<string, unknown>;
    expect(line).toMatchObject({
      control: 'sagemaker-network',
      decision: 'non-compliant',
      eventName: 'CreateTrainingJob',
    });
  });

  test('leaves a job in the project network alone', async () => {
    sagemaker.resetHistory();
    const outcome = await handler(cloudTrailEvent('CreateTrainingJob', SAMPLES.CreateTrainingJob.request(ALPHA)));
    expect(outcome).toEqual({ decision: 'compliant', project: 'alpha/dev' });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('knows the Studio domain alpha publishes: its apps stay, an app in another domain is deleted', async () => {
    sagemaker.resetHistory();
    await expect(handler(cloudTrailEvent('CreateApp', STUDIO.createApp()))).resolves.toEqual({
      decision: 'compliant',
      project: 'alpha/dev',
    });
    const outcome = await handler(cloudTrailEvent('CreateApp', STUDIO.createApp({ domainId: STRAY_DOMAIN })));
    expect(outcome).toEqual({ decision: 'non-compliant', violations: ['not-a-project-domain'], action: 'deleted' });
    expect(sagemaker.commandCalls(DeleteAppCommand).map((c) => c.args[0].input)).toEqual([
      { DomainId: STRAY_DOMAIN, SpaceName: 'jane-doe-lab', AppType: 'JupyterLab', AppName: 'default' },
    ]);
  });
});
