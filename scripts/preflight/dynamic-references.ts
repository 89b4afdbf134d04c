/**
 * `dynamic-references`: `{{resolve:...}}` only where CloudFormation resolves it.
 *
 * CloudFormation resolves dynamic references after the intrinsic functions, on the final property strings: a
 * function that inspects its argument (Fn::Split, a Fn::Select index, Fn::FindInMap, Fn::Base64, Fn::Cidr...)
 * sees the literal text `{{resolve:ssm:NAME}}`. Fn::Join / Fn::Sub that build a reference's name, or carry it
 * whole into a property, are fine. The documented limits: at most 60 dynamic references per template; none in
 * AWS::CloudFormation::Init metadata or EC2 UserData; no secure values (ssm-secure, secretsmanager) in custom
 * resources; none ending with a backslash; and template sections other than resources are not resolved.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html
 */
import { CfnTemplate } from './cfn-resolve';
import { Finding } from './finding';
import { Assembly } from './launch';

const CHECK = 'dynamic-references';
const MARK = '{{resolve:';

/** Documented maximum of dynamic references in one template. */
export const MAX_DYNAMIC_REFERENCES = 60;

/** Functions that inspect (parse, split, look up, encode) the text of an argument. */
const INSPECTING: Record<string, (arg: unknown[]) => unknown[]> = {
  'Fn::Split': (a) => [a[1]],
  'Fn::FindInMap': (a) => a,
  'Fn::Base64': (a) => a,
  'Fn::Cidr': (a) => a,
  'Fn::GetAZs': (a) => a,
  'Fn::ImportValue': (a) => a,
  'Fn::Equals': (a) => a,
  'Fn::GetAtt': (a) => a,
  'Fn::Length': (a) => a,
  'Fn::ToJsonString': (a) => a,
};

/** What goes wrong when a function sees the literal text, and the fix. */
const CONSEQUENCE: Record<string, string> = {
  'Fn::Split':
    'Fn::Split splits the literal text "{{resolve:...}}" (one element), so Fn::Select index 1 fails with ' +
    '"Fn::Select cannot select nonexistent value at index 1" and index 0 is the whole unresolved list. ' +
    'Fix: read the list through a parameter of type AWS::SSM::Parameter::Value<List<String>> (resolved before ' +
    'intrinsics), or publish one SSM parameter per value',
  'Fn::Select index': 'Fn::Select gets the literal text as its index and fails. Fix: use a literal or parameter index',
  'Fn::Base64': 'Fn::Base64 encodes the literal text, which is then never resolved. Fix: pass the value another way',
};

/** Dynamic references in places CloudFormation does not resolve them, in every template. */
export function dynamicReferences(assembly: Assembly): Finding[] {
  return Object.entries(assembly.templates).flatMap(([file, template]) => templateFindings(file, template));
}

function templateFindings(file: string, template: CfnTemplate): Finding[] {
  const findings = new Map<string, Finding>();
  const add = (subject: string, message: string) =>
    findings.set(`${subject}/${message}`, { check: CHECK, template: file, subject, message });

  for (const section of ['Parameters', 'Conditions', 'Rules', 'Mappings', 'Metadata', 'Outputs'] as const) {
    for (const [key, value] of Object.entries((template[section] as Record<string, unknown> | undefined) ?? {})) {
      if (section === 'Outputs' && !/\{\{resolve:(ssm-secure|secretsmanager):/.test(JSON.stringify(value))) continue;
      if (!JSON.stringify(value).includes(MARK)) continue;
      add(
        `${section}.${key}`,
        `CreateStack fails or uses the literal text: CloudFormation does not resolve dynamic references in ${section}. ` +
          `Fix: move the reference into a resource property (or use an AWS::SSM::Parameter::Value<...> parameter).`,
      );
    }
  }

  const count = (JSON.stringify(template).match(/\{\{resolve:/g) ?? []).length;
  if (count > MAX_DYNAMIC_REFERENCES) {
    add(
      'template',
      `CreateStack fails: ${count} dynamic references, more than the ${MAX_DYNAMIC_REFERENCES} CloudFormation allows ` +
        `in one template. Fix: pass values as AWS::SSM::Parameter::Value<...> parameters, or reference each once.`,
    );
  }
  if (/\\\\\}\}/.test(JSON.stringify(template))) {
    add(
      'template',
      'CreateStack fails: a dynamic reference ends with a backslash, which CloudFormation cannot resolve.',
    );
  }

  for (const [id, resource] of Object.entries(template.Resources)) {
    if (id.includes(MARK)) add(id, 'CreateStack fails: a logical id cannot hold a dynamic reference.');
    if (resource.Metadata && JSON.stringify(resource.Metadata).includes(MARK)) {
      add(
        `${id}.Metadata`,
        'resource Metadata (e.g. AWS::CloudFormation::Init) is not resolved: the instance gets the literal ' +
          '{{resolve:...}} text. Fix: read the value at runtime or pass it through a property.',
      );
    }
    const props = resource.Properties ?? {};
    const userData = [props.UserData, (props.LaunchTemplateData as Record<string, unknown> | undefined)?.UserData];
    if (userData.some((u) => u !== undefined && JSON.stringify(u).includes(MARK))) {
      add(
        `${id}.UserData`,
        'EC2 UserData does not support dynamic references: the instance gets the literal text. ' +
          'Fix: read the SSM parameter from the instance at boot.',
      );
    }
    if (
      resource.Type.startsWith('Custom::') &&
      /\{\{resolve:(ssm-secure|secretsmanager):/.test(JSON.stringify(props))
    ) {
      add(
        id,
        'CreateStack fails: secure dynamic references (ssm-secure, secretsmanager) are not supported in custom resources.',
      );
    }
    for (const [key, value] of Object.entries(props)) {
      walk(value, undefined, (fn) => {
        const consequence = CONSEQUENCE[fn] ?? `${fn} sees the literal text "{{resolve:...}}" instead of the value`;
        add(
          `${id}.${key}`,
          `CreateStack fails: dynamic references resolve after intrinsic functions, so ${consequence}.`,
        );
      });
    }
  }
  return [...findings.values()];
}

/**
 * Walks property values; `inspectedBy` is the innermost function that would inspect a string found here.
 * Join, Sub, If and Select's list carry text through unchanged, so they keep the current inspector.
 */
function walk(node: unknown, inspectedBy: string | undefined, report: (fn: string) => void): void {
  if (typeof node === 'string') {
    if (inspectedBy && node.includes(MARK)) report(inspectedBy);
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((n) => walk(n, inspectedBy, report));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  const [fn] = keys;
  if (keys.length === 1 && fn.startsWith('Fn::')) {
    const arg = obj[fn];
    const args = Array.isArray(arg) ? arg : [arg];
    if (fn === 'Fn::Select') {
      walk(args[0], 'Fn::Select index', report);
      walk(args[1], inspectedBy, report);
    } else if (fn === 'Fn::If') {
      args.slice(1).forEach((a) => walk(a, inspectedBy, report));
    } else if (fn === 'Fn::Join') {
      walk(args[0], 'Fn::Join separator', report);
      walk(args[1], inspectedBy, report);
    } else if (fn === 'Fn::Sub') {
      walk(args[0], inspectedBy, report);
      if (args[1]) walk(args[1], inspectedBy, report);
    } else if (INSPECTING[fn]) {
      INSPECTING[fn](args).forEach((a) => walk(a, fn, report));
    } else {
      args.forEach((a) => walk(a, inspectedBy, report));
    }
    return;
  }
  for (const k of keys) walk(obj[k], inspectedBy, report);
}
