// Package decompress reads gzip and zstd sources transparently: the
// formats are recognised by their magic bytes, whatever a file is called.
// curate's commands and curate-beam's readers open every source through
// it.
package decompress

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Magic bytes of the compressed formats read transparently.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Reader returns r as it is, or, when its first bytes are gzip's or
// zstd's magic, a reader of its decompressed contents, whatever the file
// is called. name is the source as the user gave it, for errors. Both
// decoders work ahead of the reader on other cores: pgzip inflates
// blocks ahead while the loader parses, zstd decodes blocks concurrently.
// The returned closer (nil for plain input) frees the decoder.
func Reader(r io.Reader, name string) (io.Reader, io.Closer, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4)
	if err != nil && len(head) < 2 {
		return br, nil, nil // short or failing input: the loader reports it
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		z, err := pgzip.NewReaderN(br, 1<<20, 2*runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: starts like a gzip file but is not one (%s)", name, strings.TrimPrefix(err.Error(), "gzip: "))
		}
		return &decompressed{r: z, name: name, format: "gzip"}, z, nil
	case bytes.HasPrefix(head, zstdMagic):
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: starts like a zstd file but is not one (%s)", name, strings.TrimPrefix(err.Error(), "zstd: "))
		}
		return &decompressed{r: z, name: name, format: "zstd"}, zstdCloser{z}, nil
	}
	return br, nil, nil
}

// decompressed names the file in a decoding error: a corrupt or
// truncated stream is the file's fault, said in curate's words.
type decompressed struct {
	r      io.Reader
	name   string
	format string
}

func (d *decompressed) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("%s: the %s stream ends early (a truncated file?)", d.name, d.format)
		} else {
			err = fmt.Errorf("%s: the %s stream is damaged (%s)", d.name, d.format, strings.TrimPrefix(err.Error(), d.format+": "))
		}
	}
	return n, err
}

type zstdCloser struct{ d *zstd.Decoder }

func (c zstdCloser) Close() error { c.d.Close(); return nil }
