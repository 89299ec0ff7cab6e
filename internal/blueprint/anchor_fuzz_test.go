package blueprint

import "testing"

// FuzzParseAnchor: any text is an anchor or refused with a coded error, and an anchor
// read is written back as the same text.
func FuzzParseAnchor(f *testing.F) {
	for _, s := range []string{"card:c1", "cell:s1/l1", "link:k1", "stage:s1", "cell:s1", "cell:/l1", "card:", "card:c1/x",
		"stage:s1/l1", "x:y", "", ":", "card:é", "cell:s1/l1/l2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if a.String() != s {
			t.Fatalf("%q reads as %+v, written %q", s, a, a.String())
		}
	})
}
