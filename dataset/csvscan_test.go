package dataset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// csvEvents lists what a CSV reader yields: each record's start line and
// fields, or an error's kind and line, up to the end or the tenth error.
func csvEvents(next func() (fields []string, line int, err error)) []string {
	var out []string
	errs := 0
	for {
		fields, line, err := next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out = append(out, fmt.Sprintf("error line %d: %v", line, err))
			if errs++; errs == 10 {
				return out
			}
			continue
		}
		out = append(out, fmt.Sprintf("line %d: %q", line, fields))
	}
}

func stdlibEvents(data []byte) []string {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	return csvEvents(func() ([]string, int, error) {
		rec, err := r.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Line, pe.Err
		}
		if err != nil {
			return nil, 0, err
		}
		line, _ := r.FieldPos(0)
		return rec, line, nil
	})
}

func scannerEvents(t testing.TB, data []byte) []string {
	s := newCSVScanner(NewLineReader(bytes.NewReader(data), 0))
	return csvEvents(func() ([]string, int, error) {
		if s.Scan() {
			// The spans cut the raw record into its fields.
			raw := s.Raw()
			for i := range s.Fields() {
				start, end := s.Span(i)
				require.True(t, 0 <= start && start <= end && end <= len(raw), "span %d of %q", i, raw)
				if i > 0 {
					_, prev := s.Span(i - 1)
					require.Equal(t, byte(','), raw[prev], "a comma between fields %d and %d of %q", i-1, i, raw)
					require.Equal(t, prev+1, start)
				}
			}
			return s.Fields(), s.Line(), nil
		}
		err := s.Err()
		if err == nil {
			return nil, 0, io.EOF
		}
		require.ErrorIs(t, err, ErrSyntax)
		msg := strings.TrimPrefix(err.Error(), ErrSyntax.Error()+": ")
		return nil, s.Line(), errors.New(msg)
	})
}

var csvGrammarSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a,b\r\n1,2\r\n",
	"\n\na,b\n\r\n\nc,d",
	"a,\"b,c\",d\n",
	"a,\"b\nc\",d\ne,f,g\n",
	"a,\"b\r\nc\",d\r\n",
	"a,\"say \"\"hi\"\"\",c\n",
	"a,b\"c,d\n",
	"b,d\"o\"g,1\n",
	"a,\"b\"c,d\n",
	"a,\"unterminated\n",
	"a,\"unterminated\nmore\n",
	"a,\"x\"\n\"y\n",
	"\"\"\n\"\",\"\"\n",
	",,\n,\n",
	"a\r",
	"a\r\r\nb\rc\n",
	"x,\"a\r\"\n",
	"x,\"a\n\n\nb\"\n",
	"\"a\"\"\",b\n",
	"a,b\nc\"d\ne,f\n",
	" \"a\",b\n",
	"\"a\" ,b\n",
	"\ufeffa,b\n",
}

func TestCSVScannerMatchesEncodingCSV(t *testing.T) {
	for _, s := range csvGrammarSeeds {
		assert.Equal(t, stdlibEvents([]byte(s)), scannerEvents(t, []byte(s)), "%q", s)
	}
}

func FuzzCSVScanner(f *testing.F) {
	for _, s := range csvGrammarSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := stdlibEvents(data)
		got := scannerEvents(t, data)
		if !assert.Equal(t, want, got, "%q", data) {
			t.FailNow()
		}
	})
}

func TestCSVScannerRawAndSpans(t *testing.T) {
	src := "id,\"name, full\",v\r\nb,\"two\nlines\",1\n"
	s := newCSVScanner(NewLineReader(strings.NewReader(src), 0))
	require.True(t, s.Scan())
	assert.Equal(t, "id,\"name, full\",v\r\n", string(s.Raw()))
	start, end := s.Span(1)
	assert.Equal(t, `"name, full"`, string(s.Raw()[start:end]))
	require.True(t, s.Scan())
	assert.Equal(t, 2, s.Line())
	assert.Equal(t, "b,\"two\nlines\",1\n", string(s.Raw()))
	assert.Equal(t, []string{"b", "two\nlines", "1"}, s.Fields())
	start, end = s.Span(2)
	assert.Equal(t, "1", string(s.Raw()[start:end]))
	assert.False(t, s.Scan())
	assert.NoError(t, s.Err())
}

func TestCSVScannerLongLine(t *testing.T) {
	src := "a,b\n" + strings.Repeat("x", 20) + "\nc,d\n"
	s := newCSVScanner(NewLineReader(strings.NewReader(src), 10))
	require.True(t, s.Scan())
	require.False(t, s.Scan())
	assert.ErrorIs(t, s.Err(), ErrLineTooLong)
	assert.Equal(t, 2, s.Line())
	require.True(t, s.Scan(), "goes on after a long line")
	assert.Equal(t, []string{"c", "d"}, s.Fields())
	assert.Equal(t, 3, s.Line())
}
