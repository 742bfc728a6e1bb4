// The value types of the verifier's second analysis (typecheck.ts): what kind of object a stack
// slot or a local holds, finer than the 'n'/'r' stack kinds of opcodes.ts. A type is a short
// string, so states compare and join cheaply:
//
//   u     a local no path has written yet (only locals; reading one is an error)
//   n     a number (ints, floats, bools, chars, void, C addresses)
//   s     a string
//   [K    a slice whose elements have stack kind K ('n' or 'r')
//   o     an object (struct, enum value or tuple) of an unknown shape; oS one of shape S
//   hK    a task handle whose result has kind K
//   m     a mutex
//   cK    a channel of elements of kind K
//   x     a cell (a variable whose address is taken)
//   r     a reference the code does not say more about (a parameter, global, field, element,
//         call result): it fits any reference operand, since the bytecode names no type for it
//   !     two paths disagree: one brings one kind of object, another a different one; any use is
//         an error (the JVM's "top")
//
// Joins only climb: a class -> 'r' -> '!', and 'u' absorbs everything, so the worklist ends.
import type { Module } from './module';

export type VType = string;

export const UNWRITTEN = 'u';
export const NUM = 'n';
export const STR = 's';
export const ANY_REF = 'r';
export const MIXED = '!';
export const MUTEX = 'm';
export const CELL = 'x';

/** The type of a value of stack kind k (0/'n' number, 1/'r' reference) with nothing more known. */
export function ofKind(k: number | string): VType {
  return k === 1 || k === 'r' ? ANY_REF : NUM;
}

export const sliceOf = (k: number | string): VType => '[' + (k === 1 || k === 'r' ? 'r' : 'n');
export const handleOf = (k: number | string): VType => 'h' + (k === 1 || k === 'r' ? 'r' : 'n');
export const chanOf = (k: number | string): VType => 'c' + (k === 1 || k === 'r' ? 'r' : 'n');
export const objOf = (shape: number): VType => 'o' + shape;

export function join(a: VType, b: VType): VType {
  if (a === b) return a;
  if (a === UNWRITTEN || b === UNWRITTEN) return UNWRITTEN;
  if (a === MIXED || b === MIXED) return MIXED;
  if (a[0] === 'o' && b[0] === 'o') return 'o';
  if (a === ANY_REF || b === ANY_REF) return ANY_REF;
  return MIXED;
}

/** What an operand must be, with its name for messages. */
export interface Want {
  test: (t: VType) => boolean;
  what: string;
}

export const WANT_STR: Want = { test: (t) => t === STR, what: 'a string' };
export const WANT_MUTEX: Want = { test: (t) => t === MUTEX, what: 'a mutex' };
export const WANT_CELL: Want = { test: (t) => t === CELL, what: 'a cell' };
export const WANT_OBJ: Want = { test: (t) => t[0] === 'o', what: 'an object (struct, enum value or tuple)' };
export const WANT_ANY_SLICE: Want = { test: (t) => t[0] === '[', what: 'a slice' };
export const WANT_ANY_CHAN: Want = { test: (t) => t[0] === 'c', what: 'a channel' };
export const WANT_ANY_HANDLE: Want = { test: (t) => t[0] === 'h', what: 'a task handle' };
export const wantSlice = (k: number | string): Want => ({ test: (t) => t === sliceOf(k), what: `a slice of ${kindWord(k)}` });
export const wantChan = (k: number | string): Want => ({ test: (t) => t === chanOf(k), what: `a channel of ${kindWord(k)}` });
export const wantHandle = (k: number | string): Want => ({ test: (t) => t === handleOf(k), what: `a task handle with a ${k === 1 || k === 'r' ? 'reference' : 'number'} result` });

function kindWord(k: number | string): string {
  return k === 1 || k === 'r' ? 'references' : 'numbers';
}

/** A type in words, for messages. */
export function describe(m: Module, t: VType): string {
  switch (t[0]) {
    case 'u': return 'a local that is not written on every path to here';
    case 'n': return 'a number';
    case 's': return 'a string';
    case '[': return `a slice of ${kindWord(t[1])}`;
    case 'o': {
      if (t.length === 1) return 'an object';
      const shape = m.shapes[Number(t.slice(1))];
      return shape === undefined ? 'an object' : `an object of shape '${shape.name}'`;
    }
    case 'h': return 'a task handle';
    case 'm': return 'a mutex';
    case 'c': return `a channel of ${kindWord(t[1])}`;
    case 'x': return 'a cell';
    case 'r': return 'a reference';
    default: return 'different kinds of object on different paths';
  }
}
