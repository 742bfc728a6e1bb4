'use strict';
// Start-up: the bundle of the package's modules (tools/bundle.js, src/runtime/boot.ts) and V8's
// code cache for it (src/runtime/codecache.ts). Neither may ever change what a program does: a
// stale bundle is not used, and a corrupt cache entry is ignored.
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const asthra = path.join(root, 'bin', 'asthra');
const program = path.join(root, 'spec-tests', 'channels', 'recv_match.asthra');

function run(env, ...args) {
  return spawnSync(process.execPath, [asthra, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** the cache entry's name for a file of the package as it is now (see codecache.ts) */
function entryName(file) {
  const st = fs.statSync(file, { bigint: true });
  return `${path.relative(root, file).replace(/[\\/]/g, '_')}-${st.size}-${st.mtimeNs}.bin`;
}

/** which files a run loaded through Node's own loader (the bundle's modules are not among them) */
function loadedFiles(env, ...args) {
  const probe = path.join(os.tmpdir(), `asthra-probe-${process.pid}.js`);
  fs.writeFileSync(probe, `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n`);
  try {
    const r = spawnSync(process.execPath, ['-r', probe, asthra, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return JSON.parse(/LOADED (.*)\n/.exec(r.stderr)[1]).map((f) => path.relative(root, f));
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

describe('start-up: the bundle and the code cache', function () {
  this.timeout(60000);
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-cc-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('npm run build made the bundle: exec loads the runtime from dist/boot.js, not file by file, and never the compiler', () => {
    const files = loadedFiles({}, 'run', program).filter((f) => f.startsWith('dist'));
    expect(files).to.include('dist/boot.js');
    expect(files).to.include('dist/rest.js'); // the compiler, for run
    expect(files).not.to.include('dist/vm/interpreter.js');
    const astb = path.join(dir, 'p.astb');
    expect(run({}, 'build', program, '-o', astb).status).to.equal(0);
    const exec = loadedFiles({}, 'exec', astb).filter((f) => f.startsWith('dist'));
    expect(exec).to.include('dist/boot.js');
    expect(exec).not.to.include('dist/rest.js');
  });

  it('ASTHRA_BUNDLE=off loads the files one by one, with the same output', () => {
    const files = loadedFiles({ ASTHRA_BUNDLE: 'off' }, 'run', program);
    expect(files).not.to.include('dist/boot.js');
    expect(files).to.include('dist/vm/interpreter.js');
    expect(files).to.include('dist/compiler/check.js');
    const a = run({ ASTHRA_BUNDLE: 'off' }, 'run', '--workers', '2', program);
    const b = run({}, 'run', '--workers', '2', program);
    expect(a.status).to.equal(0);
    expect(a.stdout).to.equal(b.stdout);
  });

  it('a module changed after the bundle was made is loaded from its file, bundle or not', () => {
    // a copy of the package whose dist/vm/format.js says something else than the bundle holds
    const copy = path.join(dir, 'pkg');
    fs.mkdirSync(copy);
    for (const d of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(root, d), path.join(copy, d), { recursive: true, preserveTimestamps: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    const fmt = path.join(copy, 'dist', 'vm', 'format.js');
    fs.writeFileSync(fmt, fs.readFileSync(fmt, 'utf8').replace(/function formatFloat\(([a-z]+)\) \{/, 'function formatFloat($1) { return "edited"; '));
    const src = path.join(dir, 'f.asthra');
    fs.writeFileSync(src, 'package main;\npub fn main(none) -> void { let x: f64 = 1.5; println("x " + x); return (); }\n');
    const r = spawnSync(process.execPath, [path.join(copy, 'bin', 'asthra'), 'run', src], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal("x edited\n");
    expect(run({}, "run", src).stdout).to.equal("x 1.5\n");
  });

  it('npm run build filled dist/code-cache for the bundle as it is now', () => {
    const names = fs.readdirSync(path.join(dist, 'code-cache'));
    expect(names).to.include(entryName(path.join(dist, 'boot.js')));
    expect(names).to.include(entryName(path.join(dist, 'rest.js')));
  });

  it('write mode saves an entry per script, named by the file as it was; a later run uses them', () => {
    const plain = run({ ASTHRA_CODE_CACHE: 'off' }, 'run', program);
    expect(plain.status).to.equal(0);
    const w = run({ ASTHRA_CODE_CACHE: 'write', ASTHRA_CODE_CACHE_DIR: dir }, 'run', program);
    expect(w.status).to.equal(0);
    const names = fs.readdirSync(dir);
    expect(names).to.include(entryName(path.join(dist, 'boot.js')));
    const u = run({ ASTHRA_CODE_CACHE: 'write', ASTHRA_CODE_CACHE_DIR: dir, ASTHRA_BUNDLE: 'off' }, 'run', program);
    expect(u.status).to.equal(0);
    expect(fs.readdirSync(dir)).to.include(entryName(path.join(dist, 'vm', 'interpreter.js')));
    const r = run({ ASTHRA_CODE_CACHE_DIR: dir }, 'run', '--workers', '2', program);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal(plain.stdout);
  });

  it('a corrupt entry is ignored: the module compiles as usual and the program runs the same', () => {
    for (const n of fs.readdirSync(dir)) {
      if (n.endsWith('.bin')) fs.writeFileSync(path.join(dir, n), Buffer.from('not V8 code at all'));
    }
    for (const env of [{}, { ASTHRA_BUNDLE: 'off' }]) {
      const r = run({ ASTHRA_CODE_CACHE_DIR: dir, ...env }, 'run', program);
      expect(r.status).to.equal(0);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.match(/total 5050\n$/);
    }
  });
});
