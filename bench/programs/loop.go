// Loop-heavy integer work: the same work as loop.asthra.
package main

import "fmt"

func modSum(n int64) int64 {
	var sum int64
	for i := int64(0); i < n; i++ {
		sum += (i * i) % 7
	}
	return sum
}

func sieve(n int) int32 {
	composite := []bool{}
	for i := 0; i < n; i++ {
		composite = append(composite, false)
	}
	var count int32
	p := 2
	for p < n {
		if !composite[p] {
			count++
			m := p * p
			for m < n {
				composite[m] = true
				m += p
			}
		}
		p++
	}
	return count
}

func main() {
	fmt.Println("mod_sum " + fmt.Sprint(modSum(5000000)))
	fmt.Println("primes " + fmt.Sprint(sieve(2000000)))
}
