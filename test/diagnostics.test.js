// Compile errors at scale: every error in one run (up to MAX_ERRORS, then a count), and
// `--error-format json` for editors, through bin/asthra.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CLI = path.join(__dirname, '..', 'bin', 'asthra');
let tmp;

function asthra(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

function file(name, content) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

describe('compile errors at scale', () => {
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-diag-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('shows the first 50 of 60 errors, then how many more', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `    let v${i}: i32 = "s${i}";`);
    const f = file('many.asthra', `pub fn main(void) -> void {\n${lines.join('\n')}\n}\n`);
    for (const cmd of ['run', 'build']) {
      const r = asthra([cmd, f]);
      expect(r.status).to.equal(1);
      const errs = r.stderr.split('\n').filter((l) => l.includes(': error: '));
      expect(errs).to.have.length(50);
      expect(errs[0]).to.equal(`${f}:2:19: error: type mismatch: expected i32, found string`);
      expect(errs[49]).to.include(`${f}:51:`);
      expect(r.stderr).to.include('and 10 more errors (60 in all; the first 50 are shown)');
    }
  });

  it('--error-format json writes one object per diagnostic, with hints and notes', () => {
    const f = file('json.asthra', [
      'fn square(n: i32) -> i32 { return n * n; }',
      'pub fn main(void) -> void {',
      '    let count: i32 = 1;',
      '    println("" + cuont);',
      '    println("" + square("x"));',
      '}',
    ].join('\n'));
    for (const cmd of ['run', 'build']) {
      const r = asthra([cmd, '--error-format', 'json', f]);
      expect(r.status).to.equal(1);
      const objs = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
      expect(objs).to.have.length(2);
      expect(objs[0]).to.deep.equal({
        file: f, line: 4, column: 18, end: { line: 4, column: 23 }, severity: 'error',
        message: "undefined variable 'cuont'", hints: ['did you mean `count`?'], notes: [],
      });
      expect(objs[1].message).to.equal('type mismatch: expected i32, found string');
      expect(objs[1].notes).to.deep.equal([{ file: f, line: 1, column: 11, message: "parameter 'n' of 'square' is declared here as i32" }]);
    }
  });

  it('a binary file, a directory and a source file given to exec are named plainly', () => {
    const bin = file('bin.asthra', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01]));
    let r = asthra(['run', bin]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal(`asthra: '${bin}' is not a UTF-8 text file\n`);
    const dir = path.join(tmp, 'd.asthra');
    fs.mkdirSync(dir);
    r = asthra(['build', dir]);
    expect(r.stderr).to.equal(`asthra: cannot read '${dir}': it is a directory\n`);
    const src = file('prog.asthra', 'pub fn main(void) -> void { }\n');
    r = asthra(['exec', src]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include(`use asthra run ${src} for source files`);
    const bad = file('bad.astb', 'not bytecode');
    r = asthra(['exec', bad]);
    expect(r.stderr).to.match(new RegExp(`^asthra: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid bytecode file`));
  });

  it('check compiles without running: silence and exit 0, or the errors and exit 1', () => {
    const ok = file('ok-check.asthra', 'extern "nosuchlib" fn gone(x: i32) -> i32;\npub fn main(void) -> void {\n    println("ran");\n    exit(3);\n}\n');
    let r = asthra(['check', ok]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout, 'nothing runs').to.equal('');
    expect(r.stderr).to.equal('');
    expect(fs.existsSync(path.join(tmp, 'ok-check.astb')), 'nothing is written').to.equal(false);
    const bad = file('bad-check.asthra', 'pub fn main(void) -> void {\n    let x: i32 = "s";\n    println("" + y);\n}\n');
    r = asthra(['check', bad]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.include(`${bad}:2:18: error: type mismatch: expected i32, found string\n`);
    expect(r.stderr).to.include(`${bad}:3:18: error: undefined variable 'y'\n`);
    expect(r.stderr).to.match(/\n2 errors\n$/);
    r = asthra(['check', '--error-format', 'json', bad]);
    expect(r.status).to.equal(1);
    const objs = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.line, o.column, o.severity, o.message])).to.deep.equal([
      [2, 18, 'error', 'type mismatch: expected i32, found string'],
      [3, 18, 'error', "undefined variable 'y'"],
    ]);
    const syntax = file('syntax-check.asthra', 'pub fn main(void) -> void {\n    let = ;\n}\n');
    r = asthra(['check', '--error-format', 'json', syntax]);
    expect(r.status).to.equal(1);
    expect(JSON.parse(r.stderr.trim().split('\n')[0])).to.include({ file: syntax, line: 2, severity: 'error' });
    r = asthra(['check']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal("asthra: 'asthra check' needs a file (or run it in a project: a directory with asthra.toml, made by asthra init)\n");
  });

  it('--error-format takes human or json only', () => {
    const r = asthra(['build', '--error-format', 'xml', file('ok.asthra', 'pub fn main(void) -> void { }\n')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal("asthra: --error-format needs 'human' or 'json', not 'xml'\n");
  });
});
