// String-heavy work: the same work as strings.asthra.
package main

import (
	"fmt"
	"strconv"
)

func key(i int32) string {
	return "k" + strconv.Itoa(int(i%97)) + "-" + strconv.Itoa(int(i%13))
}

func main() {
	total, equal, less := 0, 0, 0
	prev := ""
	words := []string{}
	for i := int32(0); i < 20000; i++ {
		s := key(i)
		total += len(s)
		if s == "k42-3" {
			equal++
		}
		if s < prev {
			less++
		}
		if i < 1000 {
			words = append(words, s)
		}
		prev = s
	}
	fmt.Println("keys: total length " + strconv.Itoa(total) + ", equal " + strconv.Itoa(equal) + ", descending " + strconv.Itoa(less))

	longest, same := 0, 0
	last := ""
	for r := int32(0); r < 200; r++ {
		line := ""
		for j := int32(0); j < 100; j++ {
			line = line + strconv.Itoa(int((j*(r/4))%10)) + ","
		}
		if line == last {
			same++
		}
		if len(line) > longest {
			longest = len(line)
		}
		last = line
	}
	fmt.Println("lines: longest " + strconv.Itoa(longest) + ", same as previous " + strconv.Itoa(same) + ", last length " + strconv.Itoa(len(last)))

	eq, lt := 0, 0
	for _, a := range words {
		for _, b := range words {
			if a == b {
				eq++
			}
			if a < b {
				lt++
			}
		}
	}
	fmt.Println("pairs: equal " + strconv.Itoa(eq) + ", less " + strconv.Itoa(lt))
}
