// Generics are monomorphised: each generic function, struct and method is checked and emitted
// once per distinct list of type arguments, as Rust and C++ do. The VM's instructions are typed
// (an i32 add, a f64 compare, a reference load), so an erased body could not pick its opcodes;
// an instance is an ordinary function, so a generic `max<T>` on i32 is the hand-written one and
// enters the native tier like it. The cost is code size: one function per instance in the .astb.
//
// This file holds the pure parts: reading type arguments off a type by matching it against a
// declared type (unification of a TypeExpr with a Ty), and the names instances get.
import type { TypeExpr } from './ast';
import { openVar, same, show, Ty } from './types';

/** The generic origin of an instantiated struct: `Pair<i32>` is { base: 'Pair', args: [i32] }. */
export interface GenericOrigin {
  base: string;
  args: Ty[];
}

/**
 * Match the declared type `te` against the type `ty` a value has, binding the type parameters
 * `params` it mentions in `env` (the first binding of a parameter wins; a later disagreement is
 * found when the argument is checked against the instantiated parameter type).
 */
export function unify(te: TypeExpr, ty: Ty, params: ReadonlySet<string>, env: Map<string, Ty>,
  originOf: (structName: string) => GenericOrigin | undefined): void {
  switch (te.kind) {
    case 'TName': {
      if (te.args.length === 0 && params.has(te.name)) {
        const had = env.get(te.name);
        if (had === undefined || had.k === 'unknown') {
          if (ty.k !== 'unknown' && ty.k !== 'error' && ty.k !== 'never') env.set(te.name, ty);
        } else if (openVar(had) && ty.k === 'int' && !openVar(ty)) {
          // what only integer literals gave yields to a typed value: [1, 2] and an Op<i64>
          same(had, ty);
        }
        return;
      }
      if (te.args.length === 0) return;
      let args: Ty[] | null = null;
      if (ty.k === 'enum' && ty.name === te.name) args = ty.args;
      else if (ty.k === 'struct') {
        const o = originOf(ty.name);
        if (o && o.base === te.name) args = o.args;
      } else if ((ty.k === 'handle' && te.name === 'TaskHandle') || (ty.k === 'chan' && te.name === 'Channel')) args = [ty.elem];
      if (args && args.length === te.args.length) te.args.forEach((a, i) => unify(a, args![i], params, env, originOf));
      return;
    }
    case 'TSlice': case 'TArray':
      if (ty.k === 'slice') unify(te.elem, ty.elem, params, env, originOf);
      return;
    case 'TTuple':
      if (ty.k === 'tuple' && ty.elems.length === te.elems.length) te.elems.forEach((a, i) => unify(a, ty.elems[i], params, env, originOf));
      return;
    case 'TPtr':
      if (ty.k === 'ptr') unify(te.elem, ty.elem, params, env, originOf);
      return;
    case 'TFn':
      if (ty.k === 'fn' && ty.params.length === te.params.length) {
        te.params.forEach((a, i) => unify(a, ty.params[i], params, env, originOf));
        unify(te.ret, ty.ret, params, env, originOf);
      }
      return;
    default:
      return;
  }
}

/** Does the declared type mention one of the type parameters? */
export function mentions(te: TypeExpr | null, params: ReadonlySet<string>): boolean {
  if (te === null) return false;
  switch (te.kind) {
    case 'TName': return (te.args.length === 0 && (params.has(te.name) || te.name === 'Self')) || te.args.some((a) => mentions(a, params));
    case 'TSlice': case 'TArray': case 'TPtr': return mentions(te.elem, params);
    case 'TTuple': return te.elems.some((a) => mentions(a, params));
    case 'TFn': return te.params.some((a) => mentions(a, params)) || mentions(te.ret, params);
    default: return false;
  }
}

/**
 * An integer literal's type still open when it becomes a type argument is fixed now (i32, or
 * i64 for a literal too big for i32), so `identity(42)` is `identity<i32>` and stays so.
 */
export function settle(t: Ty): Ty {
  const v = openVar(t);
  if (v) {
    v.bound = v.big ? 'i64' : 'i32';
    return { k: 'int', name: v.bound };
  }
  switch (t.k) {
    case 'slice': return { k: 'slice', elem: settle(t.elem), fixed: t.fixed };
    case 'tuple': return { k: 'tuple', elems: t.elems.map(settle) };
    case 'enum': return { k: 'enum', name: t.name, args: t.args.map(settle) };
    case 'handle': return { k: 'handle', elem: settle(t.elem) };
    case 'chan': return { k: 'chan', elem: settle(t.elem) };
    case 'ptr': return { k: 'ptr', mut: t.mut, elem: settle(t.elem) };
    case 'fn': return { k: 'fn', params: t.params.map(settle), ret: settle(t.ret) };
    case 'int': return t.flex ? { k: 'int', name: t.name } : t;
    default: return t;
  }
}

/** The name of an instance: `Pair<i32>`, `identity<f64>`, `Stack<string>::push`. */
export function instanceName(base: string, args: Ty[]): string {
  return `${base}<${args.map(show).join(', ')}>`;
}

/** A fresh copy of a declaration's tree, for one instance to be checked on (notes live on nodes). */
export function cloneTree<T>(node: T): T {
  return structuredClone(node);
}
