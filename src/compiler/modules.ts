// Modules: `import "path" as name;` of other source files and of the standard modules. Runs
// between parsing and checking, so the checker and emitter see ONE program:
//  1. load: parse the main file, then every file it imports (paths relative to the importing
//     file), depth first; an import cycle, an import that does not resolve, and two imports
//     under one name are errors naming file:line:col.
//  2. qualify: a library module's top-level names get its package name as a prefix
//     (`geometry.Point`, a spelling no source can write), and every use of an item is written
//     as the item's full name: `geo.square(5)` becomes the call of `math.square`, `geo.Point {}`
//     the literal of `geometry.Point`. Uses of another module's items must name a `pub` item.
//     A standard module's function `math.sqrt(x)` becomes `std.math.sqrt` (a built-in row of
//     bytecode/builtins.ts, or a function of the module's Asthra source in stdlib.ts, which is
//     then loaded like an imported file), `math.PI` its value.
//  3. place: every position of module k (k > 0) gets k * 2^20 added to its line, so the
//     checker's errors and the emitter's line tables say which file they are in; sourceOf()
//     and remapError() take them back apart. The main file's lines stay as they are.
// Upstream's rule is kept too: an imported module's `pub` types and constants may also be used
// without the module name when no other import and no own item has that name.
import { existsSync, readFileSync, realpathSync, statSync } from 'fs';
import * as path from 'path';
import type { Block, Expr, FnDecl, ImportDecl, Item, Pattern, Program, TypeExpr } from './ast';
import { CompileError, CompileErrors, Pos } from './diagnostics';
import { parse } from './parser';
import { didYouMean } from './types';
import { BUILTIN_FNS, STD_CONSTANTS, STD_MODULES, StdModule } from '../bytecode/builtins';
import { LINE_BASE } from '../bytecode/module';
import { STD_SOURCES } from './stdlib';
import { PackageError } from '../pkg/manifest';
import { Packages } from '../pkg/resolve';

export { LINE_BASE };

/** The functions of each standard module that are written in Asthra (stdlib.ts), by module. */
export const STD_SOURCE_FNS: Record<string, Set<string>> = Object.fromEntries(
  Object.entries(STD_SOURCES).map(([k, src]) => [k, new Set([...src.matchAll(/^pub fn (\w+)/gm)].map((m) => m[1]))]),
);

/** How many files one program may have (the line numbers must fit an i32). */
const MAX_FILES = 2000;

export interface SourceFile {
  name: string;
  source: string;
}

/** One program made of its files: the merged, qualified program and the files by index. */
export interface Linked {
  program: Program;
  files: SourceFile[];
}

type Kind = 'type' | 'fn' | 'value' | 'extern';

interface Member {
  kind: Kind;
  item: Item;
  pub: boolean;
}

interface Mod {
  index: number;
  name: string;
  abs: string;
  source: string;
  program: Program;
  /** '' for the main file, `pkg.` for a library */
  prefix: string;
  members: Map<string, Member>;
  imports: Map<string, { target: Mod | StdModule; decl: ImportDecl }>;
}

/** The program of `file` with every module it imports, as one program (see the file comment). */
export function link(program: Program, file: string, source: string): Linked {
  return new Linker(file).run(program, file, source);
}

/** The file and line of an encoded line. */
export function sourceOf(files: SourceFile[], line: number): { file: SourceFile; line: number } {
  const k = Math.floor(line / LINE_BASE);
  return { file: files[k] ?? files[0], line: line % LINE_BASE };
}

/** A checker error with its file, line and notes taken back apart. */
export function remapError(files: SourceFile[], e: CompileError): CompileError {
  if (e instanceof CompileErrors) {
    const sorted = [...e.errors].sort((a, b) => a.line - b.line || a.col - b.col);
    const each = sorted.map((x) => remapError(files, x));
    return each.length === 1 ? each[0] : new CompileErrors(each);
  }
  if (files.length === 1) return e;
  const at = sourceOf(files, e.line);
  const out = new CompileError(at.file.name, at.file.source, at.line, e.col, e.message, e.hint);
  for (const n of e.notes) {
    const np = sourceOf(files, n.line);
    out.notes.push({ line: np.line, col: n.col, message: n.message, file: np.file.name, source: np.file.source });
  }
  return out;
}

/**
 * Is a use at `at` of a field or method declared at `decl` a use from another module of one
 * not marked pub? (Lines tell the modules apart: see the file comment.)
 */
export function privateElsewhere(at: Pos, decl: Pos & { pub?: boolean }): boolean {
  return !decl.pub && Math.floor(at.line / LINE_BASE) !== Math.floor(decl.line / LINE_BASE);
}

const isStd = (t: Mod | StdModule): t is StdModule => typeof t === 'string';

class Linker {
  mods: Mod[] = [];
  byPath = new Map<string, Mod>();
  /** the modules being loaded, each with the import it is loading now */
  loading: { mod: Mod; decl: ImportDecl | null }[] = [];
  prefixes = new Set<string>();
  /** the errors of the qualify step (it goes on after each, one statement at a time) */
  errors: CompileError[] = [];
  /** package imports, through the project's asthra.lock (pkg/resolve.ts) */
  packages: Packages;

  constructor(file: string) {
    this.packages = new Packages(file);
  }

  run(program: Program, file: string, source: string): Linked {
    const abs = safeRealpath(path.resolve(file));
    const main = this.add(program, file, abs, source, '');
    this.loadImports(main);
    for (const m of this.mods) this.qualify(m);
    // in the order found: the main file's first, then each module's
    if (this.errors.length > 0) throw this.errors.length === 1 ? this.errors[0] : new CompileErrors(this.errors);
    for (const m of this.mods) if (m.index > 0) shiftLines(m.program, m.index * LINE_BASE);
    // dependencies first: a library's items before those of the files that import it
    const order = [...this.mods.slice(1).reverse(), main];
    const items: Item[] = [];
    for (const m of order) for (const it of m.program.items) if (it.kind !== 'Import') items.push(it);
    return {
      program: { packageName: program.packageName, items },
      files: this.mods.map((m) => ({ name: m.name, source: m.source })),
    };
  }

  add(program: Program, name: string, abs: string, source: string, prefix: string): Mod {
    const m: Mod = { index: this.mods.length, name, abs, source, program, prefix, members: new Map(), imports: new Map() };
    this.mods.push(m);
    this.byPath.set(abs, m);
    for (const it of program.items) {
      const kind = memberKind(it);
      if (!kind || !('name' in it)) continue;
      // a second definition is the checker's error ("already defined"); the first one names it here
      if (!m.members.has(it.name)) m.members.set(it.name, { kind, item: it, pub: !!(it as { pub?: boolean }).pub });
    }
    return m;
  }

  err(m: Mod, at: Pos, msg: string, hint?: string): never {
    throw new CompileError(m.name, m.source, at.line, at.col, msg, hint);
  }

  loadImports(m: Mod): void {
    const frame = { mod: m, decl: null as ImportDecl | null };
    this.loading.push(frame);
    for (const it of m.program.items) {
      if (it.kind !== 'Import') continue;
      frame.decl = it;
      const target = this.resolve(m, it);
      const alias = it.alias ?? (isStd(target) ? target : defaultAlias(it.path));
      const at = it.aliasAt ?? it;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) {
        this.err(m, it, `cannot name the module imported from "${it.path}" '${alias}'`, `give it a name: import "${it.path}" as name;`);
      }
      const prev = m.imports.get(alias);
      if (prev) {
        this.err(m, at, `two modules are imported as '${alias}' (the other is "${prev.decl.path}", line ${prev.decl.line})`,
          `give one of them another name: import "${it.path}" as other_name;`);
      }
      const own = m.members.get(alias);
      if (own) {
        this.err(m, at, `the module name '${alias}' clashes with the ${describe(own.kind)} '${alias}' declared at line ${own.item.line}`,
          `import it under another name: import "${it.path}" as other_name;`);
      }
      m.imports.set(alias, { target, decl: it });
    }
    this.loading.pop();
  }

  /** The module an import names: a standard module, or a file loaded (once) from disk. */
  resolve(m: Mod, it: ImportDecl): Mod | StdModule {
    const std = /^(std|stdlib)\/(.*)$/.exec(it.path);
    if (std) {
      const name = std[2] as StdModule;
      if (STD_MODULES.includes(name)) return name;
      this.err(m, it, `there is no standard module "${it.path}"`,
        `the standard modules are ${STD_MODULES.map((s) => `"std/${s}"`).join(', ')}`);
    }
    let pkgFile: string | null = null;
    try {
      pkgFile = this.packages.resolve(m.abs, it.path);
    } catch (e) {
      if (e instanceof PackageError) this.err(m, it, e.message);
      throw e;
    }
    if (pkgFile === null && /^[a-z]+\.[a-z]+\//.test(it.path)) {
      this.err(m, it, `cannot import "${it.path}": it is not a dependency of this project`,
        'declare it in asthra.toml (asthra add NAME --git URL), run asthra install, then import "NAME" or the repository\'s address');
    }
    if (it.path.trim() === '') this.err(m, it, 'an import needs a path', 'import "./lib/name" as name;');
    const dir = path.dirname(m.abs);
    const shown = (p: string): string => (path.isAbsolute(it.path) ? p : displayPath(m, p));
    const base = path.resolve(dir, it.path);
    const tried = /\.(asthra|ast)$/.test(it.path) ? [base] : [base + '.asthra', base + '.ast', path.join(base, 'mod.asthra')];
    const found = pkgFile ?? tried.find((p) => existsSync(p) && statSync(p).isFile());
    if (!found) {
      const show = tried.map(shown).join(', ');
      this.err(m, it, `cannot find the module "${it.path}" (tried ${show})`,
        this.packages.hint(m.abs, it.path) ??
        'an import path is relative to the file that imports it; "std/io", "std/str", "std/math" and "std/os" are the standard modules');
    }
    const abs = safeRealpath(found);
    const open = this.loading.findIndex((f) => f.mod.abs === abs);
    if (open >= 0) {
      const chain = this.loading.slice(open).map((f) => `${f.mod.name}:${f.decl!.line} imports "${f.decl!.path}"`);
      this.err(m, it, `import cycle: ${chain.join(', ')}`, 'modules may not import each other in a circle: move what both need into a third module');
    }
    const done = this.byPath.get(abs);
    if (done) return done;
    if (this.mods.length >= MAX_FILES) this.err(m, it, `a program may have at most ${MAX_FILES} files`);
    const name = pkgFile !== null ? packageShown(pkgFile) : shown(found);
    let source: string;
    try {
      source = readFileSync(found, 'utf8');
    } catch (e) {
      return this.err(m, it, `cannot read the module "${it.path}" (${name}): ${(e as Error).message}`);
    }
    if (source.split('\n').length >= LINE_BASE) this.err(m, it, `the module ${name} has more than ${LINE_BASE - 1} lines`);
    const program = parse(source, name);
    const lib = this.add(program, name, abs, source, this.prefixFor(program.packageName ?? (pkgFile !== null ? it.path.split('/')[0] : defaultAlias(found))));
    this.loadImports(lib);
    return lib;
  }

  /** The Asthra part of a standard module (stdlib.ts), loaded on its first use. */
  stdModule(name: StdModule): Mod {
    const abs = `<std>/${name}`;
    const done = this.byPath.get(abs);
    if (done) return done;
    const file = `std/${name}.asthra`;
    const source = STD_SOURCES[name];
    return this.add(parse(source, file), file, abs, source, `std.${name}.`);
  }

  /** A library's prefix: its package name, made unique (and never a standard module's `std`). */
  prefixFor(pkg: string): string {
    let p = pkg === 'std' ? 'std_' : pkg;
    for (let n = 2; this.prefixes.has(p); n++) p = `${pkg}${n}`;
    this.prefixes.add(p);
    return `${p}.`;
  }

  // ------------------------------------------------------------------ qualify
  qualify(m: Mod): void {
    new Qualifier(this, m).items();
  }
}

/** The scope entries that keep type parameters from being read as module types. */
function typeScope(params: string[]): string[] {
  return params.map((t) => `type:${t}`);
}

function memberKind(it: Item): Kind | null {
  switch (it.kind) {
    case 'Struct': case 'Enum': case 'Trait': case 'TypeAlias': return 'type';
    case 'Fn': return 'fn';
    case 'Global': return 'value';
    case 'Extern': return 'extern';
    default:
      // items other issues add (traits, type aliases): a name and a capitalised kind
      return 'name' in it && typeof (it as { name: unknown }).name === 'string' && /^(Trait|TypeAlias|Alias)$/.test(it.kind) ? 'type' : null;
  }
}

function describe(k: Kind): string {
  return k === 'type' ? 'type' : k === 'fn' ? 'function' : k === 'extern' ? 'C function' : 'constant';
}

function defaultAlias(p: string): string {
  return path.basename(p).replace(/\.(asthra|ast)$/, '');
}

/** A package's file, as the user sees it from where asthra runs. */
function packageShown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
}

function displayPath(m: Mod, p: string): string {
  // relative to the importing file's name as the user gave it, so the paths read the same way
  return path.normalize(path.join(path.dirname(m.name), path.relative(path.dirname(m.abs), p)));
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Add `by` to the line of every position in the program (each object once). */
function shiftLines(program: Program, by: number): void {
  const seen = new Set<object>();
  const todo: unknown[] = [program.items];
  while (todo.length > 0) {
    const x = todo.pop();
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const y of x) todo.push(y);
      continue;
    }
    const o = x as Record<string, unknown>;
    if (typeof o.line === 'number') o.line += by;
    for (const k in o) if (k !== 'ty') todo.push(o[k]);
  }
}

/** The names of a pattern's bindings. */
function patternNames(p: Pattern, out: string[]): string[] {
  switch (p.kind) {
    case 'PBind': out.push(p.name); break;
    case 'PVariant': for (const a of p.args ?? []) patternNames(a, out); break;
    case 'PTuple': for (const a of p.elems) patternNames(a, out); break;
    default: break;
  }
  return out;
}

/** Writes every name of one module as the full name of what it means (see the file comment). */
class Qualifier {
  scopes: Set<string>[] = [];

  constructor(readonly linker: Linker, readonly m: Mod) {}

  err(at: Pos, msg: string, hint?: string): never {
    return this.linker.err(this.m, at, msg, hint);
  }

  local(name: string): boolean {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i].has(name)) return true;
    return false;
  }

  scoped<R>(names: string[], f: () => R): R {
    this.scopes.push(new Set(names));
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  /** Run one unit (an item, a statement); a compile error in it is kept and the next goes on. */
  attempt(f: () => void): void {
    const depth = this.scopes.length;
    try {
      f();
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      this.linker.errors.push(e);
      this.scopes.length = depth;
    }
  }

  items(): void {
    for (const it of this.m.program.items) this.attempt(() => this.item(it));
  }

  item(it: Item): void {
    const p = this.m.prefix;
    {
      switch (it.kind) {
        case 'Import': break;
        case 'Struct':
          it.name = p + it.name;
          this.scoped(typeScope(it.typeParams), () => {
            for (const f of it.fields) f.type = this.type(f.type);
          });
          break;
        case 'Enum':
          it.name = p + it.name;
          this.scoped(typeScope(it.typeParams), () => {
            for (const v of it.variants) v.fields = v.fields.map((t) => this.type(t));
          });
          break;
        case 'Impl': {
          // the impl's type parameters, or (upstream's `impl Box { }` of a generic Box) the type's own
          const target = this.m.members.get(it.name)?.item;
          const implicit = target && (target.kind === 'Struct' || target.kind === 'Enum') && it.typeParams.length === 0 ? target.typeParams : [];
          const own = this.m.members.get(it.name);
          if (own?.kind === 'type') {
            it.name = p + it.name;
          } else {
            const full = this.typeName(it.name, it);
            if (full !== it.name) {
              this.err(it, `cannot add methods to '${it.name}' here: it belongs to another module`, 'an impl must be in the file that declares its type');
            }
          }
          if (it.trait) it.trait.name = this.typeName(it.trait.name, it.trait);
          it.bounds = it.bounds.map((bs) => bs.map((b) => this.typeName(b, it)));
          this.scoped(typeScope([...it.typeParams, ...implicit]), () => {
            it.typeArgs = it.typeArgs.map((t) => this.type(t));
            if (it.trait) it.trait.args = it.trait.args.map((t) => this.type(t));
            for (const f of it.methods) this.fn(f);
          });
          break;
        }
        case 'Trait':
          it.name = p + it.name;
          this.scoped(typeScope(it.typeParams), () => {
            for (const f of it.methods) {
              if (f.body) this.fn(f as FnDecl);
              else this.scoped(typeScope(f.typeParams), () => {
                for (const q of f.params) if (q.type) q.type = this.type(q.type);
                if (f.ret) f.ret = this.type(f.ret);
              });
            }
          });
          break;
        case 'TypeAlias':
          it.name = p + it.name;
          this.scoped(typeScope(it.typeParams), () => {
            it.type = this.type(it.type);
          });
          break;
        case 'Fn':
          it.name = p + it.name;
          this.fn(it);
          break;
        case 'Global':
          it.name = p + it.name;
          it.type = this.type(it.type);
          it.init = this.expr(it.init);
          break;
        case 'Extern':
          for (const q of it.params) if (q.type) q.type = this.type(q.type);
          if (it.ret) it.ret = this.type(it.ret);
          break;
        default:
          // an item kind added by later work (a trait, a type alias): named like the others
          if (memberKind(it) && 'name' in it) (it as { name: string }).name = p + (it as { name: string }).name;
          this.generic(it);
      }
    }
  }

  fn(f: { params: { name: string; type: TypeExpr | null }[]; ret: TypeExpr | null; body: Block }): void {
    for (const q of f.params) if (q.type) q.type = this.type(q.type);
    if (f.ret) f.ret = this.type(f.ret);
    const typeParams = ((f as { typeParams?: string[] }).typeParams ?? []);
    const g = f as unknown as { bounds?: string[][] } & Pos;
    if (g.bounds) g.bounds = g.bounds.map((bs) => bs.map((b) => this.typeName(b, g)));
    this.scoped([...f.params.map((q) => q.name), ...typeParams.map((t) => `type:${t}`)], () => this.block(f.body));
  }

  block(b: Block): void {
    this.scoped([], () => {
      for (const s of b.stmts) this.stmt(s);
      if (b.tail) b.tail = this.expr(b.tail);
    });
  }

  declare(name: string): void {
    this.scopes[this.scopes.length - 1].add(name);
  }

  stmt(s: Block['stmts'][number]): void {
    this.attempt(() => this.stmtHere(s));
  }

  stmtHere(s: Block['stmts'][number]): void {
    switch (s.kind) {
      case 'Let':
        if (s.type) s.type = this.type(s.type);
        s.init = this.expr(s.init);
        this.declare(s.name);
        break;
      case 'Assign':
        s.target = this.expr(s.target);
        s.value = this.expr(s.value);
        break;
      case 'ExprStmt': s.expr = this.expr(s.expr); break;
      case 'Return': if (s.value) s.value = this.expr(s.value); break;
      case 'Break': case 'Continue': break;
      case 'While':
        s.cond = this.expr(s.cond);
        this.block(s.body);
        break;
      case 'For':
        s.iter = this.expr(s.iter);
        this.scoped([s.name], () => this.block(s.body));
        break;
      case 'Spawn': s.call = this.expr(s.call); break;
      case 'SpawnHandle':
        s.call = this.expr(s.call);
        this.declare(s.name);
        break;
      case 'Select':
        for (const a of s.arms) {
          a.op = this.expr(a.op);
          this.scoped(a.binding ? [a.binding] : [], () => (a.body = this.expr(a.body)));
        }
        break;
      default:
        this.generic(s);
    }
  }

  pattern(p: Pattern): void {
    switch (p.kind) {
      case 'PVariant':
        p.enumName = this.typeName(p.enumName, p);
        for (const a of p.args ?? []) this.pattern(a);
        break;
      case 'PTuple': for (const a of p.elems) this.pattern(a); break;
      case 'PLit': p.value = this.expr(p.value); break;
      default: break;
    }
  }

  type(t: TypeExpr): TypeExpr {
    switch (t.kind) {
      case 'TName':
        if (!this.local(`type:${t.name}`)) t.name = this.typeName(t.name, t);
        t.args = t.args.map((a) => this.type(a));
        break;
      case 'TSlice': t.elem = this.type(t.elem); break;
      case 'TArray':
        t.elem = this.type(t.elem);
        t.size = this.expr(t.size);
        break;
      case 'TTuple': t.elems = t.elems.map((e) => this.type(e)); break;
      case 'TPtr': t.elem = this.type(t.elem); break;
      case 'TFn':
        t.params = t.params.map((e) => this.type(e));
        t.ret = this.type(t.ret);
        break;
      case 'TDyn': t.trait = this.typeName(t.trait, t); break;
      default: this.generic(t);
    }
    return t;
  }

  /** The full name of a type as written here: `Point`, `geo.Point`, an imported pub `Point`. */
  typeName(name: string, at: Pos): string {
    const dot = name.indexOf('.');
    if (dot > 0) {
      const mod = name.slice(0, dot);
      const member = name.slice(dot + 1);
      const target = this.importNamed(mod, at);
      if (isStd(target)) this.err(at, `the standard module '${mod}' has no type '${member}'`);
      const mem = this.member(target, mod, member, at);
      if (mem.kind !== 'type') this.err(at, `'${mod}.${member}' is a ${describe(mem.kind)}, not a type`);
      return target.prefix + member;
    }
    const own = this.m.members.get(name);
    if (own?.kind === 'type') return this.m.prefix + name;
    return this.unqualified(name, at, (k) => k === 'type') ?? name;
  }

  /** The module imported as `name`; an error naming the known ones when there is none. */
  importNamed(name: string, at: Pos): Mod | StdModule {
    const imp = this.m.imports.get(name);
    if (imp) return imp.target;
    if ((STD_MODULES as readonly string[]).includes(name)) return name as StdModule;
    return this.err(at, `there is no module '${name}' here`, didYouMean(name, [...this.m.imports.keys(), ...STD_MODULES]) ?? `import it: import "./${name}" as ${name};`);
  }

  /** A member of an imported module, which must exist and be pub. */
  member(target: Mod, alias: string, name: string, at: Pos): Member {
    const mem = target.members.get(name);
    if (!mem) {
      const pubs = [...target.members].filter(([, v]) => v.pub).map(([k]) => k);
      this.err(at, `module '${alias}' (${target.name}) has no member '${name}'`, didYouMean(name, pubs) ?? (pubs.length ? `its pub items: ${pubs.join(', ')}` : 'it has no pub items'));
    }
    if (!mem.pub) {
      this.err(at, `'${name}' is private to module '${alias}' (${target.name}:${mem.item.line % LINE_BASE})`, `mark it pub there to use it from another module`);
    }
    return mem;
  }

  /**
   * Upstream's rule: an imported module's pub type or constant may be named without the module
   * when exactly one import has it (two are an error naming both).
   */
  unqualified(name: string, at: Pos, want: (k: Kind) => boolean): string | null {
    const hits: { alias: string; mod: Mod }[] = [];
    for (const [alias, imp] of this.m.imports) {
      if (isStd(imp.target)) continue;
      const mem = imp.target.members.get(name);
      if (mem && mem.pub && want(mem.kind) && !hits.some((h) => h.mod === imp.target)) hits.push({ alias, mod: imp.target });
    }
    if (hits.length === 0) return null;
    if (hits.length > 1) {
      this.err(at, `'${name}' is ambiguous: modules ${hits.map((h) => `'${h.alias}' (${h.mod.name})`).join(' and ')} both have it`,
        `name the one you mean: ${hits.map((h) => `${h.alias}.${name}`).join(' or ')}`);
    }
    return hits[0].mod.prefix + name;
  }

  /** A plain name used as a value: a local stays, an item of this module gets its full name. */
  valueName(name: string, at: Pos): string {
    if (this.local(name)) return name;
    const own = this.m.members.get(name);
    if (own) return own.kind === 'extern' ? name : this.m.prefix + name;
    return this.unqualified(name, at, (k) => k === 'type' || k === 'value') ?? name;
  }

  /** Is `name` (the object of `name.member`) a module here, not a value? */
  isModule(name: string): boolean {
    if (this.local(name) || this.m.members.has(name)) return false;
    return this.m.imports.has(name) || (STD_MODULES as readonly string[]).includes(name);
  }

  /** `mod.member` as an expression: the item's full name, a std constant or std function. */
  moduleMember(e: Extract<Expr, { kind: 'Field' }>, mod: string, callee: boolean): Expr {
    const target = this.importNamed(mod, e.object);
    if (isStd(target)) {
      const key = `${target}.${e.name}`;
      if (key in STD_CONSTANTS) return { kind: 'Float', text: String(STD_CONSTANTS[key]), line: e.line, col: e.col } as Expr;
      const source = STD_SOURCE_FNS[target];
      if (source?.has(e.name)) {
        if (!callee) this.err(e, `'${target}.${e.name}' is a function: call it`, `${target}.${e.name}(...)`);
        return { kind: 'Ident', name: this.linker.stdModule(target).prefix + e.name, line: e.line, col: e.col } as Expr;
      }
      const fns = BUILTIN_FNS.filter((f) => f.ns === target);
      if (!fns.some((f) => f.name === e.name)) {
        const all = [...fns.map((f) => f.name), ...(source ?? []), ...Object.keys(STD_CONSTANTS).filter((k) => k.startsWith(`${target}.`)).map((k) => k.slice(target.length + 1))];
        this.err(e, `the standard module '${target}' has no member '${e.name}'`, didYouMean(e.name, all) ?? `it has: ${all.join(', ')}`);
      }
      if (!callee) this.err(e, `'${target}.${e.name}' is a function: call it`, `${target}.${e.name}(...)`);
      return { kind: 'Ident', name: `std.${target}.${e.name}`, line: e.line, col: e.col } as Expr;
    }
    const mem = this.member(target, mod, e.name, e);
    if (mem.kind === 'extern') return { kind: 'Ident', name: e.name, line: e.line, col: e.col } as Expr;
    return { kind: 'Ident', name: target.prefix + e.name, line: e.line, col: e.col } as Expr;
  }

  expr(e: Expr): Expr {
    switch (e.kind) {
      case 'Int': case 'Float': case 'Str': case 'Char': case 'Bool': case 'Unit': return e;
      case 'Ident':
        e.name = this.valueName(e.name, e);
        return e;
      case 'Path':
        e.type = e.type === 'Self' ? e.type : this.typeName(e.type, e);
        return e;
      case 'Field':
        if (e.object.kind === 'Ident' && this.isModule(e.object.name)) return this.moduleMember(e, e.object.name, false);
        e.object = this.expr(e.object);
        return e;
      case 'Call':
        if (e.callee.kind === 'Field' && e.callee.object.kind === 'Ident' && this.isModule(e.callee.object.name)) {
          e.callee = this.moduleMember(e.callee, e.callee.object.name, true);
        } else {
          e.callee = this.expr(e.callee);
        }
        e.args = e.args.map((a) => this.expr(a));
        return e;
      case 'StructLit':
        e.name = this.typeName(e.name, e);
        for (const f of e.fields) f.value = this.expr(f.value);
        return e;
      case 'Cast':
        e.expr = this.expr(e.expr);
        e.type = this.type(e.type);
        return e;
      case 'Sizeof':
        e.type = this.type(e.type);
        return e;
      case 'If':
        e.cond = this.expr(e.cond);
        this.block(e.then);
        if (e.else) e.else = this.expr(e.else);
        return e;
      case 'IfLet':
        e.value = this.expr(e.value);
        this.pattern(e.pattern);
        this.scoped(patternNames(e.pattern, []), () => this.block(e.then));
        if (e.else) e.else = this.expr(e.else);
        return e;
      case 'Match':
        e.subject = this.expr(e.subject);
        for (const a of e.arms) {
          this.pattern(a.pattern);
          this.scoped(patternNames(a.pattern, []), () => (a.body = this.expr(a.body)));
        }
        return e;
      case 'BlockExpr':
        this.block(e.block);
        return e;
      case 'Binary': {
        // a long operator chain (1 + 1 + ... + 1) is walked in a loop over its left spine
        const spine: Extract<Expr, { kind: 'Binary' }>[] = [];
        let n: Expr = e;
        while (n.kind === 'Binary') {
          spine.push(n);
          n = n.left;
        }
        spine[spine.length - 1].left = this.expr(n);
        for (let i = spine.length - 1; i >= 0; i--) spine[i].right = this.expr(spine[i].right);
        return e;
      }
      case 'Unary': {
        let n: Extract<Expr, { kind: 'Unary' }> = e;
        while (n.operand.kind === 'Unary') n = n.operand;
        n.operand = this.expr(n.operand);
        return e;
      }
      default:
        this.generic(e);
        return e;
    }
  }

  /**
   * A node of a kind this pass does not know (added by later work): its expressions, types,
   * blocks and patterns are visited in place; a node with `params` and a `body` (a closure)
   * opens a scope holding its parameters.
   */
  generic(node: object): void {
    const o = node as Record<string, unknown>;
    const params = Array.isArray(o.params) ? (o.params as { name?: unknown }[]).map((p) => p?.name).filter((n): n is string => typeof n === 'string') : null;
    const run = (): void => {
      for (const k of Object.keys(o)) {
        if (k === 'ty' || k === 'kind') continue;
        o[k] = this.child(o[k]);
      }
    };
    if (params && o.body) this.scoped(params, run);
    else run();
  }

  child(x: unknown): unknown {
    if (Array.isArray(x)) return x.map((y) => this.child(y));
    if (x === null || typeof x !== 'object') return x;
    const k = (x as { kind?: unknown }).kind;
    if (typeof k !== 'string') {
      this.generic(x);
      return x;
    }
    if (k === 'Block') {
      this.block(x as Block);
      return x;
    }
    if (k.startsWith('T') && /^T[A-Z]/.test(k)) return this.type(x as TypeExpr);
    if (/^P[A-Z]/.test(k)) {
      this.pattern(x as Pattern);
      return x;
    }
    if (['Let', 'Assign', 'ExprStmt', 'Return', 'Break', 'Continue', 'While', 'For', 'Spawn', 'SpawnHandle', 'Select'].includes(k)) {
      this.stmt(x as Block['stmts'][number]);
      return x;
    }
    if (k === 'Fn') {
      this.fn(x as Parameters<Qualifier['fn']>[0]);
      return x;
    }
    return this.expr(x as Expr);
  }
}
