package wsclient

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/protocol"
)

// serverFrames returns the golden frames the server sends (internal/protocol's
// testdata), compacted as they travel, by name.
func serverFrames(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob("../protocol/testdata/frames/server-*.json")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no golden frames: %v", err)
	}
	frames := make(map[string][]byte, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			tb.Fatal(err)
		}
		frames[strings.TrimSuffix(filepath.Base(p), ".json")] = buf.Bytes()
	}
	return frames
}

// followed is what a Light client keeps of a frame.
type followed struct {
	T, Key, ID, Code, Message string
	Seq                       int64
	Ops                       []string // seq:key of each op
}

func follows(f *protocol.ServerFrame) followed {
	fl := followed{T: f.T, Key: f.Key, ID: f.ID, Code: f.Code, Message: f.Message, Seq: f.Seq}
	for _, o := range f.Ops {
		fl.Ops = append(fl.Ops, strconv.FormatInt(o.Seq, 10)+":"+o.Op.Key)
	}
	return fl
}

// TestDecodeLight checks that a Light client reads of every frame the server sends what
// a full decode reads of it (a snapshot's sequence being the board's).
func TestDecodeLight(t *testing.T) {
	light, full := &Client{Light: true}, &Client{}
	for name, data := range serverFrames(t) {
		got, err := light.decode(data)
		if err != nil {
			t.Errorf("%s: light decode: %v", name, err)
			continue
		}
		f, err := full.decode(data)
		if err != nil {
			t.Fatalf("%s: full decode: %v", name, err)
		}
		want := follows(f)
		if f.T == protocol.TypeSnapshot {
			var s protocol.Snapshot
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			want.Seq = s.Board.Seq
			if want.Seq == 0 {
				t.Errorf("%s: the golden snapshot is at sequence 0; the test would not see a wrong one", name)
			}
		}
		if diff := cmp.Diff(want, follows(got)); diff != "" {
			t.Errorf("%s: light decode differs from the full one (-full +light):\n%s", name, diff)
		}
	}
}

// FuzzDecodeLight feeds the Light decoder anything: it returns a frame or an error, and
// never panics.
func FuzzDecodeLight(f *testing.F) {
	for _, data := range serverFrames(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"t":"snapshot","board":"not an export"}`))
	f.Add([]byte(`{"t":"ops","ops":[{"seq":"1"}]}`))
	c := &Client{Light: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := c.decode(data)
		if (fr == nil) == (err == nil) {
			t.Fatalf("decode gave frame %v and error %v; want exactly one", fr, err)
		}
	})
}

func BenchmarkDecodeLight(b *testing.B) {
	data := serverFrames(b)["server-ops"]
	c := &Client{Light: true}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
