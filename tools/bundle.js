#!/usr/bin/env node
// A step of `npm run build`, after tsc: the package's compiled modules as two files, so that
// start-up reads, hashes and compiles two scripts instead of sixty (src/runtime/boot.ts loads
// them). Node's loader spends about 0.3 ms on each file it resolves and reads, before V8 sees it.
//
//   dist/boot.js  what `asthra` and a worker thread load before they run anything: the modules
//                 that cli/main.js and runtime/worker.js import at their top, and theirs in turn
//   dist/rest.js  every other module (the compiler, packages, the trace viewer...), read the
//                 first time one of them is required
//
// Each module keeps its own function, __filename and __dirname (so paths to worker scripts and
// to package.json are as before) and is run once, on its first require, as Node would. The size
// and modification time of every module they were made from are listed in boot.js: a file that
// no longer matches (tsc run again without this step) makes boot.ts load the modules one by
// one instead, so a bundle never runs other code than dist/ holds.
'use strict';
const fs = require('fs');
const path = require('path');

const DIST = path.resolve(__dirname, '..', 'dist');
/** loaded by Node itself, never from a bundle: the code cache hooks Node's loader before any
 * bundle is read, and boot.ts chooses between the bundle and the files */
const OUTSIDE = new Set(['runtime/codecache.js', 'runtime/boot.js', 'runtime/pool-worker.js']);
const ROOTS = ['cli/main.js', 'runtime/worker.js'];

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'code-cache') walk(p, out);
    } else if (e.name.endsWith('.js') && dir !== DIST) {
      out.push(path.relative(DIST, p).split(path.sep).join('/'));
    }
  }
  return out;
}

const all = walk(DIST, []).filter((r) => !OUTSIDE.has(r)).sort();
const known = new Set(all);
const text = new Map(all.map((r) => [r, fs.readFileSync(path.join(DIST, r), 'utf8')]));

/** the modules a module requires at its top level (tsc writes those requires at column 0) */
function topRequires(rel) {
  const found = [];
  const re = /^(?:const [\w$]+ = |var [\w$]+ = |)(?:__importStar\(|__importDefault\()?require\("(\.{1,2}\/[^"]+)"\)/gm;
  let m;
  while ((m = re.exec(text.get(rel))) !== null) {
    const r = path.posix.join(path.posix.dirname(rel), m[1]);
    if (known.has(`${r}.js`)) found.push(`${r}.js`);
    else if (known.has(r)) found.push(r);
  }
  return found;
}

const boot = new Set();
const todo = [...ROOTS];
while (todo.length > 0) {
  const r = todo.pop();
  if (boot.has(r)) continue;
  boot.add(r);
  todo.push(...topRequires(r));
}
const rest = all.filter((r) => !boot.has(r));

function stamp(rel) {
  const s = fs.statSync(path.join(DIST, rel));
  return [s.size, s.mtimeMs];
}

function defs(rels) {
  let s = '';
  for (const r of rels) {
    s += `${JSON.stringify(r)}: function (exports, require, module, __filename, __dirname) {\n${text.get(r)}\n},\n`;
  }
  return s;
}

function stamps(rels) {
  return JSON.stringify(Object.fromEntries(rels.map((r) => [r, stamp(r)])));
}

const bootText = `'use strict';
// Made by tools/bundle.js from the files beside it; see there. Not for editing.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const defs = {
${defs([...boot].sort())}};
const STAMPS = ${stamps(all)};
const REST = new Set(${JSON.stringify(rest)});
const cache = Object.create(null);
let restLoaded = false;

function fresh(stampsOf) {
  for (const rel in stampsOf) {
    let s;
    try { s = fs.statSync(path.join(__dirname, rel)); } catch { return false; }
    const want = stampsOf[rel];
    if (s.size !== want[0] || s.mtimeMs !== want[1]) return false;
  }
  return true;
}

function load(rel) {
  const done = cache[rel];
  if (done !== undefined) return done.exports;
  if (defs[rel] === undefined && REST.has(rel) && !restLoaded) {
    restLoaded = true;
    Object.assign(defs, require('./rest.js').defs);
  }
  const filename = path.join(__dirname, rel);
  const def = defs[rel];
  if (def === undefined) return require(filename);
  const m = { exports: {}, id: filename, filename, loaded: false };
  cache[rel] = m;
  def.call(m.exports, m.exports, makeRequire(rel, filename), m, filename, path.dirname(filename));
  m.loaded = true;
  return m.exports;
}

function makeRequire(rel, filename) {
  const dir = path.posix.dirname(rel);
  let node = null;
  return function require(req) {
    if (req.charCodeAt(0) === 46 /* . */) {
      const r = path.posix.join(dir, req);
      if (defs[\`\${r}.js\`] !== undefined || REST.has(\`\${r}.js\`)) return load(\`\${r}.js\`);
      if (defs[r] !== undefined || REST.has(r)) return load(r);
    }
    if (node === null) node = Module.createRequire(filename);
    return node(req);
  };
}

module.exports = { load, fresh: () => fresh(STAMPS) };
`;

const restText = `'use strict';
// Made by tools/bundle.js from the files beside it; see there. Not for editing.
exports.defs = {
${defs(rest)}};
`;

fs.writeFileSync(path.join(DIST, 'boot.js'), bootText);
fs.writeFileSync(path.join(DIST, 'rest.js'), restText);
console.log(`bundle: dist/boot.js ${boot.size} modules (${(bootText.length / 1024).toFixed(0)} KiB), dist/rest.js ${rest.length} (${(restText.length / 1024).toFixed(0)} KiB)`);
