package tap_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"lambtrace/devices/tap"
)

// shanghai is the zone of the plant's clock in these tests. A fixed zone
// needs no tzdata on the test machine.
var shanghai = time.FixedZone("CST", 8*60*60)

var t0 = time.Date(2025, 3, 14, 6, 30, 0, 0, shanghai)

func TestRecorderKeepsLastChunks(t *testing.T) {
	r := tap.New(tap.Limits{Chunks: 3})
	for i := range 5 {
		dir := tap.Received
		if i%2 == 1 {
			dir = tap.Sent
		}
		r.Record(dir, t0.Add(time.Duration(i)*time.Second), []byte{byte(i), 0xAA})
	}
	got := r.Chunks()
	if len(got) != 3 {
		t.Fatalf("kept %d chunks, want 3", len(got))
	}
	for i, c := range got {
		n := i + 2
		if want := []byte{byte(n), 0xAA}; !bytes.Equal(c.Data, want) {
			t.Errorf("chunk %d: Data = % X, want % X", i, c.Data, want)
		}
		if want := t0.Add(time.Duration(n) * time.Second); !c.At.Equal(want) || c.At.Location() != shanghai {
			t.Errorf("chunk %d: At = %v, want %v", i, c.At, want)
		}
		if wantSent := n%2 == 1; (c.Dir == tap.Sent) != wantSent {
			t.Errorf("chunk %d: Dir = %v, want sent = %v", i, c.Dir, wantSent)
		}
		if c.Size != 2 || c.Cut() {
			t.Errorf("chunk %d: Size = %d, Cut = %v, want 2 and false", i, c.Size, c.Cut())
		}
	}
}

func TestRecorderByteBound(t *testing.T) {
	r := tap.New(tap.Limits{Chunks: 100, Bytes: 10, ChunkBytes: 4})
	for i := range 3 {
		r.Record(tap.Received, t0, bytes.Repeat([]byte{byte(i)}, 4))
	}
	got := r.Chunks()
	if len(got) != 2 {
		t.Fatalf("kept %d chunks of 4 bytes within 10 bytes, want 2", len(got))
	}
	if got[0].Data[0] != 1 || got[1].Data[0] != 2 {
		t.Errorf("kept chunks %d and %d, want the last two, 1 and 2", got[0].Data[0], got[1].Data[0])
	}

	// A small chunk fits beside the two and drops nothing.
	r.Record(tap.Sent, t0, []byte{9, 9})
	if got := r.Chunks(); len(got) != 3 {
		t.Errorf("kept %d chunks after a 2-byte chunk, want 3", len(got))
	}
}

func TestRecorderCutsLongChunk(t *testing.T) {
	r := tap.New(tap.Limits{ChunkBytes: 4})
	job := []byte("^XA^FO20,20^FDlabel^FS^XZ")
	r.Record(tap.Sent, t0, job)
	got := r.Chunks()
	if len(got) != 1 {
		t.Fatalf("kept %d chunks, want 1", len(got))
	}
	if !bytes.Equal(got[0].Data, job[:4]) {
		t.Errorf("Data = %q, want the first 4 bytes %q", got[0].Data, job[:4])
	}
	if got[0].Size != len(job) {
		t.Errorf("Size = %d, want %d", got[0].Size, len(job))
	}
	if !got[0].Cut() {
		t.Error("Cut() = false for a chunk longer than ChunkBytes")
	}
}

func TestRecorderCopiesBytes(t *testing.T) {
	r := tap.New(tap.Limits{})
	p := []byte("LA 982 000000255895\r\n")
	r.Record(tap.Received, t0, p)
	p[0] = 'X'
	got := r.Chunks()
	if got[0].Data[0] != 'L' {
		t.Errorf("a change to the recorded slice reached the recorder: %q", got[0].Data)
	}
	got[0].Data[1] = 'X'
	if again := r.Chunks(); again[0].Data[1] != 'A' {
		t.Errorf("a change to a returned chunk reached the recorder: %q", again[0].Data)
	}
}

func TestRecorderEmptyAndNil(t *testing.T) {
	r := tap.New(tap.Limits{})
	r.Record(tap.Received, t0, nil)
	if got := r.Chunks(); len(got) != 0 {
		t.Errorf("an empty read was kept: %v", got)
	}

	var none *tap.Recorder
	none.Record(tap.Sent, t0, []byte("~HS"))
	if got := none.Chunks(); got != nil {
		t.Errorf("a nil recorder returned %v", got)
	}
}

func TestRecorderLimitDefaults(t *testing.T) {
	got := tap.New(tap.Limits{Chunks: -1}).Limits()
	want := tap.Limits{Chunks: tap.DefaultChunks, Bytes: tap.DefaultBytes, ChunkBytes: tap.DefaultChunkBytes}
	if got != want {
		t.Errorf("Limits = %+v, want %+v", got, want)
	}
	if got := tap.New(tap.Limits{Bytes: 8, ChunkBytes: 64}).Limits().ChunkBytes; got != 8 {
		t.Errorf("ChunkBytes above Bytes = %d, want it cut to 8", got)
	}
}

// TestRecorderMatchesModel records random chunks and compares the
// recorder with a plain slice that applies the same three limits.
func TestRecorderMatchesModel(t *testing.T) {
	limits := tap.Limits{Chunks: 7, Bytes: 40, ChunkBytes: 12}
	r := tap.New(limits)
	var model []tap.Chunk
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		p := make([]byte, 1+rng.IntN(20))
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		at := t0.Add(time.Duration(i) * time.Millisecond)
		r.Record(tap.Received, at, p)

		kept := p[:min(len(p), limits.ChunkBytes)]
		model = append(model, tap.Chunk{At: at, Data: kept, Size: len(p)})
		for len(model) > limits.Chunks || modelBytes(model) > limits.Bytes {
			model = model[1:]
		}

		got := r.Chunks()
		if len(got) != len(model) {
			t.Fatalf("record %d: kept %d chunks, want %d", i, len(got), len(model))
		}
		for j := range got {
			if !bytes.Equal(got[j].Data, model[j].Data) || got[j].Size != model[j].Size || !got[j].At.Equal(model[j].At) {
				t.Fatalf("record %d, chunk %d: got %v %d % X, want %v %d % X", i, j,
					got[j].At, got[j].Size, got[j].Data, model[j].At, model[j].Size, model[j].Data)
			}
		}
	}
}

func modelBytes(chunks []tap.Chunk) int {
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	return n
}

// TestRecorderConcurrentUse records from four goroutines while a fifth
// reads. Each writer's chunks hold its own byte only, so a chunk mixed
// from two writes shows.
func TestRecorderConcurrentUse(t *testing.T) {
	limits := tap.Limits{Chunks: 32, Bytes: 300, ChunkBytes: 16}
	r := tap.New(limits)
	check := func(chunks []tap.Chunk) error {
		total := 0
		for _, c := range chunks {
			total += len(c.Data)
			if len(c.Data) == 0 || !bytes.Equal(c.Data, bytes.Repeat(c.Data[:1], len(c.Data))) {
				return fmt.Errorf("chunk mixes writes: % X", c.Data)
			}
			if c.Size != int(c.Data[0])+10 || len(c.Data) != min(c.Size, limits.ChunkBytes) {
				return fmt.Errorf("chunk of writer %d has Size %d and %d bytes", c.Data[0], c.Size, len(c.Data))
			}
		}
		if len(chunks) > limits.Chunks || total > limits.Bytes {
			return fmt.Errorf("kept %d chunks of %d bytes, over the limits %+v", len(chunks), total, limits)
		}
		return nil
	}

	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			p := bytes.Repeat([]byte{byte(w)}, w+10)
			for range 5000 {
				r.Record(tap.Direction(w%2), time.Now(), p)
			}
		}()
	}
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := check(r.Chunks()); err != nil {
				readErr <- err
				return
			}
		}
	}()
	writers.Wait()
	close(stop)
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	if err := check(r.Chunks()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRecord measures one Record on a full recorder with the
// default limits, for a Modbus TCP request, a chunk at the per-chunk
// limit and a 10 KB label job. The nil case is a driver without a tap.
func BenchmarkRecord(b *testing.B) {
	sizes := []struct {
		name string
		size int
	}{{"modbus-12B", 12}, {"chunk-128B", 128}, {"label-10KB", 10 << 10}}
	for _, s := range sizes {
		b.Run(s.name, func(b *testing.B) {
			r := tap.New(tap.Limits{})
			p := bytes.Repeat([]byte{'Z'}, s.size)
			at := time.Now()
			for range tap.DefaultChunks {
				r.Record(tap.Sent, at, p)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.Record(tap.Sent, at, p)
			}
		})
	}
	b.Run("nil", func(b *testing.B) {
		var r *tap.Recorder
		p := make([]byte, 12)
		at := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			r.Record(tap.Sent, at, p)
		}
	})
}

// BenchmarkChunks measures a copy of a full recorder, which the devices
// screen makes on each refresh.
func BenchmarkChunks(b *testing.B) {
	r := tap.New(tap.Limits{})
	p := make([]byte, 12)
	for range tap.DefaultChunks {
		r.Record(tap.Received, time.Now(), p)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Chunks()
	}
}
