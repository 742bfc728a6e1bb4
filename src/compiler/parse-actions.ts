// Postprocessors for grammar.ne: they build the AST nodes of ast.ts from nearley's match data.
// Kept in TypeScript so the grammar file holds only the grammar.
import type moo from 'moo';
import type { Attribute, Block, Expr, Item, SelectArm, Stmt } from './ast';

interface Located {
  line: number;
  col: number;
}

export function node<T extends object>(kind: string, at: Located, fields: T): T & { kind: string; line: number; col: number } {
  return { kind, line: at.line, col: at.col, ...fields };
}

export function withAttrs(item: Item, attrs: Attribute[]): Item {
  if ('attrs' in item) item.attrs = attrs;
  return item;
}

/** A declaration's type parameters `<T, U: Shape>` as its node's fields. */
export function tparams(list: { name: string; bounds: string[] }[] | null): { typeParams: string[]; bounds: string[][] } {
  return { typeParams: (list ?? []).map((p) => p.name), bounds: (list ?? []).map((p) => p.bounds) };
}

/** `left op right` for every left-associative (and the non-associative comparison) level. */
export function bin(d: [Expr, moo.Token, Expr]): Expr {
  return node('Binary', d[0], { op: d[1].value, left: d[0], right: d[2] }) as Expr;
}

/** `a > > b` is a right shift only when the two `>` touch. */
export function shr(d: [Expr, moo.Token, moo.Token, Expr], _loc: number, reject: object): Expr | object {
  if (d[2].offset !== d[1].offset + 1) return reject;
  return node('Binary', d[0], { op: '>>', left: d[0], right: d[3] }) as Expr;
}

type PostOp =
  | { op: 'field'; name: string }
  | { op: 'call'; args: Expr[] }
  | { op: 'index'; index: Expr }
  | { op: 'slice'; lo: Expr | null; hi: Expr | null };

export function post(target: Expr, p: PostOp): Expr {
  switch (p.op) {
    case 'field':
      return node('Field', target, { object: target, name: p.name }) as Expr;
    case 'call':
      return node('Call', target, { callee: target, args: p.args }) as Expr;
    case 'index':
      return node('Index', target, { object: target, index: p.index }) as Expr;
    case 'slice':
      return node('SliceRange', target, { object: target, lo: p.lo, hi: p.hi }) as Expr;
  }
}

/** A select arm from its head (`[name =] operation`) and its body. */
export function selectArm(head: { binding: string | null; op: Expr; line: number; col: number }, body: Expr): SelectArm {
  return { binding: head.binding, op: head.op, body, line: head.line, col: head.col };
}

/** A statement used where an expression stands (`Err(e) => return e,`). */
export function stmtExpr(stmt: Stmt): Expr {
  const block: Block = { kind: 'Block', line: stmt.line, col: stmt.col, stmts: [stmt], tail: null };
  return node('BlockExpr', stmt, { block, unsafe: false }) as Expr;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };

export function unescape(body: string): string {
  return body.replace(/\\(u\{([0-9a-fA-F]+)\}|x([0-9a-fA-F]{2})|[^])/g, (_m, esc: string, uni?: string, hex?: string) => {
    if (uni !== undefined) return String.fromCodePoint(parseInt(uni, 16));
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    if (esc === '\n') return '';
    return ESCAPES[esc] ?? '\\' + esc;
  });
}

export function str(tok: moo.Token, open: number, close: number): moo.Token {
  return { ...tok, value: unescape(tok.text.slice(open, tok.text.length - close)) };
}

export function raw(tok: moo.Token): moo.Token {
  return { ...tok, value: tok.text.slice(4, tok.text.length - 3) };
}

export function charValue(tok: moo.Token): number {
  return unescape(tok.text.slice(1, -1)).codePointAt(0) ?? 0;
}

/**
 * Does the expression's first token begin a block-like (if, match, { }, unsafe { })? It walks
 * the left spine in a loop: nearley calls this for every statement, and a chain may be long.
 */
export function startsWithBlock(e: Expr): boolean {
  for (;;) {
    switch (e.kind) {
      case 'If': case 'IfLet': case 'Match': case 'BlockExpr': return true;
      case 'Binary': e = e.left; break;
      case 'Cast': e = e.expr; break;
      case 'Field': case 'Index': case 'SliceRange': e = e.object; break;
      case 'Call': e = e.callee; break;
      default: return false;
    }
  }
}

export function notBlockStart(d: [Expr], _loc: number, reject: object): Expr | object {
  return startsWithBlock(d[0]) ? reject : d[0];
}

/** Record `pub` on an item or method (modules.ts enforces it across modules). */
export function withVis(item: Item, vis: [moo.Token] | null): Item {
  if (vis && vis[0].value === 'pub') (item as Item & { pub?: boolean }).pub = true;
  return item;
}
