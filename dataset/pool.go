package dataset

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// poolAllocator recycles the buffers of released records. The parallel
// JSONL path builds records of nearly equal sizes one after another, and
// the consumer releases each before long, so reuse saves most of the
// allocation and GC work that memory.GoAllocator would do. It is used only
// when the caller did not choose an allocator.
//
// Buffers come in power-of-two sizes from 64 bytes; Go places such
// objects at addresses aligned to their size, which gives Arrow's 64-byte
// alignment. Memory is not zeroed: the fast path writes every byte it
// hands to Arrow.
type poolAllocator struct {
	classes [40]sync.Pool
}

var fastPool = &poolAllocator{}

func sizeClass(n int) int {
	if n <= 64 {
		return 6
	}
	return bits.Len(uint(n - 1))
}

func (p *poolAllocator) Allocate(size int) []byte {
	c := sizeClass(size)
	if c >= len(p.classes) {
		return memory.DefaultAllocator.Allocate(size)
	}
	if v := p.classes[c].Get(); v != nil {
		return (*v.(*[]byte))[:size]
	}
	b := make([]byte, 1<<c)
	if uintptr(unsafe.Pointer(&b[0]))%64 != 0 {
		// Not expected for Go's power-of-two size classes; be safe.
		return memory.DefaultAllocator.Allocate(size)
	}
	return b[:size]
}

func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *poolAllocator) Free(b []byte) {
	n := cap(b)
	if n < 64 || n&(n-1) != 0 {
		return // not one of ours
	}
	c := bits.Len(uint(n)) - 1
	if c >= len(p.classes) || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%64 != 0 {
		return
	}
	b = b[:n]
	p.classes[c].Put(&b)
}

var _ memory.Allocator = (*poolAllocator)(nil)
