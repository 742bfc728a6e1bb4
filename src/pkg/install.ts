// Packages: `asthra init`, `asthra add`, `asthra install` (and `asthra update`).
//
// install walks the dependencies depth first from the project's asthra.toml. A path dependency
// is used where it is; a git dependency is cloned into .asthra/pkgs/NAME-VERSION at the highest
// tag vX.Y.Z its range allows (or at the version asthra.lock names, while that still fits). One
// version of each package: a second requirement it does not satisfy is a conflict, and a package
// that needs itself through its dependencies is a cycle. Git runs as the system `git`.
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import {
  DepSpec, LOCK, LockEntry, MANIFEST, Manifest, NAME_RE, PackageError, findManifest, lockText, readLock, readManifest, shown,
} from './manifest';

export const PKG_DIR = path.join('.asthra', 'pkgs');

function git(args: string[], cwd?: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (r.error) throw new PackageError(`cannot run git (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install git to use git dependencies`);
  if (r.status !== 0) throw new PackageError(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return r.stdout;
}

/** A repository's version tags: vX.Y.Z (or X.Y.Z) with the commit each names. */
function tags(url: string): { version: string; tag: string; commit: string }[] {
  const out = git(['ls-remote', '--tags', url]);
  const byTag = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]{40})\s+refs\/tags\/(.+?)(\^\{\})?$/.exec(line.trim());
    if (!m) continue;
    // an annotated tag's peeled line (^{}) names the commit itself
    if (m[3] || !byTag.has(m[2])) byTag.set(m[2], m[1]);
  }
  const res = [];
  for (const [tag, commit] of byTag) {
    const v = semver.valid(tag.replace(/^v/, ''));
    if (v !== null) res.push({ version: v, tag, commit });
  }
  return res;
}

interface Node {
  entry: LockEntry;
  manifest: Manifest;
  /** who asked first, for conflict messages */
  by: string;
  spec: DepSpec;
  /** where git finds a git package */
  where: string;
}

/** A version requirement on a git package: a range or a tag, and who states it. */
interface Req {
  version?: string;
  tag?: string;
  by: string;
}

/** Thrown when a chosen git package's version misses a later range: resolve again with both. */
class Retry {
  constructor(readonly name: string, readonly url: string, readonly reqs: Req[], readonly at: string) {}
}

const reqText = (r: Req): string => r.tag ?? r.version ?? '*';
const fitsReq = (r: Req, version: string, tag: string): boolean =>
  r.tag !== undefined ? r.tag === tag : r.version === undefined || semver.satisfies(version, r.version);

/**
 * Install the project whose manifest is `file`; with `update`, ignore the lock's versions.
 * Packages are chosen depth first; when a git package chosen for one requirer misses another's
 * range, resolution starts again with both ranges known, so the highest version that meets every
 * range is chosen, or the conflict is reported naming the requirers.
 */
export function install(file: string, update: boolean, say: (line: string) => void): LockEntry[] {
  const root = readManifest(file);
  const lockFile = path.join(root.dir, LOCK);
  const locked = new Map<string, LockEntry>();
  if (!update && existsSync(lockFile)) for (const e of readLock(lockFile)) locked.set(e.name, e);
  const learned = new Map<string, Req[]>();
  const tagCache = new Map<string, ReturnType<typeof tags>>();
  const ctx: Ctx = { root, locked, learned, say, tags: (url) => {
    if (!tagCache.has(url)) tagCache.set(url, tags(url));
    return tagCache.get(url)!;
  } };
  for (let attempt = 0; ; attempt++) {
    try {
      const entries = resolveOnce(ctx);
      writeFileSync(lockFile, lockText(entries));
      return entries;
    } catch (e) {
      if (!(e instanceof Retry) || attempt >= 100) throw e;
      const have = learned.get(e.name) ?? [];
      for (const r of e.reqs) if (!have.some((h) => h.by === r.by && reqText(h) === reqText(r))) have.push(r);
      learned.set(e.name, have);
      const all = ctx.tags(e.url);
      if (!all.some((t) => have.every((r) => fitsReq(r, t.version, t.tag)))) {
        const [last, ...others] = [...have].reverse();
        throw new PackageError(`${e.at}: version conflict for '${e.name}': ${last.by} wants ${reqText(last)}, but ` +
          `${others.map((r) => `${r.by} wants ${reqText(r)}`).join(', and ')}; no tag of ${e.url} satisfies ${have.length > 2 ? 'all' : 'both'} ` +
          `(it has ${all.map((t) => t.tag).join(', ') || 'no version tags'})`);
      }
    }
  }
}

interface Ctx {
  root: Manifest;
  locked: Map<string, LockEntry>;
  learned: Map<string, Req[]>;
  say: (line: string) => void;
  tags: (url: string) => { version: string; tag: string; commit: string }[];
}

function resolveOnce(ctx: Ctx): LockEntry[] {
  const chosen = new Map<string, Node>();
  const stack: string[] = [ctx.root.name];
  const visit = (m: Manifest): void => {
    for (const d of m.deps) {
      const at = `${shown(m.file)}:${d.line}`;
      const by = `${m.name} (${at})`;
      const cyc = stack.indexOf(d.name);
      if (cyc >= 0) throw new PackageError(`${at}: dependency cycle: ${[...stack.slice(cyc), d.name].join(' -> ')}`);
      const prev = chosen.get(d.name);
      if (prev) {
        check(prev, d, m, by, at);
        continue;
      }
      const node = d.path !== undefined ? pathDep(ctx.root, m, d, at) : gitDep(ctx, m, d, at, by);
      node.by = by;
      if (node.manifest.name !== d.name) {
        throw new PackageError(`${at}: the dependency '${d.name}' is the package '${node.manifest.name}' (${shown(node.manifest.file)}): name it ${node.manifest.name} = { ... }`);
      }
      chosen.set(d.name, node);
      stack.push(d.name);
      visit(node.manifest);
      stack.pop();
    }
  };
  visit(ctx.root);
  return [...chosen.values()].map((n) => n.entry);
}

/** A package already chosen, required again: the same source, and a version the range allows. */
function check(prev: Node, d: DepSpec, m: Manifest, by: string, at: string): void {
  const e = prev.entry;
  const what = (x: DepSpec): string => (x.path !== undefined ? `path ${x.path}` : `${x.git} ${x.tag ?? x.version ?? '*'}`);
  if (d.path !== undefined) {
    const dir = path.resolve(m.dir, d.path);
    if (e.source !== 'path' || path.resolve(path.dirname(prev.manifest.file)) !== dir) {
      throw new PackageError(`${at}: version conflict for '${d.name}': ${by} wants ${what(d)}, but ${prev.by} wants ${what(prev.spec)}`);
    }
    if (d.version !== undefined && !semver.satisfies(e.version, d.version)) {
      throw new PackageError(`${at}: the dependency '${d.name}' wants version ${d.version}, but ${shown(prev.manifest.file)} is version ${e.version}`);
    }
    return;
  }
  if (e.source !== 'git' || prev.where !== gitWhere(d.git!, m.dir)) {
    throw new PackageError(`${at}: version conflict for '${d.name}': ${by} wants ${what(d)}, but ${prev.by} wants ${what(prev.spec)}`);
  }
  if (!fitsReq({ version: d.version, tag: d.tag, by }, e.version, e.tag ?? '')) {
    throw new Retry(d.name, prev.where, [{ version: prev.spec.version, tag: prev.spec.tag, by: prev.by }, { version: d.version, tag: d.tag, by }], at);
  }
}

function pathDep(root: Manifest, m: Manifest, d: DepSpec, at: string): Node {
  const dir = path.resolve(m.dir, d.path!);
  const mf = path.join(dir, MANIFEST);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PackageError(`${at}: the dependency '${d.name}': no directory ${shown(dir)}`);
  if (!existsSync(mf)) throw new PackageError(`${at}: the dependency '${d.name}': ${shown(dir)} has no ${MANIFEST} (run asthra init there)`);
  const manifest = readManifest(mf);
  if (d.version !== undefined && !semver.satisfies(manifest.version, d.version)) {
    throw new PackageError(`${at}: the dependency '${d.name}' wants version ${d.version}, but ${shown(mf)} is version ${manifest.version}`);
  }
  const entry: LockEntry = {
    name: d.name, version: manifest.version, source: 'path', dir: path.relative(root.dir, dir) || '.',
    dependencies: manifest.deps.map((x) => x.name),
  };
  return { entry, manifest, by: '', spec: d, where: '' };
}

/** Where git finds a repository: a relative path is relative to the manifest that names it. */
function gitWhere(url: string, dir: string): string {
  return /^[a-z+]+:\/\//.test(url) || path.isAbsolute(url) || /^[^/]+:/.test(url) ? url : path.resolve(dir, url);
}

function gitDep(ctx: Ctx, m: Manifest, d: DepSpec, at: string, by: string): Node {
  const { root, say } = ctx;
  const lock = ctx.locked.get(d.name);
  const url = d.git!;
  // a relative path to a repository is relative to the manifest that names it
  const where = gitWhere(url, m.dir);
  let pick: { version: string; tag: string; commit: string } | undefined;
  const reqs: Req[] = [{ version: d.version, tag: d.tag, by }, ...(ctx.learned.get(d.name) ?? [])];
  const fits = (v: string, t: string): boolean => reqs.every((r) => fitsReq(r, v, t));
  if (lock && lock.source === 'git' && lock.git === url && lock.commit && lock.tag && fits(lock.version, lock.tag)) {
    pick = { version: lock.version, tag: lock.tag, commit: lock.commit };
  } else {
    let all;
    try {
      all = ctx.tags(where);
    } catch (e) {
      throw new PackageError(`${at}: the dependency '${d.name}': ${(e as Error).message}`);
    }
    const ok = all.filter((t) => fits(t.version, t.tag)).sort((a, b) => semver.rcompare(a.version, b.version));
    if (ok.length === 0) {
      const have = all.map((t) => t.tag).sort().join(', ') || 'no version tags vX.Y.Z';
      const also = reqs.length > 1 ? ` and ${reqs.slice(1).map((r) => `${reqText(r)} (${r.by})`).join(', ')}` : '';
      throw new PackageError(`${at}: the dependency '${d.name}': no tag of ${url} matches ${reqText(reqs[0])}${also} (it has ${have})`);
    }
    pick = ok[0];
  }
  const rel = path.join(PKG_DIR, `${d.name}-${pick.version}`);
  const dir = path.join(root.dir, rel);
  let have = '';
  if (existsSync(path.join(dir, '.git'))) {
    try {
      have = git(['rev-parse', 'HEAD'], dir).trim();
    } catch {
      have = '';
    }
  }
  if (have !== pick.commit) {
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(path.dirname(dir), { recursive: true });
      git(['clone', '--quiet', '--no-checkout', where, dir]);
      git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', pick.commit], dir);
    } catch (e) {
      throw new PackageError(`${at}: the dependency '${d.name}': cannot fetch ${url} at ${pick.tag}: ${(e as Error).message}`);
    }
    say(`fetched ${d.name} ${pick.version} (${pick.tag}, ${pick.commit.slice(0, 12)}) from ${url}`);
  }
  const mf = path.join(dir, MANIFEST);
  if (!existsSync(mf)) throw new PackageError(`${at}: the dependency '${d.name}': ${url} at ${pick.tag} has no ${MANIFEST}`);
  const manifest = readManifest(mf);
  const entry: LockEntry = {
    name: d.name, version: pick.version, source: 'git', dir: rel, git: url, tag: pick.tag, commit: pick.commit,
    dependencies: manifest.deps.map((x) => x.name),
  };
  return { entry, manifest, by: '', spec: d, where };
}

// ------------------------------------------------------------------ init, add

const HELLO = `pub fn main(void) -> void {
    println("Hello, world!");
}
`;

/** `asthra init [name]` in `dir`: asthra.toml and (when absent) src/main.asthra. */
export function init(dir: string, name: string | undefined, say: (line: string) => void): void {
  const file = path.join(dir, MANIFEST);
  if (existsSync(file)) throw new PackageError(`${shown(file)} already exists: not overwriting it`);
  const pkg = name ?? path.basename(path.resolve(dir)).replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  if (!NAME_RE.test(pkg)) throw new PackageError(`'${pkg}' cannot be a package name: use letters, digits and '_' (asthra init my_app)`);
  writeFileSync(file, `[package]\nname = "${pkg}"\nversion = "0.1.0"\n\n[dependencies]\n`);
  say(`created ${shown(file)} for the package ${pkg}`);
  // the checkouts of git packages are made again by asthra install from asthra.lock
  const ignore = path.join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '/.asthra/\n');
  else if (!/^\/?\.asthra\/?$/m.test(readFileSync(ignore, 'utf8'))) writeFileSync(ignore, readFileSync(ignore, 'utf8').replace(/\n?$/, '\n') + '/.asthra/\n');
  const main = path.join(dir, 'src', 'main.asthra');
  if (!existsSync(main)) {
    mkdirSync(path.dirname(main), { recursive: true });
    writeFileSync(main, HELLO);
    say(`created ${shown(main)}: asthra run runs it`);
  }
}

/** `asthra add NAME --path DIR | --git URL [--version RANGE | --tag TAG]`: edits asthra.toml. */
export function add(file: string, name: string, opts: { path?: string; git?: string; version?: string; tag?: string }, say: (line: string) => void): void {
  if (!NAME_RE.test(name)) throw new PackageError(`'${name}' cannot be a dependency name: use letters, digits and '_' (it is the name imports use)`);
  if ((opts.path === undefined) === (opts.git === undefined)) throw new PackageError('asthra add NAME needs --path DIR or --git URL');
  if (opts.version !== undefined && semver.validRange(opts.version) === null) throw new PackageError(`'${opts.version}' is not a semver range (e.g. ^1.2, ~1.2.3, ">=1.0 <2")`);
  readManifest(file); // a broken manifest is reported before it is edited
  const q = JSON.stringify;
  const fields: string[] = [];
  if (opts.path !== undefined) {
    fields.push(`path = ${q(opts.path)}`);
    if (opts.version !== undefined) fields.push(`version = ${q(opts.version)}`);
  } else {
    fields.push(`git = ${q(opts.git!)}`);
    if (opts.tag !== undefined) fields.push(`tag = ${q(opts.tag)}`);
    else {
      let range = opts.version;
      if (range === undefined) {
        // like cargo add: the newest version, and what is compatible with it
        const all = tags(gitWhere(opts.git!, path.dirname(file))).sort((a, b) => semver.rcompare(a.version, b.version));
        if (all.length === 0) throw new PackageError(`${opts.git} has no version tags vX.Y.Z: tag a release, or give --tag TAG`);
        range = `^${all[0].version}`;
      }
      fields.push(`version = ${q(range)}`);
    }
  }
  const line = `${name} = { ${fields.join(', ')} }`;
  const lines = readFileSync(file, 'utf8').split('\n');
  let sec = -1;
  let inDeps = false;
  let replaced = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l.startsWith('[')) {
      inDeps = l === '[dependencies]';
      if (inDeps) sec = i;
    } else if (inDeps && new RegExp(`^"?${name}"?\\s*=`).test(l)) {
      if (!l.endsWith('}')) throw new PackageError(`${shown(file)}:${i + 1}: '${name}' is already a dependency, over several lines: edit it by hand`);
      lines[i] = line;
      replaced = true;
    }
  }
  if (!replaced) {
    if (sec < 0) {
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      lines.push('', '[dependencies]', line, '');
    } else {
      let end = sec + 1;
      while (end < lines.length && !lines[end].trim().startsWith('[')) end++;
      while (end > sec + 1 && lines[end - 1].trim() === '') end--;
      lines.splice(end, 0, line);
    }
  }
  writeFileSync(file, lines.join('\n'));
  readManifest(file);
  say(`${replaced ? 'changed' : 'added'} ${line} in ${shown(file)}: run asthra install`);
}

/** The project around `dir` (its asthra.toml), or a message saying how to make one. */
export function projectManifest(dir: string, command: string): string {
  const f = findManifest(dir);
  if (f === null) throw new PackageError(`asthra ${command}: no ${MANIFEST} here or in a directory above (run asthra init to start a project)`);
  return f;
}
