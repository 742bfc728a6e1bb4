// Closures and function values, as the checker sees them.
//
// A function literal `fn(x: i32) -> i32 { ... }` compiles to a function of its own (a
// ClosureInfo), and its value is an object of a closure shape (bytecode/module.ts ShapeProto.fn)
// holding what it captured: the enclosing variables its body names. CALL_CLOSURE passes the
// captured values as the callee's first parameters, then the arguments. So inside the body a
// captured variable is a plain local.
//
// Capture is by reference. A variable that can change (`let mut`, a `mut` parameter) and is
// captured lives in a box, an object of one field, which the enclosing function and every
// closure that captured it share; its slot holds the box (Frame.boxes). A variable that cannot
// change is copied into the closure, which no program can tell apart from sharing it.
//
// A top-level function named as a value is an object of a closure shape without fields whose
// function is that function. The slice helpers map, filter, reduce and forEach are loops the
// emitter writes out (emit.ts sliceHelper), calling the closure once per element.
import type { Block, Expr } from './ast';
import type { Checker } from './check';
import { CompileError } from './diagnostics';
import { notes, type LocalVar } from './scope';
import { T, type Ty, assignable, same, show } from './types';

/** A variable a closure captures: where it lives in the enclosing function, and its slot inside. */
export interface Capture {
  name: string;
  /** the variable in the function that creates the closure */
  outer: LocalVar;
  /** boxed: the closure holds the variable's box; otherwise a copy of its value */
  boxed: boolean;
}

/** A function literal, compiled as a function of its own. */
export interface ClosureInfo {
  /** its function index (after the program's functions) */
  index: number;
  /** how stack traces name it: `main.<closure at 5:18>` */
  name: string;
  decl: Extract<Expr, { kind: 'FnLit' }>;
  captures: Capture[];
  /** the declared parameters (the function's own come after the captures) */
  params: Ty[];
  ret: Ty;
}

/** The slice helpers, and what each takes. */
export const SLICE_HELPERS = new Set(['map', 'filter', 'reduce', 'forEach']);

/**
 * Names a block may read from its enclosing functions: every identifier in it, nested closures
 * included (a closure captures what the closures inside it capture). A name the block itself
 * declares before using it is captured needlessly, which costs a copy and changes nothing.
 */
export function namesUsed(b: Block): string[] {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const x of node) walk(x);
      return;
    }
    const n = node as { kind?: string; name?: string };
    if (n.kind === 'Ident' && typeof n.name === 'string') out.add(n.name);
    for (const [k, v] of Object.entries(node)) if (k !== 'ty') walk(v);
  };
  walk(b);
  return [...out];
}

/** `fn(params) -> ret { body }`: check the body as a function of its own; the closure's type. */
export function checkFnLit(ck: Checker, e: Extract<Expr, { kind: 'FnLit' }>): Ty {
  const params: Ty[] = [];
  for (const p of e.params) {
    if (p.type === null) ck.err(p, "a function literal has no 'self'", 'name the value as a parameter: fn(x: T) -> R { ... }');
    params.push(ck.safeType(p.type));
  }
  const ret = e.ret ? ck.safeType(e.ret) : T.void;
  const own = new Set(e.params.map((p) => p.name));
  const captures: Capture[] = [];
  for (const name of namesUsed(e.body)) {
    if (own.has(name)) continue;
    const v = ck.lookup(name);
    if (!v) continue;
    if (v.mut) {
      if (ck.cells.has(v.slot)) {
        ck.err(e, `this closure captures '${name}', whose address is taken with '&'`, `copy it into another variable first: let mut y = ${name};`);
      }
      ck.markBoxed(v);
    }
    captures.push({ name, outer: v, boxed: v.mut });
  }
  const index = ck.nextFunctionIndex();
  const where = ck.currentName();
  const info: ClosureInfo = { index, name: `${where}.<closure at ${e.line}:${e.col}>`, decl: e, captures, params, ret };
  ck.closures.push(info);
  notes(e).closure = ck.closures.length - 1;
  ck.inFunction(ret, info.name, index, () => {
    for (const c of captures) {
      ck.declare(c.name, c.outer.ty, c.outer.mut);
      const v = ck.lookup(c.name)!;
      v.capture = true;
      if (c.boxed) ck.markBoxed(v);
    }
    e.params.forEach((p, i) => {
      if (ck.scopes[0].has(p.name) && !captures.some((c) => c.name === p.name)) {
        ck.attempt(() => ck.err(p, `parameter '${p.name}' is declared twice`), undefined);
      }
      ck.declare(p.name, params[i], p.mut);
    });
    ck.block(e.body, false);
    ck.attempt(() => ck.checkLiterals(), undefined);
    if (ret.k !== 'void' && !ck.blockReturns(e.body)) {
      ck.err(e, `missing return: this closure must return ${show(ret)} on every path`, e.body.tail ? 'the last expression needs `return`' : undefined);
    }
    return captures.length + params.length;
  });
  return { k: 'fn', params, ret };
}

/**
 * `spawn f(x)` of a function value f: the task runs a function of its own (a thunk) that takes
 * the function value and the arguments and calls it.
 */
export interface SpawnThunk {
  index: number;
  name: string;
  type: Extract<Ty, { k: 'fn' }>;
  /** the spawn's call, the thunk's source position */
  at: { line: number; col: number };
}

/** A checked call of a function value becomes a spawn of a thunk (notes `thunk`). */
export function spawnValue(ck: Checker, call: Extract<Expr, { kind: 'Call' }>): void {
  const type = notes(call.callee).ty as Extract<Ty, { k: 'fn' }>;
  const index = ck.nextFunctionIndex();
  ck.spawnThunks.push({ index, name: `${ck.currentName()}.<spawn at ${call.line}:${call.col}>`, type, at: { line: call.line, col: call.col } });
  notes(call).thunk = ck.spawnThunks.length - 1;
}

/** A call of a value of function type: its arguments against the type's parameters. */
export function callValue(ck: Checker, e: Extract<Expr, { kind: 'Call' }>, ft: Extract<Ty, { k: 'fn' }>, what: string): Ty {
  notes(e).target = { k: 'closureCall' };
  const a = e.args;
  const noArgs = a.length === 1 && ft.params.length === 0 && a[0].kind === 'Unit';
  if (a.length !== ft.params.length && !noArgs) {
    ck.err(e, `wrong number of arguments to ${what}: expected ${ft.params.length}, found ${a.length}`, `${what} is ${show(ft)}`);
  }
  ck.args(e, ft.params, a, what);
  return ft.ret;
}

/** `map(xs, f)`, `filter(xs, f)`, `reduce(xs, init, f)`, `forEach(xs, f)`. */
export function sliceHelper(ck: Checker, e: Extract<Expr, { kind: 'Call' }>, name: string): Ty {
  const a = e.args;
  const want = name === 'reduce' ? 3 : 2;
  const form = name === 'reduce' ? 'reduce(xs, init, fn(acc: A, x: T) -> A { ... })' : `${name}(xs, fn(x: T) -> ${name === 'filter' ? 'bool' : name === 'forEach' ? 'void' : 'U'} { ... })`;
  if (a.length !== want) ck.err(e, `wrong number of arguments to '${name}': expected ${want}, found ${a.length}`, form);
  const xt = ck.expr(a[0]);
  if (xt.k !== 'slice') return ck.err(a[0], `'${name}' needs a slice or an array, found ${show(xt)}`, form);
  const elem = xt.elem;
  const acc = name === 'reduce' ? ck.expr(a[1]) : null;
  const fa = a[want - 1];
  const ft = ck.expr(fa);
  if (ft.k !== 'fn') return ck.err(fa, `'${name}' needs a function as its last argument, found ${show(ft)}`, form);
  const wantParams = acc ? [acc, elem] : [elem];
  const bad = (): never => {
    const ret = name === 'filter' ? 'bool' : name === 'forEach' ? 'void' : name === 'reduce' ? show(acc!) : 'U';
    const sig = `fn(${wantParams.map(show).join(', ')}) -> ${ret}`;
    throw new CompileError(ck.file, ck.source, fa.line, fa.col, `'${name}' over ${show(xt)} needs a function ${sig}, found ${show(ft)}`);
  };
  if (ft.params.length !== wantParams.length || !ft.params.every((p, i) => same(p, wantParams[i]))) bad();
  notes(e).target = { k: 'sliceHelper', name };
  switch (name) {
    case 'map': return { k: 'slice', elem: ft.ret, fixed: xt.fixed };
    case 'filter':
      if (ft.ret.k !== 'bool') bad();
      return { k: 'slice', elem, fixed: null };
    case 'reduce':
      if (!assignable(acc!, ft.ret)) bad();
      return acc!;
    default:
      if (ft.ret.k !== 'void') bad();
      return T.void;
  }
}
