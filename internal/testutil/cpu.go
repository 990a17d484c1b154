// Package testutil holds helpers shared by curate's tests and benchmarks.
package testutil

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime returns the process's user+system CPU time. Benchmarks report
// it per op next to wall time because the machine is shared: CPU time
// says what the work costs, wall time what the load allowed.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU adds a cpu-ms/op metric over the benchmark loop that started
// at CPU time start: defer testutil.ReportCPU(b, testutil.CPUTime()).
func ReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(CPUTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
