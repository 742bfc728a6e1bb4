'use strict';
// Loop-heavy integer work: the same work as loop.asthra.
function modSum(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += (i * i) % 7;
  }
  return sum;
}

function sieve(n) {
  const composite = [];
  for (let i = 0; i < n; i++) composite.push(false);
  let count = 0;
  let p = 2;
  while (p < n) {
    if (!composite[p]) {
      count += 1;
      let m = p * p;
      while (m < n) {
        composite[m] = true;
        m += p;
      }
    }
    p += 1;
  }
  return count;
}

console.log('mod_sum ' + modSum(5000000));
console.log('primes ' + sieve(2000000));
