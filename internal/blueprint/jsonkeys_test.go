package blueprint_test

import (
	"strings"
	"testing"

	"lastmile/internal/blueprint"
)

// A key given twice in one object is refused wherever JSON comes in, rather than the last
// one winning: the same key, the same key written with escapes, or in another case, which
// encoding/json matches to the same field.
func TestDecodeStrictRefusesDuplicateKeys(t *testing.T) {
	const card = `"op":"update","type":"card","id":"c1"`
	for _, tc := range []struct {
		name, ops string
		dup       string // the key named in the error; "" when the ops are read
	}{
		{"Op", `[{` + card + `,"op":"delete"}]`, "op"},
		{"Fields", `[{` + card + `,"fields":{"text":"shown","text":"saved"}}]`, "text"},
		{"Escaped", `[{` + card + `,"fields":{"text":"a","\u0074ext":"b"}}]`, "text"},
		{"OtherCase", `[{` + card + `,"ID":"c2"}]`, "ID"},
		{"KelvinSign", `[{` + card + `,"fields":{"kind":"note","\u212aind":"action"}}]`, "\u212aind"},
		{"ManyKeys", `[{` + card + `,"fields":{` + everyField + `,"text":"again"}}]`, "text"},
		{"SameKeyInTwoObjects", `[{` + card + `,"fields":{"text":"a"}},{` + card + `,"fields":{"text":"b"}}]`, ""},
		{"KeyAsValue", `[{` + card + `,"fields":{"text":"text","detail":"op"}}]`, ""},
		{"Nested", `[{` + card + `,"fields":{"text":"{\"text\":1,\"text\":2}"}}]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := blueprint.DecodeOps([]byte(tc.ops))
			if tc.dup == "" {
				if err != nil && strings.Contains(blueprint.ErrorMessage(err), "twice") {
					t.Fatalf("DecodeOps(%s): %v; want no duplicate found", tc.ops, err)
				}
				return
			}
			if blueprint.ErrorCode(err) != blueprint.EINVALID || !strings.Contains(blueprint.ErrorMessage(err), `"`+tc.dup+`" appears twice`) {
				t.Fatalf("DecodeOps(%s): %v; want invalid, naming the key %q", tc.ops, err, tc.dup)
			}
		})
	}

	// An export (the body of POST /api/boards) is read the same way.
	_, err := blueprint.DecodeExport([]byte(`{"format":"lastmile","version":1,"title":"A","title":"B"}`))
	if blueprint.ErrorCode(err) != blueprint.EINVALID || !strings.Contains(blueprint.ErrorMessage(err), "twice") {
		t.Fatalf("DecodeExport with a title twice: %v; want invalid", err)
	}
}

// everyField holds every field of an op once: more keys than an object has before they
// are indexed.
const everyField = `"title":"","name":"","order":"V","role":"","label":"","hidden":false,"stage":"","lane":"",` +
	`"text":"","team":"","kind":"","active_minutes":0,"wait_minutes":0,"detail":"","emotion":0,"color":"",` +
	`"from":"","to":"","critical":false,"status":"","owner":""`
