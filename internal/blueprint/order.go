package blueprint

import "strings"

// Order keys are fractional indexes: strings over the base-62 digits below, read as the
// digits of a fraction between 0 and 1. Siblings sort by key (byte order), then by id.
// A new key can always be made between two others, so concurrent moves never need to
// renumber anyone else. A valid key is non-empty, uses only these digits, does not end
// in '0' (so that every fraction has exactly one spelling) and is at most MaxOrderLen long.
//
// OrderDigits are those digits, in their order.
const OrderDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// MaxOrderLen bounds the length of an order key.
const MaxOrderLen = 128

// ValidOrder reports whether key is a well-formed order key.
func ValidOrder(key string) bool {
	if key == "" || len(key) > MaxOrderLen || key[len(key)-1] == '0' {
		return false
	}
	for i := 0; i < len(key); i++ {
		if strings.IndexByte(OrderDigits, key[i]) < 0 {
			return false
		}
	}
	return true
}

// KeyBetween returns a key that sorts strictly between a and b. An empty a means "before
// everything", an empty b "after everything". a must sort before b when both are given.
//
// At the ends, the key steps by one digit from its neighbour rather than halving the gap,
// so that appending (or prepending) again and again grows keys by one digit every thirty
// or so insertions instead of every five or six.
func KeyBetween(a, b string) (string, error) {
	return between(a, b, true)
}

func between(a, b string, step bool) (string, error) {
	if a != "" && !ValidOrder(a) {
		return "", Errorf(EINVALID, "invalid order key %q", a)
	}
	if b != "" && !ValidOrder(b) {
		return "", Errorf(EINVALID, "invalid order key %q", b)
	}
	if a != "" && b != "" && a >= b {
		return "", Errorf(EINVALID, "order key %q does not sort before %q", a, b)
	}
	// Repeated insertion at the same spot inside a list grows keys by about one digit every
	// five or six insertions; past MaxOrderLen the key would be refused by Validate, so say
	// so here.
	var k string
	switch {
	case step && a != "" && b == "":
		k = stepAfter(a)
	case step && a == "" && b != "":
		k = stepBefore(b)
	default:
		k = midpoint(a, b)
	}
	if len(k) > MaxOrderLen {
		return "", Errorf(ETOOLARGE, "no order key of at most %d digits sorts between %q and %q", MaxOrderLen, truncate(a, 40), truncate(b, 40))
	}
	return k, nil
}

// stepAfter returns a short key after a: its first digit plus one, or, when that digit is
// the last, that digit and a key after the rest.
func stepAfter(a string) string {
	if a == "" {
		return midpoint("", "")
	}
	d := strings.IndexByte(OrderDigits, a[0])
	if d < len(OrderDigits)-1 {
		return OrderDigits[d+1 : d+2]
	}
	return a[:1] + stepAfter(a[1:])
}

// stepBefore returns a short key before b (a valid key): its first digit minus one; or,
// from '1', "1" itself when b is longer and "0z" when not; or, from '0', that digit and
// a key before the rest.
func stepBefore(b string) string {
	switch d := strings.IndexByte(OrderDigits, b[0]); {
	case d > 1:
		return OrderDigits[d-1 : d]
	case d == 1 && len(b) > 1:
		return b[:1]
	case d == 1:
		return "0" + OrderDigits[len(OrderDigits)-1:]
	default:
		return b[:1] + stepBefore(b[1:])
	}
}

// midpoint returns the shortest-ish key between a and b ("" for b means 1).
func midpoint(a, b string) string {
	if b != "" {
		// Skip the common prefix, padding a with zeros as we go.
		n := 0
		for n < len(b) && digitAt(a, n) == b[n] {
			n++
		}
		if n > 0 {
			return b[:n] + midpoint(tail(a, n), b[n:])
		}
	}
	da := 0
	if a != "" {
		da = strings.IndexByte(OrderDigits, a[0])
	}
	db := len(OrderDigits)
	if b != "" {
		db = strings.IndexByte(OrderDigits, b[0])
	}
	if db-da > 1 {
		return string(OrderDigits[(da+db+1)/2])
	}
	// The first digits are consecutive.
	if len(b) > 1 {
		return b[:1]
	}
	return string(OrderDigits[da]) + midpoint(tail(a, 1), "")
}

func digitAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return '0'
}

func tail(s string, n int) string {
	if n >= len(s) {
		return ""
	}
	return s[n:]
}

// KeysBetween returns n ascending keys between a and b, spread evenly so that later
// insertions stay short.
func KeysBetween(a, b string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	if n == 1 {
		k, err := between(a, b, false)
		if err != nil {
			return nil, err
		}
		return []string{k}, nil
	}
	mid, err := between(a, b, false)
	if err != nil {
		return nil, err
	}
	left, err := KeysBetween(a, mid, n/2)
	if err != nil {
		return nil, err
	}
	right, err := KeysBetween(mid, b, n-n/2-1)
	if err != nil {
		return nil, err
	}
	out := append(left, mid)
	return append(out, right...), nil
}
