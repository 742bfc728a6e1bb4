// Scheduler benchmark "yield": the same work as yield.asthra, with runtime.Gosched().
package main

import (
	"fmt"
	"runtime"
	"sync"
)

const TASKS = 4
const YIELDS = 250000

func main() {
	counts := make([]int64, TASKS)
	var wg sync.WaitGroup
	wg.Add(TASKS)
	for t := 0; t < TASKS; t++ {
		go func(t int) {
			var n int64
			for i := 0; i < YIELDS; i++ {
				runtime.Gosched()
				n++
			}
			counts[t] = n
			wg.Done()
		}(t)
	}
	wg.Wait()
	var total int64
	for _, c := range counts {
		total += c
	}
	fmt.Printf("yields %d\n", total)
}
