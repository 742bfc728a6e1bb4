// Postprocessors for grammar.ne: they build the AST nodes of ast.ts from nearley's match data.
// Kept in TypeScript so the grammar file holds only the grammar.
import type moo from 'moo';
import type { Attribute, Block, Expr, Item, SelectArm, Stmt, TypeExpr } from './ast';

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

/** How tightly each binary operator of an operator chain binds (the comparisons have a rule of their own). */
const PRECEDENCE: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '<<': 6, '>>': 6, '+': 7, '-': 7, '*': 8, '/': 8, '%': 8,
};

/**
 * An operator chain read so far (`a + b * c` up to `c`): its operands, and between them the
 * operators not yet applied, whose precedence rises from the first to the last (a higher one
 * has already been applied: `a * b + c` is held as `(a * b)`, `+`, `c`). The tree is built by
 * precedence climbing as the operands come, so each step costs at most one operator per level.
 * A chain is never changed once made: nearley may extend one chain in more than one way (`a + b`
 * in `a + b * c` and in `a + b;` alike), so every step makes a new one.
 */
class Chain {
  constructor(readonly operands: Expr[], readonly ops: string[]) {}
}

function binary(left: Expr, op: string, right: Expr): Expr {
  return node('Binary', left, { op, left, right }) as Expr;
}

/** The chain with `op right` added: an operand alone is a chain of one. */
function extend(left: Expr | Chain, op: string, right: Expr): Chain {
  const operands = left instanceof Chain ? left.operands.slice() : [left];
  const ops = left instanceof Chain ? left.ops.slice() : [];
  const prec = PRECEDENCE[op];
  // every operator binds to the left: one of the same or higher precedence is applied first
  while (ops.length > 0 && PRECEDENCE[ops[ops.length - 1]] >= prec) {
    const r = operands.pop()!;
    const l = operands.pop()!;
    operands.push(binary(l, ops.pop()!, r));
  }
  operands.push(right);
  ops.push(op);
  return new Chain(operands, ops);
}

/** `chain op operand` (Logic, Arith). */
export function chain(d: [Expr | Chain, moo.Token, Expr]): Chain {
  return extend(d[0], d[1].value, d[2]);
}

/** `chain > > operand`: a right shift only when the two `>` touch. */
export function chainShr(d: [Expr | Chain, moo.Token, moo.Token, Expr], _loc: number, reject: object): Chain | object {
  if (d[2].offset !== d[1].offset + 1) return reject;
  return extend(d[0], '>>', d[3]);
}

/** `chain as Type`: `as` binds tighter than every binary operator, so it takes the last operand. */
export function cast(d: [Expr | Chain, moo.Token, TypeExpr]): Expr | Chain {
  const c = d[0];
  if (!(c instanceof Chain)) return node('Cast', c, { expr: c, type: d[2] }) as Expr;
  const operands = c.operands.slice();
  const last = operands[operands.length - 1];
  operands[operands.length - 1] = node('Cast', last, { expr: last, type: d[2] }) as Expr;
  return new Chain(operands, c.ops);
}

/** The expression a chain stands for: its operators applied, the last (tightest) first. */
export function resolve(d: [Expr | Chain]): Expr {
  const c = d[0];
  if (!(c instanceof Chain)) return c;
  const { operands, ops } = c;
  let e = operands[operands.length - 1];
  for (let i = ops.length - 1; i >= 0; i--) e = binary(operands[i], ops[i], e);
  return e;
}

/** `a == b` (and the other comparisons, which do not chain). */
export function compare(d: [Expr | Chain, moo.Token, Expr | Chain]): Expr {
  return binary(resolve([d[0]]), d[1].value, resolve([d[2]]));
}

/** `target[i]`, `target[lo:hi]`: the postfix rule's target and what followed the `[`. */
export function index(d: [Expr, moo.Token, { op: 'index'; index: Expr } | { op: 'slice'; lo: Expr | null; hi: Expr | null }]): Expr {
  const target = d[0];
  const t = d[2];
  if (t.op === 'index') return node('Index', target, { object: target, index: t.index }) as Expr;
  return node('SliceRange', target, { object: target, lo: t.lo, hi: t.hi }) as Expr;
}

/** `-x`, `!x`, `~x`, `*p`, `&x`, `await h`, `try e`. */
export function prefix(d: [moo.Token, Expr]): Expr {
  const op = d[0];
  if (op.type === 'await') return node('Await', op, { handle: d[1] }) as Expr;
  if (op.type === 'try') return node('Try', op, { expr: d[1] }) as Expr;
  return node('Unary', op, { op: op.value, operand: d[1] }) as Expr;
}

/** A literal, a name or `self` (TOKEN_CLASSES.atom). */
export function atom(d: [moo.Token]): Expr {
  const t = d[0];
  switch (t.type) {
    case 'int': return node('Int', t, { text: t.value }) as Expr;
    case 'float': return node('Float', t, { text: t.value }) as Expr;
    case 'string': return strLit(t, 1, 1);
    case 'longString': return strLit(t, 3, 3);
    case 'rawString': return rawLit(t);
    case 'char': return node('Char', t, { value: charValue(t) }) as Expr;
    case 'true': return node('Bool', t, { value: true }) as Expr;
    case 'false': return node('Bool', t, { value: false }) as Expr;
    case 'void': return node('Unit', t, {}) as Expr;
    default: return node('Ident', t, { name: t.value }) as Expr; // a name or self
  }
}

/** `( ... )`: a parenthesised expression, `()` or a tuple. */
export function paren(d: [moo.Token, { inner: Expr } | { elems: Expr[] }]): Expr {
  const t = d[1];
  if ('inner' in t) return t.inner;
  if (t.elems.length === 0) return node('Unit', d[0], {}) as Expr;
  return node('TupleLit', d[0], { elems: t.elems }) as Expr;
}

/** `[ ... ]`: a slice literal or `[value; count]`. */
export function bracket(d: [moo.Token, { elems: Expr[] } | { value: Expr; count: Expr }]): Expr {
  const t = d[1];
  if ('value' in t) return node('ArrayRepeat', d[0], { value: t.value, count: t.count }) as Expr;
  return node('ArrayLit', d[0], { elems: t.elems }) as Expr;
}

/** The operator of `x = v`, `x += v`, ...: '=' or the arithmetic one. */
export function assignOp(t: moo.Token): string {
  return t.value === '=' ? '=' : t.value.slice(0, -1);
}

/**
 * A terminal that matches any of several kinds of token, as one Earley item (nearley calls its
 * `test`); `symbols` are the plain terminals it stands for, which a syntax error's "expected
 * ..." lists. Operators and keywords are token types of their own (lexer.ts), so every kind is
 * told by its type.
 */
export interface TokenClass {
  test(t: moo.Token): boolean;
  symbols: ({ literal: string } | { type: string })[];
}

function tokenClass(literals: string[], types: string[] = []): TokenClass {
  const kinds = new Set([...literals, ...types]);
  return {
    test: (t) => kinds.has(t.type!),
    symbols: [...literals.map((literal) => ({ literal })), ...types.map((type) => ({ type }))],
  };
}

/** The token classes grammar.ne names (%atom, %binop, ...). */
export const TOKEN_CLASSES = {
  atom: tokenClass(['true', 'false', 'void', 'self'], ['int', 'float', 'string', 'longString', 'rawString', 'char', 'ident']),
  /** the binary operators of Arith (`>>` is two `>`: a rule of its own) */
  binop: tokenClass(['|', '^', '&', '<<', '+', '-', '*', '/', '%']),
  cmpop: tokenClass(['==', '!=', '<', '<=', '>', '>=']),
  logicop: tokenClass(['||', '&&']),
  prefix: tokenClass(['-', '!', '~', '*', '&', 'await', 'try']),
  /** what may follow `.` in a field access: a name or a tuple index */
  member: tokenClass([], ['ident', 'int']),
  assignop: tokenClass(['=', '+=', '-=', '*=', '/=', '%=']),
};

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

/** A string literal expression (an operand; Literal's String and Str in one step). */
export function strLit(tok: moo.Token, open: number, close: number): Expr {
  return node('Str', tok, { value: unescape(tok.text.slice(open, tok.text.length - close)) }) as Expr;
}

export function rawLit(tok: moo.Token): Expr {
  return node('Str', tok, { value: tok.text.slice(4, tok.text.length - 3) }) as Expr;
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
