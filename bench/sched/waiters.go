// Scheduler benchmark "waiters": the same work as waiters.asthra. 100,000 goroutines blocked on
// one sync.Mutex that main holds; main waits until all of them are blocked (a counter of
// goroutines that are about to lock), releases the lock, and waits for all.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const WAITERS = 100000

var m sync.Mutex
var entered int64
var started int64

func main() {
	m.Lock()
	results := make([]int64, WAITERS)
	var wg sync.WaitGroup
	wg.Add(WAITERS)
	for i := int64(0); i < WAITERS; i++ {
		go func(i int64) {
			atomic.AddInt64(&started, 1)
			m.Lock()
			entered++
			m.Unlock()
			results[i] = i
			wg.Done()
		}(i)
	}
	for atomic.LoadInt64(&started) < WAITERS {
		runtime.Gosched()
	}
	fmt.Printf("entered while main holds the lock: %d\n", entered)
	m.Unlock()
	wg.Wait()
	var sum int64
	for _, r := range results {
		sum += r
	}
	fmt.Printf("waiters %d sum %d\n", entered, sum)
}
