import { enforce, VIOLATION_TEXT } from '../../lambda/detective-control/enforce';
import { ALPHA, ALPHA_STUDIO, BETA, BETA_STUDIO, cloudTrailEvent, STRAY_DOMAIN, STUDIO } from './cloudtrail-events';
import { fakes, PROJECTS, sdkError } from './detective-fakes';

const efs = (member: string, id: string) => ({ [member]: { fileSystemId: id } });

describe('Studio domains (create): VpcOnly, in one project network, with that project groups', () => {
  test('the domain a project environment creates is compliant (both project groups count)', async () => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(cloudTrailEvent('CreateDomain', STUDIO.createDomain()), deps);
    expect(outcome).toEqual({ decision: 'compliant', project: 'alpha/dev' });
    expect(sent).toEqual([]);
    expect(published).toEqual([]);
  });

  test('fails when the network access type is left out: the default is PublicInternetOnly', async () => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateDomain', STUDIO.createDomain({ appNetworkAccessType: undefined })),
      deps,
    );
    expect(outcome).toEqual({ decision: 'non-compliant', violations: ['domain-not-vpc-only'], action: 'notified' });
    expect(sent).toEqual([]);
    expect(published[0]).toMatchObject({
      eventName: 'CreateDomain',
      resource: STUDIO.createDomain().domainName,
      why: [VIOLATION_TEXT['domain-not-vpc-only']],
      remediation: expect.stringMatching(/^notify only: deleting a Studio domain would delete its users home/),
    });
  });

  test.each([
    ['subnets of no project', { subnetIds: ['subnet-0ther'] }, ['not-a-project-network']],
    ['subnets spread over two projects', { subnetIds: [ALPHA.subnets[0], BETA.subnets[0]] }, ['not-a-project-network']],
    [
      "beta's Studio group as alpha's default user group",
      { defaultUserSettings: { securityGroups: [ALPHA.securityGroup, BETA_STUDIO.securityGroup] } },
      ['security-group-not-of-project'],
    ],
    [
      'a default space group of no project',
      { defaultSpaceSettings: { securityGroups: ['sg-0ther'] } },
      ['security-group-not-of-project'],
    ],
    [
      'a domain-level group of no project',
      { domainSettings: { securityGroupIds: ['sg-0ther'] } },
      ['security-group-not-of-project'],
    ],
    [
      'a custom EFS file system for every user',
      {
        defaultUserSettings: {
          securityGroups: [ALPHA.securityGroup],
          customFileSystemConfigs: [{ efsFileSystemConfig: { fileSystemId: 'fs-0be7a0home', fileSystemPath: '/' } }],
        },
      },
      ['custom-file-system'],
    ],
  ])('fails with %s', async (_title, overrides, violations) => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(cloudTrailEvent('CreateDomain', STUDIO.createDomain(overrides)), deps);
    expect(outcome).toEqual({ decision: 'non-compliant', violations, action: 'notified' });
    expect(sent).toEqual([]);
    expect(published[0]).toMatchObject({ violations, why: violations.map((v) => VIOLATION_TEXT[v as never]) });
  });
});

describe('Studio domains (update): what the update states must keep the rules; what it leaves out is unchanged', () => {
  test.each([
    ['new default groups of the project', {}],
    ['no network access type (unchanged)', { appNetworkAccessType: undefined }],
    ['VpcOnly again', { appNetworkAccessType: 'VpcOnly' }],
    ['a subset of the project subnets', { subnetIds: ALPHA.subnets.slice(0, 2) }],
  ])('%s: compliant', async (_title, overrides) => {
    const { deps, published } = fakes();
    const outcome = await enforce(cloudTrailEvent('UpdateDomain', STUDIO.updateDomain(overrides)), deps);
    expect(outcome).toEqual({ decision: 'compliant', project: 'alpha/dev' });
    expect(published).toEqual([]);
  });

  test.each([
    ['opens the domain to the internet', { appNetworkAccessType: 'PublicInternetOnly' }, ['domain-not-vpc-only']],
    ["moves alpha's domain into beta's subnets", { subnetIds: BETA.subnets }, ['not-a-project-network']],
    [
      "gives alpha's spaces beta's group",
      { defaultSpaceSettings: { securityGroups: [BETA.securityGroup] } },
      ['security-group-not-of-project'],
    ],
    [
      'adds a domain-level group of no project',
      { domainSettingsForUpdate: { securityGroupIds: ['sg-0ther'] } },
      ['security-group-not-of-project'],
    ],
    ['changes a domain of no project', { domainId: STRAY_DOMAIN }, ['not-a-project-domain']],
  ])('fails when it %s: reported, not reverted', async (_title, overrides, violations) => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(cloudTrailEvent('UpdateDomain', STUDIO.updateDomain(overrides)), deps);
    expect(outcome).toEqual({ decision: 'non-compliant', violations, action: 'notified' });
    expect(sent).toEqual([]);
    expect(published[0]).toMatchObject({
      resource: (overrides as { domainId?: string }).domainId ?? ALPHA_STUDIO.domainId,
      remediation: expect.stringMatching(/^notify only: the previous domain settings are not known/),
    });
  });
});

describe("Studio user profiles: in a project's domain, with that project's groups only", () => {
  test('a profile with both project groups is compliant, and one that inherits the domain defaults too', async () => {
    for (const request of [STUDIO.createUserProfile(), STUDIO.createUserProfile({ userSettings: undefined })]) {
      const { deps, sent } = fakes();
      await expect(enforce(cloudTrailEvent('CreateUserProfile', request), deps)).resolves.toEqual({
        decision: 'compliant',
        project: 'alpha/dev',
      });
      expect(sent).toEqual([]);
    }
  });

  test("fails in alpha's domain with beta's group: the new profile (no apps yet) is deleted", async () => {
    const { deps, sent, published } = fakes();
    const request = STUDIO.createUserProfile({
      userSettings: { securityGroups: [ALPHA.securityGroup, BETA_STUDIO.securityGroup] },
    });
    const outcome = await enforce(cloudTrailEvent('CreateUserProfile', request), deps);
    expect(outcome).toEqual({
      decision: 'non-compliant',
      violations: ['security-group-not-of-project'],
      action: 'deleted',
    });
    expect(sent).toEqual([
      { command: 'DeleteUserProfileCommand', input: { DomainId: ALPHA_STUDIO.domainId, UserProfileName: 'jane-doe' } },
    ]);
    expect(published).toEqual([
      expect.objectContaining({
        eventName: 'CreateUserProfile',
        resource: `${ALPHA_STUDIO.domainId}/jane-doe`,
        project: 'alpha/dev',
        why: ['it uses a security group that is not one of its project groups'],
        remediation: 'DeleteUserProfile',
        action: 'deleted',
      }),
    ]);
  });

  test('fails in a domain of no project, whatever its groups', async () => {
    const { deps, sent } = fakes();
    const outcome = await enforce(
      cloudTrailEvent('CreateUserProfile', STUDIO.createUserProfile({ domainId: STRAY_DOMAIN })),
      deps,
    );
    expect(outcome).toMatchObject({ violations: ['not-a-project-domain'], action: 'deleted' });
    expect(sent[0]).toEqual({
      command: 'DeleteUserProfileCommand',
      input: { DomainId: STRAY_DOMAIN, UserProfileName: 'jane-doe' },
    });
  });

  test('a profile in a domain launched since the networks were cached is judged on a fresh read', async () => {
    const withoutAlphaStudio = PROJECTS.map((p) => ({ ...p, studioDomainId: undefined }));
    const { deps, sent } = fakes({ cachedProjects: withoutAlphaStudio });
    await expect(enforce(cloudTrailEvent('CreateUserProfile', STUDIO.createUserProfile()), deps)).resolves.toEqual({
      decision: 'compliant',
      project: 'alpha/dev',
    });
    expect(sent).toEqual([]);
  });

  test('fails with a custom EFS file system of its own', async () => {
    const { deps } = fakes();
    const request = STUDIO.createUserProfile({
      userSettings: { customFileSystemConfigs: [{ efsFileSystemConfig: { fileSystemId: 'fs-0be7a0home' } }] },
    });
    await expect(enforce(cloudTrailEvent('CreateUserProfile', request), deps)).resolves.toMatchObject({
      violations: ['custom-file-system'],
    });
  });

  test('a profile that already has apps cannot be deleted: reported as in use, for a person to finish', async () => {
    const { deps, published } = fakes({
      sagemakerErrors: [sdkError('ResourceInUse', 'The user profile has apps that are not deleted')],
    });
    const outcome = await enforce(
      cloudTrailEvent('CreateUserProfile', STUDIO.createUserProfile({ domainId: STRAY_DOMAIN })),
      deps,
    );
    expect(outcome).toMatchObject({ action: 'in-use' });
    expect(published[0]).toMatchObject({ action: 'in-use', note: expect.stringMatching(/in use/) });
  });
});

describe("Studio spaces: in a project's domain, and no file system of their own", () => {
  test('a private JupyterLab space of a project profile is compliant', async () => {
    const { deps } = fakes();
    await expect(enforce(cloudTrailEvent('CreateSpace', STUDIO.createSpace()), deps)).resolves.toEqual({
      decision: 'compliant',
      project: 'alpha/dev',
    });
  });

  test('an S3 file system is not a side door (S3 access is the role and bucket policies)', async () => {
    const { deps } = fakes();
    const request = STUDIO.createSpace({
      spaceSettings: { appType: 'JupyterLab', customFileSystems: [{ s3FileSystem: { s3Uri: 's3://b/p/' } }] },
    });
    await expect(enforce(cloudTrailEvent('CreateSpace', request), deps)).resolves.toMatchObject({
      decision: 'compliant',
    });
  });

  test.each(['efsFileSystem', 'eFSFileSystem', 'fSxLustreFileSystem'])(
    'fails when it mounts a custom file system (%s): reported, not deleted (its volume holds work)',
    async (member) => {
      const { deps, sent, published } = fakes();
      const request = STUDIO.createSpace({
        spaceSettings: { appType: 'JupyterLab', customFileSystems: [efs(member, 'fs-0be7a0home')] },
      });
      const outcome = await enforce(cloudTrailEvent('CreateSpace', request), deps);
      expect(outcome).toEqual({ decision: 'non-compliant', violations: ['custom-file-system'], action: 'notified' });
      expect(sent).toEqual([]);
      expect(published[0]).toMatchObject({
        resource: `${ALPHA_STUDIO.domainId}/jane-doe-lab`,
        why: [expect.stringMatching(/mounts an EFS or FSx file system/)],
        remediation: expect.stringMatching(/^notify only: deleting a space deletes its storage volume/),
      });
    },
  );

  test('fails in a domain of no project', async () => {
    const { deps } = fakes();
    await expect(
      enforce(cloudTrailEvent('CreateSpace', STUDIO.createSpace({ domainId: STRAY_DOMAIN })), deps),
    ).resolves.toMatchObject({ violations: ['not-a-project-domain'], action: 'notified' });
  });
});

describe("Studio apps: only in a project's domain; deleted otherwise (their files stay in the space or profile)", () => {
  test('an app in the project domain is compliant', async () => {
    const { deps, sent } = fakes();
    await expect(enforce(cloudTrailEvent('CreateApp', STUDIO.createApp()), deps)).resolves.toEqual({
      decision: 'compliant',
      project: 'alpha/dev',
    });
    expect(sent).toEqual([]);
  });

  test("beta's domain counts as a project domain too", async () => {
    const { deps } = fakes();
    await expect(
      enforce(cloudTrailEvent('CreateApp', STUDIO.createApp({ domainId: BETA_STUDIO.domainId })), deps),
    ).resolves.toEqual({ decision: 'compliant', project: 'beta/dev' });
  });

  test('fails in a domain of no project: a space app is deleted by its space', async () => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(cloudTrailEvent('CreateApp', STUDIO.createApp({ domainId: STRAY_DOMAIN })), deps);
    expect(outcome).toEqual({ decision: 'non-compliant', violations: ['not-a-project-domain'], action: 'deleted' });
    expect(sent).toEqual([
      {
        command: 'DeleteAppCommand',
        input: { DomainId: STRAY_DOMAIN, SpaceName: 'jane-doe-lab', AppType: 'JupyterLab', AppName: 'default' },
      },
    ]);
    expect(published[0]).toMatchObject({
      resource: `${STRAY_DOMAIN}/jane-doe-lab/JupyterLab/default`,
      why: ['the Studio domain it is in is not the domain of any launched project'],
      remediation: 'DeleteApp',
    });
  });

  test('fails in a domain of no project: a profile app (classic Studio) is deleted by its profile', async () => {
    const { deps, sent } = fakes();
    const request = STUDIO.createApp({
      domainId: STRAY_DOMAIN,
      spaceName: undefined,
      userProfileName: 'jane-doe',
      appType: 'JupyterServer',
      resourceSpec: undefined,
    });
    await enforce(cloudTrailEvent('CreateApp', request), deps);
    expect(sent).toEqual([
      {
        command: 'DeleteAppCommand',
        input: { DomainId: STRAY_DOMAIN, UserProfileName: 'jane-doe', AppType: 'JupyterServer', AppName: 'default' },
      },
    ]);
  });

  test('an app already gone counts as done; notify mode deletes nothing', async () => {
    const gone = fakes({
      sagemakerErrors: Array.from({ length: 4 }, () => sdkError('ResourceNotFound', 'App not found')),
    });
    const event = cloudTrailEvent('CreateApp', STUDIO.createApp({ domainId: STRAY_DOMAIN }));
    await expect(enforce(event, gone.deps)).resolves.toMatchObject({ action: 'already-done' });
    const notify = fakes({ mode: 'notify' });
    await expect(enforce(event, notify.deps)).resolves.toMatchObject({ action: 'notified' });
    expect(notify.sent).toEqual([]);
  });
});

describe('Studio requests that are malformed are ignored with a reason, never a crash', () => {
  test.each([
    ['a profile without domainId', 'CreateUserProfile', STUDIO.createUserProfile({ domainId: undefined }), /domainId/],
    [
      'profile groups that are not a list',
      'CreateUserProfile',
      STUDIO.createUserProfile({ userSettings: { securityGroups: 'sg-0alpha' } }),
      /userSettings.securityGroups is not a list/,
    ],
    [
      'domain subnets that are not a list',
      'CreateDomain',
      STUDIO.createDomain({ subnetIds: 'subnet-0a1' }),
      /subnetIds is not a list/,
    ],
    [
      'custom file systems that are not a list',
      'CreateSpace',
      STUDIO.createSpace({ spaceSettings: { customFileSystems: { efsFileSystem: {} } } }),
      /customFileSystems is not a list/,
    ],
    [
      'an EFS file system without an id',
      'CreateSpace',
      STUDIO.createSpace({ spaceSettings: { customFileSystems: [{ efsFileSystem: {} }] } }),
      /without a fileSystemId/,
    ],
    ['an app with a numeric domainId', 'CreateApp', STUDIO.createApp({ domainId: 7 }), /domainId/],
    [
      'an app of no project without its type (it cannot be named to delete it)',
      'CreateApp',
      STUDIO.createApp({ domainId: STRAY_DOMAIN, appType: undefined }),
      /no resource name/,
    ],
  ])('%s', async (_title, eventName, request, reason) => {
    const { deps, sent, published } = fakes();
    const outcome = await enforce(cloudTrailEvent(eventName, request), deps);
    expect(outcome).toEqual({ decision: 'ignored', reason: expect.stringMatching(reason) });
    expect(sent).toEqual([]);
    expect(published).toEqual([]);
  });
});
