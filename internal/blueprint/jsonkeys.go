package blueprint

import (
	"bytes"
	"encoding/json"
	"unicode"
	"unicode/utf8"
)

// smallObject is how many keys an object may have before duplicateKey indexes them in a
// map rather than comparing each new key with the others.
const smallObject = 16

// duplicateKey returns a key that some object of the JSON value data holds twice, and
// whether there is one. encoding/json keeps the last of two such keys without a word, so
// that a frame or a body could say one thing to a reader that stops at the first and
// another to the server. Keys are compared as encoding/json matches them to struct
// fields: unescaped, and without regard to case ("t" and "T" are the same key). data must
// be valid JSON; on anything else the answer means nothing, but it returns.
func duplicateKey(data []byte) (string, bool) {
	var (
		stack  []jsonContainer
		folded []byte   // the folded keys of the open objects, one after another
		keys   [][2]int // where each is in folded; an object's keys follow its parent's
	)
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			stack = append(stack, jsonContainer{object: data[i] == '{', expectKey: data[i] == '{', first: len(keys)})
		case '}', ']':
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				if top.first < len(keys) {
					folded = folded[:keys[top.first][0]]
				}
				keys = keys[:top.first]
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		case '"':
			end := stringEnd(data, i)
			if len(stack) > 0 && stack[len(stack)-1].expectKey {
				top := &stack[len(stack)-1]
				top.expectKey = false
				at := len(folded)
				folded = appendFoldedKey(folded, data[i:end])
				key := folded[at:]
				if top.seen(folded, keys[top.first:], key) {
					return unquoteKey(data[i:end]), true
				}
				keys = append(keys, [2]int{at, len(folded)})
			}
			i = end - 1
		}
	}
	return "", false
}

// jsonContainer is an object or an array that duplicateKey is inside of.
type jsonContainer struct {
	object    bool
	expectKey bool // the next string is a key
	first     int  // the index of the object's first key in duplicateKey's keys
	// index holds the object's keys once it has more than smallObject, so that a huge
	// object costs a lookup per key rather than a comparison with every other key.
	index map[string]struct{}
}

// seen reports whether the object, whose keys so far are spans of folded, holds key.
func (o *jsonContainer) seen(folded []byte, keys [][2]int, key []byte) bool {
	if o.index == nil && len(keys) < smallObject {
		for _, k := range keys {
			if bytes.Equal(folded[k[0]:k[1]], key) {
				return true
			}
		}
		return false
	}
	if o.index == nil {
		o.index = make(map[string]struct{}, 2*len(keys))
		for _, k := range keys {
			o.index[string(folded[k[0]:k[1]])] = struct{}{}
		}
	}
	if _, ok := o.index[string(key)]; ok {
		return true
	}
	o.index[string(key)] = struct{}{}
	return false
}

// stringEnd returns the index just after the string that starts with the quote at
// data[start], or len(data) when it does not end.
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		j := bytes.IndexAny(data[i:], `"\\`)
		if j < 0 {
			break
		}
		i += j
		if data[i] == '"' {
			return i + 1
		}
		i++ // the escaped byte
	}
	return len(data)
}

// unquoteKey returns the text of a quoted JSON string.
func unquoteKey(quoted []byte) string {
	for _, b := range quoted {
		if b == '\\' {
			var s string
			_ = json.Unmarshal(quoted, &s)
			return s
		}
	}
	if len(quoted) >= 2 {
		return string(quoted[1 : len(quoted)-1])
	}
	return ""
}

// appendFoldedKey appends the text of a quoted JSON string to out, folded as
// encoding/json folds the keys it matches to struct fields: ASCII letters in upper case,
// any other letter replaced by the smallest of those it equals without regard to case.
// So "t", "T" and the letters that equal them meet.
func appendFoldedKey(out, quoted []byte) []byte {
	text := quoted
	if len(text) >= 2 {
		text = text[1 : len(text)-1]
	}
	if bytes.IndexByte(text, '\\') >= 0 {
		text = []byte(unquoteKey(quoted))
	}
	for len(text) > 0 {
		r, n := rune(text[0]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(text)
		}
		text = text[n:]
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			out = append(out, byte(r))
			continue
		}
		for {
			f := unicode.SimpleFold(r)
			if f <= r {
				r = f
				break
			}
			r = f
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}
