// A compiled program in memory: what the emitter produces, what `.astb` files hold
// (astb.ts reads and writes it) and what the VM loads.
import { Op, forEachInstruction } from './opcodes';
import type { CallbackProto, ExternProto } from './ctypes';

export type { CallbackProto, ExternProto } from './ctypes';

export const enum MainKind {
  Void = 0,
  ExitCode = 1,
  Result = 2,
}

export interface FnProto {
  name: string;
  arity: number;
  nlocals: number;
  maxStack: number;
  /** per local slot: 0 number, 1 reference */
  localKinds: Uint8Array;
  /** 0: returns a number (or void), 1: returns a reference */
  retKind: number;
  /**
   * per local slot, its declared value type (vtypes.ts: 's' string, '[s' slice of strings, ...),
   * and the result's: what the verifier assumes of parameters and call results. Files always
   * carry them (the TYPES section); a module made by hand without them is verified as if every
   * reference were of an unknown kind.
   */
  localTypes?: string[];
  retType?: string;
  code: Int32Array;
  /** triples (pc, line, col), pc ascending: the source position of the code from pc on */
  lines: Int32Array;
}

/** The layout of a struct, enum variant or tuple object: which fields hold references. */
export interface ShapeProto {
  name: string;
  variant: number;
  refs: Uint8Array;
  /**
   * per field, its declared value type (vtypes.ts), as FnProto.localTypes: what GET_FIELD gives
   * and what NEW_OBJ and SET_FIELD must store. Files always carry them (the FIELDS section); a
   * module made by hand without them is verified as if every reference field were of an
   * unknown kind.
   */
  fields?: string[];
  /**
   * a closure shape (a function value): the function CALL_CLOSURE runs, which takes the
   * object's fields as its first parameters, then the call's arguments
   */
  fn?: number;
}

export interface GlobalProto {
  name: string;
  kind: number;
  /** its declared value type (vtypes.ts), as for FnProto.localTypes */
  type?: string;
}

export interface Module {
  sourceName: string;
  /** the source text, for stack traces and the disassembler (may be empty) */
  source: string;
  /**
   * the other files of a program made of several (its imported modules): file k here is the one
   * whose line table entries are k * LINE_BASE + line (sourceAt() takes them apart)
   */
  files?: { name: string; source: string }[];
  numbers: number[];
  strings: string[];
  shapes: ShapeProto[];
  globals: GlobalProto[];
  functions: FnProto[];
  /** C functions the program calls (CALL_EXTERN operands), bound when it loads */
  externs: ExternProto[];
  /** Asthra functions C may call back (the values of an extern's function-pointer arguments) */
  callbacks: CallbackProto[];
  /** function run first: initialises globals, calls main, returns main's value */
  entry: number;
  mainKind: MainKind;
}

/** The source position of the instruction at pc, or null without a line table. */
export function lineAt(fn: FnProto, pc: number): { line: number; col: number } | null {
  const t = fn.lines;
  let best = -1;
  for (let i = 0; i < t.length; i += 3) {
    if (t[i] <= pc) best = i;
    else break;
  }
  return best < 0 ? null : { line: t[best + 1], col: t[best + 2] };
}

/** Lines of imported module k start at k * LINE_BASE in line tables (compiler/modules.ts). */
export const LINE_BASE = 1 << 20;

/** The file, line and source line text of an encoded line of m's line tables. */
export function sourceAt(m: Module, line: number): { file: string; line: number; text: string | undefined } {
  const k = Math.floor(line / LINE_BASE);
  const f = k > 0 ? m.files?.[k - 1] : undefined;
  const name = f ? f.name : m.sourceName;
  const source = f ? f.source : m.source;
  const l = line % LINE_BASE;
  return { file: name, line: l, text: source.split('\n')[l - 1] };
}

/** Does any function start a task? (A program that never does runs on one worker, in this thread.) */
export function usesSpawn(m: Module): boolean {
  let found = false;
  for (const f of m.functions) {
    forEachInstruction(f.code, (_, op) => {
      if (op === Op.SPAWN || op === Op.SPAWN_H) found = true;
    });
  }
  return found;
}
