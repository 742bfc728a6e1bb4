// The value types of the verifier's second analysis (typecheck.ts): what kind of object a stack
// slot or a local holds, finer than the 'n'/'r' stack kinds of opcodes.ts. A type is a short
// string, so states compare and join cheaply:
//
//   u     a local no path has written yet (only locals; reading one is an error)
//   n     a number (ints, floats, bools, chars, void, C addresses)
//   s     a string
//   [T    a slice of elements of type T ('[n', '[s', '[[s', '[r' ...)
//   o     an object (struct, enum value, tuple, dyn value or function value) of an unknown
//         shape; oS one of shape S; oS.T.U one of shapes S, T or U (ascending): an enum's type
//         is the set of its variants' shapes, a dyn value's the set of its implementations'
//   hT    a task handle whose result has type T
//   m     a mutex
//   cT    a channel of elements of type T
//   x     a cell (a variable whose address is taken)
//   r     a reference nothing says more about (a declaration a module made in memory left
//         out): it fits only where any reference does (POP, DUP, a store). A file may not
//         declare it.
//   IP    the arm index the SELECT at pc P pushed (a number); EP:k the number an EQ of it with
//         the constant k gave (a boolean); SP the status the SELECT or CHAN_RECV at P pushed
//   UP:b  the reference the SELECT or CHAN_RECV at pc P delivered, before the code has tested
//         what happened: b has two places per arm, '1' where possible: the arm ran and gave its
//         value (a receive's or await's element type), or it ran and left a 0 (a receive from
//         a closed channel, a cancelled one, any arm that delivers nothing). A JMP_F or JMP_T
//         on an EP:k (which arm) or an SP (a receive's status: nonzero iff it got a value)
//         narrows every UP slot on each edge, and one whose possible places all hold the same
//         type becomes that type (if that is a 0: unusable). The instruction at P makes every
//         IP, EP, SP and UP from its previous run a plain number or unusable.
//
// The TYPES section of a file declares these types for every function's locals and result and
// every global, the FIELDS section for every field of every shape; parameters start as
// declared, and calls, returns, globals and fields are checked against the declarations.
// Only a field of a known shape can be read or written: a JNE_VARIANT narrows a local holding
// an enum (a set of shapes) to the shapes of the variant it tests, on each of its two edges.
//   !     two paths disagree: one brings one kind of object, another a different one; any use is
//         an error (the JVM's "top")
//
// Joins only climb (shape sets grow by union up to 'o'; a class -> 'r' -> '!'; 'u' absorbs
// everything; element types join inside their slice, handle or channel), so the worklist ends.
import type { Module } from './module';

export type VType = string;

export const UNWRITTEN = 'u';
export const NUM = 'n';
export const STR = 's';
export const ANY_REF = 'r';
export const MIXED = '!';
export const MUTEX = 'm';
export const CELL = 'x';
/** an i128 or u128 value (a WIDE block) */
export const WIDE = 'w';

/** The type of a value of stack kind k (0/'n' number, 1/'r' reference) with nothing more known. */
export function ofKind(k: number | string): VType {
  return k === 1 || k === 'r' ? ANY_REF : NUM;
}

/**
 * A slice, handle or channel of element (result) type t. A slice may be made of a value's own
 * type (SLICE_REPEAT), and what it holds outlives the select that made an arm index, a status or
 * an untested value (IP, EP:k, SP, UP:b): inside it they are a plain number, or unusable.
 * Handles and channels are made of declared types only.
 */
const contained = (t: VType): VType => (isNumType(t) ? NUM : t[0] === 'U' ? MIXED : t);
export const sliceOf = (t: VType): VType => '[' + contained(t);
export const handleOf = (t: VType): VType => 'h' + t;
export const chanOf = (t: VType): VType => 'c' + t;
export const objOf = (shape: number): VType => 'o' + shape;
/** An object of one of the shapes (any order, repeats allowed); 'o' (unknown shape) for none. */
export const objOfSet = (shapes: readonly number[]): VType => (shapes.length === 0 ? 'o' : 'o' + [...new Set(shapes)].sort((x, y) => x - y).join('.'));
/** A union of shapes bigger than this joins to 'o': a shape set stays short to compare. */
const MAX_SET = 64;

const setCache = new Map<string, readonly number[]>();
/** The shapes an object type names, ascending (empty for 'o', an object of unknown shape). */
export function shapeSet(t: VType): readonly number[] {
  let s = setCache.get(t);
  if (s === undefined) {
    s = t.length < 2 ? [] : t.slice(1).split('.').map(Number);
    if (setCache.size > 10000) setCache.clear();
    setCache.set(t, s);
  }
  return s;
}

/** Is t a number type: NUM, a select's arm index or a test of it (IP, EP:k), a receive's status (SP)? */
export function isNumType(t: VType): boolean {
  return t === NUM || t[0] === 'I' || t[0] === 'E' || t[0] === 'S';
}

/** The stack kind of a value of type t. */
export function kindOfType(t: VType): 'n' | 'r' {
  return t === UNWRITTEN || isNumType(t) ? 'n' : 'r';
}

const CONTAINERS = '[hc';

export function join(a: VType, b: VType): VType {
  if (a === b) return a;
  if (a === UNWRITTEN || b === UNWRITTEN) return UNWRITTEN;
  if (a === MIXED || b === MIXED) return MIXED;
  if (isNumType(a) || isNumType(b)) return isNumType(a) && isNumType(b) ? NUM : MIXED;
  if (a[0] === 'U' && b[0] === 'U') {
    // the same select's value, from paths that ruled out different arms: the arms either left
    const c = a.indexOf(':');
    if (a.slice(0, c) !== b.slice(0, b.indexOf(':')) || a.length !== b.length) return MIXED;
    let bits = a.slice(0, c + 1);
    for (let i = c + 1; i < a.length; i++) bits += a[i] === '1' || b[i] === '1' ? '1' : '0';
    return bits;
  }
  if (a[0] === 'o' && b[0] === 'o') {
    if (a.length === 1 || b.length === 1) return 'o';
    const u = objOfSet([...shapeSet(a), ...shapeSet(b)]);
    return shapeSet(u).length > MAX_SET ? 'o' : u;
  }
  if (a === ANY_REF || b === ANY_REF) return ANY_REF;
  if (a[0] === b[0] && CONTAINERS.includes(a[0])) {
    const inner = join(a.slice(1), b.slice(1));
    return inner === MIXED ? MIXED : a[0] + inner;
  }
  return MIXED;
}

/**
 * May a value of type v be used where type want is declared? Any reference fits where 'r' is
 * wanted; a value of type 'r' fits only there (nothing says what it is).
 */
export function fits(v: VType, want: VType): boolean {
  if (v === want) return true;
  if (v === MIXED || v === UNWRITTEN || want === MIXED || want === UNWRITTEN) return false;
  if (isNumType(v) || isNumType(want)) return isNumType(v) && isNumType(want);
  if (want === ANY_REF) return true;
  if (v === ANY_REF) return false;
  if (v[0] === 'o' && want[0] === 'o') {
    // an object of unknown shape fits only where any object does (a function value's slot)
    if (want.length === 1) return true;
    if (v.length === 1) return false;
    const w = shapeSet(want);
    return shapeSet(v).every((x) => w.includes(x));
  }
  if (v[0] === want[0] && CONTAINERS.includes(v[0])) return fits(v.slice(1), want.slice(1));
  return false;
}

/**
 * Is t a type a TYPES section may declare: well formed, shapes in range, and never 'r' (a
 * declared reference of unknown kind would let a file pass any object where it likes)?
 */
export function validType(m: Module, t: VType): boolean {
  let i = 0;
  while (i < t.length && CONTAINERS.includes(t[i])) i++;
  const rest = t.slice(i);
  if (rest === '') return false;
  if (rest[0] === 'o') {
    if (rest.length === 1) return true;
    if (!/^[0-9]{1,9}(\.[0-9]{1,9})*$/.test(rest.slice(1))) return false;
    const set = rest.slice(1).split('.').map(Number);
    return set.every((x, k) => x < m.shapes.length && (k === 0 || x > set[k - 1]));
  }
  return ['n', 's', 'm', 'x', 'w'].includes(rest);
}

/** What an operand must be, with its name for messages. */
export interface Want {
  test: (t: VType) => boolean;
  what: string;
}

export const WANT_STR: Want = { test: (t) => t === STR, what: 'a string' };
export const WANT_MUTEX: Want = { test: (t) => t === MUTEX, what: 'a mutex' };
export const WANT_CELL: Want = { test: (t) => t === CELL, what: 'a cell' };
export const WANT_WIDE: Want = { test: (t) => t === WIDE, what: 'an i128 or u128' };
export const WANT_OBJ: Want = { test: (t) => t[0] === 'o', what: 'an object (struct, enum value or tuple)' };
export const WANT_ANY_SLICE: Want = { test: (t) => t[0] === '[', what: 'a slice' };
export const WANT_ANY_CHAN: Want = { test: (t) => t[0] === 'c', what: 'a channel' };
export const WANT_ANY_HANDLE: Want = { test: (t) => t[0] === 'h', what: 'a task handle' };
const holding = (c: string, k: number | string) => (t: VType): boolean => t[0] === c && kindOfType(t.slice(1)) === (k === 1 || k === 'r' ? 'r' : 'n');
export const wantSlice = (k: number | string): Want => ({ test: holding('[', k), what: `a slice of ${kindWord(k)}` });
export const wantChan = (k: number | string): Want => ({ test: holding('c', k), what: `a channel of ${kindWord(k)}` });
export const wantHandle = (k: number | string): Want => ({ test: holding('h', k), what: `a task handle with a ${k === 1 || k === 'r' ? 'reference' : 'number'} result` });
/** A value fitting the declared type t, described for messages. */
export const wantType = (m: Module, t: VType): Want => ({ test: (v) => fits(v, t), what: describe(m, t) });

function kindWord(k: number | string): string {
  return k === 1 || k === 'r' ? 'references' : 'numbers';
}

function plural(t: VType): string {
  const words: Record<string, string> = { n: 'numbers', s: 'strings', '[': 'slices', o: 'objects', h: 'task handles', m: 'mutexes', c: 'channels', x: 'cells', w: 'i128/u128 values', r: 'references' };
  return words[t[0]] ?? 'values of different kinds';
}

/** A type in words, for messages. */
export function describe(m: Module, t: VType): string {
  switch (t[0]) {
    case 'u': return 'a local that is not written on every path to here';
    case 'n': return 'a number';
    case 's': return 'a string';
    case '[': return `a slice of ${plural(t.slice(1))}`;
    case 'o': {
      if (t.length === 1) return 'an object of unknown shape';
      const names = [...new Set(shapeSet(t).map((x) => `'${m.shapes[x]?.name ?? x}'`))];
      if (names.length === 1) return `an object of shape ${names[0]}`;
      return `an object of shape ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
    }
    case 'h': return 'a task handle';
    case 'm': return 'a mutex';
    case 'c': return `a channel of ${plural(t.slice(1))}`;
    case 'x': return 'a cell';
    case 'w': return 'an i128 or u128';
    case 'r': return 'a reference';
    case 'I': case 'E': case 'S': return 'a number';
    case 'U': return 'the value a select or a receive delivered, which depends on what happened (test the arm index, and a receive\'s status, first)';
    default: return 'different kinds of object on different paths';
  }
}
