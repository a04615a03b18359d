// Package tap keeps a bounded copy of the bytes a device driver reads from
// and writes to its device, for commissioning. The kiosk's devices screen
// shows them, so a technician can check what a reader, a scale or a
// printer really sends and is sent.
//
// A driver records into the *Recorder in its Tap field. A nil *Recorder
// records nothing, so a driver without one pays a single nil check per
// read or write. A Recorder keeps the last chunks within three limits:
// a number of chunks, a number of bytes over all chunks, and a prefix of
// each chunk. A printer job of several kilobytes is kept as its first
// bytes together with its full size, so the screen can show that it was
// cut.
package tap

import (
	"sync"
	"time"
)

// Direction is the way a chunk went: read from the device or written to
// it.
type Direction uint8

// Directions of a chunk.
const (
	Received Direction = iota // read from the device
	Sent                      // written to the device
)

func (d Direction) String() string {
	if d == Sent {
		return "sent"
	}
	return "received"
}

// Chunk is the bytes of one read from the device or one write to it.
type Chunk struct {
	At   time.Time // when the driver read or wrote the bytes, by the driver's clock
	Dir  Direction
	Data []byte // the bytes, or their first Limits.ChunkBytes when the chunk is longer
	Size int    // the chunk's length as read or written
}

// Cut reports whether Data holds only the first bytes of the chunk.
func (c Chunk) Cut() bool { return c.Size > len(c.Data) }

// Defaults of the zero Limits fields. A Modbus scale polled at 10 Hz with
// one read per poll exchanges 20 chunks a second, so 256 chunks cover
// about its last 12 s. 128 bytes hold a whole ~HS status reply (82 bytes)
// and the first ZPL commands of a label job, and fill two pages of the
// devices screen's raw view.
const (
	DefaultChunks     = 256
	DefaultBytes      = 16 << 10
	DefaultChunkBytes = 128
)

// Limits bound what a Recorder keeps. A zero or negative field means its
// default. A Recorder holds at most Chunks × min(ChunkBytes, Bytes)
// bytes of buffers, because it reuses the buffer of a dropped chunk.
type Limits struct {
	Chunks     int // chunks kept
	Bytes      int // bytes of Data kept over all chunks
	ChunkBytes int // bytes of Data kept of one chunk
}

// Recorder keeps the last chunks of one device, oldest first. It is safe
// for concurrent use: the driver records while the screen reads.
type Recorder struct {
	limits Limits

	mu    sync.Mutex // protects the fields below
	ring  []Chunk    // len(ring) == limits.Chunks
	first int        // index of the oldest chunk
	count int        // chunks kept
	bytes int        // sum of len(Data) of the chunks kept
}

// New returns a Recorder with the limits l.
func New(l Limits) *Recorder {
	if l.Chunks <= 0 {
		l.Chunks = DefaultChunks
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultBytes
	}
	if l.ChunkBytes <= 0 {
		l.ChunkBytes = DefaultChunkBytes
	}
	// A chunk's prefix must fit the byte budget alone, or it could never
	// be kept.
	l.ChunkBytes = min(l.ChunkBytes, l.Bytes)
	return &Recorder{limits: l, ring: make([]Chunk, l.Chunks)}
}

// Limits returns the limits in force, with the defaults filled in.
func (r *Recorder) Limits() Limits { return r.limits }

// Record keeps a copy of p, or of its first ChunkBytes bytes, as a chunk
// read or written at at, and drops the oldest chunks to stay within the
// limits. It does nothing on a nil Recorder or for an empty p, and it
// does not retain p.
func (r *Recorder) Record(dir Direction, at time.Time, p []byte) {
	// Record is small enough to be inlined, so a driver without a tap
	// pays only the nil check.
	if r != nil && len(p) > 0 {
		r.record(dir, at, p)
	}
}

func (r *Recorder) record(dir Direction, at time.Time, p []byte) {
	keep := min(len(p), r.limits.ChunkBytes)

	r.mu.Lock()
	defer r.mu.Unlock()
	for r.count > 0 && (r.count == len(r.ring) || r.bytes+keep > r.limits.Bytes) {
		r.dropOldest()
	}

	// The slot is free: never used, or its chunk was dropped. Its buffer
	// is reused, so a full recorder records without allocating.
	slot := &r.ring[(r.first+r.count)%len(r.ring)]
	slot.At, slot.Dir, slot.Size = at, dir, len(p)
	slot.Data = append(slot.Data[:0], p[:keep]...)
	r.count++
	r.bytes += keep
}

func (r *Recorder) dropOldest() {
	r.bytes -= len(r.ring[r.first].Data)
	r.first = (r.first + 1) % len(r.ring)
	r.count--
}

// Chunks returns a copy of the chunks kept, oldest first. It returns none
// for a nil Recorder.
func (r *Recorder) Chunks() []Chunk {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Chunk, r.count)
	data := make([]byte, 0, r.bytes)
	for i := range out {
		c := r.ring[(r.first+i)%len(r.ring)]
		start := len(data)
		data = append(data, c.Data...)
		c.Data = data[start:len(data):len(data)]
		out[i] = c
	}
	return out
}
