package blueprint_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func TestValidOrder(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  string
		want bool
	}{
		{"SingleDigit", "V", true},
		{"LowestSingle", "1", true},
		{"HighestSingle", "z", true},
		{"Long", "0000001", true},
		{"AllDigits", digits[1:], true},
		{"MaxLen", strings.Repeat("z", blueprint.MaxOrderLen), true},
		{"Empty", "", false},
		{"Zero", "0", false},
		{"TrailingZero", "V0", false},
		{"TooLong", strings.Repeat("z", blueprint.MaxOrderLen+1), false},
		{"Space", "V V", false},
		{"Dash", "a-b", false},
		{"Underscore", "a_b", false},
		{"Dot", "a.b", false},
		{"Accent", "é", false},
		{"NUL", "a\x00b", false},
		{"InvalidUTF8", "a\xffb", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := blueprint.ValidOrder(tt.key); got != tt.want {
				t.Errorf("ValidOrder(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

// mustKeyBetween returns KeyBetween(a, b) and fails unless it is valid and strictly
// between a and b (an empty bound being open).
func mustKeyBetween(t *testing.T, a, b string) string {
	t.Helper()
	k, err := blueprint.KeyBetween(a, b)
	if err != nil {
		t.Fatalf("KeyBetween(%q, %q): %v", a, b, err)
	}
	checkBetween(t, a, b, k)
	return k
}

func checkBetween(t *testing.T, a, b, k string) {
	t.Helper()
	if !blueprint.ValidOrder(k) {
		t.Errorf("KeyBetween(%q, %q) = %q: not a valid key", a, b, k)
	}
	if a != "" && k <= a {
		t.Errorf("KeyBetween(%q, %q) = %q: not after %q", a, b, k, a)
	}
	if b != "" && k >= b {
		t.Errorf("KeyBetween(%q, %q) = %q: not before %q", a, b, k, b)
	}
}

// randomKey returns a valid key of 1 to maxLen digits.
func randomKey(r *rand.Rand, maxLen int) string {
	n := 1 + r.IntN(maxLen)
	var sb strings.Builder
	for range n - 1 {
		sb.WriteByte(digits[r.IntN(len(digits))])
	}
	sb.WriteByte(digits[1+r.IntN(len(digits)-1)])
	return sb.String()
}

func TestKeyBetween(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tt := range [][2]string{
			{"", ""},
			{"", "V"},
			{"V", ""},
			{"", "1"},
			{"", "01"},
			{"", "001"},
			{"z", ""},
			{"zz", ""},
			{"1", "2"},
			{"1", "11"},
			{"1", "101"},
			{"11", "2"},
			{"y", "z"},
			{"yz", "z"},
			{"V", "V1"},
			{"V", "V01"},
			{"0001", "0002"},
			{"", strings.Repeat("z", blueprint.MaxOrderLen)},
			{strings.Repeat("1", blueprint.MaxOrderLen-1), ""},
		} {
			t.Run(fmt.Sprintf("%q-%q", tt[0], tt[1]), func(t *testing.T) {
				mustKeyBetween(t, tt[0], tt[1])
			})
		}
	})

	t.Run("Random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(testSeed(t), 0))
		for i := range 20000 {
			var a, b string
			switch r.IntN(6) {
			case 0: // short keys
				a, b = randomKey(r, 3), randomKey(r, 3)
			case 1: // one key extends the other
				a = randomKey(r, 10)
				b = a + randomKey(r, 5)
			case 2: // long keys, up to the limit
				a, b = randomKey(r, blueprint.MaxOrderLen), randomKey(r, blueprint.MaxOrderLen)
			case 3: // a shared prefix then a difference
				p := randomKey(r, 20)
				a, b = p+randomKey(r, 6), p+randomKey(r, 6)
			case 4: // open at the start
				b = randomKey(r, 12)
			case 5: // open at the end
				a = randomKey(r, 12)
			}
			if a != "" && b != "" {
				if a == b {
					continue
				}
				if a > b {
					a, b = b, a
				}
			}
			if len(a) > blueprint.MaxOrderLen || len(b) > blueprint.MaxOrderLen {
				continue
			}
			k, err := blueprint.KeyBetween(a, b)
			if err != nil {
				// A result at most one digit longer than the longer input is always
				// possible, so only inputs at the limit may leave no room.
				if blueprint.ErrorCode(err) != blueprint.ETOOLARGE || max(len(a), len(b)) < blueprint.MaxOrderLen {
					t.Fatalf("pair %d: KeyBetween(%q, %q): %v", i, a, b, err)
				}
				continue
			}
			checkBetween(t, a, b, k)
			if t.Failed() {
				t.Fatalf("pair %d failed", i)
			}
		}
	})

	t.Run("Repeated", func(t *testing.T) {
		// Insert 1,000 keys at the same position of a list: every key must be valid and
		// the list strictly ascending. Keys grow linearly with repeated insertion at one
		// spot; the first few hundred insertions must fit in MaxOrderLen, and past the
		// limit KeyBetween must refuse with ETOOLARGE rather than return a bad key.
		// At the ends (appending, prepending), keys step by one digit: 1,000 insertions
		// there stay short.
		const n, reasonable = 1000, 500
		for _, tt := range []struct {
			name   string
			pos    func(len int) int
			atEnds bool
		}{
			{"Front", func(int) int { return 0 }, true},
			{"Back", func(n int) int { return n }, true},
			{"Middle", func(n int) int { return n / 2 }, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				keys := []string{mustKeyBetween(t, "", "")}
				lengths := map[int]int{}
				limitAt := 0
				for i := 1; i <= n; i++ {
					p := tt.pos(len(keys))
					var a, b string
					if p > 0 {
						a = keys[p-1]
					}
					if p < len(keys) {
						b = keys[p]
					}
					k, err := blueprint.KeyBetween(a, b)
					if err != nil {
						if i <= reasonable {
							t.Fatalf("insertion %d: %v", i, err)
						}
						wantErr(t, err, blueprint.ETOOLARGE, "order key")
						limitAt = i
						break
					}
					checkBetween(t, a, b, k)
					if t.Failed() {
						t.FailNow()
					}
					keys = slices.Insert(keys, p, k)
					if i == 100 || i == 250 || i == 500 || i == 1000 {
						lengths[i] = maxLen(keys)
					}
				}
				if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
					t.Errorf("keys are not strictly ascending")
				}
				for _, k := range keys {
					if !blueprint.ValidOrder(k) {
						t.Errorf("invalid key %q in the list", k)
					}
				}
				limit := "never reached"
				if limitAt > 0 {
					limit = fmt.Sprintf("refused at insertion %d", limitAt)
				}
				var seen []string
				for _, at := range []int{100, 250, 500, 1000} {
					if l, ok := lengths[at]; ok {
						seen = append(seen, fmt.Sprintf("%d after %d", l, at))
					}
				}
				t.Logf("%s: longest key %s insertions; limit %d %s",
					tt.name, strings.Join(seen, ", "), blueprint.MaxOrderLen, limit)
				if tt.atEnds && (limitAt > 0 || lengths[1000] > 40) {
					t.Errorf("%s: %d insertions at an end should stay short: longest key %v, %s", tt.name, n, lengths, limit)
				}
			})
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			name, a, b string
			word       string
		}{
			{"Equal", "V", "V", "does not sort before"},
			{"Reversed", "W", "V", "does not sort before"},
			{"PrefixReversed", "V1", "V", "does not sort before"},
			{"TrailingZeroA", "V0", "", "invalid order key"},
			{"TrailingZeroB", "", "V0", "invalid order key"},
			{"ZeroA", "0", "V", "invalid order key"},
			{"BadCharA", "a-b", "", "invalid order key"},
			{"BadCharB", "", "a b", "invalid order key"},
			{"AccentB", "", "é", "invalid order key"},
			{"TooLongA", strings.Repeat("1", blueprint.MaxOrderLen+1), "", "invalid order key"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				k, err := blueprint.KeyBetween(tt.a, tt.b)
				wantErr(t, err, blueprint.EINVALID, tt.word)
				if k != "" {
					t.Errorf("key = %q alongside an error, want \"\"", k)
				}
			})
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		// The only keys before "000…01" (128 digits) need 129 digits.
		b := strings.Repeat("0", blueprint.MaxOrderLen-1) + "1"
		if !blueprint.ValidOrder(b) {
			t.Fatalf("fixture key %q is not valid", b)
		}
		k, err := blueprint.KeyBetween("", b)
		wantErr(t, err, blueprint.ETOOLARGE, "order key")
		if k != "" {
			t.Errorf("key = %q alongside an error, want \"\"", k)
		}
	})
}

func maxLen(keys []string) int {
	m := 0
	for _, k := range keys {
		m = max(m, len(k))
	}
	return m
}

func TestKeysBetween(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, bounds := range [][2]string{{"", ""}, {"1", "2"}, {"V", ""}, {"", "V"}, {"y", "yz1"}} {
			for _, n := range []int{1, 2, 3, 5, 6, 10, 62, 100, 1000} {
				t.Run(fmt.Sprintf("%q-%q-%d", bounds[0], bounds[1], n), func(t *testing.T) {
					a, b := bounds[0], bounds[1]
					keys, err := blueprint.KeysBetween(a, b, n)
					if err != nil {
						t.Fatal(err)
					}
					if len(keys) != n {
						t.Fatalf("got %d keys, want %d", len(keys), n)
					}
					for i, k := range keys {
						checkBetween(t, a, b, k)
						if i > 0 && keys[i-1] >= k {
							t.Errorf("keys[%d] = %q does not sort after keys[%d] = %q", i, k, i-1, keys[i-1])
						}
					}
					// Spread evenly: n keys need about log62(n)+2 digits, not n.
					if l := maxLen(keys); l > max(len(a), len(b))+4 {
						t.Errorf("longest of %d keys has %d digits", n, l)
					}
				})
			}
		}
	})

	t.Run("Zero", func(t *testing.T) {
		for _, n := range []int{0, -1} {
			keys, err := blueprint.KeysBetween("", "", n)
			if err != nil || keys != nil {
				t.Errorf("KeysBetween(n=%d) = %q, %v; want nil, nil", n, keys, err)
			}
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, n := range []int{1, 2, 7} {
			for _, bounds := range [][2]string{{"V", "V"}, {"W", "V"}, {"V0", ""}, {"", "!"}} {
				t.Run(fmt.Sprintf("%q-%q-%d", bounds[0], bounds[1], n), func(t *testing.T) {
					keys, err := blueprint.KeysBetween(bounds[0], bounds[1], n)
					wantErr(t, err, blueprint.EINVALID, "order key")
					if keys != nil {
						t.Errorf("got keys %q alongside the error", keys)
					}
				})
			}
		}
	})

	t.Run("Deterministic", func(t *testing.T) {
		a, err := blueprint.KeysBetween("", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		b, err := blueprint.KeysBetween("", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("two calls differ (-first +second):\n%s", diff)
		}
	})
}
