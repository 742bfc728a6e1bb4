// The parser: tokens -> AST, by nearley over the generated grammar. It asserts exactly one parse
// (an ambiguity is a bug in grammar.ne, reported as an internal error with its location) and
// turns nearley's failures into a CompileError that says, in words, what was expected.
import nearley from 'nearley';
import type { Program } from './ast';
import { CompileError, InternalError } from './diagnostics';
import { lexer } from './lexer';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const grammarModule = require('./grammar.generated.js');

const grammar = nearley.Grammar.fromCompiled(grammarModule);

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

export function parse(source: string, file: string): Program {
  lexer.setFile(file);
  const parser = new nearley.Parser(grammar);
  try {
    parser.feed(source);
  } catch (e) {
    if (e instanceof CompileError) throw e;
    if (lexer.error) throw lexer.error;
    const err = e as { token?: { value: string; text: string; line: number; col: number; type?: string }; offset?: number };
    const tok = err.token;
    if (!tok) throw e;
    const expected = expectedTerminals(parser, 2);
    const prev = lexer.prev;
    if (expected.includes("';'") && prev && prev.line < tok.line) {
      const col = prev.col + prev.text.length;
      throw new CompileError(file, source, prev.line, col, `expected ';' after '${prev.text}'`, 'a statement ends with a semicolon');
    }
    const what = tok.type === 'string' ? 'string' : `'${tok.text}'`;
    throw new CompileError(file, source, tok.line, tok.col, `unexpected ${what}${expected}`, hintFor(tok.text, expected));
  }
  const results = parser.results as Program[];
  if (results.length === 0) {
    const lines = source.split('\n');
    const last = lexer.last;
    const line = last ? last.line : lines.length;
    const col = last ? last.col + last.text.length : 1;
    throw new CompileError(file, source, line, col, `unexpected end of file${expectedTerminals(parser, 1)}`);
  }
  if (results.length > 1) {
    const where = firstDifference(results[0], results[1]) ?? { line: 1, col: 1 };
    throw new InternalError(`${file}:${where.line}:${where.col}: internal error: ambiguous parse (${results.length} parses); this is a bug in grammar.ne`);
  }
  return results[0];
}

function expectedTerminals(parser: nearley.Parser, fromEnd: number): string {
  // The last column's states that wait on a terminal are exactly what could have come next.
  const table = (parser as unknown as { table: { states: { rule: { symbols: unknown[] }; dot: number }[] }[] }).table;
  const column = table[table.length - fromEnd];
  if (!column) return '';
  const words = new Set<string>();
  for (const st of column.states) {
    const sym = st.rule.symbols[st.dot] as { literal?: string; type?: string } | string | undefined;
    if (sym === undefined || typeof sym === 'string') continue;
    if (sym.literal !== undefined) words.add(`'${sym.literal}'`);
    else if (sym.type !== undefined) words.add(TOKEN_WORDS[sym.type] ?? sym.type);
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
