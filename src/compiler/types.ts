// Asthra's static types, as the checker computes them and the emitter reads them.
// `int` is i64. Result<T, E> and Option<T> are built-in generic enums; user generic enums have
// the same form, and a user generic struct's instances are structs named `Pair<i32>` (generics.ts).

import type { Spelling } from '../bytecode/builtins';
import type { IntName } from '../bytecode/inttypes';
import type { WideName } from '../bytecode/wide';
import type { Pos } from './diagnostics';

// The integer types are part of the instruction set (their codes are `ity` operands).
export { INT_NAMES, INT_RANGE, intBits, intCode, isSigned } from '../bytecode/inttypes';
export type { IntName } from '../bytecode/inttypes';

export type Ty =
  | { k: 'int'; name: IntName; flex?: IntVar }
  /** i128 and u128: exact 128-bit integers, held in the heap (vm/wide.ts) */
  | { k: 'wide'; name: WideName }
  | { k: 'float'; name: 'f32' | 'f64' }
  | { k: 'bool' }
  | { k: 'char' }
  | { k: 'string' }
  | { k: 'void' }
  | { k: 'never' }
  | { k: 'unknown' }
  /** the type of an expression that had an error: fits everything, so it causes no more errors */
  | { k: 'error' }
  | { k: 'slice'; elem: Ty; fixed: number | null }
  | { k: 'tuple'; elems: Ty[] }
  | { k: 'struct'; name: string }
  | { k: 'enum'; name: string; args: Ty[] }
  | { k: 'ptr'; mut: boolean; elem: Ty }
  | { k: 'handle'; elem: Ty }
  | { k: 'chan'; elem: Ty }
  /** `dyn Trait`: a value of any type implementing the trait, with that type's method table */
  | { k: 'dyn'; trait: string }
  | { k: 'mutex' }
  | { k: 'asthraResult' }
  /** a function value: a closure, or a top-level function named as a value (closures.ts) */
  | { k: 'fn'; params: Ty[]; ret: Ty };

export const T = {
  i32: { k: 'int', name: 'i32' } as Ty,
  i64: { k: 'int', name: 'i64' } as Ty,
  u8: { k: 'int', name: 'u8' } as Ty,
  usize: { k: 'int', name: 'usize' } as Ty,
  f64: { k: 'float', name: 'f64' } as Ty,
  bool: { k: 'bool' } as Ty,
  char: { k: 'char' } as Ty,
  string: { k: 'string' } as Ty,
  void: { k: 'void' } as Ty,
  never: { k: 'never' } as Ty,
  unknown: { k: 'unknown' } as Ty,
  error: { k: 'error' } as Ty,
};

/** How the error type is shown; a diagnostic that mentions it is a cascade and is dropped. */
export const ERROR_TYPE_TEXT = '{error}';

/**
 * The type a built-in's parameter or result spelling names (bytecode/builtins.ts); null for the
 * spellings that are constraints, not types ('any-printable', 'any-integer').
 */
export function builtinType(s: Spelling): Ty | null {
  switch (s) {
    case 'string': return T.string;
    case 'i32': return T.i32;
    case 'bool': return T.bool;
    case 'void': return T.void;
    case 'never': return T.never;
    case '[]string': return { k: 'slice', elem: T.string, fixed: null };
    case '*mut AsthraMutex': return { k: 'mutex' };
    case 'AsthraResult': return { k: 'asthraResult' };
    case '*const u8': return { k: 'ptr', mut: false, elem: T.u8 };
    case '*mut void': return { k: 'ptr', mut: true, elem: T.void };
    case 'usize': return T.usize;
    case '[]u8': return { k: 'slice', elem: T.u8, fixed: null };
    case 'f64': return T.f64;
    case 'any-printable': case 'any-integer': case 'number': case 'same-number': return null;
  }
}

/** Does a value of this type live in the heap (so the slot holds a reference)? */
export function isRef(t: Ty): boolean {
  switch (t.k) {
    case 'string': case 'slice': case 'tuple': case 'struct': case 'enum': case 'handle': case 'chan': case 'mutex': case 'dyn': case 'wide': case 'fn':
      return true;
    default:
      return false;
  }
}

export function isNumeric(t: Ty): boolean {
  return t.k === 'int' || t.k === 'float' || t.k === 'wide';
}

export function show(t: Ty): string {
  switch (t.k) {
    case 'int': case 'float': case 'wide': return t.name;
    case 'slice': return t.fixed === null ? `[]${show(t.elem)}` : `[${t.fixed}]${show(t.elem)}`;
    case 'tuple': return `(${t.elems.map(show).join(', ')})`;
    case 'struct': return t.name;
    case 'enum': return t.args.length ? `${t.name}<${t.args.map(show).join(', ')}>` : t.name;
    case 'ptr': return `*${t.mut ? 'mut' : 'const'} ${show(t.elem)}`;
    case 'handle': return `TaskHandle<${show(t.elem)}>`;
    case 'chan': return `Channel<${show(t.elem)}>`;
    case 'dyn': return `dyn ${t.trait}`;
    case 'mutex': return '*mut AsthraMutex';
    case 'asthraResult': return 'AsthraResult';
    case 'fn': return `fn(${t.params.map(show).join(', ')}) -> ${show(t.ret)}`;
    case 'unknown': return '_';
    case 'error': return ERROR_TYPE_TEXT;
    default: return t.k;
  }
}

/**
 * The type of an integer literal that its context did not type (Rust's `{integer}`): one
 * variable per literal, merged with others and bound to a concrete integer type by the first
 * use that needs one (an argument, an operand, an assignment). A class nobody binds is i32,
 * or i64 when one of its literals does not fit i32. Types holding a variable read its current
 * binding through `name`, so every node, local slot and operand typed by it agrees once the
 * function is checked.
 */
export class IntVar {
  parent: IntVar | null = null;
  bound: IntName | null = null;
  /** the use that bound it, for "its type comes from ..." notes */
  boundAt: Pos | null = null;
  /** a literal of the class does not fit i32 */
  big = false;
  constructor(readonly origin: Pos) {}

  root(): IntVar {
    let r: IntVar = this;
    while (r.parent) r = r.parent;
    return r;
  }
}

/** A fresh `{integer}` type for the literal at `origin`. */
export function flexInt(origin: Pos): Ty {
  const v = new IntVar(origin);
  return {
    k: 'int',
    get name(): IntName {
      const r = v.root();
      return r.bound ?? (r.big ? 'i64' : 'i32');
    },
    flex: v,
  };
}

/** The integer variable of a type that is still unbound, or null. */
export function openVar(t: Ty): IntVar | null {
  if (t.k !== 'int' || !t.flex) return null;
  const r = t.flex.root();
  return r.bound === null ? r : null;
}

/** Where the checker is (the use that binds a variable, for notes). */
let useSite: Pos | null = null;
export function setUseSite(at: Pos | null): void {
  useSite = at;
}

function bindInts(a: Extract<Ty, { k: 'int' }>, b: Extract<Ty, { k: 'int' }>): boolean {
  const va = openVar(a);
  const vb = openVar(b);
  if (va && vb) {
    if (va !== vb) {
      vb.parent = va;
      va.big ||= vb.big;
    }
    return true;
  }
  if (va) {
    va.bound = b.name;
    va.boundAt = useSite;
    return true;
  }
  if (vb) {
    vb.bound = a.name;
    vb.boundAt = useSite;
    return true;
  }
  return a.name === b.name;
}

/**
 * Type equality; `unknown` (an enum argument not yet inferred) matches anything, `never` fits
 * anywhere. Comparing an open integer variable with an integer type binds it (see IntVar).
 */
export function same(a: Ty, b: Ty): boolean {
  if (a.k === 'unknown' || b.k === 'unknown' || a.k === 'error' || b.k === 'error') return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'int': return bindInts(a, b as typeof a);
    case 'float': return a.name === (b as typeof a).name;
    case 'wide': return a.name === (b as typeof a).name;
    case 'slice': return same(a.elem, (b as typeof a).elem);
    case 'tuple': {
      const bb = b as typeof a;
      return a.elems.length === bb.elems.length && a.elems.every((t, i) => same(t, bb.elems[i]));
    }
    case 'struct': return a.name === (b as typeof a).name;
    case 'enum': {
      const bb = b as typeof a;
      return a.name === bb.name && a.args.length === bb.args.length && a.args.every((t, i) => same(t, bb.args[i]));
    }
    // C's void *: any pointer converts to and from *mut void / *const void
    case 'ptr': return a.elem.k === 'void' || (b as typeof a).elem.k === 'void' || same(a.elem, (b as typeof a).elem);
    case 'handle': return same(a.elem, (b as typeof a).elem);
    case 'chan': return same(a.elem, (b as typeof a).elem);
    case 'dyn': return a.trait === (b as typeof a).trait;
    case 'fn': {
      const bb = b as typeof a;
      return a.params.length === bb.params.length && a.params.every((t, i) => same(t, bb.params[i])) && same(a.ret, bb.ret);
    }
    default: return true;
  }
}

/** `b` may be stored where `a` is expected. */
export function assignable(to: Ty, from: Ty): boolean {
  return from.k === 'never' || same(to, from);
}

/** Replace `unknown` parts of `t` with what `hint` knows. */
export function refine(t: Ty, hint: Ty): Ty {
  if (t.k === 'unknown') return hint;
  if (t.k === 'enum' && hint.k === 'enum' && t.name === hint.name && t.args.length === hint.args.length) {
    return { k: 'enum', name: t.name, args: t.args.map((a, i) => refine(a, hint.args[i])) };
  }
  if (t.k === 'slice' && hint.k === 'slice') return { k: 'slice', elem: refine(t.elem, hint.elem), fixed: t.fixed };
  if (t.k === 'chan' && hint.k === 'chan') return { k: 'chan', elem: refine(t.elem, hint.elem) };
  if (t.k === 'tuple' && hint.k === 'tuple' && t.elems.length === hint.elems.length) {
    return { k: 'tuple', elems: t.elems.map((e, i) => refine(e, hint.elems[i])) };
  }
  return t;
}

export function hasUnknown(t: Ty): boolean {
  switch (t.k) {
    case 'unknown': return true;
    case 'enum': return t.args.some(hasUnknown);
    case 'slice': case 'chan': return hasUnknown(t.elem);
    case 'tuple': return t.elems.some(hasUnknown);
    case 'fn': return t.params.some(hasUnknown) || hasUnknown(t.ret);
    default: return false;
  }
}

/** The value of an integer literal's text (`1_000`, `0x2A`, `0b101`, `0o17`). */
export function parseIntLiteral(text: string): bigint {
  return BigInt(text.replace(/_/g, ''));
}

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(rows[i - 1][j] + 1, cur[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], rows[i - 2][j - 2] + 1);
    }
    rows.push(cur);
  }
  return rows[a.length][b.length];
}

/** "did you mean `count`?" for the closest candidate within a small edit distance, or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    if (c === name || Math.abs(c.length - name.length) > limit) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase()) - (c === name.toLowerCase() ? 1 : 0);
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  return best === undefined ? undefined : `did you mean \`${best}\`?`;
}
