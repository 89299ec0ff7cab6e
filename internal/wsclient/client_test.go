package wsclient

import (
	"bytes"
	"encoding/json"
	"errors"
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
// a full decode reads of it (a snapshot's sequence being the board's), and that it reads
// the server's frames in the plain form, without the fallback.
func TestDecodeLight(t *testing.T) {
	light, full := &Client{Light: true}, &Client{}
	for name, data := range serverFrames(t) {
		if _, err := scanLight(data); err != nil {
			t.Errorf("%s: not read in the plain form: %v", name, err)
		}
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

// TestScanLightEscapes: a string with escapes is read by the scanner itself.
func TestScanLightEscapes(t *testing.T) {
	f, err := scanLight([]byte(`{"t":"nack","key":"a\u003ab","message":"L\u2019\u00e9tape \"x\""}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Key != "a:b" || f.Message != "L’étape \"x\"" {
		t.Errorf("read key %q, message %q", f.Key, f.Message)
	}
}

// TestScanLightFallsBack lists forms the scanner leaves to the full decoder, and what
// the two read of them together. (A string with escapes it reads itself.)
func TestScanLightFallsBack(t *testing.T) {
	for _, tc := range []struct {
		data string
		want followed
		err  bool
	}{
		{data: `{"t":"ack","seq":null,"key":"k:1"}`, want: followed{T: "ack", Key: "k:1"}},
		{data: `{"t":"ops","ops":null}`, want: followed{T: "ops"}},
		{data: `{"t":"snapshot","board":null}`, want: followed{T: "snapshot"}},
		{data: `{"t":"snapshot","board":"b1"}`, err: true},
		{data: `{"t":"welcome","seq":12345678901234567890}`, err: true},
		{data: `{"t":"welcome","seq":1.5}`, err: true},
		{data: `{"t":"welcome"} trailing`, err: true},
	} {
		if _, err := scanLight([]byte(tc.data)); !errors.Is(err, errNotPlain) {
			t.Errorf("%s: scanned in the plain form (%v); want the fallback", tc.data, err)
		}
		f, err := readLight([]byte(tc.data))
		if tc.err {
			if err == nil {
				t.Errorf("%s: read as %+v; want an error", tc.data, follows(f))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.data, err)
			continue
		}
		if diff := cmp.Diff(tc.want, follows(f)); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.data, diff)
		}
	}
}

// FuzzDecodeLight feeds the Light decoder anything: it returns a frame or an error and
// never panics, and whatever the full JSON decoder reads, the scanner reads the same or
// leaves to it.
func FuzzDecodeLight(f *testing.F) {
	for _, data := range serverFrames(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"t":"snapshot","board":"not an export"}`))
	f.Add([]byte(`{"t":"ops","ops":[{"seq":"1"}]}`))
	f.Add([]byte(`{"t":"ops","x":[{"y":"]}\""},[1,{}]],"ops":[{"op":{"key":"k:1","fields":{"a":[]}},"seq":3}]}`))
	c := &Client{Light: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := c.decode(data)
		if (fr == nil) == (err == nil) {
			t.Fatalf("decode gave frame %v and error %v; want exactly one", fr, err)
		}
		full, ferr := decodeLight(data)
		scanned, serr := scanLight(data)
		if serr != nil && !errors.Is(serr, errNotPlain) {
			t.Fatalf("the scanner failed with %v; want errNotPlain or nothing", serr)
		}
		if ferr != nil || serr != nil {
			return
		}
		if diff := cmp.Diff(follows(full), follows(scanned)); diff != "" {
			t.Fatalf("%q: the scanner reads otherwise than the decoder (-decoder +scanner):\n%s", data, diff)
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
