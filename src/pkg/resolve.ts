// Packages for the compiler: `import "pkg"` and `import "pkg/module"` through asthra.lock.
//
// An import whose first segment names a dependency in the importing file's asthra.toml (the
// nearest one above it) is a package import: "pkg" is the package's src/lib.asthra, "pkg/a/b"
// its src/a/b.asthra (or .ast, or src/a/b/mod.asthra). The package's directory comes from the
// asthra.lock of the project (the nearest asthra.toml above the main file). Any other import is
// a file path as before.
import { existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';
import { LOCK, LockEntry, Manifest, PackageError, findManifest, readLock, readManifest, shown } from './manifest';

export class Packages {
  private manifests = new Map<string, Manifest | null>();
  private lock: Map<string, LockEntry> | null | undefined;
  private root: string | null | undefined;

  constructor(private mainFile: string) {}

  private manifestFor(file: string): Manifest | null {
    const f = findManifest(path.dirname(file));
    if (f === null) return null;
    if (!this.manifests.has(f)) this.manifests.set(f, readManifest(f));
    return this.manifests.get(f)!;
  }

  /** The file a package import names, or null when `spec` is no package import. */
  resolve(importer: string, spec: string): string | null {
    if (spec.startsWith('.') || path.isAbsolute(spec)) return null;
    const own = this.manifestFor(importer);
    if (own === null) return null;
    let [name, ...rest] = spec.split('/');
    let dep = own.deps.find((d) => d.name === name);
    if (!dep) {
      // upstream's form: the repository's address, import "github.com/user/mathx/sub"
      dep = own.deps.find((d) => d.git !== undefined && (spec === bare(d.git) || spec.startsWith(bare(d.git) + '/')));
      if (!dep) return null;
      name = dep.name;
      rest = spec.slice(bare(dep.git!).length).split('/').filter((x) => x !== '');
    }
    const at = `${shown(own.file)}:${dep.line}`;
    if (this.root === undefined) this.root = findManifest(path.dirname(path.resolve(this.mainFile)));
    const rootDir = path.dirname(this.root ?? own.file);
    const lockFile = path.join(rootDir, LOCK);
    if (this.lock === undefined) this.lock = existsSync(lockFile) ? new Map(readLock(lockFile).map((e) => [e.name, e])) : null;
    if (this.lock === null) throw new PackageError(`the package '${name}' (${at}) is not installed: no ${shown(lockFile)} (run asthra install)`);
    const entry = this.lock.get(name);
    if (!entry) throw new PackageError(`the package '${name}' (${at}) is not in ${shown(lockFile)}: run asthra install`);
    const dir = path.resolve(rootDir, entry.dir);
    if (!existsSync(dir)) throw new PackageError(`the package '${name}' ${entry.version} is not installed (no ${shown(dir)}): run asthra install`);
    const src = path.join(dir, 'src');
    const sub = rest.join('/');
    const tried = sub === '' ? [path.join(src, 'lib.asthra'), path.join(src, 'lib.ast')]
      : [path.join(src, sub + '.asthra'), path.join(src, sub + '.ast'), path.join(src, sub, 'mod.asthra')];
    const found = tried.find((p) => existsSync(p) && statSync(p).isFile());
    if (found) return found;
    const have = modulesOf(name, src);
    throw new PackageError(`the package '${name}' ${entry.version} has no module "${spec}" (looked for ${tried.map(shown).join(', ')}); ` +
      (have.length > 0 ? `its modules are ${have.map((h) => `"${h}"`).join(', ')}` : `it has no .asthra files in ${shown(src)}`));
  }

  /** The hint for an import that is neither a file nor a package. */
  hint(importer: string, spec: string): string | null {
    if (spec.startsWith('.') || path.isAbsolute(spec)) return null;
    let own: Manifest | null;
    try {
      own = this.manifestFor(importer);
    } catch {
      return null;
    }
    if (own === null) return null;
    const name = spec.split('/')[0];
    return `'${name}' is not a dependency in ${shown(own.file)}: add it with asthra add ${name} --path DIR (or --git URL), then asthra install`;
  }
}

/** A git URL without its scheme and .git: https://github.com/u/x.git is github.com/u/x. */
function bare(url: string): string {
  return url.replace(/^[a-z+]+:\/\//, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

function modulesOf(name: string, src: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p, rel + n + '/');
      else if (/\.(asthra|ast)$/.test(n)) {
        const m = (rel + n).replace(/\.(asthra|ast)$/, '');
        out.push(m === 'lib' ? name : m.endsWith('/mod') ? `${name}/${m.slice(0, -4)}` : `${name}/${m}`);
      }
    }
  };
  walk(src, '');
  return out.slice(0, 20);
}
