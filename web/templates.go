package web

import (
	"unicode/utf8"

	"lastmile/internal/blueprint"
)

// TemplateChoices are the templates someone may start a board from: the built-in ones,
// their own saved ones and those others shared. CanManage is set for someone signed in,
// who has a templates page.
type TemplateChoices struct {
	BuiltIn   []string
	Mine      []*blueprint.SavedTemplate
	Shared    []*blueprint.SavedTemplate
	CanManage bool
}

// SaveTemplateForm is what the form that saves a board as a template holds.
type SaveTemplateForm struct {
	Name, Description, Visibility string
}

// maxOptionLen bounds the characters of a template's name in a menu: a select is as wide
// as its longest option.
const maxOptionLen = 60

// optionText is a saved template's name as a menu shows it: cut to maxOptionLen
// characters and isolated, so that a right-to-left name keeps to itself.
func optionText(name string) string {
	if utf8.RuneCountInString(name) > maxOptionLen {
		name = string([]rune(name)[:maxOptionLen-1]) + "…"
	}
	return isolate(name)
}

// visibilityOf names a saved template's visibility as the forms do.
func visibilityOf(t *blueprint.SavedTemplate) string {
	if t.Shared {
		return "shared"
	}
	return "private"
}
