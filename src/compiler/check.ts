// The checker: AST -> checked AST. It resolves every name, computes every expression's type,
// checks mutability, returns and match exhaustiveness, and assigns local slots. It writes its
// findings as notes on the nodes (scope.ts); the emitter trusts them and checks nothing again.
import type { Block, Expr, ExternDecl, Unparsed, FnDecl, GlobalDecl, Item, MatchArm, Param, Pattern, Program, SelectArm, Stmt, StructDecl, TraitDecl, TypeAliasDecl, TypeExpr } from './ast';
import { cloneTree, instanceName, mentions, settle, unify } from './generics';
import { WIDE_NAMES, wideFits } from '../bytecode/wide';
import { CompileError, CompileErrors, Pos, QuietError } from './diagnostics';
import { isUseful, PatternSpace } from './exhaustive';
import { EnumInfo, FnInfo, GlobalInfo, LocalVar, notes, StructInfo } from './scope';
import { ClosureInfo, SLICE_HELPERS, SpawnThunk, callValue, checkFnLit, sliceHelper, spawnValue } from './closures';
import { privateElsewhere } from './modules';
import {
  ERROR_TYPE_TEXT, INT_NAMES, INT_RANGE, IntName, T, Ty, assignable, didYouMean, builtinType, flexInt, hasUnknown, intBits, isNumeric, isRef, openVar,
  parseIntLiteral, refine, same, setUseSite, show,
} from './types';
import { BUILTIN_FNS, BuiltinFn, builtinTitle, builtinsNamed } from '../bytecode/builtins';
import { MAX_SELECT_ARMS } from '../bytecode/opcodes';
import { CType, CallbackProto, ExternProto, MAX_CALLBACK_PARAMS, isMemoryCType } from '../bytecode/ctypes';

/** What the emitter needs of a function's locals. */
export interface Frame {
  nlocals: number;
  localTypes: Ty[];
  /** variables whose address is taken: their slot holds a cell (a reference); slot -> C type */
  cells: Map<number, number>;
  /**
   * captured variables that can change (closures.ts): variable slot -> the slot holding its box
   * (the same slot, except for a parameter, whose box is made on entry into a slot of its own)
   */
  boxes: Map<number, number>;
}

/**
 * A `dyn Trait` value is an object of two fields: the value and its type's number among the
 * trait's implementations (its vtable). A method call on one calls a dispatcher: a function
 * the emitter writes that picks the implementation by that number and calls it.
 */
export interface DynDispatch {
  fn: FnInfo;
  trait: string;
  method: string;
  /** per vtable number, the implementation's function index */
  impls: number[];
}

export interface CheckedProgram {
  program: Program;
  structs: Map<string, StructInfo>;
  enums: Map<string, EnumInfo>;
  fns: FnInfo[];
  globals: GlobalInfo[];
  globalDecls: GlobalDecl[];
  main: FnInfo;
  /** slots used by each function, by fn index; index 0 is the global initialiser */
  frames: Frame[];
  /** the C functions declared with `extern`, in CALL_EXTERN index order */
  externs: ExternProto[];
  /** the Asthra functions passed to C as function pointers */
  callbacks: CallbackProto[];
  dispatchers: DynDispatch[];
  /** per trait, the types converted to `dyn Trait`, in vtable-number order */
  dynTypes: Map<string, Ty[]>;
  /** fns by function index (fns is in the order they were declared, not by index) */
  fnIndex: Map<number, FnInfo>;
  /** the function literals, each a function of its own after the program's (closures.ts) */
  closures: ClosureInfo[];
  /** functions that call a function value, for `spawn f(x)` of one (closures.ts) */
  spawnThunks: SpawnThunk[];
}

/** A function-pointer parameter of an extern: `fn(*mut u8, usize) -> i32`. */
interface CallbackSig {
  params: Ty[];
  ret: Ty;
  cparams: number[];
  cret: number;
}

/**
 * A generic function or method, checked once per instance (generics.ts). A method of a generic
 * type has the type's parameters too (`ownerParams`, named as its impl names them).
 */
interface GenericFn {
  decl: FnDecl;
  /** the type whose impl holds it (its generic's name), or null for a free function */
  owner: string | null;
  ownerParams: string[];
  /** the impl's bounds on ownerParams (`impl<T: Show> Box<T>`) */
  ownerBounds: string[][];
}

/** How many instances one generic may have: more means types that grow without end. */
const MAX_INSTANCES = 512;

/** An `extern` declaration as the checker knows it. */
interface ExternInfo {
  index: number;
  decl: ExternDecl;
  params: Ty[];
  ret: Ty;
  /** per parameter: its callback signature, for a function-pointer parameter */
  callbacks: (CallbackSig | null)[];
}

/**
 * How deeply expressions and loops may nest (blocks, if, for, literals, calls; operator chains
 * are iterated and do not count): deeper is a compile error. compile-thread.ts gives the compiler
 * a stack that holds this many levels with a wide margin.
 */
export const MAX_NESTING = 10000;

const CONVERSIONS = new Set<string>([...INT_NAMES, 'i128', 'u128', 'int', 'f32', 'f64', 'string', 'char', 'bool']);
const PRINTABLE = new Set(['int', 'float', 'bool', 'char', 'string', 'wide']);
/** What ch.send(v) and ch.close() give. */
const RESULT_VOID_STRING: Ty = { k: 'enum', name: 'Result', args: [T.void, T.string] };
const SELECT_ARM_WORDS = 'a select arm must be a channel send or recv, await, after(ms) or default';

/**
 * Check a program. `unparsed` says what its declarations with syntax errors would have declared:
 * their uses are not reported (they are not errors of their own), and if anything is left to
 * report, check throws a QuietError instead of returning.
 */
export function check(program: Program, file: string, source: string, unparsed?: Unparsed): CheckedProgram {
  const c = new Checker(program, file, source);
  if (unparsed) c.unparsed = unparsed;
  return c.run();
}

export class Checker {
  structs = new Map<string, StructInfo>();
  enums = new Map<string, EnumInfo>();
  fnByKey = new Map<string, FnInfo>();
  fns: FnInfo[] = [];
  globals = new Map<string, GlobalInfo>();
  globalList: GlobalInfo[] = [];
  globalDecls: GlobalDecl[] = [];
  frames: Frame[] = [];
  /** this function's variables whose address `&x` is taken: slot -> C type of the cell */
  cells = new Map<number, number>();
  externs = new Map<string, ExternInfo>();
  externList: ExternProto[] = [];
  callbackList: CallbackProto[] = [];
  /** generic functions, by key (`name`, `Type::name`) */
  genericFns = new Map<string, GenericFn>();
  /** generic structs, by name; their instances are in `structs` as `Pair<i32>` */
  genericStructs = new Map<string, StructDecl>();
  /** the methods of each generic struct or enum, by type name and method name */
  genericMethods = new Map<string, Map<string, GenericFn>>();
  traits = new Map<string, TraitDecl>();
  aliases = new Map<string, TypeAliasDecl>();
  /** `Trait for Type` for every `impl Trait for Type` (Type by its generic's name) */
  impls = new Set<string>();
  instances = new Map<string, number>();
  /** the type parameters in scope while a type is resolved (an instance's, an alias's) */
  typeEnv: Map<string, Ty> | null = null;
  /** resolving a generic declaration's types once to report their errors: no instances are made */
  probing = false;
  /** per trait, the types converted to `dyn Trait`, in vtable-number order */
  dynTypes = new Map<string, Ty[]>();
  /** per `Trait.method` called on a dyn value, the dispatcher function (see DynDispatch) */
  dispatchers = new Map<string, FnInfo>();
  /** the aliases being resolved, innermost last (a cycle is an error) */
  aliasStack: TypeAliasDecl[] = [];
  aliasCycles = new Set<string>();
  closures: ClosureInfo[] = [];
  spawnThunks: SpawnThunk[] = [];

  /** Every function of the program, generic instances and dyn dispatchers too, by index. */
  fnIndex = new Map<number, FnInfo>();

  /**
   * The index the next function gets: functions, instances, dispatchers, function literals and
   * spawn thunks share one numbering in the order they are made.
   */
  nextFunctionIndex(): number {
    return this.fns.length + 1 + this.closures.length + this.spawnThunks.length;
  }

  // per-function state
  /** how many `unsafe { }` blocks enclose the expression being checked */
  unsafeDepth = 0;
  scopes: Map<string, LocalVar>[] = [];
  localTypes: Ty[] = [];
  retTy: Ty = T.void;
  loopDepth = 0;
  selfType: string | null = null;
  /** how deeply the expression or loop being checked is nested (see MAX_NESTING) */
  depth = 0;
  nestingReported = false;
  /** integer literals typed by their use, range-checked at the end of their function */
  literals: { e: Expr; value: bigint; text: string; ty: Ty }[] = [];
  /** this function's variables that closures capture and may change (closures.ts) */
  boxedVars: LocalVar[] = [];
  /** the function being checked, for the names of its closures */
  fnName = '<init>';
  /** inside a closure: the scopes of the functions around it (for "did you mean") */
  enclosingScopes: Map<string, LocalVar>[] = [];

  constructor(readonly program: Program, readonly file: string, readonly source: string) {
    this.enums.set('Result', {
      name: 'Result', arity: 2,
      variants: [
        { name: 'Ok', arity: 1, fields: (a) => [a[0]] },
        { name: 'Err', arity: 1, fields: (a) => [a[1]] },
      ],
    });
    this.enums.set('Option', {
      name: 'Option', arity: 1,
      variants: [
        { name: 'Some', arity: 1, fields: (a) => [a[0]] },
        { name: 'None', arity: 0, fields: () => [] },
      ],
    });
  }

  err(at: Pos, msg: string, hint?: string): never {
    throw new CompileError(this.file, this.source, at.line, at.col, msg, hint);
  }

  /** What the declarations with syntax errors would have declared (see check()). */
  unparsed: Unparsed = { names: new Set(), impls: new Set(), imports: false };

  /** An error about `name` unless a declaration that did not parse may have declared it. */
  unknown(name: string, at: Pos, msg: string, hint?: string): never {
    if (this.unparsed.names.has(name)) throw new QuietError(this.file, this.source, at.line, at.col, msg);
    return this.err(at, msg, hint);
  }

  /** A method `name` missing on `ty`, unless an impl of its type did not parse. */
  noMethod(ty: Ty, at: Pos, msg: string, hint?: string): never {
    const base = ty.k === 'struct' ? (this.structs.get(ty.name)?.generic?.base ?? ty.name) : ty.k === 'enum' ? ty.name : null;
    if (base !== null && this.unparsed.impls.has(base)) throw new QuietError(this.file, this.source, at.line, at.col, msg);
    return this.err(at, msg, hint);
  }

  /** Every error found so far; the checker goes on after each one (see attempt). */
  errors: CompileError[] = [];

  /** Keep an error, unless it is about a value whose type is already an error (a cascade). */
  record(e: CompileError): void {
    if (e instanceof QuietError) return;
    if (e.message.includes(ERROR_TYPE_TEXT) || (e.hint ?? '').includes(ERROR_TYPE_TEXT)) return;
    if (this.errors.some((x) => x.line === e.line && x.col === e.col && x.message === e.message)) return;
    this.errors.push(e);
  }

  /**
   * Run one unit of checking (a declaration, a statement, an expression); on a compile error,
   * record it, restore the scope and loop state the unit may have left, and go on with
   * `fallback` (usually the error type, which fits everywhere).
   */
  attempt<R>(f: () => R, fallback: R): R {
    const scopes = this.scopes.length;
    const loops = this.loopDepth;
    const unsafe = this.unsafeDepth;
    try {
      return f();
    } catch (x) {
      if (!(x instanceof CompileError)) throw x;
      this.record(x);
      this.scopes.length = Math.min(this.scopes.length, scopes);
      this.loopDepth = loops;
      this.unsafeDepth = unsafe;
      return fallback;
    }
  }

  /** A declared type, or the error type (recorded) when it does not resolve. */
  safeType(t: TypeExpr): Ty {
    return this.attempt(() => this.resolveType(t), T.error);
  }

  /** Functions a call by a plain name may mean: the program's, the externs and the built-ins. */
  functionNames(): string[] {
    return [...[...this.fnByKey.keys()].filter((k) => !k.includes('::')), ...this.externs.keys(),
      ...BUILTIN_FNS.filter((f) => f.ns === '').map((f) => f.name), 'len', ...CONVERSIONS];
  }

  /** The functions of `impl T`. */
  methodNames(type: string): string[] {
    const prefix = `${type}::`;
    return [...this.fnByKey.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  typeNames(): string[] {
    return [...this.structs.keys(), ...this.enums.keys(), ...INT_NAMES, 'int', 'uint', 'f32', 'f64', 'float', 'bool', 'char', 'string', 'void', 'Channel', 'TaskHandle'];
  }

  /** The names a "did you mean" hint may offer for an unknown variable. */
  valueNames(): string[] {
    const out: string[] = [];
    // inside a closure, the enclosing functions' variables too (naming one captures it)
    for (const sc of [...this.enclosingScopes, ...this.scopes]) out.push(...sc.keys());
    out.push(...this.globals.keys());
    return out;
  }

  mismatch(at: Pos, expected: Ty, found: Ty): never {
    return this.err(at, `type mismatch: expected ${show(expected)}, found ${show(found)}`, inferredFrom(found) ?? inferredFrom(expected));
  }

  run(): CheckedProgram {
    const items = this.program.items;
    this.declareTypes(items);
    this.declareFunctions(items);
    this.declareExterns(items);
    this.declareGlobals(items);
    const mainInfo = this.fnByKey.get('main');
    this.attempt(() => {
      if (!mainInfo) this.unknown('main', { line: 1, col: 1 }, "no 'main' function", 'add `pub fn main(void) -> void { ... }`');
      this.checkMainSignature(mainInfo);
    }, undefined);
    // globals are initialised by function 0, in source order
    this.beginFunction(T.void);
    for (const g of this.globalDecls) {
      const info = this.globals.get(g.name)!;
      this.attempt(() => this.expect(g.init, info.ty), T.error);
    }
    this.attempt(() => this.checkLiterals(), undefined);
    this.frames[0] = this.frame(0);
    for (const f of this.fns) if (!f.dispatch) this.attempt(() => this.checkFunction(f), undefined);
    if (this.errors.length === 0) this.globalDecls = this.attempt(() => this.initOrder(this.globalDecls), this.globalDecls);
    if (this.errors.length > 0) throw CompileErrors.of(this.errors);
    if (!mainInfo) throw new QuietError(this.file, this.source, 1, 1, "no 'main' function");
    return {
      program: this.program, structs: this.structs, enums: this.enums, fns: this.fns,
      globals: this.globalList, globalDecls: this.globalDecls, main: mainInfo, frames: this.frames,
      externs: this.externList,
      callbacks: this.callbackList,
      dispatchers: [...this.dispatchers.values()].map((fn) => ({ fn, ...dispatchOf(fn), impls: this.dispatchTargets(fn) })),
      dynTypes: this.dynTypes,
      closures: this.closures,
      spawnThunks: this.spawnThunks,
      fnIndex: this.fnIndex,
    };
  }

  // ------------------------------------------------------------------ declarations
  declareTypes(items: Item[]): void {
    for (const it of items) this.attempt(() => {
      if (it.kind === 'Struct' || it.kind === 'Enum' || it.kind === 'Trait' || it.kind === 'TypeAlias') {
        if (this.isTypeName(it.name)) this.err(it, `type '${it.name}' is already defined`);
        this.checkTypeParams(it, it.typeParams);
        if (it.kind === 'Struct') {
          if (it.typeParams.length) this.genericStructs.set(it.name, it);
          else this.structs.set(it.name, { decl: it, fields: [] });
        } else if (it.kind === 'Enum') {
          this.enums.set(it.name, { name: it.name, arity: it.typeParams.length, variants: [], decl: it });
        } else if (it.kind === 'Trait') {
          this.traits.set(it.name, it);
        } else {
          this.aliases.set(it.name, it);
        }
      }
    }, undefined);
    for (const it of items) {
      if (it.kind === 'Struct' && it.typeParams.length && this.genericStructs.get(it.name) === it) {
        // the field types once, each parameter standing for any type, to report their errors
        const seen = new Set<string>();
        for (const f of it.fields) {
          if (seen.has(f.name)) this.attempt(() => this.err(f, `field '${f.name}' is declared twice`), undefined);
          seen.add(f.name);
          this.probe(it.typeParams, () => this.safeType(f.type));
        }
        continue;
      }
      if (it.kind === 'TypeAlias' && this.aliases.get(it.name) === it) {
        this.aliasStack.push(it);
        this.probe(it.typeParams, () => this.safeType(it.type));
        this.aliasStack.pop();
        continue;
      }
      if (it.kind === 'Struct') {
        const info = this.structs.get(it.name);
        if (info?.decl !== it) continue;
        const seen = new Set<string>();
        for (const f of it.fields) {
          if (seen.has(f.name)) {
            this.attempt(() => this.err(f, `field '${f.name}' is declared twice`), undefined);
            continue;
          }
          seen.add(f.name);
          info.fields.push({ name: f.name, ty: this.safeType(f.type) });
        }
      } else if (it.kind === 'Enum') {
        const info = this.enums.get(it.name);
        if (info?.decl !== it) continue;
        for (const v of it.variants) {
          if (info.variants.some((x) => x.name === v.name)) {
            this.attempt(() => this.err(v, `variant '${v.name}' is declared twice`), undefined);
            continue;
          }
          if (it.typeParams.length) {
            // a generic enum's variant types are resolved for each list of type arguments
            this.probe(it.typeParams, () => v.fields.forEach((t) => this.safeType(t)));
            const params = it.typeParams;
            info.variants.push({
              name: v.name, arity: v.fields.length,
              fields: (a) => this.withEnv(new Map(params.map((p, i) => [p, a[i] ?? T.unknown])), () => v.fields.map((t) => this.attempt(() => this.resolveType(t), T.error))),
            });
            continue;
          }
          const fields = v.fields.map((t) => this.safeType(t));
          info.variants.push({ name: v.name, arity: fields.length, fields: () => fields });
        }
      }
    }
  }

  /** A function or method the program declares (or an instance of a generic one): its FnInfo. */
  declareFn(decl: FnDecl, owner: string | null, ownerTy: Ty | null, key: string, env?: Map<string, Ty>): FnInfo {
    if (this.fnByKey.has(key) || this.genericFns.has(key)) this.err(decl, `function '${key}' is already defined`);
    let hasSelf = false;
    const params: Ty[] = [];
    const saved = this.selfType;
    this.selfType = owner;
    try {
      this.withEnv(env ?? this.typeEnv, () => decl.params.forEach((p, i) => {
        if (p.name === 'self' && p.type === null) {
          if (!owner || i !== 0) this.err(p, "'self' is only allowed as the first parameter of a method");
          hasSelf = true;
          params.push(ownerTy ?? this.namedType(owner!, p));
        } else {
          params.push(this.safeType(p.type!));
        }
      }));
      const ret = decl.ret ? this.withEnv(env ?? this.typeEnv, () => this.safeType(decl.ret!)) : T.void;
      const info: FnInfo = { index: this.nextFunctionIndex(), key, decl, params, ret, hasSelf, typeEnv: env };
      decl.owner = owner ?? undefined;
      this.fns.push(info);
      this.fnIndex.set(info.index, info);
      this.fnByKey.set(key, info);
      return info;
    } finally {
      this.selfType = saved;
    }
  }

  declareFunctions(items: Item[]): void {
    const add = (decl: FnDecl, owner: string | null): void => {
      const key = owner ? `${owner}::${decl.name}` : decl.name;
      this.checkTypeParams(decl, decl.typeParams);
      if (decl.typeParams.length) {
        if (this.fnByKey.has(key) || this.genericFns.has(key)) this.err(decl, `function '${key}' is already defined`);
        this.genericFns.set(key, { decl, owner, ownerParams: [], ownerBounds: [] });
        this.probeSignature(decl, owner, []);
        return;
      }
      this.declareFn(decl, owner, null, key);
    };
    for (const it of items) {
      if (it.kind === 'Fn') this.attempt(() => add(it, null), undefined);
      if (it.kind === 'Impl') {
        const generic = this.genericStructs.has(it.name) || (this.enums.get(it.name)?.decl?.typeParams.length ?? 0) > 0;
        if (!this.structs.has(it.name) && !this.enums.has(it.name) && !generic) {
          this.attempt(() => this.unknown(it.name, it, `impl for unknown type '${it.name}'`, didYouMean(it.name, [...this.structs.keys(), ...this.enums.keys(), ...this.genericStructs.keys()])), undefined);
          continue;
        }
        const methods = this.attempt(() => this.traitImpl(it), it.methods);
        if (generic) {
          this.attempt(() => this.genericImpl(it, methods), undefined);
          continue;
        }
        if (it.typeParams.length || it.typeArgs.length) {
          this.attempt(() => this.err(it, `'${it.name}' is not generic: write impl ${it.name} { ... }`), undefined);
          continue;
        }
        for (const m of methods) this.attempt(() => add(m, it.name), undefined);
      }
    }
    for (const it of items) if (it.kind === 'Impl' && it.trait) this.attempt(() => this.checkTraitSignatures(it), undefined);
  }

  declareGlobals(items: Item[]): void {
    for (const it of items) {
      if (it.kind !== 'Global') continue;
      if (this.globals.has(it.name)) {
        this.attempt(() => this.err(it, `global '${it.name}' is already defined`), undefined);
        continue;
      }
      const info: GlobalInfo = { index: this.globalList.length, name: it.name, ty: this.safeType(it.type), mut: !it.isConst };
      this.globals.set(it.name, info);
      this.globalList.push(info);
      this.globalDecls.push(it);
    }
  }

  /**
   * Globals initialise in dependency order (a const may use a later one), where an initialiser
   * depends on the globals it reads and on those read by every function it may call; a cycle is
   * an error, so no initialiser can ever see a global before it is set.
   */
  initOrder(decls: GlobalDecl[]): GlobalDecl[] {
    const byIndex = new Map(decls.map((d) => [this.globals.get(d.name)!.index, d]));
    // globals each function reads, directly or through the functions it calls
    const reads = new Map<number, Set<number>>();
    const fnReads = (index: number, seen = new Set<number>()): Set<number> => {
      const done = reads.get(index);
      if (done) return done;
      const out = new Set<number>();
      if (seen.has(index)) return out;
      seen.add(index);
      const f = this.fnIndex.get(index);
      // a dyn method's dispatcher may call the method of every type made a dyn value
      const callees = f?.dispatch ? this.dispatchTargets(f) : [];
      if (f && !f.dispatch) {
        for (const g of globalsUsed(f.decl.body)) out.add(g);
        callees.push(...functionsCalled(f.decl.body));
      }
      for (const c of callees) for (const g of fnReads(c, seen)) out.add(g);
      if (seen.size === 1) reads.set(index, out);
      seen.delete(index);
      return out;
    };
    const depsOf = (d: GlobalDecl): Set<number> => {
      const out = globalsUsed(d.init);
      for (const f of functionsCalled(d.init)) for (const g of fnReads(f)) out.add(g);
      return out;
    };
    const state = new Map<GlobalDecl, 'visiting' | 'done'>();
    const order: GlobalDecl[] = [];
    const visit = (d: GlobalDecl): void => {
      const st = state.get(d);
      if (st === 'done') return;
      if (st === 'visiting') this.err(d, `global '${d.name}' depends on itself through its initialiser`);
      state.set(d, 'visiting');
      for (const i of depsOf(d)) {
        if (i === this.globals.get(d.name)!.index) this.err(d, `global '${d.name}' is read by its own initialiser`);
        visit(byIndex.get(i)!);
      }
      state.set(d, 'done');
      order.push(d);
    };
    decls.forEach(visit);
    return order;
  }

  checkMainSignature(main: FnInfo): void {
    const r = main.ret;
    const ok = r.k === 'void' || (r.k === 'int' && r.name === 'i32') ||
      (r.k === 'enum' && r.name === 'Result' && r.args[0].k === 'void' && r.args[1].k === 'string');
    if (!ok) this.err(main.decl, `'main' must return void, i32 or Result<void, string>, not ${show(r)}`);
    if (main.params.length) this.err(main.decl, "'main' takes no parameters", 'use args() to read the command line');
  }

  namedType(name: string, at: Pos): Ty {
    if (this.structs.has(name)) return { k: 'struct', name };
    const e = this.enums.get(name);
    if (e && e.arity === 0) return { k: 'enum', name, args: [] };
    if (e || this.genericStructs.has(name)) {
      const params = e?.decl?.typeParams ?? this.genericStructs.get(name)?.typeParams ?? (name === 'Result' ? ['T', 'E'] : ['T']);
      return this.err(at, `${name} needs its type argument${params.length > 1 ? 's' : ''}: ${name}<${params.join(', ')}>`);
    }
    if (this.traits.has(name)) return this.err(at, `${name} is a trait, not a type`, `write dyn ${name} for a value of any type that implements it`);
    return this.unknown(name, at, `unknown type '${name}'`, didYouMean(name, this.typeNames()));
  }

  resolveType(t: TypeExpr): Ty {
    switch (t.kind) {
      case 'TName': {
        const n = t.name;
        if (t.args.length === 0 && this.typeEnv?.has(n)) return this.typeEnv.get(n)!;
        const alias = this.aliases.get(n);
        if (alias) return this.aliasType(alias, t);
        const gs = this.genericStructs.get(n);
        if (gs && t.args.length > 0) {
          if (t.args.length !== gs.typeParams.length) this.err(t, `'${n}' takes ${gs.typeParams.length} type argument${gs.typeParams.length > 1 ? 's' : ''}, found ${t.args.length}`);
          return this.instantiateStruct(gs, t.args.map((a) => this.resolveType(a)), t);
        }
        if (t.args.length === 0) {
          if ((INT_NAMES as readonly string[]).includes(n)) return { k: 'int', name: n as IntName };
          switch (n) {
            case 'int': return T.i64;
            case 'uint': return { k: 'int', name: 'u64' };
            case 'f32': case 'f64': return { k: 'float', name: n };
            case 'float': return T.f64;
            case 'Never': return T.never;
            case 'i128': case 'u128': return { k: 'wide', name: n };
            case 'bool': return T.bool;
            case 'char': return T.char;
            case 'string': return T.string;
            case 'void': return T.void;
            case 'AsthraMutex': return { k: 'mutex' };
            case 'AsthraResult': return { k: 'asthraResult' };
            case 'Self':
              if (this.selfType) return this.namedType(this.selfType, t);
              break;
            case 'Channel': case 'TaskHandle':
              if (!this.structs.has(n) && !this.enums.has(n)) return this.err(t, `${n} needs its element type: ${n}<i32>`);
          }
          return this.namedType(n, t);
        }
        const args = t.args.map((a) => this.resolveType(a));
        if (n === 'TaskHandle' && args.length === 1) return { k: 'handle', elem: args[0] };
        if (n === 'Channel' && args.length === 1) return { k: 'chan', elem: args[0] };
        const e = this.enums.get(n);
        if (!e || e.arity === 0) return this.err(t, `'${n}' does not take type arguments`);
        if (e.arity !== args.length) this.err(t, `'${n}' takes ${e.arity} type argument${e.arity > 1 ? 's' : ''}, found ${args.length}`);
        return { k: 'enum', name: n, args };
      }
      case 'TSlice': return { k: 'slice', elem: this.resolveType(t.elem), fixed: null };
      case 'TArray': {
        const n = this.constInt(t.size);
        notes(t).size = n;
        return { k: 'slice', elem: this.resolveType(t.elem), fixed: n };
      }
      case 'TTuple': return { k: 'tuple', elems: t.elems.map((e) => this.resolveType(e)) };
      case 'TPtr': {
        const elem = this.resolveType(t.elem);
        // a mutex is a runtime object the collector manages; the pointer type names it
        if (elem.k === 'mutex') return elem;
        return { k: 'ptr', mut: t.mut, elem };
      }
      case 'TFn': {
        // fn(void) -> R takes no arguments
        const ps = t.params.length === 1 && t.params[0].kind === 'TName' && t.params[0].name === 'void' ? [] : t.params;
        return { k: 'fn', params: ps.map((p) => this.resolveType(p)), ret: this.resolveType(t.ret) };
      }
      case 'TDyn':
        if (!this.traits.has(t.trait)) return this.unknown(t.trait, t, `unknown trait '${t.trait}'`, didYouMean(t.trait, this.traits.keys()));
        return { k: 'dyn', trait: t.trait };
    }
  }

  // ------------------------------------------------------------------ generics and traits
  isTypeName(name: string): boolean {
    return this.structs.has(name) || this.enums.has(name) || this.genericStructs.has(name) || this.traits.has(name) || this.aliases.has(name);
  }

  checkTypeParams(at: Pos, params: string[]): void {
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p)) this.err(at, `type parameter '${p}' is declared twice`);
      seen.add(p);
    }
  }

  /** Run f with these type parameter bindings in scope (replacing, not adding to, the current ones). */
  withEnv<R>(env: Map<string, Ty> | null, f: () => R): R {
    const saved = this.typeEnv;
    this.typeEnv = env;
    try {
      return f();
    } finally {
      this.typeEnv = saved;
    }
  }

  /** Resolve a generic declaration's types with each parameter standing for any type, for their errors. */
  probe(params: string[], f: () => void): void {
    const saved = this.probing;
    this.probing = true;
    try {
      this.withEnv(new Map(params.map((p) => [p, T.unknown])), f);
    } finally {
      this.probing = saved;
    }
  }

  /** A generic function's parameter and result types, probed once for their errors. */
  probeSignature(decl: FnDecl, owner: string | null, ownerParams: string[]): void {
    this.probe([...ownerParams, ...decl.typeParams, 'Self'], () => {
      for (const p of decl.params) if (p.type) this.safeType(p.type);
      if (decl.ret) this.safeType(decl.ret);
    });
    for (const [i, bs] of decl.bounds.entries()) for (const b of bs) {
      if (!this.traits.has(b)) this.attempt(() => this.unknown(b, decl, `unknown trait '${b}' in the bound of '${decl.typeParams[i]}'`, didYouMean(b, this.traits.keys())), undefined);
    }
    void owner;
  }

  aliasType(alias: TypeAliasDecl, t: Extract<TypeExpr, { kind: 'TName' }>): Ty {
    if (t.args.length !== alias.typeParams.length) {
      this.err(t, `type alias '${alias.name}' takes ${alias.typeParams.length} type argument${alias.typeParams.length === 1 ? '' : 's'}, found ${t.args.length}`);
    }
    const at = this.aliasStack.indexOf(alias);
    if (at >= 0) {
      const cycle = [...this.aliasStack.slice(at), alias].map((a) => a.name).join(' -> ');
      const first = this.aliasStack[at];
      // one error for the cycle, at the alias it was entered by first
      if (!this.aliasCycles.has(first.name)) {
        for (const a of this.aliasStack.slice(at)) this.aliasCycles.add(a.name);
        this.err(first, `type alias '${first.name}' refers to itself: ${cycle}`, 'an alias names another type; use a struct or enum for a recursive type');
      }
      return T.error;
    }
    const args = t.args.map((a) => this.resolveType(a));
    this.aliasStack.push(alias);
    try {
      return this.withEnv(new Map(alias.typeParams.map((p, i) => [p, args[i]])), () => this.resolveType(alias.type));
    } finally {
      this.aliasStack.pop();
    }
  }

  countInstance(name: string, at: Pos): void {
    const n = (this.instances.get(name) ?? 0) + 1;
    this.instances.set(name, n);
    if (n > MAX_INSTANCES) this.err(at, `more than ${MAX_INSTANCES} instances of '${name}'`, 'a generic that calls itself with a bigger type each time never ends');
  }

  /** `Pair<i32>`: the struct instance, made (its fields resolved) the first time it is named. */
  instantiateStruct(decl: StructDecl, given: Ty[], at: Pos): Ty {
    if (this.probing || given.some((a) => hasUnknown(a))) {
      if (this.probing) return T.unknown;
      this.err(at, `cannot infer the type arguments of ${decl.name}`, `write them: ${decl.name}<${decl.typeParams.join(', ')}>`);
    }
    const args = given.map(settle);
    const name = instanceName(decl.name, args);
    if (!this.structs.has(name)) {
      this.countInstance(decl.name, at);
      const info: StructInfo = { decl, fields: [], generic: { base: decl.name, args } };
      this.structs.set(name, info);
      const env = new Map(decl.typeParams.map((p, i) => [p, args[i]]));
      this.withEnv(env, () => {
        for (const f of decl.fields) info.fields.push({ name: f.name, ty: this.attempt(() => this.resolveType(f.type), T.error) });
      });
    }
    return { k: 'struct', name };
  }

  originOf = (name: string): { base: string; args: Ty[] } | undefined => this.structs.get(name)?.generic;

  /** The methods of `impl Box` / `impl<T> Box<T>` for a generic Box: instantiated when called. */
  genericImpl(it: Extract<Item, { kind: 'Impl' }>, methods: FnDecl[]): void {
    const declParams = this.genericStructs.get(it.name)?.typeParams ?? this.enums.get(it.name)!.decl!.typeParams;
    let names: string[];
    if (it.typeArgs.length === 0) {
      if (it.typeParams.length) this.err(it, `write impl<${it.typeParams.join(', ')}> ${it.name}<${it.typeParams.join(', ')}>`);
      names = declParams; // upstream's `impl Box { ... }` names the struct's own parameters
    } else {
      if (it.typeArgs.length !== declParams.length) this.err(it, `'${it.name}' takes ${declParams.length} type argument${declParams.length > 1 ? 's' : ''}, found ${it.typeArgs.length}`);
      names = it.typeArgs.map((a) => {
        if (a.kind !== 'TName' || a.args.length || !it.typeParams.includes(a.name)) {
          return this.err(a, `an impl of a generic type names its parameters: impl<T> ${it.name}<T> { ... }`);
        }
        return a.name;
      });
    }
    const bounds = names.map((n) => it.bounds[it.typeParams.indexOf(n)] ?? []);
    let table = this.genericMethods.get(it.name);
    if (!table) this.genericMethods.set(it.name, (table = new Map()));
    for (const m of methods) this.attempt(() => {
      this.checkTypeParams(m, [...names, ...m.typeParams]);
      if (table!.has(m.name)) this.err(m, `function '${it.name}::${m.name}' is already defined`);
      table!.set(m.name, { decl: m, owner: it.name, ownerParams: names, ownerBounds: bounds });
      this.probeSignature(m, it.name, names);
    }, undefined);
  }

  /**
   * `impl Trait for Type`: the trait exists, every required method is there and nothing else is;
   * default methods the impl leaves out are copied in. Returns the impl's methods.
   */
  traitImpl(it: Extract<Item, { kind: 'Impl' }>): FnDecl[] {
    if (!it.trait) return it.methods;
    const tr = this.traits.get(it.trait.name);
    if (!tr) return this.unknown(it.trait.name, it.trait, `unknown trait '${it.trait.name}'`, didYouMean(it.trait.name, this.traits.keys()));
    const key = `${tr.name} for ${it.name}`;
    if (this.impls.has(key)) this.err(it, `${tr.name} is already implemented for ${it.name}`);
    this.impls.add(key);
    const methods = [...it.methods];
    for (const m of it.methods) {
      if (!tr.methods.some((x) => x.name === m.name)) {
        this.attempt(() => this.err(m, `method '${m.name}' is not a member of trait ${tr.name}`, didYouMean(m.name, tr.methods.map((x) => x.name)) ?? 'move it to an impl of the type itself'), undefined);
      }
    }
    for (const tm of tr.methods) {
      if (it.methods.some((m) => m.name === tm.name)) continue;
      if (tm.body) {
        methods.push({ ...cloneTree(tm), body: tm.body && cloneTree(tm.body) } as FnDecl);
        continue;
      }
      const e = new CompileError(this.file, this.source, it.line, it.col, `impl ${tr.name} for ${it.name} is missing method '${tm.name}'`);
      e.withNote(tm, `'${tm.name}' is declared in trait ${tr.name} here`);
      this.record(e);
    }
    return methods;
  }

  /** An impl's methods have the trait's signatures (with Self the implementing type). */
  checkTraitSignatures(it: Extract<Item, { kind: 'Impl' }>): void {
    const tr = this.traits.get(it.trait!.name);
    if (!tr || !this.structs.has(it.name) && !(this.enums.get(it.name)?.arity === 0)) return;
    const self = this.namedType(it.name, it);
    for (const tm of tr.methods) {
      const f = this.fnByKey.get(`${it.name}::${tm.name}`);
      if (!f || f.decl === (tm as unknown)) continue;
      const sig = this.traitSig(tr, tm.name, self);
      const got = `(${f.params.map(show).join(', ')}) -> ${show(f.ret)}`;
      const want = `(${sig.params.map(show).join(', ')}) -> ${show(sig.ret)}`;
      if (sig.hasSelf !== f.hasSelf || sig.params.length !== f.params.length || !sig.params.every((p, i) => same(p, f.params[i])) || !same(sig.ret, f.ret)) {
        const e = new CompileError(this.file, this.source, f.decl.line, f.decl.col, `method '${tm.name}' has signature ${got}, but trait ${tr.name} declares ${want}`);
        e.withNote(tm, `declared in trait ${tr.name} here`);
        this.record(e);
      }
    }
  }

  /** A trait method's parameter and result types for a given Self. */
  traitSig(tr: TraitDecl, name: string, self: Ty): { params: Ty[]; ret: Ty; hasSelf: boolean } {
    const tm = tr.methods.find((m) => m.name === name)!;
    return this.withEnv(new Map([['Self', self]]), () => ({
      params: tm.params.map((p: Param) => (p.type === null ? self : this.resolveType(p.type))),
      ret: tm.ret ? this.resolveType(tm.ret) : T.void,
      hasSelf: takesSelf(tm),
    }));
  }

  /** The functions a dyn method's dispatcher may call (the method of each of the trait's dyn types). */
  dispatchTargets(fn: FnInfo): number[] {
    const { trait, method } = dispatchOf(fn);
    return (this.dynTypes.get(trait) ?? []).map((t) => this.fnByKey.get(`${show(t)}::${method}`)!.index);
  }

  /** The vtable number of `ty` among the trait's dyn types, its methods instantiated if generic. */
  dynVtable(trait: string, ty: Ty, at: Pos): number {
    let list = this.dynTypes.get(trait);
    if (!list) this.dynTypes.set(trait, (list = []));
    const name = show(ty);
    const i = list.findIndex((t) => show(t) === name);
    if (i >= 0) return i;
    const why = this.unmetBound(ty, trait);
    if (why) this.err(at, `${name} cannot be used as dyn ${trait}: ${why}`);
    for (const m of this.traits.get(trait)!.methods) this.methodOf(ty, m.name, at);
    list.push(ty);
    return list.length - 1;
  }

  /** The function of `ty`'s method `name` (an instance, for a generic type's method). */
  methodOf(ty: Ty, name: string, at: Pos): FnInfo {
    const have = this.fnByKey.get(`${show(ty)}::${name}`);
    if (have) return have;
    const origin = ty.k === 'struct' ? this.structs.get(ty.name)?.generic : ty.k === 'enum' && ty.args.length ? { base: ty.name, args: ty.args } : undefined;
    const g = origin && this.genericMethods.get(origin.base)?.get(name);
    if (!g || !origin) return this.noMethod(ty, at, `${show(ty)} has no method '${name}'`);
    return this.instantiateFn(g, new Map(g.ownerParams.map((p, i) => [p, origin.args[i]])), at);
  }

  /** A method call on a `dyn Trait` value: through the trait method's dispatcher. */
  dynCall(e: Extract<Expr, { kind: 'Call' }>, name: string, ot: Extract<Ty, { k: 'dyn' }>): Ty {
    const tr = this.traits.get(ot.trait)!;
    const tm = tr.methods.find((m) => m.name === name);
    if (!tm) return this.err(e.callee, `dyn ${tr.name} has no method '${name}'`, didYouMean(name, tr.methods.map((m) => m.name)) ?? `trait ${tr.name} declares ${tr.methods.map((m) => `'${m.name}'`).join(', ')}`);
    if (!(takesSelf(tm))) this.err(e, `'${tr.name}::${name}' has no self parameter, so it cannot be called on a dyn value`);
    if (tm.typeParams.length) this.err(e, `'${tr.name}::${name}' is generic, so it cannot be called on a dyn value`);
    const sig = this.traitSig(tr, name, ot);
    const key = `<${tr.name}.${name}>`;
    let fn = this.dispatchers.get(key);
    if (!fn) {
      fn = { index: this.nextFunctionIndex(), key, decl: tm as FnDecl, params: sig.params, ret: sig.ret, hasSelf: true, dispatch: true };
      this.fns.push(fn);
      this.fnIndex.set(fn.index, fn);
      this.dispatchers.set(key, fn);
      this.frames[fn.index] = { nlocals: sig.params.length + 1, localTypes: [...sig.params, T.i32], cells: new Map(), boxes: new Map() };
    }
    notes(e).target = { k: 'fn', index: fn.index };
    this.args(e, sig.params.slice(1), e.args, `'${tr.name}::${name}'`, tm as FnDecl);
    return sig.ret;
  }

  /** Null when `ty` implements the trait, else why not (for the bound's error). */
  unmetBound(ty: Ty, trait: string): string | null {
    const tr = this.traits.get(trait);
    if (!tr) return `'${trait}' is not a trait`;
    const base = ty.k === 'struct' ? (this.structs.get(ty.name)?.generic?.base ?? ty.name) : ty.k === 'enum' ? ty.name : show(ty);
    if (this.impls.has(`${trait} for ${base}`) || this.unparsed.impls.has(base)) return null;
    const has = (m: string): boolean => this.fnByKey.has(`${show(ty)}::${m}`) || !!this.genericMethods.get(base)?.has(m);
    const missing = tr.methods.filter((m) => !has(m.name)).map((m) => m.name);
    if (missing.length) return `${show(ty)} does not implement ${trait}: it has no method ${missing.map((m) => `'${m}'`).join(', ')}`;
    return `${show(ty)} does not implement ${trait}: add impl ${trait} for ${base} { ... }`;
  }

  /**
   * A call of a generic function or method: its type arguments come from the receiver's type
   * (`ownerArgs`), the expected result and the arguments' types, in that order; then the
   * instance is made (or found) and the arguments are checked against it.
   */
  genericCall(e: Extract<Expr, { kind: 'Call' }>, g: GenericFn, ownerArgs: Ty[], expected: Ty | undefined, what: string): Ty {
    const decl = g.decl;
    const all = new Set([...g.ownerParams, ...decl.typeParams]);
    const env = new Map<string, Ty>();
    g.ownerParams.forEach((p, i) => {
      if (ownerArgs[i] && !hasUnknown(ownerArgs[i])) env.set(p, ownerArgs[i]);
    });
    const selfTE: TypeExpr | null = g.owner ? { kind: 'TName', name: g.owner, args: g.ownerParams.map((p) => ({ kind: 'TName', name: p, args: [], line: decl.line, col: decl.col })), line: decl.line, col: decl.col } : null;
    const deSelf = (te: TypeExpr): TypeExpr => (selfTE ? replaceSelf(te, selfTE) : te);
    const params = decl.params.filter((p) => !(p.name === 'self' && p.type === null));
    let args = e.args;
    if (args.length === 1 && params.length === 0 && args[0].kind === 'Unit') {
      notes(e).noArgs = true;
      args = [];
    }
    if (args.length !== params.length) {
      const x = new CompileError(this.file, this.source, e.line, e.col, `wrong number of arguments to ${what}: expected ${params.length}, found ${args.length}`);
      x.withNote(decl, `${what} is declared here with ${params.length} parameter${params.length === 1 ? '' : 's'}`);
      throw x;
    }
    // the arguments that name a type parameter give their types first (as in Rust), then the
    // expected result fills in the rest and fixes what only integer literals gave
    const open = (): Set<string> => new Set([...all].filter((p) => !env.has(p)));
    const typed: (Ty | null)[] = params.map((p, i) => {
      const te = deSelf(p.type!);
      if (!mentions(te, all) || (!mentions(te, open()) && needsContext(args[i]))) return null;
      const t = this.expr(args[i]);
      unify(te, t, all, env, this.originOf);
      return t;
    });
    if (expected && decl.ret && !hasUnknown(expected) && expected.k !== 'error') {
      const hint = new Map<string, Ty>();
      unify(deSelf(decl.ret), expected, all, hint, this.originOf);
      for (const [k, v] of hint) {
        const had = env.get(k);
        if (had === undefined) env.set(k, v);
        else if (openVar(had) && v.k === 'int') same(had, v);
      }
    }
    params.forEach((p, i) => {
      if (typed[i] !== null) return;
      const want = this.withEnv(new Map([...env].map(([k, v]) => [k, settle(v)])), () => this.resolveType(deSelf(p.type!)));
      this.expectArg(args[i], want, p, what);
    });
    const missing = [...open()];
    if (missing.length) {
      this.err(e, `cannot infer type parameter '${missing[0]}' of ${what}`, g.owner && g.ownerParams.includes(missing[0])
        ? `write the type: ${g.owner}<${g.ownerParams.join(', ')}>::${decl.name}(...) or give the result a declared type`
        : 'give an argument or the result a declared type that names it');
    }
    for (const [k, v] of env) env.set(k, settle(v));
    const inst = this.instantiateFn(g, env, e);
    const off = inst.hasSelf ? 1 : 0;
    params.forEach((p, i) => {
      const t = typed[i];
      if (t === null) return;
      setUseSite(args[i]);
      if (!assignable(inst.params[off + i], t)) {
        const x = new CompileError(this.file, this.source, args[i].line, args[i].col, `type mismatch: expected ${show(inst.params[off + i])}, found ${show(t)}`);
        x.withNote(p, `parameter '${p.name}' of ${what} is declared here as ${show(inst.params[off + i])}`);
        this.record(x);
      }
    });
    notes(e).target = { k: 'fn', index: inst.index };
    return inst.ret;
  }

  /** An argument checked against its parameter's type, with the parameter named in a mismatch. */
  expectArg(a: Expr, want: Ty, p: Param, what: string): void {
    this.attempt(() => {
      try {
        this.expect(a, want);
      } catch (x) {
        if (x instanceof CompileError && x.message.startsWith('type mismatch')) x.withNote(p, `parameter '${p.name}' of ${what} is declared here as ${show(want)}`);
        throw x;
      }
    }, undefined);
  }

  /** The instance of a generic function for these bindings: made, bounds checked, queued for checking. */
  instantiateFn(g: GenericFn, env: Map<string, Ty>, at: Pos): FnInfo {
    const decl = g.decl;
    const ownerArgs = g.ownerParams.map((p) => env.get(p)!);
    let ownerTy: Ty | null = null;
    let owner: string | null = g.owner;
    if (g.owner && g.ownerParams.length) {
      const gs = this.genericStructs.get(g.owner);
      ownerTy = gs ? this.instantiateStruct(gs, ownerArgs, at) : { k: 'enum', name: g.owner, args: ownerArgs };
      owner = show(ownerTy);
    }
    const own = decl.typeParams.map((p) => env.get(p)!);
    const key = (owner ? `${owner}::` : '') + (own.length ? instanceName(decl.name, own) : decl.name);
    const have = this.fnByKey.get(key);
    if (have) return have;
    const check = (params: string[], bounds: string[][]): void => params.forEach((p, i) => {
      for (const b of bounds[i] ?? []) {
        const why = this.unmetBound(env.get(p)!, b);
        if (why) this.err(at, `the bound ${p}: ${b} of '${decl.name}' is not met: ${why}`);
      }
    });
    check(g.ownerParams, g.ownerBounds);
    check(decl.typeParams, decl.bounds);
    this.countInstance(g.owner ? `${g.owner}::${decl.name}` : decl.name, at);
    const copy = cloneTree(decl);
    const full = new Map(env);
    if (ownerTy) full.set('Self', ownerTy);
    const inst = this.declareFn(copy, owner, ownerTy, key, full);
    inst.instantiatedAt = at;
    return inst;
  }

  constIntOrNull(e: Expr): number | null {
    if (e.kind === 'Int') return Number(parseIntLiteral(e.text));
    if (e.kind === 'Ident' && !this.lookup(e.name)) {
      const g = this.program.items.find((it): it is GlobalDecl => it.kind === 'Global' && it.isConst && it.name === e.name);
      if (g) return this.constIntOrNull(g.init);
    }
    return null;
  }

  constInt(e: Expr): number {
    if (e.kind === 'Int') return Number(parseIntLiteral(e.text));
    if (e.kind === 'Ident') {
      const g = this.program.items.find((it): it is GlobalDecl => it.kind === 'Global' && it.isConst && it.name === e.name);
      if (g) return this.constInt(g.init);
    }
    return this.err(e, 'array size must be an integer constant');
  }

  // ------------------------------------------------------------------ functions
  beginFunction(ret: Ty): void {
    this.nestingReported = false;
    this.scopes = [new Map()];
    this.enclosingScopes = [];
    this.localTypes = [];
    this.cells = new Map();
    this.retTy = ret;
    this.loopDepth = 0;
    this.boxedVars = [];
  }

  /** The frame of the function just checked, whose first `arity` locals are its parameters. */
  frame(arity: number): Frame {
    const boxes = new Map<number, number>();
    for (const v of this.boxedVars) boxes.set(v.slot, v.slot < arity && !v.capture ? this.newSlot(v.ty) : v.slot);
    return { nlocals: this.localTypes.length, localTypes: this.localTypes, cells: this.cells, boxes };
  }

  /** A variable a closure captures and may change: it lives in a box (closures.ts). */
  markBoxed(v: LocalVar): void {
    v.boxed = true;
    if (!this.boxedVars.includes(v)) this.boxedVars.push(v);
  }

  currentName(): string {
    return this.fnName;
  }

  /**
   * Check a function literal's body (`body` declares its parameters and checks it, returning
   * its arity) with a function state of its own, and restore the enclosing function's after.
   */
  inFunction(ret: Ty, name: string, index: number, body: () => number): void {
    const saved = {
      scopes: this.scopes, localTypes: this.localTypes, cells: this.cells, retTy: this.retTy, loopDepth: this.loopDepth,
      literals: this.literals, boxedVars: this.boxedVars, fnName: this.fnName, enclosingScopes: this.enclosingScopes,
    };
    this.beginFunction(ret);
    this.enclosingScopes = [...saved.enclosingScopes, ...saved.scopes];
    this.literals = [];
    this.fnName = name;
    try {
      const arity = body();
      this.frames[index] = this.frame(arity);
    } finally {
      Object.assign(this, saved);
    }
  }

  newSlot(ty: Ty): number {
    this.localTypes.push(ty);
    return this.localTypes.length - 1;
  }

  declare(name: string, ty: Ty, mut: boolean): number {
    const slot = this.newSlot(ty);
    this.scopes[this.scopes.length - 1].set(name, { slot, ty, mut });
    return slot;
  }

  lookup(name: string): LocalVar | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i].get(name);
      if (v) return v;
    }
    return undefined;
  }

  checkFunction(f: FnInfo): void {
    this.beginFunction(f.ret);
    this.fnName = f.key;
    this.typeEnv = f.typeEnv ?? null;
    const before = this.errors.length;
    try {
      this.checkBody(f);
    } finally {
      // an error in an instance's body says which instance, and where it was asked for
      const at = f.instantiatedAt;
      if (at) for (const e of this.errors.slice(before)) e.withNote(at, `in ${f.key}, the instance made for this use`);
    }
  }

  checkBody(f: FnInfo): void {
    this.selfType = f.decl.owner ?? null;
    f.decl.params.forEach((p, i) => {
      if (this.scopes[0].has(p.name)) this.attempt(() => this.err(p, `parameter '${p.name}' is declared twice`), undefined);
      this.declare(p.name, f.params[i], p.mut);
    });
    this.block(f.decl.body, false);
    this.attempt(() => this.checkLiterals(), undefined);
    if (f.ret.k !== 'void' && !this.blockReturns(f.decl.body)) {
      const b = f.decl.body;
      this.err(f.decl, `missing return: function '${f.key}' must return ${show(f.ret)} on every path`,
        b.tail ? 'the last expression needs `return`' : undefined);
    }
    this.frames[f.index] = this.frame(f.params.length);
    this.selfType = null;
    this.typeEnv = null;
  }

  /** Does control never fall off the end of this block? */
  blockReturns(b: Block): boolean {
    return b.stmts.some((s) => this.stmtReturns(s));
  }

  stmtReturns(s: Stmt): boolean {
    switch (s.kind) {
      case 'Return': return true;
      case 'ExprStmt': return this.exprReturns(s.expr);
      case 'While': return s.cond.kind === 'Bool' && s.cond.value && !containsBreak(s.body);
      // exactly one arm runs
      case 'Select': return s.arms.every((a) => this.exprReturns(a.body));
      default: return false;
    }
  }

  exprReturns(e: Expr): boolean {
    switch (e.kind) {
      case 'If': case 'IfLet':
        return e.else !== null && this.blockReturns(e.then) && this.exprReturns(e.else);
      case 'BlockExpr': return this.blockReturns(e.block);
      case 'Match': return e.arms.every((a) => this.exprReturns(a.body));
      case 'Call': return e.callee.kind === 'Ident' && (e.callee.name === 'panic' || e.callee.name === 'exit') && !this.lookup(e.callee.name);
      default: return false;
    }
  }

  // ------------------------------------------------------------------ statements
  /** Check a block; with `wantValue` its value (tail, or a final block-like statement) is its type. */
  block(b: Block, wantValue: boolean, expected?: Ty): Ty {
    this.scopes.push(new Map());
    let ty: Ty = T.void;
    const last = b.stmts[b.stmts.length - 1];
    for (const s of b.stmts) {
      if (wantValue && !b.tail && s === last && s.kind === 'ExprStmt' && !s.semi) {
        ty = this.expr(s.expr, expected);
        notes(s).isTail = true;
      } else {
        this.attempt(() => this.stmt(s), undefined);
      }
    }
    if (b.tail) ty = this.expr(b.tail, wantValue ? expected : undefined);
    if (wantValue && !b.tail && ty.k === 'void' && this.blockReturns(b)) ty = T.never;
    this.scopes.pop();
    return ty;
  }

  stmt(s: Stmt): void {
    // loops hold blocks directly, so they count as a level of nesting as expressions do
    if (s.kind === 'For' || s.kind === 'While') {
      if (this.depth >= MAX_NESTING) {
        this.tooDeep(s);
        return;
      }
      this.depth++;
      try {
        this.stmtInner(s);
      } finally {
        this.depth--;
      }
      return;
    }
    this.stmtInner(s);
  }

  stmtInner(s: Stmt): void {
    switch (s.kind) {
      case 'Let': {
        let ty: Ty = T.error;
        // an error in the initialiser still declares the name (with the error type), so its
        // uses cause no more errors
        this.attempt(() => {
          // `let x: auto = e;` infers like `let x = e;`
          if (s.type && !(s.type.kind === 'TName' && s.type.name === 'auto' && s.type.args.length === 0)) {
            ty = this.resolveType(s.type);
            this.expect(s.init, ty);
          } else {
            ty = this.expr(s.init);
            if (hasUnknown(ty) || ty.k === 'void' || ty.k === 'never') {
              const found = ty;
              ty = T.error;
              this.err(s, `cannot infer the type of '${s.name}'${found.k === 'void' ? ' (its value is void)' : ''}`, `write it: let ${s.name}: Type = ...;`);
            }
          }
        }, undefined);
        const attr = s.attr;
        if (attr !== undefined) {
          // every Asthra object keeps its address for life and a binding keeps its object alive
          // until its function returns, so pinned (and gc) need nothing more; c marks C memory
          this.attempt(() => {
            if (attr.name !== 'ownership') this.err(attr, `unknown attribute '#[${attr.name}]' on a let binding`, 'only #[ownership(gc)], #[ownership(c)] or #[ownership(pinned)] goes there');
            else if (!['gc', 'c', 'pinned'].includes(attr.arg ?? '')) this.err(attr, `unknown ownership '${attr.arg ?? ''}'`, 'write #[ownership(gc)], #[ownership(c)] or #[ownership(pinned)]');
          }, undefined);
        }
        notes(s).slot = this.declare(s.name, ty, s.mut);
        this.lookup(s.name)!.isLet = true;
        return;
      }
      case 'Assign': return this.assign(s);
      case 'ExprStmt': {
        this.expr(s.expr);
        return;
      }
      case 'Return': {
        if (s.value === null) {
          if (this.retTy.k !== 'void') this.err(s, `missing return value: expected ${show(this.retTy)}`);
        } else if (s.value.kind === 'Unit' && this.retTy.k === 'void') {
          notes(s.value).ty = T.void;
        } else {
          if (this.retTy.k === 'void') this.err(s.value, 'this function returns void; remove the value');
          this.expect(s.value, this.retTy);
        }
        return;
      }
      case 'Break': case 'Continue':
        if (this.loopDepth === 0) this.err(s, `${s.kind === 'Break' ? 'break' : 'continue'} outside of a loop`);
        return;
      case 'While': {
        this.expect(s.cond, T.bool);
        this.loop(() => this.block(s.body, false));
        return;
      }
      case 'For': return this.forStmt(s);
      case 'Spawn':
        this.spawnCall(s.call);
        return;
      case 'SpawnHandle': {
        const ret = this.spawnCall(s.call);
        notes(s).slot = this.declare(s.name, { k: 'handle', elem: ret }, false);
        return;
      }
      case 'Select': return this.select(s);
    }
  }

  /**
   * `select { arm => body ... }`: each arm's operation gets its SELECT arm code (opcodes.ts
   * SELECT_ARMS), its binding a slot of the type the arm yields.
   */
  select(s: Extract<Stmt, { kind: 'Select' }>): void {
    if (s.arms.length > MAX_SELECT_ARMS) this.err(s, `a select has at most ${MAX_SELECT_ARMS} arms, this one has ${s.arms.length}`);
    const once: Record<string, SelectArm> = {};
    for (const arm of s.arms) {
      const { code, value } = this.selectOp(arm);
      if (code === 'd' || code === 't') {
        const word = code === 'd' ? '`default`' : '`after`';
        const first = once[code];
        if (first) this.err(arm.op, `a select has at most one ${word} arm`, `the first one is on line ${first.line}`);
        once[code] = arm;
      }
      notes(arm).armCode = code;
      this.scopes.push(new Map());
      if (arm.binding !== null) {
        if (value === null) this.err(arm, `${code === 'd' ? 'a `default`' : 'an `after`'} arm has no value to bind`, `write ${code === 'd' ? 'default' : 'after(ms)'} => { ... }`);
        notes(arm).ty = value;
        notes(arm).slot = this.declare(arm.binding, value, false);
      }
      this.expr(arm.body);
      this.scopes.pop();
    }
  }

  /** The SELECT arm code of an arm's operation, and the type of the value it binds (null: none). */
  selectOp(arm: SelectArm): { code: string; value: Ty | null } {
    const op = arm.op;
    if (op.kind === 'Ident' && op.name === 'default') return { code: 'd', value: null };
    if (op.kind === 'Call' && op.callee.kind === 'Ident' && op.callee.name === 'after') {
      if (op.args.length !== 1) this.err(op, `after takes one argument, the milliseconds to wait, found ${op.args.length}`, 'after(50) => { ... }');
      this.intExpr(op.args[0]);
      return { code: 't', value: null };
    }
    if (op.kind === 'Await') {
      const t = this.expr(op);
      return { code: isRef(t) ? 'W' : 'w', value: t };
    }
    if (op.kind === 'Call' && op.callee.kind === 'Field' && (op.callee.name === 'recv' || op.callee.name === 'send')) {
      const name = op.callee.name;
      const ot = this.expr(op.callee.object);
      if (ot.k === 'chan') {
        const t = this.methodCall(op, name, ot);
        notes(op).ty = t;
        const k = isRef(ot.elem);
        return { code: name === 'recv' ? (k ? 'C' : 'c') : (k ? 'S' : 's'), value: t };
      }
      this.err(op.callee.object, `${SELECT_ARM_WORDS}; this ${name} is on ${show(ot)}, not a channel`);
    }
    return this.err(op, SELECT_ARM_WORDS, 'v = ch.recv() => { ... }, ch.send(x) => { ... }, t = await h => { ... }, after(50) => { ... }, default => { ... }');
  }

  /** `spawn f(args)`: the operand must be a call of a user function or method; its result type. */
  spawnCall(call: Expr): Ty {
    if (call.kind !== 'Call') return this.err(call, 'spawn needs a function call', 'spawn worker(1, "a");');
    const ret = this.expr(call);
    const t = notes(call).target;
    if (t?.k === 'closureCall') {
      spawnValue(this, call);
      return ret;
    }
    if (t?.k !== 'fn') this.err(call, 'spawn needs a call of a function or method declared in the program');
    return ret;
  }

  loop(body: () => void): void {
    this.loopDepth++;
    body();
    this.loopDepth--;
  }

  forStmt(s: Extract<Stmt, { kind: 'For' }>): void {
    const it = s.iter;
    this.scopes.push(new Map());
    if (it.kind === 'Call' && it.callee.kind === 'Ident' && it.callee.name === 'range' && !this.lookup('range')) {
      if (it.args.length < 1 || it.args.length > 2) this.err(it, 'range takes 1 or 2 arguments: range(end) or range(start, end)');
      let ty: Ty;
      if (it.args.length === 2) {
        const a = it.args[0].kind === 'Int' && it.args[1].kind !== 'Int' ? 1 : 0;
        ty = this.intExpr(it.args[a]);
        this.expect(it.args[1 - a], ty);
      } else {
        ty = this.intExpr(it.args[0]);
      }
      notes(it).ty = ty;
      notes(s).slot2 = this.newSlot(ty); // end bound
      notes(s).slot = this.declare(s.name, ty, false);
    } else {
      const ty = this.expr(it);
      if (ty.k === 'error') {
        // still check the body, with the loop variable of the error type
        this.declare(s.name, T.error, false);
        this.loop(() => this.block(s.body, false));
        this.scopes.pop();
        return;
      }
      if (ty.k === 'chan') {
        // receive until the channel is closed and drained
        notes(s).slot2 = this.newSlot(ty);
        notes(s).slot = this.declare(s.name, ty.elem, false);
        this.loop(() => this.block(s.body, false));
        this.scopes.pop();
        return;
      }
      if (ty.k !== 'slice' && ty.k !== 'string') this.err(it, `cannot iterate over ${show(ty)}`, 'use range(a, b), a slice or a channel');
      const elem = ty.k === 'slice' ? ty.elem : T.u8;
      notes(s).slot2 = this.newSlot(ty); // the slice
      notes(s).slot3 = this.newSlot(T.usize); // the index
      notes(s).slot = this.declare(s.name, elem, false);
    }
    this.loop(() => this.block(s.body, false));
    this.scopes.pop();
  }

  intExpr(e: Expr): Ty {
    const ty = this.expr(e);
    if (ty.k !== 'int') this.err(e, `expected an integer, found ${show(ty)}`);
    return ty;
  }

  assign(s: Extract<Stmt, { kind: 'Assign' }>): void {
    const t = s.target;
    let ty: Ty;
    if (t.kind === 'Ident') {
      const v = this.lookup(t.name);
      if (v) {
        if (!v.mut) this.err(t, `cannot assign to immutable variable '${t.name}'`, `declare it with 'let mut ${t.name}'`);
        notes(t).target = { k: 'local', slot: v.slot };
        ty = v.ty;
      } else {
        const g = this.globals.get(t.name);
        if (!g) this.unknown(t.name, t, `undefined variable '${t.name}'`, didYouMean(t.name, this.valueNames()));
        if (!g.mut) this.err(t, `cannot assign to constant '${t.name}'`);
        notes(t).target = { k: 'global', index: g.index };
        ty = g.ty;
      }
      notes(t).ty = ty;
    } else if (t.kind === 'Unary' && t.op === '*') {
      ty = this.expr(t);
    } else if (t.kind === 'Field' || t.kind === 'Index') {
      ty = this.expr(t);
      if (t.kind === 'Field') {
        const n = notes(t);
        if (n.fieldIndex === undefined) this.err(t, `cannot assign to '${t.name}'`);
        const objTy = notes(t.object).ty!;
        if (objTy.k === 'tuple') this.err(t, 'tuples are immutable');
      } else if (notes(t.object).ty!.k === 'string') {
        this.err(t, 'strings are immutable');
      }
    } else {
      return this.err(t, 'invalid assignment target');
    }
    if (s.op === '=') {
      this.expect(s.value, ty);
    } else {
      if (s.op === '+' && ty.k === 'string') {
        const vt = this.expr(s.value);
        if (!PRINTABLE.has(vt.k)) this.err(s.value, `cannot append ${show(vt)} to a string`);
      } else {
        if (!isNumeric(ty)) this.err(s, `operator ${s.op}= needs a number, found ${show(ty)}`);
        this.expect(s.value, ty);
      }
    }
  }

  // ------------------------------------------------------------------ expressions
  /** Check `e` against an expected type, with an error naming both on mismatch. */
  expect(e: Expr, ty: Ty): Ty {
    const got = this.expr(e, ty);
    if (ty.k === 'dyn' && (got.k === 'struct' || got.k === 'enum')) {
      // a value of a type that implements the trait becomes a dyn value (with its vtable)
      notes(e).toDyn = this.dynVtable(ty.trait, got, e);
      notes(e).dynTrait = ty.trait;
      return ty;
    }
    setUseSite(e);
    if (!assignable(ty, got)) this.mismatch(e, ty, got);
    const refined = refine(got, ty);
    notes(e).ty = got.k === 'never' ? got : refined;
    return refined;
  }

  expr(e: Expr, expected?: Ty): Ty {
    if (this.depth >= MAX_NESTING) return this.tooDeep(e);
    this.depth++;
    try {
      const ty = this.attempt(() => this.exprInner(e, expected), T.error);
      notes(e).ty = ty;
      return ty;
    } finally {
      this.depth--;
    }
  }

  /** Nesting beyond MAX_NESTING: one error per function, and the error type for what is inside. */
  tooDeep(at: Expr | Stmt): Ty {
    if (!this.nestingReported) {
      this.nestingReported = true;
      this.record(new CompileError(this.file, this.source, at.line, at.col, `nesting deeper than ${MAX_NESTING} levels`,
        'move the inner part into a function of its own'));
    }
    notes(at).ty = T.error;
    return T.error;
  }

  exprInner(e: Expr, expected?: Ty): Ty {
    switch (e.kind) {
      case 'Int': return this.intLiteral(e, expected, false);
      case 'Float': return expected?.k === 'float' ? expected : T.f64;
      case 'Str':
        if (e.value.includes('\0')) {
          this.err(e, 'a string cannot hold a NUL character (\\0)', 'strings are passed to C and printed as NUL-free UTF-8; use a []u8 for bytes that include 0');
        }
        return T.string;
      case 'Char': return T.char;
      case 'Bool': return T.bool;
      case 'Unit': return T.void;
      case 'Ident': return this.ident(e);
      case 'Path':
        if (this.isEnumName(e.type)) return this.ctor(e, e.type, e.name, null, expected);
        return this.err(e, `'${e.type}::${e.name}' must be called`);
      case 'Binary': return this.binary(e, expected);
      case 'Unary': return this.unary(e, expected);
      case 'Cast': return this.cast(e);
      case 'Call': return this.call(e, expected);
      case 'Field': return this.field(e, expected);
      case 'Index': {
        const ot = this.expr(e.object);
        const it = this.intExpr(e.index);
        if (it.k !== 'int') this.err(e.index, 'index must be an integer');
        if (ot.k === 'slice') return ot.elem;
        if (ot.k === 'string') return T.u8;
        return this.err(e.object, `cannot index ${show(ot)}`);
      }
      case 'SliceRange': {
        const ot = this.expr(e.object);
        if (ot.k !== 'slice') this.err(e.object, `cannot slice ${show(ot)}`);
        if (e.lo) this.intExpr(e.lo);
        if (e.hi) this.intExpr(e.hi);
        return { k: 'slice', elem: ot.elem, fixed: null };
      }
      case 'StructLit': return this.structLit(e, expected);
      case 'ArrayLit': {
        const want = expected?.k === 'slice' ? expected.elem : undefined;
        if (e.elems.length === 0) {
          if (!want) this.err(e, 'cannot infer the element type of []', 'give the variable a type: let xs: []i32 = [];');
          return { k: 'slice', elem: want, fixed: null };
        }
        const first = want ? this.expect(e.elems[0], want) : this.expr(e.elems[0]);
        for (const x of e.elems.slice(1)) this.expect(x, first);
        if (expected?.k === 'slice' && expected.fixed !== null && expected.fixed !== e.elems.length) {
          this.err(e, `array length mismatch: expected ${expected.fixed} elements, found ${e.elems.length}`);
        }
        return { k: 'slice', elem: first, fixed: expected?.k === 'slice' ? expected.fixed : null };
      }
      case 'ArrayRepeat': {
        const want = expected?.k === 'slice' ? expected.elem : undefined;
        const elem = want ? this.expect(e.value, want) : this.expr(e.value);
        this.expect(e.count, T.usize);
        if (expected?.k === 'slice' && expected.fixed !== null && (e.count.kind === 'Int' || e.count.kind === 'Ident')) {
          const n = this.constIntOrNull(e.count);
          if (n !== null && n !== expected.fixed) this.err(e, `array length mismatch: expected ${expected.fixed} elements, found ${n}`);
        }
        return { k: 'slice', elem, fixed: expected?.k === 'slice' ? expected.fixed : null };
      }
      case 'TupleLit': {
        const want = expected?.k === 'tuple' && expected.elems.length === e.elems.length ? expected.elems : undefined;
        return { k: 'tuple', elems: e.elems.map((x, i) => (want ? this.expect(x, want[i]) : this.expr(x))) };
      }
      case 'If': {
        this.expect(e.cond, T.bool);
        return this.branches(e, this.block(e.then, true, expected), e.else, expected);
      }
      case 'IfLet': {
        const vt = this.expr(e.value);
        notes(e).slot = this.newSlot(vt);
        this.scopes.push(new Map());
        this.pattern(e.pattern, vt);
        const thenTy = this.block(e.then, true, expected);
        this.scopes.pop();
        return this.branches(e, thenTy, e.else, expected);
      }
      case 'Match': return this.match(e, expected);
      case 'BlockExpr': return e.unsafe ? this.unsafeBlock(e.block, expected) : this.block(e.block, true, expected);
      case 'Await': {
        const h = this.expr(e.handle);
        if (h.k !== 'handle') return this.err(e.handle, `await needs a TaskHandle, found ${show(h)}`);
        return h.elem;
      }
      case 'SpawnExpr': return { k: 'handle', elem: this.spawnCall(e.call) };
      case 'Try': return this.tryExpr(e);
      case 'Sizeof':
        // a constant: it takes the integer type its use wants, as a literal does (usize alone)
        this.resolveType(e.type);
        return expected?.k === 'int' ? { k: 'int', name: expected.name } : T.usize;
      case 'FnLit': return checkFnLit(this, e);
    }
  }

  branches(e: Pos, thenTy: Ty, els: Expr | null, expected?: Ty): Ty {
    if (els === null) return T.void;
    const elseTy = this.expr(els, expected ?? (thenTy.k !== 'never' ? thenTy : undefined));
    if (thenTy.k === 'never') return elseTy;
    if (elseTy.k === 'never') return thenTy;
    if (!same(thenTy, elseTy)) this.err(e, `if and else have different types: ${show(thenTy)} and ${show(elseTy)}`);
    return refine(thenTy, elseTy);
  }

  intLiteral(e: Extract<Expr, { kind: 'Int' }>, expected: Ty | undefined, negative: boolean): Ty {
    const v = parseIntLiteral(e.text) * (negative ? -1n : 1n);
    const text = `${negative ? '-' : ''}${e.text}`;
    if (expected?.k === 'wide') {
      if (!wideFits(v, WIDE_NAMES.indexOf(expected.name))) this.err(e, `literal ${text} does not fit in ${expected.name}`);
      return expected;
    }
    if (v < BigInt(INT_RANGE.i64[0]) || v > BigInt(INT_RANGE.i64[1])) this.err(e, `literal ${text} is too large`, 'integers are exact up to 2^53-1');
    if (expected?.k === 'float') return expected;
    // with no integer type from context, the literal's type comes from its use (IntVar)
    const ty: Ty = expected?.k === 'int' ? expected : flexInt(e);
    if (ty.k === 'int' && openVar(ty)) {
      const [lo, hi] = INT_RANGE.i32;
      if (v < BigInt(lo) || v > BigInt(hi)) openVar(ty)!.big = true;
      // checked once the function has bound the type
      this.literals.push({ e, value: v, text, ty });
    } else if (ty.k === 'int') {
      this.checkFits(e, v, text, ty);
    }
    return ty;
  }

  checkFits(at: Pos, v: bigint, text: string, ty: Extract<Ty, { k: 'int' }>): void {
    const [lo, hi] = INT_RANGE[ty.name];
    if (v >= BigInt(lo) && v <= BigInt(hi)) return;
    const why = ty.flex?.root().boundAt;
    this.err(at, `literal ${text} does not fit in ${ty.name}`,
      why ? `its type ${ty.name} comes from its use at line ${why.line}:${why.col}` : undefined);
  }

  /** The range checks of literals typed by their use, once every use is known. */
  checkLiterals(): void {
    for (const { e, value, text, ty } of this.literals) this.checkFits(e, value, text, ty as Extract<Ty, { k: 'int' }>);
    this.literals = [];
  }

  ident(e: Extract<Expr, { kind: 'Ident' }>): Ty {
    const v = this.lookup(e.name);
    if (v) {
      notes(e).target = { k: 'local', slot: v.slot };
      return v.ty;
    }
    const g = this.globals.get(e.name);
    if (g) {
      notes(e).target = { k: 'global', index: g.index };
      return g.ty;
    }
    const f = this.fnByKey.get(e.name);
    if (f) {
      notes(e).target = { k: 'fnValue', index: f.index };
      return { k: 'fn', params: f.params, ret: f.ret };
    }
    // Asthra_runtime.slice_from_raw_parts's ownership argument
    if (e.name === 'ownership_c' || e.name === 'ownership_gc') {
      notes(e).target = { k: 'constant', value: e.name === 'ownership_c' ? OWNERSHIP_C : OWNERSHIP_GC };
      return T.i32;
    }
    return this.unknown(e.name, e, `undefined variable '${e.name}'`, didYouMean(e.name, this.valueNames()));
  }

  binary(e: Extract<Expr, { kind: 'Binary' }>, expected?: Ty): Ty {
    // a chain of && and || (a && b && ... || z) likewise: every operand is a bool
    if (isLogicLink(e) && isLogicLink(e.left)) {
      const spine: Extract<Expr, { kind: 'Binary' }>[] = [];
      let n: Expr = e;
      for (; isLogicLink(n); n = n.left) spine.push(n);
      this.attempt(() => this.expect(n, T.bool), T.error);
      for (let i = spine.length - 1; i >= 0; i--) {
        this.attempt(() => this.expect(spine[i].right, T.bool), T.error);
        notes(spine[i]).ty = T.bool;
      }
      return T.bool;
    }
    // a long left-associative chain (1 + 1 + ... + 1, "a" + b + ...) is checked in a loop over
    // its left spine, from the innermost link out, each link with the type of the one inside it
    if (isChainLink(e) && isChainLink(e.left)) {
      const spine: Extract<Expr, { kind: 'Binary' }>[] = [];
      const hints: (Ty | undefined)[] = [];
      let hint = expected;
      let n: Expr = e;
      while (isChainLink(n) && isChainLink(n.left)) {
        spine.push(n);
        hints.push(hint);
        hint = HINTED_OPS.has(n.op) ? hint : undefined;
        n = n.left;
      }
      const inner = n as Extract<Expr, { kind: 'Binary' }>;
      let lt = this.attempt(() => this.binaryLink(inner, hint), T.error);
      notes(inner).ty = lt;
      for (let i = spine.length - 1; i >= 1; i--) {
        const link = spine[i];
        const left = lt;
        lt = this.attempt(() => this.binaryLink(link, hints[i], left), T.error);
        notes(link).ty = lt;
      }
      return this.binaryLink(e, expected, lt);
    }
    return this.binaryLink(e, expected);
  }

  /** One binary operator; `leftTy` is its left operand's type when that is checked already. */
  binaryLink(e: Extract<Expr, { kind: 'Binary' }>, expected?: Ty, leftTy?: Ty): Ty {
    const op = e.op;
    if (op === '&&' || op === '||') {
      this.expect(e.left, T.bool);
      this.expect(e.right, T.bool);
      return T.bool;
    }
    // check the side that is not a bare literal first, so `1 + x` takes x's type
    const litLeft = leftTy === undefined && isLiteral(e.left) && !isLiteral(e.right);
    const hint = HINTED_OPS.has(op) ? expected : undefined;
    let lt: Ty, rt: Ty;
    if (op === '<<' || op === '>>') {
      lt = leftTy ?? this.expr(e.left, hint);
      rt = this.intExpr(e.right);
      if (lt.k !== 'int' && lt.k !== 'wide') this.err(e.left, `shift needs an integer, found ${show(lt)}`);
      return lt;
    }
    if (litLeft) {
      rt = this.expr(e.right, hint);
      lt = this.expr(e.left, rt.k === 'string' ? undefined : rt);
    } else {
      lt = leftTy ?? this.expr(e.left, hint);
      rt = this.expr(e.right, lt.k === 'string' ? undefined : lt);
    }
    if (op === '+' && (lt.k === 'string' || rt.k === 'string')) {
      for (const [side, t] of [[e.left, lt], [e.right, rt]] as const) {
        if (!PRINTABLE.has(t.k)) this.err(side, `cannot concatenate ${show(t)} to a string`, 'call .to_string() or convert it first');
      }
      return T.string;
    }
    setUseSite(e);
    if (!same(lt, rt)) this.err(e, `operands of '${op}' have different types: ${show(lt)} and ${show(rt)}`, 'convert one side with `as`');
    switch (op) {
      case '+': case '-': case '*': case '/': case '%':
        if (!isNumeric(lt)) this.err(e, `operator '${op}' needs numbers, found ${show(lt)}`);
        return lt;
      case '&': case '|': case '^':
        if (lt.k !== 'int' && lt.k !== 'bool' && lt.k !== 'wide') this.err(e, `operator '${op}' needs integers, found ${show(lt)}`);
        return lt;
      case '==': case '!=':
        if (!['int', 'float', 'bool', 'char', 'string', 'wide'].includes(lt.k)) this.err(e, `cannot compare ${show(lt)} with '${op}'`);
        return T.bool;
      case '<': case '<=': case '>': case '>=':
        if (!['int', 'float', 'char', 'string', 'wide'].includes(lt.k)) this.err(e, `cannot order ${show(lt)} with '${op}'`);
        return T.bool;
    }
    return this.err(e, `unknown operator '${op}'`);
  }

  unary(e: Extract<Expr, { kind: 'Unary' }>, expected?: Ty): Ty {
    if (e.op === '-' && e.operand.kind === 'Int') {
      const ty = this.intLiteral(e.operand, expected, true);
      notes(e.operand).ty = ty;
      if (ty.k === 'int' && ty.name[0] === 'u') this.err(e, `cannot negate unsigned ${ty.name}`);
      return ty;
    }
    if (e.op === '*') return this.deref(e);
    if (e.op === '&') return this.addressOf(e);
    // a chain of unary operators (- - - x, !!!b) in a loop: the innermost operand, then each
    // operator from the inside out
    const chain: Extract<Expr, { kind: 'Unary' }>[] = [e];
    for (let o = e.operand; isUnaryLink(o); o = o.operand) chain.push(o);
    let t = this.expr(chain[chain.length - 1].operand, expected);
    for (let i = chain.length - 1; i >= 1; i--) {
      const u = chain[i];
      const inner = t;
      t = this.attempt(() => this.unaryOp(u, inner), T.error);
      notes(u).ty = t;
    }
    return this.unaryOp(e, t);
  }

  /** A unary operator applied to an operand of type t. */
  unaryOp(e: Extract<Expr, { kind: 'Unary' }>, t: Ty): Ty {
    switch (e.op) {
      case '-':
        if (!isNumeric(t)) this.err(e, `cannot negate ${show(t)}`);
        if ((t.k === 'int' || t.k === 'wide') && t.name[0] === 'u') this.err(e, `cannot negate unsigned ${t.name}`);
        return t;
      case '!':
        if (t.k !== 'bool') this.mismatch(e.operand, T.bool, t);
        return t;
      default:
        if (t.k !== 'int' && t.k !== 'wide') this.err(e, `operator '~' needs an integer, found ${show(t)}`);
        return t;
    }
  }

  /** `*p` (inside unsafe): the C-typed value a pointer points at. */
  deref(e: Extract<Expr, { kind: 'Unary' }>): Ty {
    if (this.unsafeDepth === 0) this.err(e, "dereferencing a pointer needs 'unsafe'", 'write it inside an unsafe { ... } block');
    const t = this.expr(e.operand);
    if (t.k !== 'ptr') return this.err(e, `cannot dereference ${show(t)}: '*' needs a pointer`);
    if (t.elem.k === 'void') return this.err(e, `cannot dereference ${show(t)}: it does not say what it points at`, `cast it first: (p as *mut i32)`);
    const ct = cTypeOf(t.elem);
    if (ct === null || !isMemoryCType(ct)) {
      return this.err(e, `cannot dereference ${show(t)}: '*' reads and writes a bool, an integer, a float or a pointer`);
    }
    notes(e).ctype = ct;
    return t.elem;
  }

  /** `&x`: the address of a `let` variable (which then lives in a cell C may read and write). */
  addressOf(e: Extract<Expr, { kind: 'Unary' }>): Ty {
    const o = e.operand;
    if (o.kind !== 'Ident') return this.err(e, "'&' takes the address of a variable", 'store the value in one first: let mut x = ...; then &x');
    const v = this.lookup(o.name);
    if (!v) {
      if (this.globals.has(o.name)) return this.err(e, `cannot take the address of the global '${o.name}'`, `copy it into a local first: let mut x = ${o.name};`);
      return this.unknown(o.name, o, `undefined variable '${o.name}'`);
    }
    if (!v.isLet) return this.err(e, `cannot take the address of '${o.name}': only a variable declared with 'let' has one`, `copy it first: let mut x = ${o.name};`);
    if (v.boxed) return this.err(e, `cannot take the address of '${o.name}': a closure captures it`, `copy it first: let mut x = ${o.name};`);
    const ct = cTypeOf(v.ty);
    if (ct === null || !isMemoryCType(ct)) {
      return this.err(e, `cannot take the address of '${o.name}' (${show(v.ty)}): '&' works on a bool, integer, float or pointer variable`);
    }
    this.cells.set(v.slot, ct);
    notes(o).target = { k: 'local', slot: v.slot };
    notes(o).ty = v.ty;
    return { k: 'ptr', mut: v.mut, elem: v.ty };
  }

  cast(e: Extract<Expr, { kind: 'Cast' }>): Ty {
    const to = this.resolveType(e.type);
    const from = this.expr(e.expr, to.k === 'int' || to.k === 'float' ? to : undefined);
    if (!castable(from, to)) this.err(e, `cannot cast ${show(from)} to ${show(to)}`);
    return to;
  }

  structLit(e: Extract<Expr, { kind: 'StructLit' }>, expected?: Ty): Ty {
    let name = e.name === 'Self' && this.selfType ? this.selfType : e.name;
    const gs = this.genericStructs.get(name);
    if (gs) name = this.genericStructLit(e, gs, expected);
    else if (e.typeArgs.length) this.err(e, `'${e.name}' is not generic`);
    else if (this.aliases.has(name)) {
      const t = this.resolveType({ kind: 'TName', name, args: [], line: e.line, col: e.col });
      if (t.k !== 'struct') this.err(e, `'${e.name}' is ${show(t)}, not a struct`);
      name = t.name;
    }
    const s = this.structs.get(name);
    if (!s) return this.unknown(e.name, e, `unknown struct '${e.name}'`, didYouMean(e.name, [...this.structs.keys(), ...this.genericStructs.keys()].filter((k) => !k.includes('<'))));
    const seen = new Set<string>();
    for (const f of e.fields) {
      const idx = s.fields.findIndex((x) => x.name === f.name);
      if (idx < 0) this.err(f, `unknown field '${f.name}' on struct ${name}`, didYouMean(f.name, s.fields.map((x) => x.name)));
      if (seen.has(f.name)) this.err(f, `field '${f.name}' is given twice`);
      this.visibleField(f, s, idx);
      seen.add(f.name);
      notes(f).fieldIndex = idx;
      this.expect(f.value, s.fields[idx].ty);
    }
    const missing = s.fields.filter((f) => !seen.has(f.name)).map((f) => f.name);
    if (missing.length) this.err(e, `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} in ${name}`);
    (e as { name: string }).name = name;
    return { k: 'struct', name };
  }

  /**
   * The instance a literal of a generic struct builds: `Pair<i32> { ... }` says it, else the
   * expected type does, else the field values' types do.
   */
  genericStructLit(e: Extract<Expr, { kind: 'StructLit' }>, gs: StructDecl, expected?: Ty): string {
    if (e.typeArgs.length) {
      const t = this.resolveType({ kind: 'TName', name: gs.name, args: e.typeArgs, line: e.line, col: e.col });
      return (t as Extract<Ty, { k: 'struct' }>).name;
    }
    if (expected?.k === 'struct' && this.structs.get(expected.name)?.generic?.base === gs.name) return expected.name;
    const params = new Set(gs.typeParams);
    const env = new Map<string, Ty>();
    for (const f of e.fields) {
      const decl = gs.fields.find((x) => x.name === f.name);
      if (!decl || !mentions(decl.type, params)) continue;
      const open = new Set([...params].filter((p) => !env.has(p)));
      if (!mentions(decl.type, open)) continue;
      const t = this.expr(f.value);
      unify(decl.type, t, params, env, this.originOf);
    }
    const missing = gs.typeParams.filter((p) => !env.has(p));
    if (missing.length) this.err(e, `cannot infer type parameter '${missing[0]}' of ${gs.name}`, `write it: ${gs.name}<${gs.typeParams.join(', ')}> { ... }`);
    const t = this.instantiateStruct(gs, gs.typeParams.map((p) => env.get(p)!), e);
    return (t as Extract<Ty, { k: 'struct' }>).name;
  }

  /** `Enum.Variant` / `Enum::Variant` without arguments, or with them through call(). */
  ctor(at: Pos, enumName: string, variant: string, args: Expr[] | null, expected?: Ty): Ty {
    const en = this.enums.get(enumName)!;
    const vi = en.variants.findIndex((v) => v.name === variant);
    if (vi < 0) this.err(at, `enum ${enumName} has no variant '${variant}'`, didYouMean(variant, en.variants.map((v) => v.name)));
    const v = en.variants[vi];
    notes(at).target = { k: 'ctor', variant: vi };
    let targs: Ty[] = expected?.k === 'enum' && expected.name === enumName ? [...expected.args] : Array(en.arity).fill(T.unknown);
    const given = args ?? [];
    if (given.length !== v.arity) {
      this.err(at, `wrong number of arguments: ${enumName}.${variant} expected ${v.arity}, found ${given.length}`);
    }
    if (en.arity > 0 && en.decl) {
      // a user generic enum: the payloads' types bind the parameters their variant types name
      const vdecl = en.decl.variants.find((x) => x.name === variant)!;
      const params = new Set(en.decl.typeParams);
      const env = new Map<string, Ty>();
      en.decl.typeParams.forEach((p, i) => {
        if (targs[i].k !== 'unknown') env.set(p, targs[i]);
      });
      given.forEach((a, i) => {
        const te = vdecl.fields[i];
        const open = new Set([...params].filter((p) => !env.has(p)));
        if (!mentions(te, open)) {
          this.expect(a, this.withEnv(new Map(env), () => this.resolveType(te)));
          return;
        }
        const t = this.expr(a);
        unify(te, t, params, env, this.originOf);
        const want = this.withEnv(new Map([...params].map((p) => [p, env.get(p) ?? T.unknown])), () => this.resolveType(te));
        setUseSite(a);
        if (!assignable(want, t)) this.mismatch(a, want, t);
      });
      targs = en.decl.typeParams.map((p) => env.get(p) ?? T.unknown);
    } else if (en.arity > 0) {
      // infer the type arguments a payload determines (Ok: T, Err: E, Some: T)
      const slot = enumName === 'Result' && variant === 'Err' ? 1 : 0;
      if (given.length === 1) {
        const want = targs[slot].k === 'unknown' ? undefined : targs[slot];
        const got = want ? this.expect(given[0], want) : this.expr(given[0]);
        targs[slot] = got;
      }
      targs = targs.map((t) => t);
    } else {
      const fields = v.fields([]);
      given.forEach((a, i) => this.expect(a, fields[i]));
    }
    return { k: 'enum', name: enumName, args: targs };
  }

  isEnumName(name: string): boolean {
    return this.enums.has(name) && !this.lookup(name) && !this.globals.has(name);
  }

  field(e: Extract<Expr, { kind: 'Field' }>, expected?: Ty): Ty {
    if (e.object.kind === 'Ident' && this.isEnumName(e.object.name)) {
      return this.ctor(e, e.object.name, e.name, null, expected);
    }
    const ot = this.expr(e.object);
    if (/^\d+$/.test(e.name)) {
      if (ot.k !== 'tuple') this.err(e, `.${e.name} needs a tuple, found ${show(ot)}`);
      const i = Number(e.name);
      if (i >= ot.elems.length) this.err(e, `tuple ${show(ot)} has no field ${i}`);
      notes(e).fieldIndex = i;
      return ot.elems[i];
    }
    if (ot.k === 'struct') {
      const s = this.structs.get(ot.name)!;
      const i = s.fields.findIndex((f) => f.name === e.name);
      if (i < 0) this.err(e, `unknown field '${e.name}' on struct ${ot.name}`, didYouMean(e.name, s.fields.map((x) => x.name)) ?? didYouMean(e.name, this.methodNames(ot.name)));
      notes(e).fieldIndex = i;
      this.visibleField(e, s, i);
      return s.fields[i].ty;
    }
    if (e.name === 'len' && (ot.k === 'slice' || ot.k === 'string')) return T.usize;
    if (e.name === 'ptr' && ot.k === 'slice' && isU8(ot.elem)) {
      return this.err(e, "'.ptr' of a []u8 is only valid as an argument of a C function call", 'pass it straight to the extern: unsafe { f(buf.ptr, buf.len) }');
    }
    if ((e.name === 'len' || e.name === 'cap') && ot.k === 'chan') return T.usize;
    return this.err(e, `${show(ot)} has no field '${e.name}'`);
  }

  /**
   * Check a call's arguments against its parameter types; for a function of the program, `decl`
   * (its declaration) lets the errors point at the declaration and the parameter.
   */
  args(at: Pos, params: Ty[], args: Expr[], what: string, decl?: FnDecl): void {
    if (args.length === 1 && params.length === 0 && args[0].kind === 'Unit') {
      notes(at).noArgs = true;
      return;
    }
    // the declared parameters that `params` stand for (a method's self is not an argument)
    const declParams = decl ? decl.params.slice(decl.params.length - params.length) : [];
    if (args.length !== params.length) {
      const e = new CompileError(this.file, this.source, at.line, at.col, `wrong number of arguments to ${what}: expected ${params.length}, found ${args.length}`);
      if (decl) e.withNote(decl, `${what} is declared here with ${params.length} parameter${params.length === 1 ? '' : 's'}`);
      throw e;
    }
    args.forEach((a, i) => this.attempt(() => {
      try {
        this.expect(a, params[i]);
      } catch (x) {
        const p = declParams[i];
        if (x instanceof CompileError && p && x.message.startsWith('type mismatch')) {
          x.withNote(p, `parameter '${p.name}' of ${what} is declared here as ${show(params[i])}`);
        }
        throw x;
      }
    }, undefined));
  }

  call(e: Extract<Expr, { kind: 'Call' }>, expected?: Ty): Ty {
    const c = e.callee;
    if (c.kind === 'Ident') {
      const local = this.lookup(c.name);
      if (local?.ty.k === 'fn' || (local === undefined && this.globals.get(c.name)?.ty.k === 'fn')) {
        return callValue(this, e, this.expr(c) as Extract<Ty, { k: 'fn' }>, `'${c.name}'`);
      }
      const g = this.lookup(c.name) ? undefined : this.genericFns.get(c.name);
      if (g) return this.genericCall(e, g, [], expected, `'${c.name}'`);
      const user = this.fnByKey.get(c.name);
      if (local && !user) return this.err(c, `'${c.name}' is not a function: it is ${show(local.ty)}`);
      const ext = user || this.lookup(c.name) ? undefined : this.externs.get(c.name);
      if (ext) return this.externCall(e, ext);
      if (!user && SLICE_HELPERS.has(c.name)) return sliceHelper(this, e, c.name);
      if (!this.lookup(c.name) && !user) return this.builtinCall(e, c.name);
      if (!user) return this.err(c, `'${c.name}' is not a function`);
      notes(e).target = { k: 'fn', index: user.index };
      this.args(e, user.params, e.args, `'${c.name}'`, user.decl);
      return user.ret;
    }
    if (c.kind === 'Path') {
      let type = c.type === 'Self' && this.selfType ? this.selfType : c.type;
      if (type === 'Channel' && c.name === 'new' && !this.structs.has(type) && !this.enums.has(type)) return this.channelNew(e, expected);
      // a generic type's function: `Stack::new()`, `Stack<i32>::new()`, `Self::new()` in an instance
      let base = type;
      let ownerArgs: Ty[] = [];
      const origin = this.structs.get(type)?.generic;
      if (origin) {
        base = origin.base;
        ownerArgs = origin.args;
      } else if (c.typeArgs.length) {
        ownerArgs = c.typeArgs.map((a) => this.resolveType(a));
      } else if (c.type === 'Self' && this.typeEnv?.get('Self')?.k === 'enum') {
        const st = this.typeEnv.get('Self') as Extract<Ty, { k: 'enum' }>;
        base = st.name;
        ownerArgs = st.args;
      }
      const gm = this.genericMethods.get(base)?.get(c.name);
      if (gm) {
        if (takesSelf(gm.decl)) this.err(c, `'${base}::${c.name}' is a method; call it as value.${c.name}(...)`);
        return this.genericCall(e, gm, ownerArgs, expected, `'${base}::${c.name}'`);
      }
      const gf = this.genericFns.get(`${type}::${c.name}`);
      if (gf) return this.genericCall(e, gf, [], expected, `'${type}::${c.name}'`);
      if (c.typeArgs.length) this.err(c, `'${c.type}' is not generic`);
      type = base;
      if (this.isEnumName(type) && !this.fnByKey.has(`${type}::${c.name}`)) {
        const t = this.ctor(e, type, c.name, e.args, expected);
        return t;
      }
      const f = this.fnByKey.get(`${type}::${c.name}`);
      if (!f && this.unparsed.impls.has(type)) throw new QuietError(this.file, this.source, c.line, c.col, `undefined function '${type}::${c.name}'`);
      if (!f) return this.unknown(type, c, `undefined function '${type}::${c.name}'`, didYouMean(c.name, this.methodNames(type)));
      if (f.hasSelf) this.err(c, `'${type}::${c.name}' is a method; call it as value.${c.name}(...)`);
      this.visibleMethod(c, f);
      notes(e).target = { k: 'fn', index: f.index };
      this.args(e, f.params, e.args, `'${f.key}'`, f.decl);
      return f.ret;
    }
    if (c.kind === 'Field') {
      if (c.object.kind === 'Ident' && this.isEnumName(c.object.name)) {
        return this.ctor(e, c.object.name, c.name, e.args, expected);
      }
      if (c.object.kind === 'Ident' && c.object.name === 'Asthra_runtime' && !this.lookup('Asthra_runtime')) {
        return this.runtimeCall(e, c.name);
      }
      if (c.object.kind === 'Ident' && c.object.name === 'libc' && !this.lookup('libc')) {
        const [f] = builtinsNamed('libc', c.name);
        if (!f) return this.err(c, `libc has no predeclared function '${c.name}'`, `libc.malloc and libc.free are predeclared; declare others with extern "libc" fn ${c.name}(...)`);
        if (this.unsafeDepth === 0) this.err(e, `calling libc.${c.name} needs 'unsafe'`, 'write it inside an unsafe { ... } block');
        return this.tableCall(e, f);
      }
      const ot = this.expr(c.object);
      if (ot.k === 'struct' && !this.fnByKey.has(`${ot.name}::${c.name}`)) {
        const fld = this.structs.get(ot.name)!.fields.find((x) => x.name === c.name);
        if (fld?.ty.k === 'fn') {
          notes(c).fieldIndex = this.structs.get(ot.name)!.fields.indexOf(fld);
          notes(c).ty = fld.ty;
          return callValue(this, e, fld.ty, `'${c.name}'`);
        }
      }
      if (ot.k === 'tuple' && /^\d+$/.test(c.name) && ot.elems[Number(c.name)]?.k === 'fn') {
        const ft = ot.elems[Number(c.name)] as Extract<Ty, { k: 'fn' }>;
        notes(c).fieldIndex = Number(c.name);
        notes(c).ty = ft;
        return callValue(this, e, ft, `'.${c.name}'`);
      }
      return this.methodCall(e, c.name, ot, expected);
    }
    const ct = this.expr(c);
    if (ct.k === 'fn') return callValue(this, e, ct, 'this function value');
    return this.err(e, `this expression cannot be called: it is ${show(ct)}, not a function`);
  }

  // ------------------------------------------------------------------ C interop
  /**
   * `extern "lib" fn name(params) -> T;` (and upstream's `pub extern fn name(...)`, which binds
   * from the C library and the process's own symbols): each parameter and the result must have
   * a C counterpart (bytecode/ctypes.ts). `#[non_blocking]` makes calls run inline on the worker.
   */
  declareExterns(items: Item[]): void {
    for (const it of items) if (it.kind === 'Extern') this.attempt(() => this.declareExtern(it), undefined);
  }

  declareExtern(it: ExternDecl): void {
    {
      if (this.externs.has(it.name) || this.fnByKey.has(it.name)) this.err(it, `function '${it.name}' is already defined`);
      const callbacks: (CallbackSig | null)[] = [];
      const params = it.params.map((p): Ty => {
        if (p.type === null) return this.err(p, "an extern function has no 'self'");
        if (p.type.kind === 'TFn') {
          callbacks.push(this.callbackSig(p.type, it.name, p.name));
          return T.unknown;
        }
        callbacks.push(null);
        return this.resolveType(p.type);
      });
      const ret = it.ret ? this.resolveType(it.ret) : T.void;
      const ctypes = params.map((t, i) => {
        if (callbacks[i] !== null) return CType.FnPtr;
        const c = cTypeOf(t);
        if (c === null || c === CType.Void) {
          this.err(it.params[i], `parameter '${it.params[i].name}' of extern '${it.name}' has type ${show(t)}, which C cannot take`, C_TYPES_HINT);
        }
        return c;
      });
      const cret = cTypeOf(ret);
      if (cret === null) this.err(it.ret ?? it, `extern '${it.name}' returns ${show(ret)}, which C cannot return`, C_TYPES_HINT);
      let blocking = true;
      for (const a of it.attrs) {
        if (a.name === 'non_blocking') blocking = false;
        else if (a.name !== 'ownership' && a.name !== 'doc') this.err(a, `unknown attribute '#[${a.name}]' on an extern declaration`, 'use #[non_blocking] for a C function that returns quickly');
      }
      if (!blocking && callbacks.some((c) => c !== null)) {
        this.err(it, `extern '${it.name}' takes a callback, so it cannot be #[non_blocking]`, 'C may call back while the call runs, and the callback runs as a task: the call needs a thread of its own');
      }
      const info: ExternInfo = { index: this.externList.length, decl: it, params, ret, callbacks };
      this.externs.set(it.name, info);
      this.externList.push({
        name: it.name, lib: it.lib, symbol: it.name, params: Uint8Array.from(ctypes), ret: cret,
        blocking, line: it.line, col: it.col,
      });
    }
  }

  /** A call of an extern function: only inside `unsafe`, with arguments of its C types. */
  externCall(e: Extract<Expr, { kind: 'Call' }>, x: ExternInfo): Ty {
    const name = x.decl.name;
    if (this.unsafeDepth === 0) {
      this.err(e, `calling the C function '${name}' needs an unsafe block`, `write \`unsafe { ${name}(...) }\``);
    }
    notes(e).target = { k: 'extern', index: x.index };
    if (x.params.length === 0 && e.args.length === 1 && e.args[0].kind === 'Unit') {
      notes(e).noArgs = true;
      return x.ret;
    }
    if (e.args.length !== x.params.length) {
      this.err(e, `wrong number of arguments to '${name}': expected ${x.params.length}, found ${e.args.length}`);
    }
    e.args.forEach((a, i) => {
      const cb = x.callbacks[i];
      if (cb === null && a.kind === 'Field' && a.name === 'ptr' && this.slicePtrArg(a, x.params[i], name)) return;
      if (cb === null) this.expect(a, x.params[i]);
      else this.callbackArg(a, cb, name);
    });
    return x.ret;
  }

  /**
   * `buf.ptr` of a `[]u8` passed to a C pointer parameter: C gets the slice's bytes for the
   * call (copied into C memory before it and back into the slice after it). False if `a` is
   * some other `.ptr`, for the usual checks.
   */
  slicePtrArg(a: Extract<Expr, { kind: 'Field' }>, param: Ty, ext: string): boolean {
    const ot = this.expr(a.object);
    if (ot.k !== 'slice' || !isU8(ot.elem)) return false;
    if (param.k !== 'ptr' || !(param.elem.k === 'void' || isU8(param.elem))) {
      this.err(a, `'${ext}' takes ${show(param)} here, and ${a.object.kind === 'Ident' ? a.object.name : 'the slice'}.ptr is a *mut u8`);
    }
    notes(a).target = { k: 'slicePtr' };
    notes(a).ty = { k: 'ptr', mut: true, elem: T.u8 };
    notes(a).slot = this.newSlot(ot);
    notes(a).slot2 = this.newSlot(T.usize);
    return true;
  }

  /** The C signature of a `fn(A, B) -> R` parameter: numbers, bools and pointers only. */
  callbackSig(t: Extract<TypeExpr, { kind: 'TFn' }>, ext: string, param: string): CallbackSig {
    const params = t.params.map((p) => this.resolveType(p));
    const ret = this.resolveType(t.ret);
    const what = `callback parameter '${param}' of extern '${ext}'`;
    if (params.length > MAX_CALLBACK_PARAMS) this.err(t, `${what} takes ${params.length} arguments (at most ${MAX_CALLBACK_PARAMS})`);
    const cparams = params.map((p, i) => {
      const c = cTypeOf(p);
      if (c === null || c === CType.Void || c === CType.String) {
        this.err(t.params[i], `${what}: a callback cannot take ${show(p)}`, 'a callback takes integers, floats, bool and raw pointers (a buffer as *mut u8 and its length)');
      }
      return c;
    });
    const cret = cTypeOf(ret);
    if (cret === null || cret === CType.String) this.err(t.ret, `${what}: a callback cannot return ${show(ret)}`, 'a callback returns an integer, a float, bool, a raw pointer or void');
    return { params, ret, cparams, cret };
  }

  /** An argument for a function pointer: the name of a top-level function with that signature. */
  callbackArg(a: Expr, sig: CallbackSig, ext: string): void {
    const want = `fn(${sig.params.map(show).join(', ')}) -> ${show(sig.ret)}`;
    const f = a.kind === 'Ident' && !this.lookup(a.name) ? this.fnByKey.get(a.name) : undefined;
    if (!f) this.err(a, `'${ext}' takes a function here (${want}): pass the name of a top-level function`);
    const ok = f.params.length === sig.params.length && f.params.every((p, i) => same(p, sig.params[i])) && same(f.ret, sig.ret);
    if (!ok) this.err(a, `'${f.key}' does not match the callback type ${want}`, `'${f.key}' is fn(${f.params.map(show).join(', ')}) -> ${show(f.ret)}`);
    const cparams = Uint8Array.from(sig.cparams);
    let index = this.callbackList.findIndex((c) => c.fn === f.index && c.ret === sig.cret && c.params.length === cparams.length && c.params.every((v, k) => v === cparams[k]));
    if (index < 0) {
      index = this.callbackList.length;
      this.callbackList.push({ fn: f.index, params: cparams, ret: sig.cret });
    }
    notes(a).target = { k: 'callback', index };
    notes(a).ty = { k: 'int', name: 'i32' };
  }

  /**
   * `Asthra_runtime.enqueue_callback(handler, data, len)`: queue a task running handler(data, len)
   * (the chapter's way for a callback to hand work to the scheduler); AsthraResult ok.
   */
  enqueueCallback(e: Extract<Expr, { kind: 'Call' }>): Ty {
    if (e.args.length !== 3) this.err(e, `wrong number of arguments to Asthra_runtime.enqueue_callback: expected 3 (handler, data, len), found ${e.args.length}`);
    const h = e.args[0];
    const f = h.kind === 'Ident' && !this.lookup(h.name) ? this.fnByKey.get(h.name) : undefined;
    if (!f) this.err(h, 'Asthra_runtime.enqueue_callback takes the name of a top-level function as its handler');
    if (f.params.length !== 2) this.err(h, `the handler '${f.key}' must take two parameters (data, len), not ${f.params.length}`);
    this.expect(e.args[1], f.params[0]);
    this.expect(e.args[2], f.params[1]);
    notes(e).target = { k: 'enqueue', fn: f.index };
    return { k: 'asthraResult' };
  }

  unsafeBlock(b: Block, expected?: Ty): Ty {
    this.unsafeDepth++;
    try {
      return this.block(b, true, expected);
    } finally {
      this.unsafeDepth--;
    }
  }

  /** `Channel::new(cap)`: the element type comes from the type the context expects, as for `[]`. */
  channelNew(e: Extract<Expr, { kind: 'Call' }>, expected?: Ty): Ty {
    if (e.args.length !== 1) this.err(e, `wrong number of arguments to Channel::new: expected 1 (the capacity), found ${e.args.length}`, 'Channel::new(0) is unbuffered, Channel::new(16) holds 16 values');
    const capTy = this.expr(e.args[0], T.usize);
    if (capTy.k !== 'int') this.err(e.args[0], `Channel::new needs an integer capacity, found ${show(capTy)}`);
    if (expected?.k !== 'chan' || hasUnknown(expected.elem)) {
      this.err(e, 'Channel::new needs its element type from context', 'write `let ch: Channel<i32> = Channel::new(0);`');
    }
    notes(e).target = { k: 'chanNew' };
    return expected;
  }

  /** The runtime API of the concurrency chapter: Asthra_runtime.mutex_create(void) and friends. */
  runtimeCall(e: Extract<Expr, { kind: 'Call' }>, name: string): Ty {
    if (name === 'enqueue_callback') return this.enqueueCallback(e);
    const [f] = builtinsNamed('Asthra_runtime', name);
    if (f) return this.tableCall(e, f);
    const all = BUILTIN_FNS.filter((g) => g.ns === 'Asthra_runtime').map((g) => g.name);
    return this.err(e.callee, `Asthra_runtime has no function '${name}'`, didYouMean(name, all) ?? all.join(', '));
  }

  /** A call of a row of the built-in table: its argument count and types, and its result. */
  tableCall(e: Extract<Expr, { kind: 'Call' }>, f: BuiltinFn): Ty {
    notes(e).target = { k: 'builtin', fn: BUILTIN_FNS.indexOf(f) };
    const a = e.args;
    if (a.length === 1 && f.params.length === 0 && a[0].kind === 'Unit') {
      notes(e).noArgs = true;
      return builtinType(f.result)!;
    }
    if (a.length !== f.params.length) {
      this.err(e, `wrong number of arguments to ${builtinTitle(f)}: expected ${f.params.length}, found ${a.length}`);
    }
    const numbers: Ty[] = [];
    f.params.forEach((p, i) => {
      if (p === 'any-printable') this.printable(a[i]);
      else if (p === 'any-integer') this.intExpr(a[i]);
      else if (p === 'number') numbers.push(this.numberArg(a[i], numbers[0]));
      else this.expect(a[i], builtinType(p)!);
    });
    if (f.result === 'same-number') return sameNumber(numbers);
    return builtinType(f.result)!;
  }

  /** Fields and methods not marked pub are private to their module (items: modules.ts). */
  visibleField(at: Pos, s: StructInfo, i: number): void {
    const decl = s.decl.fields.find((f) => f.name === s.fields[i].name);
    if (decl && privateElsewhere(at, decl)) {
      this.err(at, `field '${decl.name}' of ${s.decl.name} is private to its module`, `mark it pub where ${s.decl.name} is declared: pub ${decl.name}: ...`);
    }
  }

  visibleMethod(at: Pos, f: FnInfo): void {
    if (privateElsewhere(at, f.decl)) this.err(at, `'${f.key}' is private to its module`, `mark it pub in its impl: pub fn ${f.decl.name}(...)`);
  }

  /** An argument of any integer or float type (math.sqrt(2), math.min(a, b)); `hint` types a literal. */
  numberArg(e: Expr, hint?: Ty): Ty {
    const t = this.expr(e, hint && isNumeric(hint) ? hint : undefined);
    if (!isNumeric(t) && t.k !== 'error') this.err(e, `expected a number, found ${show(t)}`);
    return t;
  }

  methodCall(e: Extract<Expr, { kind: 'Call' }>, name: string, ot: Ty, expected?: Ty): Ty {
    notes(e).target = { k: 'method', name };
    const noArgs = (): void => this.args(e, [], e.args, `'${name}'`);
    if (name === 'to_string' && PRINTABLE.has(ot.k)) {
      noArgs();
      return T.string;
    }
    if (ot.k === 'slice') {
      if (name === 'push' && ot.fixed !== null) this.err(e, `cannot push to a fixed-size array ${show(ot)}`, 'use a slice type []T');
      if (name === 'push') {
        this.args(e, [ot.elem], e.args, "'push'");
        return T.void;
      }
      if (name === 'len') {
        noArgs();
        return T.usize;
      }
    }
    if (ot.k === 'chan') {
      switch (name) {
        case 'send':
          this.args(e, [ot.elem], e.args, "'send'");
          return RESULT_VOID_STRING;
        case 'recv':
          noArgs();
          return { k: 'enum', name: 'Option', args: [ot.elem] };
        case 'close':
          noArgs();
          return RESULT_VOID_STRING;
        case 'len': case 'cap':
          noArgs();
          return T.usize;
      }
    }
    if (ot.k === 'handle' && name === 'cancel') {
      noArgs();
      return T.void;
    }
    if (ot.k === 'dyn') return this.dynCall(e, name, ot);
    if (ot.k === 'string') {
      if (name === 'len') {
        noArgs();
        return T.usize;
      }
      if (name === 'bytes') {
        noArgs();
        return { k: 'slice', elem: T.u8, fixed: null };
      }
    }
    if (ot.k === 'struct' || ot.k === 'enum') {
      const origin = ot.k === 'struct' ? this.structs.get(ot.name)?.generic : ot.args.length && this.enums.get(ot.name)?.decl ? { base: ot.name, args: ot.args } : undefined;
      const gm = origin && this.genericMethods.get(origin.base)?.get(name);
      if (gm && origin) {
        if (!(takesSelf(gm.decl))) this.err(e, `'${origin.base}::${name}' has no self parameter; call it as ${origin.base}::${name}(...)`);
        return this.genericCall(e, gm, origin.args, expected, `'${show(ot)}::${name}'`);
      }
      const gf = this.genericFns.get(`${ot.name}::${name}`);
      if (gf) return this.genericCall(e, gf, [], expected, `'${ot.name}::${name}'`);
      const f = this.fnByKey.get(`${ot.name}::${name}`);
      if (f) {
        if (!f.hasSelf) this.err(e, `'${ot.name}::${name}' has no self parameter; call it as ${ot.name}::${name}(...)`);
        this.visibleMethod(e.callee, f);
        notes(e).target = { k: 'fn', index: f.index };
        this.args(e, f.params.slice(1), e.args, `'${f.key}'`, f.decl);
        return f.ret;
      }
    }
    if (name === 'cancel') return this.err(e.callee, `cancel needs a TaskHandle, found ${show(ot)}`, 'let h: TaskHandle<T> = spawn_with_handle f(); h.cancel();');
    if (ot.k === 'chan') return this.err(e.callee, `${show(ot)} has no method '${name}'`, didYouMean(name, ['send', 'recv', 'close', 'len', 'cap']) ?? 'a channel has send(v), recv(), close(), len and cap');
    const builtinMethods = ot.k === 'slice' ? ['push', 'len'] : ot.k === 'string' ? ['len', 'bytes', 'to_string'] : ['to_string'];
    const own = ot.k === 'struct' || ot.k === 'enum' ? this.methodNames(ot.name) : [];
    const fields = ot.k === 'struct' ? this.structs.get(ot.name)!.fields.map((f) => f.name) : [];
    return this.noMethod(ot, e.callee, `${show(ot)} has no method '${name}'`, didYouMean(name, [...own, ...builtinMethods]) ?? (fields.includes(name) ? `'${name}' is a field: write .${name} without ()` : undefined));
  }

  builtinCall(e: Extract<Expr, { kind: 'Call' }>, name: string): Ty {
    const a = e.args;
    // one row per parameter count (log(x), log(tag, x)); with none matching, the first says what is wrong
    const rows = builtinsNamed('', name);
    if (rows.length) return this.tableCall(e, rows.find((f) => f.params.length === a.length) ?? rows[0]);
    const arity = (n: number): void => {
      if (a.length !== n && !(n === 0 && a.length === 1 && a[0].kind === 'Unit')) {
        this.err(e, `wrong number of arguments to '${name}': expected ${n}, found ${a.length}`);
      }
    };
    switch (name) {
      case 'len': {
        notes(e).target = { k: 'len' };
        arity(1);
        const t = this.expr(a[0]);
        if (t.k !== 'slice' && t.k !== 'string') this.err(a[0], `len needs a slice or string, found ${show(t)}`);
        return T.usize;
      }
      case 'range':
        return this.err(e, 'range(...) can only be used in a for loop', 'for i in range(0, n) { ... }');
    }
    if (CONVERSIONS.has(name)) {
      arity(1);
      const to = this.resolveType({ kind: 'TName', name, args: [], line: e.line, col: e.col });
      const from = this.expr(a[0], to.k === 'int' || to.k === 'float' || to.k === 'wide' ? to : undefined);
      if (to.k === 'string') {
        if (!PRINTABLE.has(from.k)) this.err(a[0], `cannot convert ${show(from)} to string`);
      } else if (!castable(from, to)) {
        this.err(e, `cannot convert ${show(from)} to ${show(to)}`);
      }
      notes(e).target = { k: 'conv', to };
      return to;
    }
    if (this.unparsed.names.has(name)) {
      // its declaration did not parse: still check the arguments
      for (const a of e.args) this.attempt(() => this.expr(a), T.error);
      return T.error;
    }
    return this.err(e.callee, `undefined function '${name}'`, didYouMean(name, this.functionNames()));
  }

  printable(e: Expr): void {
    const t = this.expr(e);
    if (!PRINTABLE.has(t.k)) this.err(e, `cannot print ${show(t)}`, 'print numbers, bools, chars and strings');
  }

  tryExpr(e: Extract<Expr, { kind: 'Try' }>): Ty {
    const t = this.expr(e.expr);
    const r = this.retTy;
    if (t.k !== 'enum' || (t.name !== 'Result' && t.name !== 'Option')) this.err(e, `try needs a Result or Option, found ${show(t)}`);
    if (r.k !== 'enum' || r.name !== t.name) this.err(e, `try needs the function to return ${t.name}, but it returns ${show(r)}`);
    if (t.name === 'Result' && !same(t.args[1], r.args[1])) this.err(e, `try: error type ${show(t.args[1])} does not match the function's ${show(r.args[1])}`);
    notes(e).slot = this.newSlot(t);
    return t.args[0];
  }

  // ------------------------------------------------------------------ match and patterns
  match(e: Extract<Expr, { kind: 'Match' }>, expected?: Ty): Ty {
    const st = this.expr(e.subject);
    if (hasUnknown(st)) this.err(e.subject, `cannot infer the type of this value (${show(st)})`, 'bind it with a typed let first');
    notes(e).slot = this.newSlot(st);
    let result: Ty | null = null;
    const rows: Pattern[][] = [];
    const space = new PatternSpace(this.enums, this.structs);
    for (const arm of e.arms) {
      this.scopes.push(new Map());
      this.pattern(arm.pattern, st);
      if (!isUseful(space, rows, [arm.pattern], [st])) this.err(arm.pattern, 'unreachable pattern: earlier arms cover every value it matches');
      rows.push([arm.pattern]);
      const t = this.armBody(arm, expected ?? (result && result.k !== 'never' ? result : undefined));
      this.scopes.pop();
      if (result === null || result.k === 'never') result = t;
      else if (t.k !== 'never' && !same(result, t)) this.err(arm.body, `match arms have different types: ${show(result)} and ${show(t)}`);
    }
    const wild: Pattern = { kind: 'PWild', line: e.line, col: e.col };
    if (isUseful(space, rows, [wild], [st])) {
      this.err(e, `non-exhaustive match on ${show(st)}`, 'add the missing cases or a `_ =>` arm');
    }
    return result ?? T.void;
  }

  armBody(arm: MatchArm, expected?: Ty): Ty {
    return this.expr(arm.body, expected);
  }

  /** Type-check a pattern against the value type and declare its bindings. */
  pattern(p: Pattern, ty: Ty): void {
    notes(p).ty = ty;
    switch (p.kind) {
      case 'PWild': return;
      case 'PBind':
        notes(p).slot = this.declare(p.name, ty, false);
        return;
      case 'PLit': {
        const lt = this.expect(p.value, ty);
        if (!['int', 'bool', 'char', 'string', 'float'].includes(lt.k)) this.err(p, `cannot match ${show(ty)} against a literal`);
        return;
      }
      case 'PTuple':
        if (ty.k !== 'tuple' || ty.elems.length !== p.elems.length) this.err(p, `pattern is a ${p.elems.length}-tuple but the value is ${show(ty)}`);
        p.elems.forEach((q, i) => this.pattern(q, ty.elems[i]));
        return;
      case 'PVariant': {
        const en = this.enums.get(p.enumName);
        if (!en) this.unknown(p.enumName, p, `unknown enum '${p.enumName}'`, didYouMean(p.enumName, this.enums.keys()));
        if (ty.k !== 'enum' || ty.name !== p.enumName) this.err(p, `pattern is ${p.enumName} but the value is ${show(ty)}`);
        const vi = en.variants.findIndex((v) => v.name === p.variant);
        if (vi < 0) this.err(p, `enum ${p.enumName} has no variant '${p.variant}'`, didYouMean(p.variant, en.variants.map((v) => v.name)));
        const fields = en.variants[vi].fields(ty.args);
        const args = p.args ?? [];
        if (p.args !== null || fields.length > 0) {
          if (args.length !== fields.length) {
            this.err(p, `${p.enumName}.${p.variant} has ${fields.length} field${fields.length === 1 ? '' : 's'}, the pattern gives ${args.length}`);
          }
        }
        notes(p).fieldIndex = vi;
        args.forEach((q, i) => this.pattern(q, fields[i]));
        return;
      }
    }
  }
}


/** For an integer type inferred from a use: where that use is. */
/** Is the first parameter `self` (a method, not an associated function)? */
function takesSelf(decl: { params: Param[] }): boolean {
  return decl.params[0]?.name === 'self' && decl.params[0].type === null;
}

/** The trait and method of a dispatcher, from its key `<Trait.method>` (a trait may be `mod.Trait`). */
function dispatchOf(fn: FnInfo): { trait: string; method: string } {
  const inner = fn.key.slice(1, -1);
  const dot = inner.lastIndexOf('.');
  return { trait: inner.slice(0, dot), method: inner.slice(dot + 1) };
}

/** An expression whose type comes from where it goes (`[]`, `Option.None`): checked against its parameter. */
function needsContext(e: Expr): boolean {
  if (e.kind === 'ArrayLit') return e.elems.length === 0;
  if (e.kind === 'Path') return true;
  return e.kind === 'Field' && e.object.kind === 'Ident' && /^[A-Z]/.test(e.object.name);
}

/** The declared type with `Self` replaced by the generic type it stands for (`Stack<T>`). */
function replaceSelf(te: TypeExpr, self: TypeExpr): TypeExpr {
  switch (te.kind) {
    case 'TName':
      if (te.name === 'Self' && te.args.length === 0) return self;
      return te.args.length ? { ...te, args: te.args.map((a) => replaceSelf(a, self)) } : te;
    case 'TSlice': case 'TPtr': return { ...te, elem: replaceSelf(te.elem, self) };
    case 'TArray': return { ...te, elem: replaceSelf(te.elem, self) };
    case 'TTuple': return { ...te, elems: te.elems.map((a) => replaceSelf(a, self)) };
    case 'TFn': return { ...te, params: te.params.map((a) => replaceSelf(a, self)), ret: replaceSelf(te.ret, self) };
    default: return te;
  }
}

function inferredFrom(t: Ty): string | undefined {
  const at = t.k === 'int' ? t.flex?.root().boundAt : null;
  return at ? `this integer's type ${show(t)} was inferred from its use at line ${at.line}:${at.col}` : undefined;
}

/** Operators that pass the type their context expects on to their operands. */
const HINTED_OPS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);

/** A link of a unary chain: -, ! or ~ (not a negative literal, not * or &, checked on their own). */
function isUnaryLink(e: Expr): e is Extract<Expr, { kind: 'Unary' }> {
  return e.kind === 'Unary' && (e.op === '-' || e.op === '!' || e.op === '~') && !(e.op === '-' && (e.operand.kind === 'Int' || e.operand.kind === 'Float'));
}

/** A link of a left-associative operator chain (every binary operator but && and ||). */
function isLogicLink(e: Expr): e is Extract<Expr, { kind: 'Binary' }> {
  return e.kind === 'Binary' && (e.op === '&&' || e.op === '||');
}

function isChainLink(e: Expr): e is Extract<Expr, { kind: 'Binary' }> {
  return e.kind === 'Binary' && e.op !== '&&' && e.op !== '||';
}

function isLiteral(e: Expr): boolean {
  return e.kind === 'Int' || e.kind === 'Float' || (e.kind === 'Unary' && e.op === '-' && (e.operand.kind === 'Int' || e.operand.kind === 'Float'));
}

function isU8(t: Ty): boolean {
  return t.k === 'int' && t.name === 'u8';
}

function castable(from: Ty, to: Ty): boolean {
  const num = (t: Ty): boolean => t.k === 'int' || t.k === 'float' || t.k === 'wide';
  if ((from.k === 'char' || from.k === 'bool') && to.k === 'wide') return true;
  if (num(from) && num(to)) return true;
  if (from.k === 'char' && (to.k === 'int' || to.k === 'char')) return true;
  if (from.k === 'int' && to.k === 'char') return intBits(from.name) <= 32;
  if (from.k === 'bool' && (to.k === 'int' || to.k === 'bool')) return true;
  if (from.k === 'string' && to.k === 'string') return true;
  // pointers: to any other pointer type, and to and from the address-sized integers
  if (from.k === 'ptr' && (to.k === 'ptr' || (to.k === 'int' && ['usize', 'u64', 'isize', 'i64'].includes(to.name)))) return true;
  if (to.k === 'ptr' && from.k === 'int' && ['usize', 'u64', 'isize', 'i64'].includes(from.name)) return true;
  return false;
}

/** Indices of what names in a checked subtree resolve to: user functions called or globals read. */
function targetsIn(node: unknown, kind: 'fn' | 'global', out = new Set<number>()): Set<number> {
  if (typeof node !== 'object' || node === null) return out;
  if (Array.isArray(node)) {
    for (const x of node) targetsIn(x, kind, out);
    return out;
  }
  const t = notes(node).target;
  if (t?.k === kind) out.add(t.index);
  // a function used as a value may be called by whatever receives it
  if (kind === 'fn' && t?.k === 'fnValue') out.add(t.index);
  for (const [k, v] of Object.entries(node)) if (k !== 'ty' && k !== 'target') targetsIn(v, kind, out);
  return out;
}

const functionsCalled = (node: unknown): Set<number> => targetsIn(node, 'fn');
const globalsUsed = (node: unknown): Set<number> => targetsIn(node, 'global');

function containsBreak(b: Block): boolean {
  // a `break` directly in this loop (not in a nested loop) ends it
  const inStmt = (s: Stmt): boolean => {
    switch (s.kind) {
      case 'Break': return true;
      case 'ExprStmt': return inExpr(s.expr);
      case 'Let': return inExpr(s.init);
      case 'Select': return s.arms.some((a) => inExpr(a.body));
      default: return false;
    }
  };
  const inExpr = (e: Expr): boolean => {
    switch (e.kind) {
      case 'If': case 'IfLet': return containsBreak(e.then) || (e.else !== null && inExpr(e.else));
      case 'BlockExpr': return containsBreak(e.block);
      case 'Match': return e.arms.some((a) => inExpr(a.body));
      default: return false;
    }
  };
  return b.stmts.some(inStmt);
}

/** The values of `ownership_c` and `ownership_gc` (Asthra_runtime.slice_from_raw_parts). */
const OWNERSHIP_C = 0;
const OWNERSHIP_GC = 1;

const C_TYPES_HINT = 'C functions take and return integers, f32, f64, bool, string (as const char *) and raw pointers';

/** The C type code of an Asthra type (bytecode/ctypes.ts), or null if C has none. */
function cTypeOf(t: Ty): number | null {
  switch (t.k) {
    case 'void': return CType.Void;
    case 'bool': return CType.Bool;
    case 'float': return t.name === 'f32' ? CType.F32 : CType.F64;
    case 'string': return CType.String;
    case 'ptr': return CType.Ptr;
    case 'int':
      switch (t.name) {
        case 'i8': return CType.I8;
        case 'u8': return CType.U8;
        case 'i16': return CType.I16;
        case 'u16': return CType.U16;
        case 'i32': return CType.I32;
        case 'u32': return CType.U32;
        case 'i64': return CType.I64;
        case 'u64': return CType.U64;
        case 'isize': return CType.ISize;
        case 'usize': return CType.USize;
        default: return null;
      }
    default: return null;
  }
}

/** The result of math.abs/min/max: the arguments' type when they agree, else f64 (upstream's rule). */
function sameNumber(ts: Ty[]): Ty {
  if (ts.every((t) => same(t, ts[0]))) return ts[0];
  return T.f64;
}
