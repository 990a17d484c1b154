package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlag adds --cpuprofile FILE and --memprofile FILE to every
// command: a CPU profile of the run, and a heap profile taken as it ends
// (in-use and allocated bytes by call site), for `go tool pprof`, to see
// where the time and the memory go on real data.
func addProfileFlag(root *cobra.Command) {
	var cpuPath, memPath string
	var f *os.File
	root.PersistentFlags().StringVar(&cpuPath, "cpuprofile", "", "write a CPU profile of the run to `FILE` (for go tool pprof)")
	root.PersistentFlags().StringVar(&memPath, "memprofile", "", "write a heap profile to `FILE` when the run ends (go tool pprof -sample_index=alloc_space)")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if cpuPath == "" {
			return nil
		}
		var err error
		if f, err = os.Create(cpuPath); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		return nil
	}
	root.PersistentPostRunE = func(cmd *cobra.Command, args []string) error {
		var errs []error
		if f != nil {
			pprof.StopCPUProfile()
			errs = append(errs, f.Close())
		}
		if memPath != "" {
			errs = append(errs, writeHeapProfile(memPath))
		}
		return errors.Join(errs...)
	}
}

func writeHeapProfile(path string) error {
	runtime.GC() // up-to-date in-use figures
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}
