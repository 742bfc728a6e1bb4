// Reads the golden annotations of a spec-test program (Wren's test format, adapted):
//   // expect: LINE                 the next line of stdout
//   // expect error: TEXT           a compile error on this line (exit 1); a program may expect
//                                  several (every error is reported in one run): each must be
//                                  reported, and the summary line counts exactly these
//   // expect runtime error: TEXT   a trap on this line: first stderr line "runtime error: TEXT"
//   // expect exit: N               the exit code
//   // expect signal: NAME           the process ends by this signal (e.g. SIGSEGV), not an exit code
//   // expect stderr: TEXT          stderr contains TEXT (any number of these)
//   // args: A B C                  arguments passed to the program
//   // flags: --max-heap 64m        options passed to asthra before the file
//   (a runtime error annotation ending in '...' matches the first stderr line by prefix)
//   // skip: REASON                 the test is pending, with its reason
//   // expect unordered             stdout lines may come in any order
'use strict';
const fs = require('fs');
const path = require('path');

/** Every .asthra/.ast program below `dir`, sorted. */
function listPrograms(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    // a folder named lib holds the modules that programs beside it import: not programs
    if (e.isDirectory()) {
      if (e.name !== 'lib') out.push(...listPrograms(p));
    }
    else if (/\.(asthra|ast)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function parseAnnotations(source) {
  const t = { stdout: [], compileError: null, compileErrors: [], runtimeError: null, exit: null, signal: null, args: [], flags: [], stderr: [], skip: null, unordered: false };
  source.split('\n').forEach((text, i) => {
    const line = i + 1;
    let m;
    if ((m = /\/\/ expect: ?(.*)$/.exec(text))) t.stdout.push(m[1].replace(/\s+$/, ''));
    else if ((m = /\/\/ expect error: ?(.*)$/.exec(text))) t.compileErrors.push({ line, text: m[1].trim() });
    else if ((m = /\/\/ expect runtime error: ?(.*)$/.exec(text))) t.runtimeError = { line, text: m[1].trim() };
    else if ((m = /\/\/ expect exit: ?(\d+)/.exec(text))) t.exit = Number(m[1]);
    else if ((m = /\/\/ expect signal: ?(SIG[A-Z0-9]+)/.exec(text))) t.signal = m[1];
    else if ((m = /\/\/ expect stderr: ?(.*)$/.exec(text))) t.stderr.push(m[1].trim());
    else if ((m = /\/\/ args: ?(.*)$/.exec(text))) t.args = m[1].trim().split(/\s+/).filter(Boolean);
    else if ((m = /\/\/ flags: ?(.*)$/.exec(text))) t.flags = m[1].trim().split(/\s+/).filter(Boolean);
    else if ((m = /\/\/ skip: ?(.*)$/.exec(text))) t.skip = m[1].trim();
    else if (/\/\/ expect unordered/.test(text)) t.unordered = true;
  });
  t.compileError = t.compileErrors[0] ?? null;
  if (t.exit === null) t.exit = t.compileError || t.runtimeError ? 1 : 0;
  return t;
}

module.exports = { parseAnnotations, listPrograms };
