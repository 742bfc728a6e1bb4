// Scheduler baseline "startup": the same work as startup.asthra (one goroutine, one line).
package main

import "fmt"

func one(x int64) int64 {
	return x + 1
}

func main() {
	c := make(chan int64)
	go func() { c <- one(41) }()
	fmt.Printf("started %d\n", <-c)
}
