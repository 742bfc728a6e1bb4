'use strict';
// String-heavy work: the same work as strings.asthra.
function key(i) {
  return 'k' + (i % 97) + '-' + (i % 13);
}

let total = 0;
let equal = 0;
let less = 0;
let prev = '';
const words = [];
for (let i = 0; i < 20000; i++) {
  const s = key(i);
  total += s.length;
  if (s === 'k42-3') equal += 1;
  if (s < prev) less += 1;
  if (i < 1000) words.push(s);
  prev = s;
}
console.log('keys: total length ' + total + ', equal ' + equal + ', descending ' + less);

let longest = 0;
let same = 0;
let last = '';
for (let r = 0; r < 200; r++) {
  let line = '';
  for (let j = 0; j < 100; j++) {
    line = line + ((j * Math.trunc(r / 4)) % 10) + ',';
  }
  if (line === last) same += 1;
  if (line.length > longest) longest = line.length;
  last = line;
}
console.log('lines: longest ' + longest + ', same as previous ' + same + ', last length ' + last.length);

let eq = 0;
let lt = 0;
for (const a of words) {
  for (const b of words) {
    if (a === b) eq += 1;
    if (a < b) lt += 1;
  }
}
console.log('pairs: equal ' + eq + ', less ' + lt);
