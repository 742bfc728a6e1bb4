// The parser: tokens -> AST, by nearley over the generated grammar.
//
// Parsing is linear in the source: the lexer runs once over the whole file, the token stream is
// cut at top-level declarations (see `Splitter`: at bracket depth 0, before a word that starts
// an item), and nearley parses each declaration on its own with `Item` as its start symbol. So
// the Earley chart, the part of parsing that grows fastest, only ever holds one declaration, and
// a syntax error spoils only its own declaration: every declaration's first error is reported.
// Each parse must be unique (an ambiguity is a bug in grammar.ne, reported as an internal error
// with its location), and nearley's failures become CompileErrors that say, in words, what was
// expected.
import nearley from 'nearley';
import type moo from 'moo';
import type { Item, Program, Unparsed } from './ast';
import { CompileError, CompileErrors, InternalError } from './diagnostics';
import { AsthraLexer } from './lexer';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const grammarModule = require('./grammar.generated.js');

const itemGrammar = nearley.Grammar.fromCompiled({ ...grammarModule, ParserStart: 'Item' });
const packageGrammar = nearley.Grammar.fromCompiled({ ...grammarModule, ParserStart: 'PackageDecl' });

/** Words for terminals in "expected ..." messages. */
const TOKEN_WORDS: Record<string, string> = {
  ident: 'a name',
  int: 'a number',
  float: 'a number',
  string: 'a string',
  longString: 'a string',
  rawString: 'a string',
  char: 'a character literal',
};

export { InternalError };
export type { Unparsed };

/** Feeds nearley one declaration's tokens (already lexed), remembering the last two. */
class TokenFeed {
  private i = 0;
  last: moo.Token | undefined;
  prev: moo.Token | undefined;
  constructor(private readonly tokens: moo.Token[], private readonly lexer: AsthraLexer) {}

  reset(): this {
    return this;
  }

  next(): moo.Token | undefined {
    const t = this.tokens[this.i];
    if (t === undefined) return undefined;
    this.i++;
    this.prev = this.last;
    this.last = t;
    return t;
  }

  save(): object {
    return {};
  }

  formatError(_tok: moo.Token, message: string): string {
    return message;
  }

  has(name: string): boolean {
    return this.lexer.has(name);
  }
}

/** Words that begin a top-level declaration. */
const ITEM_WORDS = new Set(['fn', 'struct', 'enum', 'impl', 'trait', 'extern', 'let', 'const', 'import', 'pub', 'priv', '#[', 'package']);
/** Tokens after which `fn` continues the same declaration (`pub fn`, `extern "c" fn`, a `fn(T)` type, a global's `= fn(x: T) ...`). */
const FN_CONTINUES = new Set(['pub', 'priv', ']', 'extern', 'string', ':', '->', ',', '(', '<', '=']);
/**
 * Words that start a declaration when they begin a line: where a declaration fails to parse,
 * it is cut again before each of these in column 1, even inside unclosed brackets, so a missing
 * `}` spoils one function and not the rest of the file.
 */
const LINE_START_WORDS = new Set(['fn', 'struct', 'enum', 'impl', 'trait', 'extern', '#[', 'pub', 'let', 'const']);

/**
 * Cuts the token stream into top-level declarations: before an item word at bracket depth 0,
 * unless it continues the declaration (`pub fn`, `#[a] #[b] fn`, `extern "c" fn`, `*const T`).
 * Tokens stream through it: only the declaration being read is held.
 */
class Splitter {
  private chunk: moo.Token[] = [];
  private depth = 0;

  /** Add the next token; returns the declaration it ends, if it starts a new one. */
  push(t: moo.Token): moo.Token[] | null {
    const type = t.type!;
    let done: moo.Token[] | null = null;
    // `type Name = T;` (a type alias): `type` is a word only where a declaration may start
    if (type === 'ident' && t.value === 'type' && this.depth === 0 && this.chunk.length > 0) {
      const prev = this.chunk[this.chunk.length - 1].type!;
      if (prev === ';' || prev === '}') {
        done = this.chunk;
        this.chunk = [];
      }
    }
    if (this.chunk.length > 0 && ITEM_WORDS.has(type)) {
      const prev = this.chunk[this.chunk.length - 1].type!;
      let cut = false;
      if (this.depth === 0) {
        if (type === 'fn') cut = !FN_CONTINUES.has(prev);
        else if (type === '#[' || type === 'pub' || type === 'priv') cut = prev !== ']';
        // `*const T` is a pointer type, not a constant
        else if (type === 'const') cut = prev !== 'pub' && prev !== 'priv' && prev !== ']' && prev !== '*';
        else cut = prev !== 'pub' && prev !== 'priv' && prev !== ']';
      }
      if (cut) {
        done = this.chunk;
        this.chunk = [];
        this.depth = 0;
      }
    }
    this.chunk.push(t);
    if (type === '{' || type === '(' || type === '[' || type === '#[') this.depth++;
    else if ((type === '}' || type === ')' || type === ']') && this.depth > 0) this.depth--;
    return done;
  }

  /** The last declaration (null if the source had no tokens). */
  end(): moo.Token[] | null {
    return this.chunk.length ? this.chunk : null;
  }
}

/** A parse that went on past syntax errors: the declarations that parsed, and the errors. */
export interface Parsed {
  program: Program;
  errors: CompileError[];
  unparsed: Unparsed;
}

/** Parse a whole file; throws the syntax errors (all of them) if there are any. */
export function parse(source: string, file: string): Program {
  const parsed = parseRecovering(source, file);
  if (parsed.errors.length) throw CompileErrors.of(parsed.errors);
  return parsed.program;
}

/** Parse a whole file, going on after a declaration with a syntax error. */
export function parseRecovering(source: string, file: string): Parsed {
  const errors: CompileError[] = [];
  const unparsed: Unparsed = { names: new Set(), impls: new Set(), imports: false };
  const lexer = new AsthraLexer();
  lexer.setFile(file);
  lexer.reset(source);
  const splitter = new Splitter();
  let packageName: string | null = null;
  const items: Item[] = [];
  let first = true;
  // the declaration being read had a bad character (or one follows it): it has its error
  // already, and parsing it would only add another
  let spoiled = false;
  const take = (chunk: moo.Token[], following: moo.Token | undefined): void => {
    const isPackage = first && chunk[0].type === 'package';
    first = false;
    if (spoiled) {
      spoiled = false;
      noteUnparsed(chunk, unparsed);
      return;
    }
    try {
      const result = parseChunk(chunk, isPackage ? packageGrammar : itemGrammar, lexer, file, source, following);
      if (isPackage) packageName = result as string;
      else items.push(result as Item);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      // recovery: cut before each line-starting item word and parse the pieces on their own
      const cut = chunk.findIndex((t, i) => i > 0 && t.col === 1 && LINE_START_WORDS.has(t.type!));
      if (cut < 0) {
        errors.push(e);
        noteUnparsed(chunk, unparsed);
        return;
      }
      take(chunk.slice(0, cut), chunk[cut]);
      const rest = new Splitter();
      for (const t of chunk.slice(cut)) {
        const done = rest.push(t);
        if (done) take(done, t);
      }
      const last = rest.end();
      if (last) take(last, following);
    }
  };
  for (;;) {
    let t: moo.Token | undefined;
    try {
      t = lexer.next();
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      errors.push(e);
      spoiled = true;
      continue;
    }
    if (t === undefined) break;
    const done = splitter.push(t);
    if (done) take(done, t);
  }
  const last = splitter.end();
  if (last) take(last, undefined);
  return { program: { packageName, items }, errors, unparsed };
}

/** Record what a declaration that did not parse declares, read from its first tokens. */
function noteUnparsed(chunk: moo.Token[], out: Unparsed): void {
  let i = 0;
  const type = (k: number): string | undefined => chunk[k]?.type;
  /** the index after a bracketed run that opens at k (`#[...]`, `<...>`), or k if none opens there */
  const skip = (k: number, open: string, close: string): number => {
    if (type(k) !== open) return k;
    let depth = 0;
    for (let j = k; j < chunk.length; j++) {
      if (type(j) === open || (open === '#[' && type(j) === '[')) depth++;
      else if (type(j) === close && --depth === 0) return j + 1;
    }
    return chunk.length;
  };
  const name = (k: number): void => {
    if (type(k) === 'ident') out.names.add(chunk[k].value);
  };
  for (;;) {
    const next = skip(i, '#[', ']');
    if (next === i) break;
    i = next;
  }
  if (type(i) === 'pub' || type(i) === 'priv') i++;
  const word = type(i) === 'ident' && chunk[i].value === 'type' ? 'type' : type(i);
  switch (word) {
    case 'fn': case 'struct': case 'enum': case 'trait': case 'type': case 'const':
      name(i + 1);
      break;
    case 'let':
      name(type(i + 1) === 'mut' ? i + 2 : i + 1);
      break;
    case 'extern': {
      const k = type(i + 1) === 'string' ? i + 2 : i + 1;
      if (type(k) === 'fn') name(k + 1);
      break;
    }
    case 'impl': {
      let k = skip(i + 1, '<', '>');
      if (type(k) !== 'ident') break;
      const first = chunk[k].value;
      k = skip(k + 1, '<', '>');
      if (type(k) === 'for' && type(k + 1) === 'ident') out.impls.add(chunk[k + 1].value);
      else out.impls.add(first);
      break;
    }
    case 'import':
      out.imports = true;
      break;
  }
}

/** One declaration's tokens -> its AST, or the CompileError of its first syntax error. */
function parseChunk(chunk: moo.Token[], grammar: nearley.Grammar, lexer: AsthraLexer, file: string, source: string, following: moo.Token | undefined): unknown {
  const feed = new TokenFeed(chunk, lexer);
  const parser = new nearley.Parser(grammar, { lexer: feed });
  try {
    parser.feed('');
  } catch (e) {
    const err = e as { token?: moo.Token };
    if (!err.token) throw e;
    throw syntaxError(parser, err.token, feed.prev, 2, file, source);
  }
  const results = parser.results as unknown[];
  if (results.length === 0) {
    // the declaration stopped short: at the next declaration or the end of the file
    const open = unclosed(chunk);
    if (open && following) {
      throw new CompileError(file, source, open.line, open.col, `unclosed '${open.text}'`,
        `the next declaration starts at line ${following.line}; add the missing '${CLOSERS[open.text]}'`);
    }
    if (following) throw syntaxError(parser, following, feed.last, 1, file, source);
    const last = feed.last!;
    throw new CompileError(file, source, last.line, last.col + last.text.length, `unexpected end of file${expectedTerminals(parser, 1)}`);
  }
  if (results.length > 1) {
    const where = firstDifference(results[0], results[1]) ?? { line: chunk[0].line, col: chunk[0].col };
    throw new InternalError(`${file}:${where.line}:${where.col}: internal error: ambiguous parse (${results.length} parses); this is a bug in grammar.ne`);
  }
  return results[0];
}

const CLOSERS: Record<string, string> = { '{': '}', '(': ')', '[': ']', '#[': ']' };

/** The innermost bracket a declaration's tokens leave open, if any. */
function unclosed(chunk: moo.Token[]): moo.Token | null {
  const stack: moo.Token[] = [];
  for (const t of chunk) {
    if (t.type! in CLOSERS) stack.push(t);
    else if ((t.type === '}' || t.type === ')' || t.type === ']') && stack.length) stack.pop();
  }
  return stack.length ? stack[stack.length - 1] : null;
}

function syntaxError(parser: nearley.Parser, tok: moo.Token, prev: moo.Token | undefined, fromEnd: number, file: string, source: string): CompileError {
  const expected = expectedTerminals(parser, fromEnd);
  if (expected.includes("';'") && prev && prev.line < tok.line) {
    const col = prev.col + prev.text.length;
    return new CompileError(file, source, prev.line, col, `expected ';' after '${prev.text}'`, 'a statement ends with a semicolon');
  }
  const what = tok.type === 'string' ? 'string' : `'${tok.text}'`;
  return new CompileError(file, source, tok.line, tok.col, `unexpected ${what}${expected}`, hintFor(tok.text, expected));
}

function expectedTerminals(parser: nearley.Parser, fromEnd: number): string {
  // The last column's states that wait on a terminal are exactly what could have come next.
  const table = (parser as unknown as { table: { states: { rule: { symbols: unknown[] }; dot: number }[] }[] }).table;
  const column = table[table.length - fromEnd];
  if (!column) return '';
  const words = new Set<string>();
  type Terminal = { literal?: string; type?: string; symbols?: Terminal[] };
  const add = (sym: Terminal): void => {
    if (sym.literal !== undefined) words.add(`'${sym.literal}'`);
    else if (sym.type !== undefined) words.add(TOKEN_WORDS[sym.type] ?? sym.type);
    // a token class (parse-actions.ts TOKEN_CLASSES) stands for several terminals
    else if (sym.symbols !== undefined) sym.symbols.forEach(add);
  };
  for (const st of column.states) {
    const sym = st.rule.symbols[st.dot] as Terminal | string | undefined;
    if (sym !== undefined && typeof sym !== 'string') add(sym);
  }
  if (words.size === 0) return '';
  const OPERATORS = /^'(?:[-+*\/%&|^<>=!~.]+|as|\[|\()'$/;
  let list = [...words].sort();
  const nonOps = list.filter((w) => !OPERATORS.test(w));
  if (list.length > 8 && nonOps.length > 0) list = nonOps;
  if (list.length > 8) return `; expected an expression, a statement or ${list.slice(0, 6).join(', ')}, ...`;
  return `; expected ${list.length === 1 ? list[0] : list.slice(0, -1).join(', ') + ' or ' + list[list.length - 1]}`;
}

function hintFor(text: string, expected: string): string | undefined {
  if (expected.includes("';'")) return 'a statement ends with a semicolon';
  if (text === '=' && expected.includes("'=='")) return 'use == to compare';
  return undefined;
}

function firstDifference(a: unknown, b: unknown): { line: number; col: number } | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return null;
  for (const key of Object.keys(a)) {
    const inner = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
    if (inner) return inner;
  }
  const loc = a as { line?: number; col?: number };
  return typeof loc.line === 'number' ? { line: loc.line, col: loc.col ?? 1 } : null;
}
