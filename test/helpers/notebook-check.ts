/**
 * Checks the sample notebooks and their util package, in plain TypeScript over the .ipynb JSON:
 * - every notebook is valid nbformat v4 (the rules of the v4 schema that a hand-edited file breaks);
 * - no stored outputs or execution counts;
 * - names imported from sagemaker_environment are ones the lifecycle configuration writes;
 * - no http(s) URL in code at all (notebooks must not fetch anything outside the project network);
 * - code cells (magics and shell escapes aside) and every .py file compile, when python3 is given.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the check found. */
export interface NotebookReport {
  readonly notebooks: string[];
  readonly problems: string[];
}

const URL = /https?:\/\//;
const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;
const CELL_KEYS: Record<string, string[]> = {
  code: ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count'],
  markdown: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
  raw: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
};
const OUTPUT_TYPES = ['stream', 'display_data', 'execute_result', 'error'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMultiline = (v: unknown) =>
  typeof v === 'string' || (Array.isArray(v) && v.every((line) => typeof line === 'string'));
const text = (source: unknown) => (Array.isArray(source) ? source.join('') : String(source ?? ''));

/** Problems with `nb` against the nbformat v4 schema (top level, metadata, cells, outputs). */
export function nbformatProblems(nb: unknown): string[] {
  if (!isObject(nb)) return ['not a JSON object'];
  const problems: string[] = [];
  for (const key of ['metadata', 'nbformat_minor', 'nbformat', 'cells']) {
    if (!(key in nb)) problems.push(`missing '${key}'`);
  }
  for (const key of Object.keys(nb)) {
    if (!['metadata', 'nbformat_minor', 'nbformat', 'cells'].includes(key)) problems.push(`unexpected key '${key}'`);
  }
  if ('nbformat' in nb && nb.nbformat !== 4) problems.push(`nbformat ${JSON.stringify(nb.nbformat)}, expected 4`);
  const minor = nb.nbformat_minor;
  if ('nbformat_minor' in nb && !(Number.isInteger(minor) && (minor as number) >= 0)) {
    problems.push('nbformat_minor must be a whole number');
  }
  if ('metadata' in nb) problems.push(...metadataProblems(nb.metadata));
  if ('cells' in nb && !Array.isArray(nb.cells)) problems.push("'cells' must be an array");
  const cells = Array.isArray(nb.cells) ? nb.cells : [];
  // Cell ids are required from nbformat 4.5 on, and unique.
  const idsRequired = Number.isInteger(minor) && (minor as number) >= 5;
  const seen = new Set<string>();
  cells.forEach((cell: unknown, index: number) => {
    for (const p of cellProblems(cell, idsRequired)) problems.push(`cell ${index}: ${p}`);
    const id = isObject(cell) ? cell.id : undefined;
    if (typeof id === 'string') {
      if (seen.has(id)) problems.push(`cell ${index}: duplicate id '${id}'`);
      seen.add(id);
    }
  });
  return problems;
}

function metadataProblems(metadata: unknown): string[] {
  if (!isObject(metadata)) return ["'metadata' must be an object"];
  const problems: string[] = [];
  if ('kernelspec' in metadata) {
    const k = metadata.kernelspec;
    if (!isObject(k) || typeof k.name !== 'string' || typeof k.display_name !== 'string') {
      problems.push('metadata.kernelspec needs string name and display_name');
    }
  }
  if ('language_info' in metadata) {
    const l = metadata.language_info;
    if (!isObject(l) || typeof l.name !== 'string') problems.push('metadata.language_info needs a string name');
  }
  return problems;
}

function cellProblems(cell: unknown, idsRequired: boolean): string[] {
  if (!isObject(cell)) return ['not an object'];
  const type = cell.cell_type;
  if (typeof type !== 'string' || !(type in CELL_KEYS)) return [`unknown cell_type ${JSON.stringify(type)}`];
  const problems: string[] = [];
  const required = ['cell_type', 'metadata', 'source', ...(type === 'code' ? ['outputs', 'execution_count'] : [])];
  if (idsRequired) required.push('id');
  for (const key of required) if (!(key in cell)) problems.push(`missing '${key}'`);
  for (const key of Object.keys(cell)) if (!CELL_KEYS[type].includes(key)) problems.push(`unexpected key '${key}'`);
  if ('id' in cell && !(typeof cell.id === 'string' && CELL_ID.test(cell.id))) {
    problems.push('id must be 1-64 letters, digits, - or _');
  }
  if ('metadata' in cell && !isObject(cell.metadata)) problems.push("'metadata' must be an object");
  if ('source' in cell && !isMultiline(cell.source)) problems.push("'source' must be a string or a list of strings");
  if ('attachments' in cell && !isObject(cell.attachments)) problems.push("'attachments' must be an object");
  if (type === 'code') {
    const count = cell.execution_count;
    if ('execution_count' in cell && count !== null && !(Number.isInteger(count) && (count as number) >= 0)) {
      problems.push('execution_count must be null or a whole number');
    }
    if ('outputs' in cell) {
      if (!Array.isArray(cell.outputs)) problems.push("'outputs' must be an array");
      else if (cell.outputs.some((o) => !isObject(o) || !OUTPUT_TYPES.includes(o.output_type as string))) {
        problems.push(`every output needs an output_type of ${OUTPUT_TYPES.join(', ')}`);
      }
    }
  }
  return problems;
}

/** The Python in a code cell: line magics and shell escapes dropped, %%writefile bodies kept as files. */
export function pythonSource(source: string): string {
  const lines = source.split('\n');
  if (lines[0]?.startsWith('%%')) return lines[0].startsWith('%%writefile') ? lines.slice(1).join('\n') : '';
  return lines.map((line) => (/^\s*[%!]/.test(line) ? '' : line)).join('\n');
}

/** Names imported from sagemaker_environment, also across parenthesized or continued lines. */
export function environmentImports(code: string): string[] {
  const names: string[] = [];
  const statement = /^[ \t]*from[ \t]+sagemaker_environment[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n]*\\\n)*[^\n]*)/gm;
  for (const match of code.matchAll(statement)) {
    const list = match[1]
      .split('\n')
      .map((line) => line.replace(/#.*$/, ''))
      .join(' ')
      .replace(/[()\\]/g, ' ');
    for (const part of list.split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0];
      if (name) names.push(name);
    }
  }
  return names;
}

/** Compiles each source with python3; returns one problem per source that does not compile. */
export function pythonCompileProblems(sources: { where: string; source: string }[], python = 'python3'): string[] {
  const program = [
    'import json, sys',
    'problems = []',
    'for item in json.load(sys.stdin):',
    '    try:',
    '        compile(item["source"], item["where"], "exec", dont_inherit=True)',
    '    except SyntaxError as error:',
    '        problems.append(f"{item[\'where\']}: does not compile: {error.msg} (line {error.lineno})")',
    'print(json.dumps(problems))',
  ].join('\n');
  const run = spawnSync(python, ['-c', program], { input: JSON.stringify(sources), encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`${python} failed: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

/** Checks every notebook in `folder` and every .py file below it. */
export function checkNotebooks(
  folder: string,
  allowedEnvironmentNames: readonly string[],
  options: { compileWithPython: boolean },
): NotebookReport {
  const problems: string[] = [];
  const notebooks = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
  if (notebooks.length === 0) problems.push(`${folder}: no notebooks`);
  const toCompile: { where: string; source: string }[] = [];
  for (const name of notebooks) {
    let nb: unknown;
    try {
      nb = JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8'));
    } catch (error) {
      problems.push(`${name}: not JSON: ${(error as Error).message}`);
      continue;
    }
    for (const p of nbformatProblems(nb)) problems.push(`${name}: invalid notebook: ${p}`);
    const cells = isObject(nb) && Array.isArray(nb.cells) ? nb.cells : [];
    cells.forEach((cell: unknown, index: number) => {
      if (!isObject(cell) || cell.cell_type !== 'code') return;
      const where = `${name} cell ${index}`;
      const source = text(cell.source);
      if (Array.isArray(cell.outputs) && cell.outputs.length > 0) problems.push(`${where}: stored outputs`);
      if (cell.execution_count !== null && cell.execution_count !== undefined) {
        problems.push(`${where}: stored execution count`);
      }
      if (URL.test(source)) {
        problems.push(`${where}: a URL in code (notebooks must not fetch anything outside the project network)`);
      }
      const code = pythonSource(source);
      toCompile.push({ where, source: code });
      for (const imported of environmentImports(code)) {
        if (!allowedEnvironmentNames.includes(imported)) {
          problems.push(`${where}: imports ${imported}, which the lifecycle configuration does not write`);
        }
      }
    });
  }
  for (const file of pythonFiles(folder)) {
    const where = path.relative(folder, file);
    const source = fs.readFileSync(file, 'utf8');
    toCompile.push({ where, source });
    if (URL.test(source)) problems.push(`${where}: a URL in code`);
  }
  if (options.compileWithPython) problems.push(...pythonCompileProblems(toCompile));
  return { notebooks, problems };
}

function pythonFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => path.join(folder, f));
}

/** Top-level modules a piece of Python imports (absolute imports only), e.g. `sagemaker` for `from sagemaker.x import y`. */
export function importedModules(code: string): string[] {
  const modules = new Set<string>();
  for (const match of code.matchAll(/^[ \t]*import[ \t]+([^\n#]+)/gm)) {
    for (const part of match[1].split(',')) modules.add(part.trim().split(/[\s.]/)[0]);
  }
  for (const match of code.matchAll(/^[ \t]*from[ \t]+([A-Za-z_][\w]*)[\w.]*[ \t]+import\b/gm)) modules.add(match[1]);
  return [...modules].filter(Boolean).sort();
}

/**
 * Modules the notebook kernels import: code cells (magics and shell escapes aside) and the .py files
 * below `folder`; %%writefile cells are left out, as they run in a job's container, not the kernel.
 */
export function kernelImports(folder: string): string[] {
  const modules = new Set<string>();
  for (const name of fs.readdirSync(folder).filter((f) => f.endsWith('.ipynb'))) {
    const nb = JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8')) as { cells: Json[] };
    for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
      const source = text(cell.source);
      if (!source.startsWith('%%')) importedModules(pythonSource(source)).forEach((m) => modules.add(m));
    }
  }
  for (const file of pythonFiles(folder)) importedModules(fs.readFileSync(file, 'utf8')).forEach((m) => modules.add(m));
  return [...modules].sort();
}
