package decompress

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"

	"curate.dev/internal/synth"
)

// BenchmarkDecompress measures decompress alone on 100k generated inputs
// (55 MB, `curate synth --preset bench`), gzip level 6 and zstd's default;
// MB/s are of decompressed bytes.
func BenchmarkDecompress(b *testing.B) {
	w, err := synth.New(synth.BenchConfig(100_000))
	if err != nil {
		b.Fatal(err)
	}
	var plain bytes.Buffer
	if err := w.WriteJSONL(context.Background(), &plain); err != nil {
		b.Fatal(err)
	}
	var gz, zs bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&gz, 6)
	gw.Write(plain.Bytes())
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(plain.Bytes())
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", plain.Bytes()}, {"gzip", gz.Bytes()}, {"zstd", zs.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(plain.Len()))
			for b.Loop() {
				r, z, err := Reader(bytes.NewReader(c.data), c.name)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, r)
				if err != nil || n != int64(plain.Len()) {
					b.Fatalf("read %d bytes (%v), want %d", n, err, plain.Len())
				}
				if z != nil {
					z.Close()
				}
			}
		})
	}
}
