// Packages: the manifest asthra.toml and the lock file asthra.lock, read and written.
//
//   [package]
//   name = "app"
//   version = "0.1.0"
//
//   [dependencies]
//   util = { path = "../util" }
//   mathx = { git = "file:///srv/mathx", version = "^1.2" }
//
// A dependency is a local directory (path) or a git repository (git) whose tags vX.Y.Z are its
// versions; `version` is a semver range (npm's syntax: ^1.2, ~1.2.3, >=1.0 <2), `tag` one tag.
// Every error names the file and, where it can, the line.
import { existsSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { parse as parseToml, TomlError } from 'smol-toml';
import * as semver from 'semver';

export const MANIFEST = 'asthra.toml';
export const LOCK = 'asthra.lock';

import { PackageError } from './error';

export { PackageError };

export interface DepSpec {
  name: string;
  path?: string;
  git?: string;
  version?: string;
  tag?: string;
  /** the manifest line that declares it */
  line: number;
}

export interface Manifest {
  file: string;
  dir: string;
  name: string;
  version: string;
  deps: DepSpec[];
}

export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The line (1-based) of the first line matching `re` after the line starting a section. */
function lineOf(text: string, section: string, re: RegExp): number {
  const lines = text.split('\n');
  let inSection = section === '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (/^\[/.test(l)) inSection = l === `[${section}]`;
    else if (inSection && re.test(l)) return i + 1;
  }
  return 0;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PackageError(`cannot read ${shown(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const where = (line: number): string => `${shown(file)}${line > 0 ? `:${line}` : ''}`;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new PackageError(`${where(e.line)}: not valid TOML: ${e.message.split('\n')[0]}`);
    throw e;
  }
  const pkg = doc.package;
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new PackageError(`${where(0)}: no [package] table (it needs name = "..." and version = "0.1.0")`);
  }
  const p = pkg as Record<string, unknown>;
  const pkgLine = (key: string): number => lineOf(text, 'package', new RegExp(`^${key}\\s*=`)) || lineOf(text, '', /^\[package\]$/);
  if (typeof p.name !== 'string' || !NAME_RE.test(p.name)) {
    throw new PackageError(`${where(pkgLine('name'))}: the package needs a name of letters, digits and '_' (name = "my_app")`);
  }
  if (typeof p.version !== 'string' || semver.valid(p.version) === null) {
    throw new PackageError(`${where(pkgLine('version'))}: the package needs a version X.Y.Z (version = "0.1.0")`);
  }
  const deps: DepSpec[] = [];
  const table = doc.dependencies ?? {};
  if (typeof table !== 'object' || Array.isArray(table)) throw new PackageError(`${where(lineOf(text, '', /^dependencies\s*=/))}: [dependencies] must be a table`);
  for (const [name, v] of Object.entries(table as Record<string, unknown>)) {
    const line = lineOf(text, 'dependencies', new RegExp(`^("?)${esc(name)}\\1\\s*=`));
    const at = where(line);
    if (!NAME_RE.test(name)) throw new PackageError(`${at}: the dependency '${name}' needs a name of letters, digits and '_' (it is the name imports use)`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new PackageError(`${at}: the dependency '${name}' needs a table: ${name} = { path = "../${name}" } or ${name} = { git = "URL", version = "^1.0" }`);
    }
    const d = v as Record<string, unknown>;
    for (const k of Object.keys(d)) {
      if (!['path', 'git', 'version', 'tag'].includes(k)) throw new PackageError(`${at}: the dependency '${name}' has an unknown key '${k}' (the keys are path, git, version, tag)`);
      if (typeof d[k] !== 'string') throw new PackageError(`${at}: the dependency '${name}': ${k} must be a string`);
    }
    const spec: DepSpec = { name, line, ...(d as { path?: string; git?: string; version?: string; tag?: string }) };
    if ((spec.path === undefined) === (spec.git === undefined)) {
      throw new PackageError(`${at}: the dependency '${name}' needs exactly one of path = "DIR" or git = "URL"`);
    }
    if (spec.version !== undefined && semver.validRange(spec.version) === null) {
      throw new PackageError(`${at}: the dependency '${name}' has the version range '${spec.version}', which is not a semver range (e.g. "^1.2", "~1.2.3", ">=1.0 <2")`);
    }
    if (spec.tag !== undefined && spec.git === undefined) throw new PackageError(`${at}: the dependency '${name}': tag needs a git dependency`);
    if (spec.tag !== undefined && spec.version !== undefined) throw new PackageError(`${at}: the dependency '${name}' has both tag and version: keep one`);
    deps.push(spec);
  }
  return { file, dir: path.dirname(file), name: p.name, version: p.version, deps };
}

/** The nearest asthra.toml in `dir` or a directory above it. */
export function findManifest(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const f = path.join(d, MANIFEST);
    if (existsSync(f) && statSync(f).isFile()) return f;
    if (path.dirname(d) === d) return null;
  }
}

export interface LockEntry {
  name: string;
  version: string;
  /** "path" or "git" */
  source: 'path' | 'git';
  /** the package's directory, relative to the project */
  dir: string;
  git?: string;
  tag?: string;
  commit?: string;
  dependencies: string[];
}

export function readLock(file: string): LockEntry[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new PackageError(`${shown(file)}:${e.line}: not valid TOML: ${e.message.split('\n')[0]} (delete it and run asthra install)`);
    throw new PackageError(`cannot read ${shown(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const list = doc.package ?? [];
  if (!Array.isArray(list)) throw new PackageError(`${shown(file)}: not a lock file written by asthra install (delete it and run asthra install)`);
  return list.map((e: Record<string, unknown>) => {
    if (typeof e.name !== 'string' || typeof e.version !== 'string' || (e.source !== 'path' && e.source !== 'git') || typeof e.dir !== 'string') {
      throw new PackageError(`${shown(file)}: an entry lacks name, version, source or dir (delete the file and run asthra install)`);
    }
    return {
      name: e.name, version: e.version, source: e.source, dir: e.dir,
      ...(typeof e.git === 'string' ? { git: e.git } : {}),
      ...(typeof e.tag === 'string' ? { tag: e.tag } : {}),
      ...(typeof e.commit === 'string' ? { commit: e.commit } : {}),
      dependencies: Array.isArray(e.dependencies) ? e.dependencies.filter((x): x is string => typeof x === 'string') : [],
    } as LockEntry;
  });
}

const q = (s: string): string => JSON.stringify(s);

export function lockText(entries: LockEntry[]): string {
  let out = '# Written by asthra install: the exact version of every package the project uses.\n# Commit it; do not edit it by hand.\nversion = 1\n';
  for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    out += `\n[[package]]\nname = ${q(e.name)}\nversion = ${q(e.version)}\nsource = ${q(e.source)}\n`;
    if (e.git !== undefined) out += `git = ${q(e.git)}\n`;
    if (e.tag !== undefined) out += `tag = ${q(e.tag)}\n`;
    if (e.commit !== undefined) out += `commit = ${q(e.commit)}\n`;
    out += `dir = ${q(e.dir)}\ndependencies = [${e.dependencies.map(q).join(', ')}]\n`;
  }
  return out;
}
