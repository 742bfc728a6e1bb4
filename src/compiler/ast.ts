// The AST: plain typed nodes built by grammar.ne's postprocessors. Every node carries the
// position of its first token. The checker fills in `ty` on expressions; nothing else mutates
// the tree after parsing.
import type { Pos } from './diagnostics';
import type { Ty } from './types';

export interface Node extends Pos {
  kind: string;
}

// ---- types as written in source ----
export type TypeExpr =
  | (Node & { kind: 'TName'; name: string; args: TypeExpr[] })
  | (Node & { kind: 'TSlice'; elem: TypeExpr })
  | (Node & { kind: 'TArray'; elem: TypeExpr; size: Expr })
  | (Node & { kind: 'TTuple'; elems: TypeExpr[] })
  | (Node & { kind: 'TPtr'; mut: boolean; elem: TypeExpr })
  | (Node & { kind: 'TFn'; params: TypeExpr[]; ret: TypeExpr })
  | (Node & { kind: 'TDyn'; trait: string });

// ---- top level ----
export interface Attribute extends Pos {
  name: string;
  arg?: string;
}
export interface Param extends Pos {
  name: string;
  mut: boolean;
  type: TypeExpr | null; // null only for `self`
}
/** The type parameters of a generic declaration: names and, per name, its trait bounds. */
export interface Generic {
  typeParams: string[];
  bounds: string[][];
}
export interface FnDecl extends Node, Generic {
  kind: 'Fn';
  name: string;
  params: Param[];
  ret: TypeExpr | null;
  body: Block;
  attrs: Attribute[];
  /** set for functions inside `impl T` */
  owner?: string;
  /** marked `pub`: usable from other modules */
  pub?: boolean;
}
export interface ExternDecl extends Node {
  kind: 'Extern';
  lib: string;
  name: string;
  params: Param[];
  ret: TypeExpr | null;
  attrs: Attribute[];
}
export interface FieldDecl extends Pos {
  name: string;
  type: TypeExpr;
  /** marked `pub`: usable from other modules */
  pub?: boolean;
}
export interface StructDecl extends Node, Generic {
  kind: 'Struct';
  name: string;
  fields: FieldDecl[];
}
export interface VariantDecl extends Pos {
  name: string;
  fields: TypeExpr[];
}
export interface EnumDecl extends Node, Generic {
  kind: 'Enum';
  name: string;
  variants: VariantDecl[];
}
/** `impl<T> Name<T> { }` or `impl Trait for Name { }` (upstream's `impl Name` of a generic Name also names its parameters). */
export interface ImplDecl extends Node, Generic {
  kind: 'Impl';
  name: string;
  typeArgs: TypeExpr[];
  trait: { name: string; args: TypeExpr[]; line: number; col: number } | null;
  methods: FnDecl[];
}
/** `trait Shape { fn area(self) -> f64; }`: methods without a body are required, with one are defaults. */
export interface TraitDecl extends Node, Generic {
  kind: 'Trait';
  name: string;
  methods: TraitMethod[];
}
export type TraitMethod = Omit<FnDecl, 'body'> & { body: Block | null };
/** `type Name = T;` */
export interface TypeAliasDecl extends Node, Generic {
  kind: 'TypeAlias';
  name: string;
  type: TypeExpr;
}
export interface GlobalDecl extends Node {
  kind: 'Global';
  name: string;
  mut: boolean;
  isConst: boolean;
  type: TypeExpr;
  init: Expr;
}
export interface ImportDecl extends Node {
  kind: 'Import';
  path: string;
  /** the name after `as` (null: the last part of the path) */
  alias: string | null;
  aliasAt?: Pos;
}
/** Every item may carry `pub` (set by the parser; modules.ts enforces it across modules). */
export type Item = FnDecl | ExternDecl | StructDecl | EnumDecl | ImplDecl | TraitDecl | TypeAliasDecl | GlobalDecl | ImportDecl;

export interface Program {
  packageName: string | null;
  items: Item[];
}

// ---- statements ----
export interface Block extends Node {
  kind: 'Block';
  stmts: Stmt[];
  tail: Expr | null;
}
export type Stmt =
  | (Node & { kind: 'Let'; name: string; mut: boolean; type: TypeExpr | null; init: Expr; attr?: { name: string; arg?: string; line: number; col: number } })
  | (Node & { kind: 'Assign'; op: string; target: Expr; value: Expr })
  | (Node & { kind: 'ExprStmt'; expr: Expr; semi: boolean })
  | (Node & { kind: 'Return'; value: Expr | null })
  | (Node & { kind: 'Break' })
  | (Node & { kind: 'Continue' })
  | (Node & { kind: 'While'; cond: Expr; body: Block })
  | (Node & { kind: 'For'; name: string; iter: Expr; body: Block })
  | (Node & { kind: 'Spawn'; call: Expr })
  | (Node & { kind: 'SpawnHandle'; name: string; call: Expr })
  | (Node & { kind: 'Select'; arms: SelectArm[] });

/**
 * One arm of `select { ... }`: `[name =] op => body`. The checker tells the arm kinds apart:
 * `ch.recv()`, `ch.send(v)`, `await h`, `after(ms)` or `default`.
 */
export interface SelectArm extends Pos {
  binding: string | null;
  op: Expr;
  body: Expr;
}

// ---- patterns ----
export type Pattern =
  | (Node & { kind: 'PWild' })
  | (Node & { kind: 'PBind'; name: string })
  | (Node & { kind: 'PLit'; value: Expr })
  | (Node & { kind: 'PVariant'; enumName: string; variant: string; args: Pattern[] | null })
  | (Node & { kind: 'PTuple'; elems: Pattern[] });

export interface MatchArm extends Pos {
  pattern: Pattern;
  body: Expr;
}

// ---- expressions ----
interface E extends Node {
  ty?: Ty;
}
export type Expr =
  | (E & { kind: 'Int'; text: string })
  | (E & { kind: 'Float'; text: string })
  | (E & { kind: 'Str'; value: string })
  | (E & { kind: 'Char'; value: number })
  | (E & { kind: 'Bool'; value: boolean })
  | (E & { kind: 'Unit' })
  | (E & { kind: 'Ident'; name: string })
  | (E & { kind: 'Path'; type: string; typeArgs: TypeExpr[]; name: string })
  | (E & { kind: 'Binary'; op: string; left: Expr; right: Expr })
  | (E & { kind: 'Unary'; op: string; operand: Expr })
  | (E & { kind: 'Cast'; expr: Expr; type: TypeExpr })
  | (E & { kind: 'Call'; callee: Expr; args: Expr[] })
  | (E & { kind: 'Field'; object: Expr; name: string })
  | (E & { kind: 'Index'; object: Expr; index: Expr })
  | (E & { kind: 'SliceRange'; object: Expr; lo: Expr | null; hi: Expr | null })
  | (E & { kind: 'StructLit'; name: string; typeArgs: TypeExpr[]; fields: { name: string; value: Expr; line: number; col: number }[] })
  | (E & { kind: 'ArrayLit'; elems: Expr[] })
  | (E & { kind: 'ArrayRepeat'; value: Expr; count: Expr })
  | (E & { kind: 'TupleLit'; elems: Expr[] })
  | (E & { kind: 'If'; cond: Expr; then: Block; else: Expr | null })
  | (E & { kind: 'IfLet'; pattern: Pattern; value: Expr; then: Block; else: Expr | null })
  | (E & { kind: 'Match'; subject: Expr; arms: MatchArm[] })
  | (E & { kind: 'BlockExpr'; block: Block; unsafe: boolean })
  | (E & { kind: 'Await'; handle: Expr })
  | (E & { kind: 'SpawnExpr'; call: Expr })
  | (E & { kind: 'Try'; expr: Expr })
  | (E & { kind: 'Sizeof'; type: TypeExpr })
  /** `fn(x: i32) -> i32 { ... }`: a closure (closures.ts) */
  | (E & { kind: 'FnLit'; params: Param[]; ret: TypeExpr | null; body: Block });

export type ExprKind = Expr['kind'];

/**
 * What the declarations that did not parse would have declared, as far as their first tokens
 * tell: the checker still checks the rest of the program, and stays quiet about uses of these
 * (rustc does the same), so one syntax error does not bring a page of "undefined function".
 */
export interface Unparsed {
  /** functions, externs, globals, types and traits */
  names: Set<string>;
  /** types with an impl that did not parse: any method, and any trait, may have been there */
  impls: Set<string>;
  /** an import did not parse: which names it brings cannot be known */
  imports: boolean;
}
