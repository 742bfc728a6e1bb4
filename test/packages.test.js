// Packages through the real CLI: asthra init, add, install, update and package imports, against
// local git repositories this test makes (git init, commit, tag) and path dependencies.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CLI = path.join(__dirname, '..', 'bin', 'asthra');
const JS_STACK = /at .*\.js:/;

let tmp;

function asthra(cwd, ...args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  expect(r.stderr).to.not.match(JS_STACK);
  expect(r.status, r.stderr).to.not.equal(70);
  return r;
}

function ok(cwd, ...args) {
  const r = asthra(cwd, ...args);
  expect(r.status, `asthra ${args.join(' ')}: ${r.stderr}`).to.equal(0);
  return r;
}

function git(cwd, ...args) {
  const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Write files (name -> text) under dir. */
function write(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

function manifest(name, version, deps = {}) {
  return `[package]\nname = "${name}"\nversion = "${version}"\n\n[dependencies]\n` +
    Object.entries(deps).map(([k, v]) => `${k} = ${v}\n`).join('');
}

/** A git repository `name` under tmp with one commit and tag per release: [{ version, files }]. */
function repo(name, releases) {
  const dir = path.join(tmp, 'repos', name);
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  for (const rel of releases) {
    write(dir, { 'asthra.toml': manifest(name, rel.version, rel.deps), ...rel.files });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', `release ${rel.version}`);
    git(dir, 'tag', `v${rel.version}`);
  }
  return `file://${dir}`;
}

const lib = (body) => ({ 'src/lib.asthra': body });
const fnReturning = (name, value) => `pub fn ${name}() -> i32 {\n    return ${value};\n}\n`;

function project(name, deps, main) {
  const dir = path.join(tmp, name);
  write(dir, { 'asthra.toml': manifest(name, '0.1.0', deps), 'src/main.asthra': main });
  return dir;
}

describe('packages', function () {
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-pkg-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('init writes asthra.toml and a hello program that runs, and refuses to overwrite', () => {
    const dir = path.join(tmp, 'hello_app');
    fs.mkdirSync(dir);
    ok(dir, 'init');
    expect(fs.readFileSync(path.join(dir, 'asthra.toml'), 'utf8')).to.match(/name = "hello_app"\nversion = "0\.1\.0"/);
    expect(ok(dir, 'run').stdout).to.equal('Hello, world!\n');
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).to.equal('/.asthra/\n');
    const again = asthra(dir, 'init', 'other');
    expect(again.status).to.equal(1);
    expect(again.stderr).to.match(/asthra\.toml already exists/);
    expect(fs.readFileSync(path.join(dir, 'asthra.toml'), 'utf8')).to.contain('hello_app');
    // a named init keeps an existing main program
    const d2 = path.join(tmp, 'd2');
    write(d2, { 'src/main.asthra': 'pub fn main(void) -> void {\n    log(7);\n}\n', '.gitignore': 'node_modules' });
    ok(d2, 'init', 'my_app');
    expect(fs.readFileSync(path.join(d2, 'asthra.toml'), 'utf8')).to.contain('name = "my_app"');
    expect(ok(d2, 'run').stdout).to.equal('7\n');
    expect(fs.readFileSync(path.join(d2, '.gitignore'), 'utf8')).to.equal('node_modules\n/.asthra/\n');
  });

  it('add writes path and git dependencies; install picks the highest matching tag; imports resolve', () => {
    const url = repo('mathx', [
      { version: '1.0.0', files: { ...lib(fnReturning('answer', 1)), 'src/extra.asthra': fnReturning('three', 3) } },
      { version: '1.4.2', files: { ...lib(fnReturning('answer', 142)), 'src/extra.asthra': fnReturning('three', 3) } },
      { version: '2.0.0', files: lib(fnReturning('answer', 200)) },
    ]);
    write(path.join(tmp, 'util'), { 'asthra.toml': manifest('util', '0.3.0'), ...lib(fnReturning('seven', 7)), 'src/deep/more.asthra': fnReturning('eight', 8) });
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    ok(app, 'init');
    ok(app, 'add', 'mathx', '--git', url, '--version', '^1.0');
    ok(app, 'add', 'util', '--path', '../util');
    const toml = fs.readFileSync(path.join(app, 'asthra.toml'), 'utf8');
    expect(toml).to.contain(`mathx = { git = "${url}", version = "^1.0" }`);
    expect(toml).to.contain('util = { path = "../util" }');
    write(app, {
      'src/main.asthra': 'import "mathx";\nimport "mathx/extra" as ex;\nimport "util";\nimport "util/deep/more" as more;\n' +
        'pub fn main(void) -> void {\n    log(mathx.answer());\n    log(ex.three());\n    log(util.seven());\n    log(more.eight());\n}\n',
    });
    const inst = ok(app, 'install');
    expect(inst.stdout).to.match(/mathx 1\.4\.2/);
    const lock = fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8');
    expect(lock).to.match(/name = "mathx"\nversion = "1\.4\.2"\nsource = "git"/);
    expect(lock).to.contain('tag = "v1.4.2"');
    expect(lock).to.match(/commit = "[0-9a-f]{40}"/);
    expect(lock).to.match(/name = "util"\nversion = "0\.3\.0"\nsource = "path"/);
    expect(ok(app, 'run').stdout).to.equal('142\n3\n7\n8\n');
    // build too, from the project with no file named
    ok(app, 'build', '-o', 'app.astb');
    expect(ok(app, 'exec', 'app.astb').stdout).to.equal('142\n3\n7\n8\n');
    expect(ok(path.join(app, 'src'), 'check').stdout).to.equal('');
    // add without --version: the newest tag, caret range
    ok(app, 'add', 'mathx', '--git', url);
    expect(fs.readFileSync(path.join(app, 'asthra.toml'), 'utf8')).to.contain(`mathx = { git = "${url}", version = "^2.0.0" }`);
  });

  it('resolves transitively: a git package that depends on another git package', () => {
    const base = repo('base', [{ version: '0.2.0', files: lib(fnReturning('one', 1)) }, { version: '0.2.5', files: lib(fnReturning('one', 25)) }]);
    const mid = repo('mid', [{
      version: '1.0.0', deps: { base: `{ git = "${base}", version = "~0.2.0" }` },
      files: lib('import "base";\npub fn two() -> i32 {\n    return base.one() + 100;\n}\n'),
    }]);
    const app = project('app', { mid: `{ git = "${mid}", version = "1" }` },
      'import "mid";\npub fn main(void) -> void {\n    log(mid.two());\n}\n');
    ok(app, 'install');
    const lock = fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8');
    expect(lock).to.match(/name = "base"\nversion = "0\.2\.5"/);
    expect(lock).to.match(/name = "mid"[^[]*dependencies = \["base"\]/);
    expect(fs.existsSync(path.join(app, '.asthra', 'pkgs', 'base-0.2.5', 'src', 'lib.asthra'))).to.equal(true);
    expect(ok(app, 'run').stdout).to.equal('125\n');
    // the app itself may not import base: it is not its dependency
    write(app, { 'src/main.asthra': 'import "base";\npub fn main(void) -> void {\n    log(base.one());\n}\n' });
    const r = asthra(app, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/'base' is not a dependency in asthra\.toml: add it with asthra add base/);
  });

  it('a second install keeps the locked versions; update moves to the newest', () => {
    const url = repo('lib1', [{ version: '1.0.0', files: lib(fnReturning('v', 100)) }]);
    expect(url).to.match(/repos\/lib1$/);
    // a relative path to a repository: relative to the manifest
    const app = project('app', { lib1: '{ git = "../repos/lib1", version = "^1.0" }' }, 'import "lib1";\npub fn main(void) -> void {\n    log(lib1.v());\n}\n');
    ok(app, 'install');
    const first = fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8');
    // a new release appears
    const dir = path.join(tmp, 'repos', 'lib1');
    write(dir, { 'asthra.toml': manifest('lib1', '1.1.0'), ...lib(fnReturning('v', 110)) });
    git(dir, 'commit', '-qam', 'release 1.1.0');
    git(dir, 'tag', 'v1.1.0');
    // remove the checkout: install fetches the locked commit again
    fs.rmSync(path.join(app, '.asthra'), { recursive: true });
    ok(app, 'install');
    expect(fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8')).to.equal(first);
    expect(ok(app, 'run').stdout).to.equal('100\n');
    ok(app, 'update');
    expect(fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8')).to.contain('version = "1.1.0"');
    expect(ok(app, 'run').stdout).to.equal('110\n');
  });

  it('imports a package by its repository address, as upstream programs do', () => {
    // the lock and checkout as install leaves them (no network: the address is never fetched)
    const app = project('app', { mathx: '{ git = "https://example.com/u/mathx.git", version = "^1.0" }' },
      'import "example.com/u/mathx";\nimport "example.com/u/mathx/extra" as ex;\npub fn main(void) -> void {\n    log(mathx.answer() + ex.three());\n}\n');
    write(path.join(app, '.asthra', 'pkgs', 'mathx-1.0.0'), { 'asthra.toml': manifest('mathx', '1.0.0'), ...lib(fnReturning('answer', 40)), 'src/extra.asthra': fnReturning('three', 3) });
    write(app, { 'asthra.lock': 'version = 1\n\n[[package]]\nname = "mathx"\nversion = "1.0.0"\nsource = "git"\ngit = "https://example.com/u/mathx.git"\n' +
      'tag = "v1.0.0"\ncommit = "0123456789012345678901234567890123456789"\ndir = ".asthra/pkgs/mathx-1.0.0"\ndependencies = []\n' });
    expect(ok(app, 'run').stdout).to.equal('43\n');
    write(app, { 'src/main.asthra': 'import "example.com/u/other";\npub fn main(void) -> void {\n}\n' });
    const r = asthra(app, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/cannot import "example\.com\/u\/other": it is not a dependency of this project/);
  });

  it('names a dependency cycle with its chain and manifest line', () => {
    const a = path.join(tmp, 'pa');
    const b = path.join(tmp, 'pb');
    write(a, { 'asthra.toml': manifest('pa', '1.0.0', { pb: '{ path = "../pb" }' }), ...lib(fnReturning('x', 1)) });
    write(b, { 'asthra.toml': manifest('pb', '1.0.0', { pa: '{ path = "../pa" }' }), ...lib(fnReturning('y', 2)) });
    const app = project('app', { pa: '{ path = "../pa" }' }, 'pub fn main(void) -> void {\n}\n');
    const r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/pb\/asthra\.toml:6: dependency cycle: pa -> pb -> pa/);
    expect(fs.existsSync(path.join(app, 'asthra.lock'))).to.equal(false);
  });

  it('names both requirers of incompatible version ranges', () => {
    const url = repo('shared', [{ version: '1.0.0', files: lib(fnReturning('s', 1)) }, { version: '2.0.0', files: lib(fnReturning('s', 2)) }]);
    write(path.join(tmp, 'left'), { 'asthra.toml': manifest('left', '1.0.0', { shared: `{ git = "${url}", version = "^1.0" }` }), ...lib(fnReturning('l', 1)) });
    write(path.join(tmp, 'right'), { 'asthra.toml': manifest('right', '1.0.0', { shared: `{ git = "${url}", version = "^2.0" }` }), ...lib(fnReturning('r', 1)) });
    const app = project('app', { left: '{ path = "../left" }', right: '{ path = "../right" }' }, 'pub fn main(void) -> void {\n}\n');
    const r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/right\/asthra\.toml:6: version conflict for 'shared': right \(.*right\/asthra\.toml:6\) wants \^2\.0, but left \(.*left\/asthra\.toml:6\) wants \^1\.0/);
  });

  it('chooses the highest version every range allows, not the first requirer\'s highest', () => {
    const url = repo('shared', [['1.0.0', 10], ['1.4.0', 14], ['1.9.0', 19]].map(([version, n]) => ({ version, files: lib(fnReturning('s', n)) })));
    write(path.join(tmp, 'left'), { 'asthra.toml': manifest('left', '1.0.0', { shared: `{ git = "${url}", version = "^1.0" }` }), ...lib(fnReturning('l', 1)) });
    write(path.join(tmp, 'right'), { 'asthra.toml': manifest('right', '1.0.0', { shared: `{ git = "${url}", version = ">=1.0 <1.5" }` }), ...lib(fnReturning('r', 1)) });
    const app = project('app', { left: '{ path = "../left" }', right: '{ path = "../right" }', shared: `{ git = "${url}" }` },
      'import "shared";\npub fn main(void) -> void {\n    log(shared.s());\n}\n');
    ok(app, 'install');
    expect(fs.readFileSync(path.join(app, 'asthra.lock'), 'utf8')).to.match(/name = "shared"\nversion = "1\.4\.0"/);
    expect(ok(app, 'run').stdout).to.equal('14\n');
  });

  it('reports a missing package, a range no tag meets, and an uninstalled or unknown import', () => {
    const app = project('app', { nothere: '{ path = "../nothere" }' }, 'pub fn main(void) -> void {\n}\n');
    let r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:6: the dependency 'nothere': no directory/);

    const url = repo('old', [{ version: '0.1.0', files: { ...lib(fnReturning('o', 1)), 'src/a.asthra': fnReturning('a', 1) } }]);
    const app2 = project('app2', { old: `{ git = "${url}", version = ">=1.0" }` }, 'import "old/b" as b;\npub fn main(void) -> void {\n}\n');
    r = asthra(app2, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:6: the dependency 'old': no tag of .* matches >=1\.0 \(it has v0\.1\.0\)/);
    // not installed yet: the import says what to do
    r = asthra(app2, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/src\/main\.asthra:1:1: error: the package 'old' \(asthra\.toml:6\) is not installed: .*run asthra install/);
    // a module the package lacks: its modules are listed
    write(app2, { 'asthra.toml': manifest('app2', '0.1.0', { old: `{ git = "${url}", version = "0.1" }` }) });
    ok(app2, 'install');
    r = asthra(app2, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/the package 'old' 0\.1\.0 has no module "old\/b" .*its modules are "old\/a", "old"/);
    // a dependency in asthra.toml that the lock does not have yet
    write(app2, { 'asthra.toml': manifest('app2', '0.1.0', { old: `{ git = "${url}", version = "0.1" }`, util: '{ path = "../util" }' }),
      'src/main.asthra': 'import "util";\npub fn main(void) -> void {\n}\n' });
    r = asthra(app2, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/the package 'util' \(asthra\.toml:7\) is not in asthra\.lock: run asthra install/);
  });

  it('reports a deleted checkout, an unreadable repository, two sources for one package, and pins a tag', () => {
    const url = repo('tagged', [{ version: '0.1.0', files: lib(fnReturning('t', 1)) }, { version: '0.2.0', files: lib(fnReturning('t', 2)) }]);
    const app = project('app', { tagged: `{ git = "${url}", tag = "v0.1.0" }` }, 'import "tagged";\npub fn main(void) -> void {\n    log(tagged.t());\n}\n');
    ok(app, 'install');
    expect(ok(app, 'run').stdout).to.equal('1\n');
    fs.rmSync(path.join(app, '.asthra'), { recursive: true });
    let r = asthra(app, 'run');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/the package 'tagged' 0\.1\.0 is not installed \(no \.asthra\/pkgs\/tagged-0\.1\.0\): run asthra install/);

    const app2 = project('app2', { gone: `{ git = "file://${tmp}/repos/none", version = "1" }` }, 'pub fn main(void) -> void {\n}\n');
    r = asthra(app2, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:6: the dependency 'gone': git ls-remote failed/);

    write(path.join(tmp, 'tagged_copy'), { 'asthra.toml': manifest('tagged', '0.1.0'), ...lib(fnReturning('t', 9)) });
    write(path.join(tmp, 'user'), { 'asthra.toml': manifest('user', '1.0.0', { tagged: '{ path = "../tagged_copy" }' }), ...lib(fnReturning('u', 1)) });
    const app3 = project('app3', { tagged: `{ git = "${url}", version = "0.1" }`, user: '{ path = "../user" }' }, 'pub fn main(void) -> void {\n}\n');
    r = asthra(app3, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/user\/asthra\.toml:6: version conflict for 'tagged': user \(.*\) wants path \.\.\/tagged_copy, but app3 \(asthra\.toml:6\) wants file:.* 0\.1/);
  });

  it('rejects a malformed manifest with its file and line', () => {
    const app = path.join(tmp, 'bad');
    write(app, { 'asthra.toml': '[package]\nname = "bad"\nversion = "0.1.0"\n\n[dependencies]\nx = { git = "u", version = "not a range" }\n' });
    let r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:6: the dependency 'x' has the version range 'not a range'/);
    write(app, { 'asthra.toml': '[package]\nname = "bad"\nversion = \n' });
    r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:3: not valid TOML/);
    write(app, { 'asthra.toml': '[package]\nname = "bad"\nversion = "0.1.0"\n\n[dependencies]\ny = "1.0"\n' });
    r = asthra(app, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra\.toml:6: the dependency 'y' needs a table/);
    r = asthra(tmp, 'install');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/no asthra\.toml here or in a directory above \(run asthra init/);
    r = asthra(app, 'add', 'z');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/asthra add NAME needs --path DIR or --git URL/);
  });
});
