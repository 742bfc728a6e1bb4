// Scheduler benchmark "mutex": the same work as mutex.asthra, with sync.Mutex and
// runtime.Gosched().
package main

import (
	"fmt"
	"runtime"
	"sync"
)

const ROUNDS = 500000

var m sync.Mutex
var turn, handoffs int64

func player(id int64, out *int64, wg *sync.WaitGroup) {
	var done int64
	for done < ROUNDS {
		m.Lock()
		if turn == id {
			handoffs++
			turn = 1 - id
			done++
			m.Unlock()
		} else {
			m.Unlock()
			runtime.Gosched()
		}
	}
	*out = done
	wg.Done()
}

func main() {
	var a, b int64
	var wg sync.WaitGroup
	wg.Add(2)
	go player(0, &a, &wg)
	go player(1, &b, &wg)
	wg.Wait()
	fmt.Printf("handoffs %d turns %d\n", handoffs, a+b)
}
