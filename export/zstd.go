package export

import (
	"sync"
	_ "unsafe" // go:linkname

	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// Arrow Go v15's zstd codec makes a new encoder for every page it
// compresses (compress.zstdCodec.EncodeLevel): its window buffers are
// allocated and zeroed each time, which cost a tenth of the CPU of a
// training export. The codec registered here keeps one encoder per level,
// made with the same options (so the pages are the same bytes); an
// encoder's EncodeAll is safe for concurrent use. Everything else is the
// library's codec.

//go:linkname parquetCodecs github.com/apache/arrow/go/v15/parquet/compress.codecs
var parquetCodecs map[compress.Compression]compress.Codec

func init() {
	if c, ok := parquetCodecs[compress.Codecs.Zstd]; ok {
		parquetCodecs[compress.Codecs.Zstd] = &zstdCodec{Codec: c}
	}
}

type zstdCodec struct {
	compress.Codec
	encoders sync.Map // zstd.EncoderLevel → *zstd.Encoder
}

func (z *zstdCodec) EncodeLevel(dst, src []byte, level int) []byte {
	lvl := zstd.EncoderLevelFromZstd(level)
	if level == compress.DefaultCompressionLevel {
		lvl = zstd.SpeedDefault
	}
	e, ok := z.encoders.Load(lvl)
	if !ok {
		enc, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(lvl))
		if err != nil {
			return z.Codec.EncodeLevel(dst, src, level)
		}
		e, _ = z.encoders.LoadOrStore(lvl, enc)
	}
	return e.(*zstd.Encoder).EncodeAll(src, dst[:0])
}
