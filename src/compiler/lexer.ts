// The lexer: source text -> tokens, with moo.
//
// One moo state machine recognises every token; `AsthraLexer` wraps it for nearley, dropping
// whitespace and comments so the grammar never sees them, and turning moo's "invalid token"
// into a Diagnostic with the file, line and column.
import moo from 'moo';
import { CompileError } from './diagnostics';

export const KEYWORDS = [
  'package', 'import', 'pub', 'priv', 'fn', 'struct', 'enum', 'impl', 'let', 'mut', 'const',
  'if', 'else', 'while', 'for', 'in', 'match', 'return', 'break', 'continue', 'true', 'false',
  'void', 'none', 'unsafe', 'as', 'extern', 'spawn', 'spawn_with_handle', 'await', 'self',
  'sizeof', 'try', 'trait', 'dyn', 'where',
] as const;

const rules: moo.Rules = {
  ws: { match: /[ \t\r\n]+/, lineBreaks: true },
  comment: /\/\/[^\n]*/,
  blockComment: { match: /\/\*[^]*?\*\//, lineBreaks: true },
  rawString: { match: /r"""[^]*?"""/, lineBreaks: true },
  longString: { match: /"""(?:\\[^]|[^\\])*?"""/, lineBreaks: true },
  string: /"(?:\\[^\n]|[^"\\\n])*"/,
  char: /'(?:\\u\{[0-9a-fA-F]+\}|\\[^\n]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[^'\\\n])'/,
  // A float needs digits on both sides of the dot; the look-behind keeps `t.0.1` as fields.
  float: /(?<![.\w])(?:\d[\d_]*\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*[eE][+-]?\d+)/,
  int: /0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*/,
  ident: { match: /[A-Za-z_][A-Za-z0-9_]*/, type: moo.keywords(Object.fromEntries(KEYWORDS.map((k) => [k, k]))) },
  op: [
    '->', '=>', '::', '==', '!=', '<=', '>=', '&&', '||', '<<', '+=', '-=', '*=', '/=', '%=',
    '#[', '(', ')', '{', '}', '[', ']', '<', '>', ',', ';', ':', '.', '=', '+', '-', '*', '/',
    '%', '!', '~', '&', '|', '^', '?', '#', '@',
  ],
  invalid: { match: /[^]/, lineBreaks: true },
};

const base = moo.compile(rules);

/** Token kinds the parser never sees. */
const SKIPPED = new Set(['ws', 'comment', 'blockComment']);

/** A nearley-compatible lexer over moo that skips trivia and reports bad characters. */
export class AsthraLexer {
  private inner = base.reset('');
  private file = '<input>';
  private source = '';
  last: moo.Token | undefined;
  prev: moo.Token | undefined;
  /** the error raised inside nearley's feed (nearley rewraps what a lexer throws) */
  error: CompileError | null = null;

  setFile(file: string): void {
    this.file = file;
  }

  reset(chunk: string, state?: moo.LexerState): this {
    this.source = chunk;
    this.inner.reset(chunk, state);
    this.last = this.prev = undefined;
    this.error = null;
    return this;
  }

  next(): moo.Token | undefined {
    for (;;) {
      const tok = this.inner.next();
      if (tok === undefined) return undefined;
      if (SKIPPED.has(tok.type!)) continue;
      if (tok.type === 'invalid') {
        throw this.error = new CompileError(this.file, this.source, tok.line, tok.col, `unexpected character ${JSON.stringify(tok.text)}`);
      }
      if (tok.type === 'op') tok.type = tok.value;
      if (tok.type === 'string' || tok.type === 'longString' || tok.type === 'char') {
        for (const m of tok.text.matchAll(/\\u\{([0-9a-fA-F]+)\}/g)) {
          const cp = parseInt(m[1], 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw this.error = new CompileError(this.file, this.source, tok.line, tok.col + (m.index ?? 0), `\\u{${m[1]}} is not a Unicode scalar value`, 'use a code point up to 10FFFF, outside D800-DFFF');
          }
        }
      }
      this.prev = this.last;
      this.last = tok;
      return tok;
    }
  }

  save(): moo.LexerState {
    return this.inner.save();
  }

  formatError(tok: moo.Token, message: string): string {
    return this.inner.formatError(tok, message);
  }

  has(name: string): boolean {
    return name in rules || (KEYWORDS as readonly string[]).includes(name);
  }
}

/** All tokens of a source, for tests and tools. */
export function tokenize(source: string, file = '<input>'): moo.Token[] {
  const lx = new AsthraLexer();
  lx.setFile(file);
  lx.reset(source);
  const out: moo.Token[] = [];
  for (let t = lx.next(); t !== undefined; t = lx.next()) out.push(t);
  return out;
}

export const lexer = new AsthraLexer();
