// Unit tests for the lexer (src/compiler/lexer.ts): `tokenize(source, file)` returns the tokens the
// parser sees (whitespace and comments dropped), each with moo's type, value, text, line and col.
'use strict';
const { expect } = require('chai');
const { tokenize, KEYWORDS } = require('../dist/compiler/lexer');
const { CompileError } = require('../dist/compiler/diagnostics');

/** [type, text] pairs of every token of `src`. */
function kinds(src) {
  return tokenize(src, 'lex.asthra').map((t) => [t.type, t.text]);
}

/** The single token of `src` (fails if there is not exactly one). */
function one(src) {
  const toks = tokenize(src, 'lex.asthra');
  expect(toks, `tokens of ${JSON.stringify(src)}`).to.have.lengthOf(1);
  return toks[0];
}

/** The CompileError thrown by tokenize(src, file). */
function lexError(src, file = 'bad.asthra') {
  let err;
  try {
    tokenize(src, file);
  } catch (e) {
    err = e;
  }
  expect(err, `tokenize(${JSON.stringify(src)}) should throw`).to.exist;
  expect(err).to.be.instanceOf(CompileError);
  return err;
}

describe('lexer', () => {
  describe('keywords and identifiers', () => {
    it('gives every keyword its own token type', () => {
      for (const k of ['fn', 'let', 'mut', 'if', 'else', 'while', 'for', 'in', 'match', 'return', 'break', 'continue',
        'struct', 'enum', 'impl', 'pub', 'priv', 'const', 'true', 'false', 'void', 'none', 'unsafe', 'as', 'self',
        'sizeof', 'try', 'package']) {
        const t = one(k);
        expect(t.type, k).to.equal(k);
        expect(t.value, k).to.equal(k);
      }
    });

    it('KEYWORDS lists only words the lexer turns into keyword tokens', () => {
      for (const k of KEYWORDS) expect(one(k).type, k).to.equal(k);
    });

    it('lexes words that merely contain or extend a keyword as identifiers', () => {
      const words = ['fnx', 'letter', 'iff', 'format', 'matches', 'self_', 'returns', 'in2', '_', '_tmp', 'x_1', 'Asthra'];
      expect(kinds(words.join(' '))).to.deep.equal(words.map((w) => ['ident', w]));
    });

    it('treats type names and built-in function names as identifiers, not keywords', () => {
      expect(kinds('i32 string Option Result int range len log args')).to.deep.equal(
        ['i32', 'string', 'Option', 'Result', 'int', 'range', 'len', 'log', 'args'].map((w) => ['ident', w]),
      );
    });

    it('is case sensitive about keywords', () => {
      expect(kinds('Fn LET Match')).to.deep.equal([['ident', 'Fn'], ['ident', 'LET'], ['ident', 'Match']]);
    });
  });

  describe('numbers', () => {
    it('lexes decimal, hex, binary, octal and underscore-separated integers as one int token each', () => {
      expect(kinds('42 0x2A 0b101 0o17 1_000 0 0xff_ff')).to.deep.equal([
        ['int', '42'], ['int', '0x2A'], ['int', '0b101'], ['int', '0o17'], ['int', '1_000'], ['int', '0'], ['int', '0xff_ff'],
      ]);
    });

    it('lexes floats with a fraction and/or an exponent', () => {
      expect(kinds('3.14 1e9 2.5e-3 6E+2 0.5 1_000.25')).to.deep.equal([
        ['float', '3.14'], ['float', '1e9'], ['float', '2.5e-3'], ['float', '6E+2'], ['float', '0.5'], ['float', '1_000.25'],
      ]);
    });

    it('needs digits on both sides of the dot: `1.` is an int and a dot', () => {
      expect(kinds('1.')).to.deep.equal([['int', '1'], ['.', '.']]);
    });

    it('lexes `t.0.1` as ident . int . int, not as a field followed by a float', () => {
      expect(kinds('t.0.1')).to.deep.equal([['ident', 't'], ['.', '.'], ['int', '0'], ['.', '.'], ['int', '1']]);
    });

    it('keeps tuple indices after a call or index as ints too (`f().1.0`, `a[0].2.3`)', () => {
      expect(kinds('f().1.0')).to.deep.equal([
        ['ident', 'f'], ['(', '('], [')', ')'], ['.', '.'], ['int', '1'], ['.', '.'], ['int', '0'],
      ]);
      expect(kinds('a[0].2.3').slice(4)).to.deep.equal([['.', '.'], ['int', '2'], ['.', '.'], ['int', '3']]);
    });

    it('still lexes a float after an operator or an opening parenthesis', () => {
      expect(kinds('x+1.5')).to.deep.equal([['ident', 'x'], ['+', '+'], ['float', '1.5']]);
      expect(kinds('(2.0)')).to.deep.equal([['(', '('], ['float', '2.0'], [')', ')']]);
    });
  });

  describe('strings and characters', () => {
    it('keeps an escaped quote inside one string token', () => {
      const t = one('"say \\"hi\\"\\n\\t\\\\"');
      expect(t.type).to.equal('string');
      expect(t.text).to.equal('"say \\"hi\\"\\n\\t\\\\"');
    });

    it('ends a string at the first unescaped quote', () => {
      expect(kinds('"a" "b"')).to.deep.equal([['string', '"a"'], ['string', '"b"']]);
      expect(kinds('"a\\\\" b')).to.deep.equal([['string', '"a\\\\"'], ['ident', 'b']]);
    });

    it('does not treat // or /* inside a string as a comment', () => {
      expect(kinds('"http://x /* y */" z')).to.deep.equal([['string', '"http://x /* y */"'], ['ident', 'z']]);
    });

    it('lexes a """multi-line""" string as one token and keeps counting lines after it', () => {
      const toks = tokenize('"""first\nsecond "quoted"\nthird""" after', 'lex.asthra');
      expect(toks.map((t) => t.type)).to.deep.equal(['longString', 'ident']);
      expect(toks[0].text).to.equal('"""first\nsecond "quoted"\nthird"""');
      expect(toks[1]).to.include({ text: 'after', line: 3, col: 10 });
    });

    it('lexes r"""raw""" as a raw string, backslashes and quotes included', () => {
      const t = one('r"""C:\\new "dir"\n\\t"""');
      expect(t.type).to.equal('rawString');
      expect(t.text).to.equal('r"""C:\\new "dir"\n\\t"""');
    });

    it('lexes char literals, plain and escaped', () => {
      expect(kinds("'a' '\\n' '\\'' '\\\\' '\\u{1F600}' 'é'")).to.deep.equal([
        ['char', "'a'"], ['char', "'\\n'"], ['char', "'\\''"], ['char', "'\\\\'"], ['char', "'\\u{1F600}'"], ['char', "'é'"],
      ]);
    });
  });

  describe('comments and whitespace', () => {
    it('skips // line comments and /* block */ comments', () => {
      expect(kinds('a // one ; fn\nb /* two\n fn ; */ c /**/ d')).to.deep.equal([
        ['ident', 'a'], ['ident', 'b'], ['ident', 'c'], ['ident', 'd'],
      ]);
    });

    it('produces no tokens for a source of only comments and whitespace', () => {
      expect(tokenize('// nothing\n  /* at\nall */\t\n', 'lex.asthra')).to.deep.equal([]);
    });

    it('reports 1-based line and column of every token, across comments spanning lines', () => {
      const toks = tokenize('let x = 1;\n/* a\n b */  y\n\tz', 'lex.asthra');
      const pos = toks.map((t) => [t.text, t.line, t.col]);
      expect(pos).to.deep.equal([
        ['let', 1, 1], ['x', 1, 5], ['=', 1, 7], ['1', 1, 9], [';', 1, 10], ['y', 3, 8], ['z', 4, 2],
      ]);
    });
  });

  describe('operators', () => {
    it('lexes multi-character operators as single tokens', () => {
      const ops = ['->', '=>', '::', '==', '!=', '<=', '>=', '&&', '||', '<<', '+=', '-=', '*=', '/=', '%=', '#['];
      expect(kinds(ops.join(' '))).to.deep.equal(ops.map((o) => [o, o]));
    });

    it('lexes single-character operators and punctuation', () => {
      const ops = ['(', ')', '{', '}', '[', ']', '<', '>', ',', ';', ':', '.', '=', '+', '-', '*', '/', '%', '!', '~', '&', '|', '^', '?'];
      expect(kinds(ops.join(' '))).to.deep.equal(ops.map((o) => [o, o]));
    });

    it('prefers the longest operator without spaces (`a->b`, `x<=y`, `p::q`, `a+=1`)', () => {
      expect(kinds('a->b')).to.deep.equal([['ident', 'a'], ['->', '->'], ['ident', 'b']]);
      expect(kinds('x<=y')).to.deep.equal([['ident', 'x'], ['<=', '<='], ['ident', 'y']]);
      expect(kinds('p::q')).to.deep.equal([['ident', 'p'], ['::', '::'], ['ident', 'q']]);
      expect(kinds('a+=1')).to.deep.equal([['ident', 'a'], ['+=', '+='], ['int', '1']]);
      expect(kinds('x==-1')).to.deep.equal([['ident', 'x'], ['==', '=='], ['-', '-'], ['int', '1']]);
    });

    it('splits `= >` and `- >` with a space into two tokens', () => {
      expect(kinds('= >').map((k) => k[0])).to.deep.equal(['=', '>']);
      expect(kinds('- >').map((k) => k[0])).to.deep.equal(['-', '>']);
    });

    it('lexes `>>` as two adjacent `>` tokens (so `Option<Result<T, E>>` closes two lists)', () => {
      const toks = tokenize('a >> 2', 'lex.asthra');
      expect(toks.map((t) => t.type)).to.deep.equal(['ident', '>', '>', 'int']);
      expect(toks[2].offset).to.equal(toks[1].offset + 1);
    });
  });

  describe('bad characters', () => {
    it('throws a CompileError for `$` naming file:line:col in render()', () => {
      const err = lexError('let x = 1;\nlet $y = 2;', 'dollar.asthra');
      expect(err.line).to.equal(2);
      expect(err.col).to.equal(5);
      expect(err.file).to.equal('dollar.asthra');
      const text = err.render();
      expect(text.split('\n')[0]).to.match(/^dollar\.asthra:2:5: error: .*\$/);
      expect(text).to.include('let $y = 2;');
      expect(text).to.match(/\n\s*\|\s{5}\^\n/); // caret under column 5
    });

    it('throws a CompileError for a backtick, at its column', () => {
      const err = lexError('fn main() -> void {\n    let s = `x`;\n}', 'tick.asthra');
      expect(err.line).to.equal(2);
      expect(err.col).to.equal(13);
      expect(err.render()).to.match(/^tick\.asthra:2:13: error: unexpected character "`"/);
    });

    it('reports an unterminated string (no closing quote on the line) as an error', () => {
      const err = lexError('let s = "abc\n;', 'open.asthra');
      expect(err.line).to.equal(1);
      expect(err.col).to.equal(9);
      expect(err.render()).to.match(/^open\.asthra:1:9: error:/);
    });

    it('uses the file name given to tokenize, not a previous one', () => {
      lexError('@@ $', 'first.asthra');
      const err = lexError('ok\n  $', 'second.asthra');
      expect(err.render()).to.match(/^second\.asthra:2:3: error:/);
    });
  });
});
