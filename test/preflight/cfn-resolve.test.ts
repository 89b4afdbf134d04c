import {
  CfnTemplate,
  DeployContext,
  evaluateIntrinsics,
  exportsOf,
  resolve,
} from '../../scripts/preflight/cfn-resolve';
import { longestValue, parameterSets } from '../../scripts/preflight/parameters';

const ctx: DeployContext = {
  account: '111122223333',
  region: 'eu-west-1',
  instance: 'one',
  ssm: { '/ids': 'subnet-1,subnet-2,subnet-3', '/name': 'mirror', '/list': 'a, b' },
};

const template: CfnTemplate = {
  Parameters: {
    Env: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'test', 'prod'] },
    Ids: { Type: 'AWS::SSM::Parameter::Value<List<String>>', Default: '/list' },
    Name: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/name' },
  },
  Mappings: { Index: { '2': { Value: 1 } } },
  Conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
    NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
    Both: { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Equals': [{ Ref: 'Name' }, 'mirror'] }] },
  },
  Resources: {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${Name}-${Env}' } } },
    ProdOnly: { Type: 'AWS::S3::Bucket', Condition: 'IsProd' },
  },
  Outputs: {
    Out: { Value: { Ref: 'Bucket' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-bucket' } } },
    ProdOut: { Condition: 'IsProd', Value: 'x', Export: { Name: 'prod-only' } },
  },
};

const split = (index: number) => ({ 'Fn::Select': [index, { 'Fn::Split': [',', '{{resolve:ssm:/ids}}'] }] });

describe('cfn-resolve: CloudFormation semantics and order', () => {
  test('dynamic references resolve after intrinsics: a whole reference resolves', () => {
    expect(resolve({ 'Fn::Join': ['', ['{{resolve:ssm:', '/ids', '}}']] }, template, ctx)).toBe(
      'subnet-1,subnet-2,subnet-3',
    );
  });

  test('fails when Fn::Split runs over a dynamic reference and Fn::Select takes index 1', () => {
    expect(() => resolve(split(1), template, ctx)).toThrow('Fn::Select cannot select nonexistent value at index 1');
  });

  test('Fn::Split over a dynamic reference sees the literal text (index 0 is the whole list)', () => {
    expect(evaluateIntrinsics(split(0), template, ctx)).toBe('{{resolve:ssm:/ids}}');
    expect(resolve(split(0), template, ctx)).toBe('subnet-1,subnet-2,subnet-3');
  });

  test('fails when Fn::Select is out of range, with CloudFormation message', () => {
    expect(() => resolve({ 'Fn::Select': [3, ['a', 'b']] }, template, ctx)).toThrow(
      'Fn::Select cannot select nonexistent value at index 3',
    );
  });

  test('SSM-typed parameters resolve before intrinsics; list types yield lists', () => {
    expect(resolve({ 'Fn::Select': [1, { Ref: 'Ids' }] }, template, ctx)).toBe('b');
    expect(resolve({ Ref: 'Name' }, template, ctx)).toBe('mirror');
  });

  test('conditions, Fn::If and AWS::NoValue', () => {
    const prod = { ...ctx, parameters: { Env: 'prod' } };
    const value = {
      A: { 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::NoValue' }] },
      L: ['x', { 'Fn::If': ['NotProd', 'y', { Ref: 'AWS::NoValue' }] }],
    };
    expect(resolve(value, template, ctx)).toEqual({ L: ['x', 'y'] });
    expect(resolve(value, template, prod)).toEqual({ A: 'p', L: ['x'] });
    expect(resolve({ 'Fn::If': ['Both', 1, 2] }, template, prod)).toBe(1);
  });

  test('resources and outputs whose condition is false do not exist', () => {
    expect(() => resolve({ Ref: 'ProdOnly' }, template, ctx)).toThrow(/does not exist/);
    expect(exportsOf(template, ctx)).toEqual({ 'stack-one-bucket': 'mirror-dev' });
    expect(Object.keys(exportsOf(template, { ...ctx, parameters: { Env: 'prod' } }))).toContain('prod-only');
  });

  test('FindInMap, GetAZs, Cidr, Base64, Sub with literals', () => {
    expect(resolve({ 'Fn::FindInMap': ['Index', '2', 'Value'] }, template, ctx)).toBe(1);
    expect(resolve({ 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }, template, ctx)).toBe('eu-west-1c');
    expect(resolve({ 'Fn::Cidr': ['10.1.0.0/16', 3, '8'] }, template, ctx)).toEqual([
      '10.1.0.0/24',
      '10.1.1.0/24',
      '10.1.2.0/24',
    ]);
    expect(resolve({ 'Fn::Base64': 'hi' }, template, ctx)).toBe('aGk=');
    expect(resolve({ 'Fn::Sub': '${!Literal}-${AWS::Region}' }, template, ctx)).toBe('${Literal}-eu-west-1');
  });

  test('fails when it cannot model something, instead of guessing', () => {
    expect(() => resolve({ 'Fn::Transform': {} }, template, ctx)).toThrow(/Cannot model intrinsic/);
    expect(() => resolve({ 'Fn::GetAtt': ['Bucket', 'Nonsense'] }, template, ctx)).toThrow(/Cannot derive/);
    expect(() => resolve({ 'Fn::ImportValue': 'nope' }, template, ctx)).toThrow(/No export named nope/);
    expect(() => resolve('{{resolve:ssm:/unknown}}', template, ctx)).toThrow(/No value for SSM parameter \/unknown/);
    expect(() => resolve('{{resolve:secretsmanager:x}}', template, ctx)).toThrow(/Cannot model dynamic reference/);
  });
});

describe('parameters: longest allowed values', () => {
  test('bounded AllowedPattern, AllowedValues and MaxLength', () => {
    expect(longestValue({ AllowedPattern: '^[a-z][a-z0-9-]{1,18}[a-z0-9]$' })).toHaveLength(20);
    expect(longestValue({ AllowedPattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', MaxLength: 254 })).toHaveLength(254);
    const [set] = parameterSets(
      { Resources: {}, Parameters: { E: { Type: 'String', AllowedValues: ['dev', 'prod'] } } },
      'longest',
    );
    expect(set.values.E).toBe('prod');
  });

  test('fails to size a free-form String parameter', () => {
    expect(longestValue({ AllowedPattern: '^.+$' })).toBeUndefined();
    const [set] = parameterSets({ Resources: {}, Parameters: { Free: { Type: 'String' } } }, 'longest');
    expect(set.unsized).toEqual(['Free']);
  });
});
