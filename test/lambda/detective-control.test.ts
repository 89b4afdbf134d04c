import { enforce } from '../../lambda/detective-control/enforce';
import { COVERED_EVENT_NAMES } from '../../lambda/detective-control/rules';
import { ALPHA, BETA, cloudTrailEvent, SAMPLES, STUDIO } from './cloudtrail-events';
import { fakes, sdkError as error } from './detective-fakes';

describe('detective control: every covered API', () => {
  test('covers every create call that carries a network configuration, and the Studio calls', () => {
    const studio = ['CreateDomain', 'UpdateDomain', 'CreateUserProfile', 'CreateSpace', 'CreateApp'];
    expect([...COVERED_EVENT_NAMES].sort()).toEqual(Object.keys(SAMPLES).concat(studio).sort());
    expect(Object.keys(STUDIO)).toHaveLength(studio.length);
  });

  describe.each(Object.entries(SAMPLES))('%s', (eventName, sample) => {
    test('inside a project network: compliant, nothing undone, nothing published', async () => {
      const { deps, sent, published, lines } = fakes();
      const outcome = await enforce(cloudTrailEvent(eventName, sample.request(ALPHA)), deps);
      expect(outcome).toEqual({ decision: 'compliant', project: 'alpha/dev' });
      expect(sent).toEqual([]);
      expect(published).toEqual([]);
      expect(lines).toEqual([expect.objectContaining({ decision: 'compliant', eventName })]);
    });

    test('without a VPC: undone with the right call, and reported', async () => {
      const { deps, sent, published } = fakes();
      const outcome = await enforce(cloudTrailEvent(eventName, sample.request(undefined)), deps);
      expect(outcome).toMatchObject({ decision: 'non-compliant', violations: expect.arrayContaining(['no-vpc']) });
      expect(sent).toEqual([{ command: sample.command, input: sample.input }]);
      expect(published).toEqual([
        expect.objectContaining({
          eventName,
          who: 'arn:aws:sts::111122223333:assumed-role/SomeAdminRole/jane',
          resource: Object.values(sample.input)[0],
          violations: expect.arrayContaining(['no-vpc']),
        }),
      ]);
    });
  });
});

describe('detective control: which networks count', () => {
  const training = SAMPLES.CreateTrainingJob;
  test('subnets of no launched project are not enough', async () => {
    const { deps, sent } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateTrainingJob', training.request({ subnets: ['subnet-0ther'], securityGroup: 'sg-0ther' })),
      deps,
    );
    expect(outcome).toMatchObject({ violations: ['not-a-project-network'], action: 'stopped' });
    expect(sent).toHaveLength(1);
  });

  test("alpha's subnets with beta's security group are not a project network", async () => {
    const { deps } = fakes();
    const outcome = await enforce(
      cloudTrailEvent(
        'CreateTrainingJob',
        training.request({ subnets: ALPHA.subnets, securityGroup: BETA.securityGroup }),
      ),
      deps,
    );
    expect(outcome).toMatchObject({ violations: ['security-group-not-of-project'] });
  });

  test('subnets spread over two projects are not a project network', async () => {
    const { deps } = fakes();
    const outcome = await enforce(
      cloudTrailEvent(
        'CreateTrainingJob',
        training.request({ subnets: [ALPHA.subnets[0], BETA.subnets[0]], securityGroup: ALPHA.securityGroup }),
      ),
      deps,
    );
    expect(outcome).toMatchObject({ violations: ['not-a-project-network'] });
  });

  test('a notebook with direct internet access, or with root, is stopped even in a project subnet', async () => {
    for (const [field, violation] of [
      ['directInternetAccess', 'direct-internet-access'],
      ['rootAccess', 'root-access'],
    ]) {
      const { deps, sent } = fakes();
      const request = { ...SAMPLES.CreateNotebookInstance.request(ALPHA), [field]: 'Enabled' };
      const outcome = await enforce(cloudTrailEvent('CreateNotebookInstance', request), deps);
      expect(outcome).toMatchObject({ violations: [violation], action: 'stopped' });
      expect(sent[0].command).toBe('StopNotebookInstanceCommand');
    }
  });

  test('a notebook that leaves the settings to their defaults (enabled) is stopped', async () => {
    const { deps } = fakes();
    const { directInternetAccess: _d, rootAccess: _r, ...request } = SAMPLES.CreateNotebookInstance.request(ALPHA);
    const outcome = await enforce(cloudTrailEvent('CreateNotebookInstance', request), deps);
    expect(outcome).toMatchObject({ violations: ['direct-internet-access', 'root-access'] });
  });

  test('a Studio domain that is not VPC-only is reported, not deleted (it would destroy user work)', async () => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateDomain', {
        domainName: 'studio',
        authMode: 'IAM',
        appNetworkAccessType: 'PublicInternetOnly',
        vpcId: 'vpc-1',
        subnetIds: ALPHA.subnets,
        defaultUserSettings: { executionRole: 'r', securityGroups: [ALPHA.securityGroup] },
      }),
      deps,
    );
    expect(outcome).toMatchObject({ violations: ['domain-not-vpc-only'], action: 'notified' });
    expect(sent).toEqual([]);
    expect(published[0]).toMatchObject({
      remediation: expect.stringMatching(/^notify only: deleting a Studio domain/),
    });
  });

  test('a VPC-only domain in a project network is compliant', async () => {
    const { deps } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateDomain', {
        domainName: 'studio',
        appNetworkAccessType: 'VpcOnly',
        subnetIds: ALPHA.subnets,
        defaultUserSettings: { securityGroups: [ALPHA.securityGroup] },
      }),
      deps,
    );
    expect(outcome).toEqual({ decision: 'compliant', project: 'alpha/dev' });
  });

  test('a monitoring schedule that names a job definition is judged by that definition', async () => {
    const { deps, sent } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateMonitoringSchedule', {
        monitoringScheduleName: 'm',
        monitoringScheduleConfig: { monitoringJobDefinitionName: 'dq-1', monitoringType: 'DataQuality' },
      }),
      deps,
    );
    expect(outcome).toMatchObject({ decision: 'compliant' });
    expect(sent).toEqual([]);
  });
});

describe('detective control: notify-only rollout', () => {
  test('reports what it would undo and changes nothing', async () => {
    const { deps, sent, published } = fakes({ mode: 'notify' });
    const outcome = await enforce(
      cloudTrailEvent('CreateTrainingJob', SAMPLES.CreateTrainingJob.request(undefined)),
      deps,
    );
    expect(outcome).toMatchObject({ action: 'notified' });
    expect(sent).toEqual([]);
    expect(published[0]).toMatchObject({ mode: 'notify', remediation: 'StopTrainingJob', action: 'notified' });
  });
});

describe('detective control: malformed input is ignored with a reason, never a crash', () => {
  test.each([
    ['no event', null, /no detail/],
    ['no detail', { source: 'aws.sagemaker' }, /no detail/],
    [
      'another service',
      cloudTrailEvent('CreateTrainingJob', {}, { eventSource: 'ec2.amazonaws.com' }),
      /not SageMaker/,
    ],
    ['an unknown event', cloudTrailEvent('DeleteModel', { modelName: 'm' }), /not a covered create call/],
    [
      'a failed call',
      cloudTrailEvent('CreateTrainingJob', SAMPLES.CreateTrainingJob.request(undefined), {
        errorCode: 'AccessDenied',
        errorMessage: 'denied',
      }),
      /the call failed \(AccessDenied\)/,
    ],
    ['no requestParameters', cloudTrailEvent('CreateTrainingJob', undefined), /no requestParameters/],
    ['requestParameters of the wrong type', cloudTrailEvent('CreateTrainingJob', ['x']), /no requestParameters/],
    [
      'a vpcConfig of the wrong type',
      cloudTrailEvent('CreateTrainingJob', { trainingJobName: 't', vpcConfig: { subnets: 'subnet-0a1' } }),
      /vpcConfig is not/,
    ],
    [
      'a request without the resource name',
      cloudTrailEvent('CreateTrainingJob', { algorithmSpecification: {} }),
      /no resource name/,
    ],
  ])('%s', async (_title, event, reason) => {
    const { deps, sent, published, lines } = fakes();
    const outcome = await enforce(event, deps);
    expect(outcome).toEqual({ decision: 'ignored', reason: expect.stringMatching(reason) });
    expect(sent).toEqual([]);
    expect(published).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ decision: 'ignored', reason: expect.stringMatching(reason) })]);
  });
});

describe('detective control: SDK failures', () => {
  const noVpc = () => cloudTrailEvent('CreateTrainingJob', SAMPLES.CreateTrainingJob.request(undefined));

  test('throttling is retried', async () => {
    const { deps, sent } = fakes({
      sagemakerErrors: [error('ThrottlingException', 'Rate exceeded'), error('ThrottlingException', 'Rate exceeded')],
    });
    await expect(enforce(noVpc(), deps)).resolves.toMatchObject({ action: 'stopped' });
    expect(sent).toHaveLength(3);
  });

  test('throttling that does not stop surfaces, so the invocation is retried and then dead-lettered', async () => {
    const { deps } = fakes({
      sagemakerErrors: Array.from({ length: 4 }, () => error('ThrottlingException', 'Rate exceeded')),
    });
    await expect(enforce(noVpc(), deps)).rejects.toThrow('Rate exceeded');
  });

  test('a resource not yet visible is retried, and one that stays gone counts as done', async () => {
    const notFound = () => error('ValidationException', 'Could not find requested job with name xgb-2026-11-20');
    const eventually = fakes({ sagemakerErrors: [notFound()] });
    await expect(enforce(noVpc(), eventually.deps)).resolves.toMatchObject({ action: 'stopped' });
    const gone = fakes({ sagemakerErrors: Array.from({ length: 4 }, notFound) });
    await expect(enforce(noVpc(), gone.deps)).resolves.toMatchObject({ action: 'already-done' });
  });

  test('a job already stopped counts as done', async () => {
    const { deps } = fakes({ sagemakerErrors: [error('ValidationException', 'The job status is Stopped.')] });
    await expect(enforce(noVpc(), deps)).resolves.toMatchObject({ action: 'already-done' });
  });

  test('any other error surfaces', async () => {
    const { deps, published } = fakes({ sagemakerErrors: [error('AccessDeniedException', 'not authorized')] });
    await expect(enforce(noVpc(), deps)).rejects.toThrow('not authorized');
    expect(published).toEqual([]);
  });
});
