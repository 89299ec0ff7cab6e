package protocol

import (
	"slices"
	"strings"

	"lastmile/internal/blueprint"
)

// Vocab is what a client of the protocol must know of the domain and of the protocol
// to make ops the server takes and to read what it is told: the limits, the closed lists
// of values, the fields of each entity type, the order keys' digits, the codes of error
// and nack frames, the close codes. The browser tests compare web/static/live-core.js
// and live.js with it (testdata/vocabulary.json shows it); its JSON names are theirs.
type Vocab struct {
	Version      int                 `json:"version"`
	Limits       Limits              `json:"limits"`
	Actions      []string            `json:"actions"`
	Fields       map[string][]string `json:"fields"` // by entity type
	LaneRoles    []string            `json:"laneRoles"`
	CardKinds    []string            `json:"cardKinds"`
	LinkKinds    []string            `json:"linkKinds"`
	LinkStatuses []string            `json:"linkStatuses"`
	// A card's evidence levels and milestones, for the last-mile analysis.
	EvidenceLevels []string `json:"evidenceLevels"`
	Milestones     []string `json:"milestones"`
	// A friction marker's severities and kinds (blueprint/annotation.go).
	Severities    []string `json:"severities"`
	FrictionKinds []string `json:"frictionKinds"`
	// The actions on the facilitator's timer (blueprint/facilitation.go).
	TimerActions []string          `json:"timerActions"`
	OrderDigits  string            `json:"orderDigits"`
	Codes        map[string]string `json:"codes"`  // by name: NOT_FOUND for not_found
	Close        map[string]int    `json:"close"`  // by name: POLICY for ClosePolicy
	Reload       []int             `json:"reload"` // the close codes after which a client stops
	// The bounds of a view of the board (follow.go), for following and summoning.
	View ViewLimits `json:"view"`
}

// Limits are the domain's limits on ops and boards.
type Limits struct {
	IDLen       int `json:"idLen"`
	KeyLen      int `json:"keyLen"`
	NameLen     int `json:"nameLen"`
	TextLen     int `json:"textLen"`
	DetailLen   int `json:"detailLen"`
	Minutes     int `json:"minutes"`
	EmotionMin  int `json:"emotionMin"`
	EmotionMax  int `json:"emotionMax"`
	Stages      int `json:"stages"`
	Lanes       int `json:"lanes"`
	Cards       int `json:"cards"`
	Teams       int `json:"teams"`
	Links       int `json:"links"`
	OpsPerBatch int `json:"opsPerBatch"`
	OrderLen    int `json:"orderLen"`
	// The annotations' (blueprint/annotation.go); a comment's text is TextLen long at most.
	MarkerTextLen int `json:"markerTextLen"`
	EvidenceLen   int `json:"evidenceLen"`
	ResolutionLen int `json:"resolutionLen"`
	Mentions      int `json:"mentions"`
	Comments      int `json:"comments"`
	Markers       int `json:"markers"`
	PlusOnes      int `json:"plusOnes"`
	// The analysis fields' (blueprint/launch.go).
	Volume     int `json:"volume"`
	DailyUsers int `json:"dailyUsers"`
	ProblemLen int `json:"problemLen"`
	MinimumLen int `json:"minimumLen"`
	ReasonLen  int `json:"reasonLen"`
	// The longest a facilitator's timer lasts, in minutes (blueprint/facilitation.go).
	TimerMinutes int `json:"timerMinutes"`
}

// Vocabulary returns the vocabulary of the protocol, from the domain's definitions and
// this package's.
func Vocabulary() Vocab {
	v := Vocab{
		Version: Version,
		Limits: Limits{
			IDLen: blueprint.MaxIDLen, KeyLen: blueprint.MaxKeyLen, NameLen: blueprint.MaxNameLen,
			TextLen: blueprint.MaxTextLen, DetailLen: blueprint.MaxDetailLen, Minutes: blueprint.MaxMinutes,
			EmotionMin: blueprint.MinEmotion, EmotionMax: blueprint.MaxEmotion,
			Stages: blueprint.MaxStages, Lanes: blueprint.MaxLanes, Cards: blueprint.MaxCards,
			Teams: blueprint.MaxTeams, Links: blueprint.MaxLinks,
			OpsPerBatch: blueprint.MaxOpsPerBatch, OrderLen: blueprint.MaxOrderLen,
			MarkerTextLen: blueprint.MaxMarkerTextLen, EvidenceLen: blueprint.MaxEvidenceLen,
			ResolutionLen: blueprint.MaxResolutionLen, Mentions: blueprint.MaxMentions,
			Comments: blueprint.MaxComments, Markers: blueprint.MaxMarkers, PlusOnes: blueprint.MaxPlusOnes,
			Volume: blueprint.MaxVolume, DailyUsers: blueprint.MaxDailyUsers, ProblemLen: blueprint.MaxProblemLen,
			MinimumLen: blueprint.MaxMinimumLen, ReasonLen: blueprint.MaxReasonLen,
			TimerMinutes: blueprint.MaxTimerMinutes,
		},
		Actions:        []string{blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionDelete},
		Fields:         map[string][]string{},
		CardKinds:      slices.Clone(blueprint.CardKinds),
		LinkKinds:      slices.Clone(blueprint.LinkKinds),
		LinkStatuses:   slices.Clone(blueprint.LinkStatuses),
		EvidenceLevels: slices.Clone(blueprint.EvidenceLevels),
		Milestones:     slices.Clone(blueprint.Milestones),
		Severities:     slices.Clone(blueprint.Severities),
		FrictionKinds:  slices.Clone(blueprint.FrictionKinds),
		TimerActions:   slices.Clone(blueprint.TimerActions),
		OrderDigits:    blueprint.OrderDigits,
		Codes:          map[string]string{},
		View:           viewLimits(),
		Close: map[string]int{
			"NORMAL": CloseNormal, "POLICY": ClosePolicy, "TOO_BIG": CloseTooBig, "INTERNAL": CloseInternal,
			"RESTART": CloseRestart, "TRY_AGAIN_LATER": CloseTryAgainLater,
		},
	}
	for _, typ := range []string{blueprint.TypeBoard, blueprint.TypeStage, blueprint.TypeLane,
		blueprint.TypeCard, blueprint.TypeTeam, blueprint.TypeLink,
		blueprint.TypeComment, blueprint.TypeMarker, blueprint.TypePlusOne} {
		v.Fields[typ] = blueprint.AllowedFields(typ)
	}
	for _, r := range blueprint.LaneRoles {
		v.LaneRoles = append(v.LaneRoles, string(r))
	}
	for _, code := range Codes() {
		v.Codes[constName(code)] = code
	}
	for _, code := range v.Close {
		if Reload(code) {
			v.Reload = append(v.Reload, code)
		}
	}
	slices.Sort(v.Reload)
	return v
}

// constName returns the name of a code as a constant: NOT_FOUND for not_found.
func constName(code string) string { return strings.ToUpper(code) }
