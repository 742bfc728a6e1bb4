// Scheduler benchmark "speedup": the same work as cpu.asthra. Run with GOMAXPROCS=1, 2, ...
package main

import (
	"fmt"
	"sync"
)

const TASKS = 16
const ITERS = 10000000

func crunch(t int64) int64 {
	var s int64
	x := t
	for i := 0; i < ITERS; i++ {
		x = (x*1103 + 12345) % 65536
		s = s + x%7
	}
	return s
}

func main() {
	results := make([]int64, TASKS)
	var wg sync.WaitGroup
	wg.Add(TASKS)
	for t := 0; t < TASKS; t++ {
		go func(t int) {
			results[t] = crunch(int64(t))
			wg.Done()
		}(t)
	}
	wg.Wait()
	var total int64
	for _, r := range results {
		total += r
	}
	fmt.Printf("checksum %d\n", total)
}
