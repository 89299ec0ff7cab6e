package wsclient

import (
	"errors"
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"lastmile/internal/protocol"
)

// A Light client reads every frame of a board's broadcast and follows only its type,
// sequences and keys. `lastmile bench` runs a thousand of them beside the server it
// measures, on the same processors, so what they cost is taken from the server's share:
// they read the frames with scanLight, which walks the bytes once and copies only what
// it keeps, and fall back to a full JSON decode (decodeLight) for anything but the plain
// form the server writes (a sequence that is not a plain integer, a
// value of an unexpected type). TestDecodeLight and FuzzDecodeLight hold the two to the
// same result.

// lightFrame is what a Light client decodes of a frame: the fields of
// protocol.ServerFrame it follows.
type lightFrame struct {
	T       string         `json:"t"`
	Seq     int64          `json:"seq"`
	Key     string         `json:"key"`
	ID      string         `json:"id"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Board   jsontext.Value `json:"board"` // the board's id, or a snapshot's export
	Ops     []lightOp      `json:"ops"`
}

type lightOp struct {
	Seq int64 `json:"seq"`
	Op  struct {
		Key string `json:"key"`
	} `json:"op"`
}

// errNotPlain stops scanLight: the frame is read by decodeLight instead.
var errNotPlain = errors.New("not in the plain form")

// readLight reads a frame as a Light client does.
func readLight(data []byte) (*protocol.ServerFrame, error) {
	if f, err := scanLight(data); err == nil {
		return f, nil
	}
	return decodeLight(data)
}

// decodeLight reads a frame with a full JSON decoder.
func decodeLight(data []byte) (*protocol.ServerFrame, error) {
	var l lightFrame
	if err := jsonv2.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	f := &protocol.ServerFrame{T: l.T, Seq: l.Seq, Key: l.Key, ID: l.ID, Code: l.Code, Message: l.Message}
	if l.T == protocol.TypeSnapshot {
		var e struct {
			Seq int64 `json:"seq"`
		}
		if err := jsonv2.Unmarshal(l.Board, &e); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		f.Seq = e.Seq
	}
	if len(l.Ops) > 0 {
		f.Ops = make([]protocol.Committed, len(l.Ops))
		for i, o := range l.Ops {
			f.Ops[i].Seq, f.Ops[i].Op.Key = o.Seq, o.Op.Key
		}
	}
	return f, nil
}

// scanLight reads a frame in the plain form, or answers errNotPlain.
func scanLight(data []byte) (*protocol.ServerFrame, error) {
	s := scanner{b: data}
	f := &protocol.ServerFrame{}
	boardSeq, boardObject := int64(0), false
	err := s.object(func(name []byte) error {
		var err error
		switch string(name) {
		case "t":
			f.T, err = s.str()
		case "seq":
			f.Seq, err = s.int()
		case "key":
			f.Key, err = s.str()
		case "id":
			f.ID, err = s.str()
		case "code":
			f.Code, err = s.str()
		case "message":
			f.Message, err = s.str()
		case "board":
			if s.peek() != '{' {
				return s.skip()
			}
			boardObject = true
			return s.object(func(name []byte) error {
				if string(name) == "seq" {
					boardSeq, err = s.int()
					return err
				}
				return s.skip()
			})
		case "ops":
			f.Ops = f.Ops[:0]
			return s.array(func() error {
				var o protocol.Committed
				err := s.object(func(name []byte) error {
					var err error
					switch string(name) {
					case "seq":
						o.Seq, err = s.int()
					case "op":
						return s.object(func(name []byte) error {
							if string(name) == "key" {
								o.Op.Key, err = s.str()
								return err
							}
							return s.skip()
						})
					default:
						err = s.skip()
					}
					return err
				})
				f.Ops = append(f.Ops, o)
				return err
			})
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.ws(); s.i != len(s.b) {
		return nil, errNotPlain
	}
	if f.T == protocol.TypeSnapshot {
		if !boardObject {
			return nil, errNotPlain
		}
		f.Seq = boardSeq
	}
	if len(f.Ops) == 0 {
		f.Ops = nil
	}
	return f, nil
}

// scanner walks a JSON text in the plain form: whatever it does not expect is
// errNotPlain, never a panic.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, or 0 at the end.
func (s *scanner) peek() byte {
	if s.ws(); s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return errNotPlain
	}
	s.i++
	return nil
}

// rawStr returns the bytes of a string without escapes, quotes removed.
func (s *scanner) rawStr() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\' || c < 0x20:
			return nil, errNotPlain
		}
	}
	return nil, errNotPlain
}

// str reads a string; one with escapes (a message in French, say) is unquoted by the
// JSON decoder.
func (s *scanner) str() (string, error) {
	start := s.i
	b, err := s.rawStr()
	if err == nil {
		return string(b), nil
	}
	if s.i = start; s.peek() != '"' {
		return "", errNotPlain
	}
	start = s.i
	if err := s.skipStr(); err != nil {
		return "", err
	}
	var v string
	if jsonv2.Unmarshal(s.b[start:s.i], &v) != nil {
		return "", errNotPlain
	}
	return v, nil
}

// int reads a plain integer: an optional minus and at most 18 digits, without a
// leading zero.
func (s *scanner) int() (int64, error) {
	s.ws()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	var n int64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		n = n*10 + int64(s.b[s.i]-'0')
		s.i++
	}
	digits := s.i - start
	switch {
	case digits == 0 || digits > 18 || (digits > 1 && s.b[start] == '0'):
		return 0, errNotPlain
	case s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E'):
		return 0, errNotPlain
	case neg:
		return -n, nil
	}
	return n, nil
}

// object reads an object, calling member with each name, the scanner at its value,
// which member must read.
func (s *scanner) object(member func(name []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		name, err := s.rawStr()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(name); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errNotPlain
		}
	}
}

// array reads an array, calling elem with the scanner at each element.
func (s *scanner) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return errNotPlain
		}
	}
}

// skip steps over a value without reading it: a string, an object or an array (its
// strings stepped over whole), or a literal or number (up to the next delimiter).
func (s *scanner) skip() error {
	switch s.peek() {
	case 0:
		return errNotPlain
	case '"':
		return s.skipStr()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.skipStr(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errNotPlain
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if s.i == start {
				return errNotPlain
			}
			return nil
		}
		s.i++
	}
	return errNotPlain
}

func (s *scanner) skipStr() error {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			return nil
		case '\\':
			s.i++
		}
		s.i++
	}
	return errNotPlain
}
