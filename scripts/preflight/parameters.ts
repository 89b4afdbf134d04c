/**
 * Launch parameter values: representative ones, and the longest ones CloudFormation would accept (to size
 * policies and names). A String parameter is bounded by AllowedValues, MaxLength, or an AllowedPattern whose
 * quantifiers are all bounded; one bounded by none of these cannot be sized.
 */
import { CfnTemplate } from './cfn-resolve';

/** How a launch chooses its parameter values. */
export type Sizing = 'representative' | 'longest';

/** Representative values of free-form parameters, one per variant (a second launch uses the second). */
const REPRESENTATIVE: Record<string, string[]> = {
  ProjectName: ['alpha', 'beta'],
  OwnerUserName: ['jane', 'joe'],
  OwnerEmail: ['jane@example.com', 'joe@example.com'],
  SignInName: ['jane@example.com', 'joe@example.com'],
};

/** Parameter values of one launch, and the parameters that could not be sized. */
export interface ParameterSet {
  readonly values: Record<string, string>;
  /** Free-form String parameters with no length bound (only for `longest`). */
  readonly unsized: string[];
}

/**
 * Parameter sets to launch `template` with. `longest` yields one set per combination of equally long allowed
 * values (e.g. EnvType `test` and `prod`), so conditions on them are all sized. `variant` makes a second launch
 * differ from the first in every free-form value.
 */
export function parameterSets(template: CfnTemplate, sizing: Sizing, variant = 0): ParameterSet[] {
  let sets: Record<string, string>[] = [{}];
  const unsized: string[] = [];
  const switched: (readonly [string, string])[] = [];
  for (const [name, definition] of Object.entries(template.Parameters ?? {})) {
    const type = String(definition.Type);
    const allowed = (definition.AllowedValues as unknown[] | undefined)?.map(String);
    let choices: string[];
    if (type.startsWith('AWS::SSM::Parameter::Value<')) {
      // The value is the SSM parameter's name; its content comes from the SSM world of the launch.
      if (definition.Default === undefined) throw new Error(`Parameter ${name}: no default SSM parameter name`);
      choices = [String(definition.Default)];
    } else if (sizing === 'representative') {
      const given = REPRESENTATIVE[name]?.[variant % 2];
      const fallback = definition.Default ?? allowed?.[0] ?? longestValue(definition, variant);
      choices = [String(given ?? fallback)];
    } else if (allowed) {
      const max = Math.max(...allowed.map((v) => v.length));
      choices = allowed.filter((v) => v.length === max);
    } else if (type === 'Number') {
      choices = [String(definition.MaxValue ?? definition.Default ?? 0)];
    } else {
      const value = longestValue(definition, variant);
      if (value === undefined) {
        unsized.push(name);
        choices = [String(definition.Default ?? REPRESENTATIVE[name]?.[variant % 2] ?? 'x')];
      } else {
        choices = [value];
      }
    }
    sets = sets.flatMap((set) => choices.map((c) => ({ ...set, [name]: c })));
    if (sizing === 'longest' && allowed) {
      // A shorter value that a condition tests switches resources on (Studio=Enabled): sized too, one at a time.
      const tested = conditionValues(template, name).filter((v) => allowed.includes(v) && !choices.includes(v));
      switched.push(...tested.map((v) => [name, v] as const));
    }
  }
  const variants = sets.flatMap((set) => switched.map(([name, v]) => ({ ...set, [name]: v })));
  return [...sets, ...variants].map((values) => ({ values, unsized }));
}

/** Values the template's conditions compare parameter `name` with (`Fn::Equals` with its `Ref`). */
function conditionValues(template: CfnTemplate, name: string): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const equals = (node as Record<string, unknown>)['Fn::Equals'];
    if (Array.isArray(equals) && equals.length === 2) {
      const [a, b] = equals as unknown[];
      const isRef = (x: unknown) => (x as { Ref?: unknown })?.Ref === name;
      if (isRef(a) && typeof b === 'string') found.add(b);
      if (isRef(b) && typeof a === 'string') found.add(a);
    }
    Object.values(node).forEach(walk);
  };
  walk(template.Conditions ?? {});
  return [...found];
}

/** The longest value a String parameter accepts, or undefined if nothing bounds it. */
export function longestValue(definition: Record<string, unknown>, variant = 0): string | undefined {
  const maxLength = definition.MaxLength === undefined ? undefined : Number(definition.MaxLength);
  const pattern = definition.AllowedPattern === undefined ? undefined : String(definition.AllowedPattern);
  if (pattern === undefined) return maxLength === undefined ? undefined : fillChar(variant).repeat(maxLength);
  const pieces = generate(parsePattern(pattern), variant);
  const fixed = pieces.map((p) => p.text).join('');
  if (!pieces.some((p) => p.pad)) return maxLength === undefined ? fixed : fixed.slice(0, maxLength);
  if (maxLength === undefined) return undefined;
  // Unbounded parts (`+`, `*`) grow until MaxLength: the first one takes the slack.
  let slack = Math.max(0, maxLength - fixed.length);
  return pieces
    .map((p) => {
      if (!p.pad || slack === 0) return p.text;
      const grown = p.text + p.pad.repeat(slack);
      slack = 0;
      return grown;
    })
    .join('');
}

function fillChar(variant: number): string {
  return String.fromCharCode(97 + (variant % 26));
}

type Node =
  { kind: 'char'; test: (c: string) => boolean; literal?: string } | { kind: 'group'; alternatives: Item[][] };
interface Item {
  node: Node;
  min: number;
  max: number;
}

/** Parses the subset of regular expressions parameter patterns use; throws on anything else. */
function parsePattern(pattern: string): Item[][] {
  let i = 0;
  const source = pattern.replace(/^\^/, '').replace(/\$$/, '');
  const fail = (why: string): never => {
    throw new Error(`Cannot size AllowedPattern ${pattern}: ${why}`);
  };
  const escape = (c: string): ((x: string) => boolean) => {
    if (c === 'd') return (x) => /\d/.test(x);
    if (c === 'w') return (x) => /\w/.test(x);
    if (c === 's') return (x) => /\s/.test(x);
    if (c === 'S') return (x) => /\S/.test(x);
    return (x) => x === c;
  };
  const parseClass = (): Node => {
    i++; // [
    const negate = source[i] === '^';
    if (negate) i++;
    const tests: ((x: string) => boolean)[] = [];
    while (i < source.length && source[i] !== ']') {
      const c = source[i++];
      if (c === '\\') {
        tests.push(escape(source[i++]));
        continue;
      }
      if (source[i] === '-' && source[i + 1] !== ']' && i + 1 < source.length) {
        const end = source[i + 1];
        const from = c;
        i += 2;
        tests.push((x) => x >= from && x <= end);
        continue;
      }
      const literal = c;
      tests.push((x) => x === literal);
    }
    if (source[i] !== ']') fail('unterminated character class');
    i++;
    const member = (x: string) => tests.some((t) => t(x));
    return { kind: 'char', test: negate ? (x) => !member(x) : member };
  };
  const parseAlternatives = (): Item[][] => {
    const alternatives: Item[][] = [[]];
    while (i < source.length && source[i] !== ')') {
      const c = source[i];
      if (c === '|') {
        alternatives.push([]);
        i++;
        continue;
      }
      let node: Node;
      if (c === '(') {
        i++;
        if (source.startsWith('?:', i)) i += 2;
        node = { kind: 'group', alternatives: parseAlternatives() };
        if (source[i] !== ')') fail('unterminated group');
        i++;
      } else if (c === '[') {
        node = parseClass();
      } else if (c === '\\') {
        const e = source[i + 1];
        i += 2;
        node = /[dwsS]/.test(e)
          ? { kind: 'char', test: escape(e) }
          : { kind: 'char', test: (x) => x === e, literal: e };
      } else if (c === '.') {
        i++;
        node = { kind: 'char', test: () => true };
      } else if ('*+?{'.includes(c)) {
        return fail(`quantifier without atom at ${i}`);
      } else {
        i++;
        node = { kind: 'char', test: (x) => x === c, literal: c };
      }
      const [min, max] = quantifier();
      alternatives[alternatives.length - 1].push({ node, min, max });
    }
    return alternatives;
  };
  const quantifier = (): [number, number] => {
    const c = source[i];
    if (c === '?') return (i++, [0, 1]);
    if (c === '*') return (i++, [0, Infinity]);
    if (c === '+') return (i++, [1, Infinity]);
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) fail(`bad quantifier at ${i}`);
      i += m![0].length;
      const min = Number(m![1]);
      const max = m![2] === undefined ? min : m![3] === '' ? Infinity : Number(m![3]);
      return [min, max];
    }
    return [1, 1];
  };
  const parsed = parseAlternatives();
  if (i !== source.length) fail(`unexpected ')' at ${i}`);
  return parsed;
}

interface Piece {
  text: string;
  /** Set on unbounded repetitions: what to repeat to grow the value. */
  pad?: string;
}

/** The longest string the pattern matches, as pieces; unbounded repetitions become pad slots. */
function generate(alternatives: Item[][], variant: number): Piece[] {
  const options = alternatives.map((items) => items.flatMap((item) => generateItem(item, variant)));
  const length = (pieces: Piece[]) =>
    pieces.some((p) => p.pad) ? Infinity : pieces.map((p) => p.text).join('').length;
  return options.reduce((best, o) => (length(o) > length(best) ? o : best), options[0]);
}

function generateItem(item: Item, variant: number): Piece[] {
  const one =
    item.node.kind === 'char' ? [{ text: pick(item.node, variant) }] : generate(item.node.alternatives, variant);
  const text = one.map((p) => p.text).join('');
  if (item.max === Infinity) return [{ text: text.repeat(Math.max(item.min, 1)), pad: text }];
  return Array.from({ length: item.max }, () => one).flat();
}

function pick(node: Extract<Node, { kind: 'char' }>, variant: number): string {
  if (node.literal !== undefined) return node.literal;
  const preferred = [fillChar(variant), ...'abcdefghijklmnopqrstuvwxyz0123456789-'];
  const found = preferred.find((c) => node.test(c));
  if (found) return found;
  for (let code = 33; code < 127; code++) if (node.test(String.fromCharCode(code))) return String.fromCharCode(code);
  throw new Error('character class matches nothing printable');
}
