// The editor support in tools/editor/: the TextMate grammar tokenises every spec program (and
// upstream's examples) through vscode-textmate, the engine VS Code runs, with no text left
// without a scope; each kind of token the lexer (src/compiler/lexer.ts) knows gets the scope
// an editor colours; and the VS Code manifest names files that exist.
'use strict';
const { expect } = require('chai');
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');
const { KEYWORDS } = require('../dist/compiler/lexer');
const { listPrograms, parseAnnotations } = require('./spec-annotations');

const ROOT = path.join(__dirname, '..');
const EDITOR = path.join(ROOT, 'tools', 'editor');
const GRAMMAR = path.join(EDITOR, 'syntaxes', 'asthra.tmLanguage.json');

let grammar;

before(async () => {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === 'source.asthra' ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
  });
  grammar = await registry.loadGrammar('source.asthra');
});

/** Every token of `text`: its text, scopes and line. */
function tokens(text) {
  const out = [];
  let stack = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1 });
    stack = r.ruleStack;
  });
  return out;
}

/** The innermost scope of a lone token. */
function scopeOf(text) {
  const ts = tokens(text).filter((t) => t.text.trim() !== '');
  expect(ts, text).to.have.length(1);
  return ts[0].scopes[ts[0].scopes.length - 1];
}

/** Runs of text the grammar gave no scope (only the file's), or called illegal. */
function unknownRuns(text) {
  return tokens(text).filter((t) => t.text.trim() !== '' && (t.scopes.length === 1 || t.scopes.some((s) => s.startsWith('invalid'))));
}

describe('editor grammar (tools/editor, through vscode-textmate)', () => {
  it('leaves no text of any spec program without a scope', () => {
    const programs = listPrograms(path.join(ROOT, 'spec-tests'));
    expect(programs.length).to.be.greaterThan(100);
    const bad = [];
    for (const file of programs) {
      const source = fs.readFileSync(file, 'utf8');
      // programs that test the lexer's own errors hold characters outside the language
      if (parseAnnotations(source).compileErrors.some((e) => /unexpected character/.test(e.text))) continue;
      for (const t of unknownRuns(source)) bad.push(`${path.relative(ROOT, file)}:${t.line}: ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`);
    }
    expect(bad, bad.slice(0, 20).join('\n')).to.deep.equal([]);
  });

  it('leaves no text of the examples without a scope', () => {
    const dir = path.join(ROOT, 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.asthra'));
    expect(files.length).to.be.greaterThan(0);
    for (const f of files) expect(unknownRuns(fs.readFileSync(path.join(dir, f), 'utf8')), f).to.deep.equal([]);
  });

  it('gives every keyword of the lexer a keyword, storage or constant scope', () => {
    for (const k of KEYWORDS) {
      expect(scopeOf(k), k).to.match(/^(keyword|storage|constant\.language|variable\.language)\./);
    }
  });

  it('scopes each kind of token the lexer knows', () => {
    const cases = {
      '// a comment': 'comment.line.double-slash.asthra',
      '/* a\nblock */': 'comment.block.asthra',
      '"text with \\n"': 'string.quoted.double.asthra',
      '"""long\n"text"\n"""': 'string.quoted.triple.asthra',
      'r"""raw \\n"""': 'string.quoted.triple.raw.asthra',
      "'x'": 'constant.character.asthra',
      "'\\u{1F600}'": 'constant.character.asthra',
      '3.25': 'constant.numeric.float.asthra',
      '1e9': 'constant.numeric.float.asthra',
      '0xff_ff': 'constant.numeric.hex.asthra',
      '0b1010': 'constant.numeric.binary.asthra',
      '0o17': 'constant.numeric.octal.asthra',
      '1_000': 'constant.numeric.integer.asthra',
      'i64': 'storage.type.primitive.asthra',
      'TaskHandle': 'support.type.asthra',
      'Point': 'entity.name.type.asthra',
      'count': 'variable.other.asthra',
      '->': 'keyword.operator.arrow.asthra',
      '::': 'punctuation.accessor.path.asthra',
    };
    for (const [text, scope] of Object.entries(cases)) {
      const ts = tokens(text).filter((t) => t.text.trim() !== '');
      for (const t of ts) expect(t.scopes, text).to.include(scope);
    }
    // an escape inside a string, a call, an annotation
    expect(tokens('"a\\tb"').find((t) => t.text === '\\t').scopes).to.include('constant.character.escape.asthra');
    expect(tokens('square(2)').find((t) => t.text === 'square').scopes).to.include('entity.name.function.asthra');
    const ann = tokens('#[ownership(c)]');
    expect(ann.find((t) => t.text === 'ownership').scopes).to.include('meta.annotation.asthra');
    expect(ann.find((t) => t.text === '#[').scopes).to.include('punctuation.definition.annotation.begin.asthra');
    // every operator and punctuation mark of the lexer
    const ops = ['->', '=>', '::', '==', '!=', '<=', '>=', '&&', '||', '<<', '+=', '-=', '*=', '/=', '%=',
      '(', ')', '{', '}', '[', ']', '<', '>', ',', ';', ':', '.', '=', '+', '-', '*', '/', '%', '!', '~', '&', '|', '^', '?', '#', '@'];
    for (const op of ops) expect(unknownRuns(`a ${op} b`), op).to.deep.equal([]);
    // a character outside the language is marked
    expect(scopeOf('$')).to.equal('invalid.illegal.character.asthra');
  });

  it('has a VS Code manifest that contributes the language and its grammar', () => {
    const m = JSON.parse(fs.readFileSync(path.join(EDITOR, 'package.json'), 'utf8'));
    expect(m.engines.vscode).to.be.a('string');
    const lang = m.contributes.languages.find((l) => l.id === 'asthra');
    expect(lang.extensions).to.include('.asthra');
    expect(fs.existsSync(path.join(EDITOR, lang.configuration))).to.equal(true);
    JSON.parse(fs.readFileSync(path.join(EDITOR, lang.configuration), 'utf8'));
    const g = m.contributes.grammars.find((x) => x.language === 'asthra');
    expect(g.scopeName).to.equal('source.asthra');
    expect(path.resolve(EDITOR, g.path)).to.equal(GRAMMAR);
  });
});
