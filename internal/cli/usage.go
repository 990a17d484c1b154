package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// isCobraUsageError recognises the errors cobra returns for unknown
// commands and wrong argument counts, which it does not type.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// flagParseError turns pflag's parse errors into a FlagError that says
// what the flag wants in the user's terms: `--ratio: want a number, got
// "abc"` rather than strconv's `parsing "abc": invalid syntax`.
func flagParseError(_ *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		f := ive.GetFlag()
		return flagErrorf("--%s: want %s, got %q", f.Name, flagWants(f), ive.GetValue())
	}
	return &FlagError{Err: err}
}

// flagWants describes the values a flag of f's type accepts.
func flagWants(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "float64", "float32":
		return "a number"
	case "int", "int64", "int32", "int16", "int8":
		return "a whole number"
	case "uint", "uint64", "uint32", "uint16", "uint8":
		return "a whole number from 0 up"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 30s or 5m"
	}
	return "a " + f.Value.Type()
}

// usageHint is the line printed under a usage error in place of the whole
// help, as gh and rg do.
func usageHint(cmd *cobra.Command) string {
	return fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
}
