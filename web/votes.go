package web

func init() {
	// The board's help lists voting's keys, and where the facilitator's controls are.
	editorShortcuts = append(editorShortcuts, "vote", "workshop")
}
