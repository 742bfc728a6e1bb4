// What the checker learns about the program before emitting: declarations by name, and the
// notes it attaches to AST nodes (types, resolved names, local slots) for the emitter.
import type { EnumDecl, FnDecl, StructDecl } from './ast';
import type { GenericOrigin } from './generics';
import type { Ty } from './types';

export interface StructInfo {
  decl: StructDecl;
  fields: { name: string; ty: Ty }[];
  /** for an instance of a generic struct: its generic and type arguments */
  generic?: GenericOrigin;
}

export interface EnumInfo {
  name: string;
  /** Number of type arguments (Result: 2, Option: 1, user enums: 0). */
  arity: number;
  variants: { name: string; fields: (args: Ty[]) => Ty[]; arity: number }[];
  decl?: EnumDecl;
}

export interface FnInfo {
  index: number;
  key: string; // `name` or `Type::name`
  decl: FnDecl;
  params: Ty[]; // including self for methods
  ret: Ty;
  hasSelf: boolean;
  /** for an instance of a generic function or method: its type parameters' bindings */
  typeEnv?: Map<string, Ty>;
  /** a dyn method's dispatcher (check.ts DynDispatch): no body of its own */
  dispatch?: boolean;
  /** for an instance: the use that made it */
  instantiatedAt?: import('./diagnostics').Pos;
}

export interface GlobalInfo {
  index: number;
  name: string;
  ty: Ty;
  mut: boolean;
}

export interface LocalVar {
  slot: number;
  ty: Ty;
  mut: boolean;
  /** declared by `let` (so `&x` may take its address) */
  isLet?: boolean;
  /** a closure captures it and it can change: it lives in a box (closures.ts) */
  boxed?: boolean;
  /** inside a closure: a variable it captured (a parameter holding the value or the box) */
  capture?: boolean;
}

/** How a name or call was resolved. */
export type Target =
  | { k: 'local'; slot: number }
  | { k: 'global'; index: number }
  | { k: 'fn'; index: number }
  /** a row of BUILTIN_FNS (bytecode/builtins.ts) */
  | { k: 'builtin'; fn: number }
  | { k: 'len' }
  | { k: 'ctor'; variant: number }
  | { k: 'conv'; to: Ty }
  /** Channel::new(cap) */
  | { k: 'chanNew' }
  /** a C function (an index into the module's extern table) */
  | { k: 'extern'; index: number }
  /** an Asthra function passed to C as a function pointer (an index into the callback table) */
  | { k: 'callback'; index: number }
  /** `buf.ptr` of a []u8 as an extern argument: its bytes, copied to C memory for the call */
  | { k: 'slicePtr' }
  /** a predeclared constant (ownership_c, ownership_gc) */
  | { k: 'constant'; value: number }
  /** Asthra_runtime.enqueue_callback(handler, data, len): spawn handler(data, len) */
  | { k: 'enqueue'; fn: number }
  | { k: 'method'; name: string }
  /** a top-level function named as a value (closures.ts) */
  | { k: 'fnValue'; index: number }
  /** a call of a function value: CALL_CLOSURE */
  | { k: 'closureCall' }
  /** map, filter, reduce or forEach over a slice (closures.ts) */
  | { k: 'sliceHelper'; name: string };

/** Notes the checker leaves on nodes for the emitter. */
export interface Notes {
  ty?: Ty;
  target?: Target;
  slot?: number;
  slot2?: number;
  slot3?: number;
  fieldIndex?: number;
  /** a call's `(void)` argument list that means "no arguments" */
  noArgs?: boolean;
  /** the value type of a statement-level block-like used as a block's value */
  isTail?: boolean;
  /** a fixed array type's element count */
  size?: number;
  /** `*p`: the C type of the value it reads or writes (bytecode/ctypes.ts) */
  ctype?: number;
  /** a value converted to `dyn Trait` here: its type's vtable number */
  toDyn?: number;
  dynTrait?: string;
  /** a select arm's SELECT arm code (opcodes.ts SELECT_ARMS) */
  armCode?: string;
  /** a function literal: its index in CheckedProgram.closures */
  closure?: number;
  /** `spawn f(x)` of a function value: its index in CheckedProgram.spawnThunks */
  thunk?: number;
}

export function notes(n: object): Notes {
  return n as Notes;
}
