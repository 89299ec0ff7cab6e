#!/usr/bin/env bash
# screenshot.sh — build a sample service blueprint through the JSON API and take the
# README's screenshots of it, in English and in French, light and dark.
#
#   scripts/screenshot.sh [SERVER_URL [SET]]    (default http://localhost:8080 after)
#
# The server must already run (`make run`). The script imports two boards — the same
# journey written in English and in French: a city portal for resident parking permits
# that still ends with a paper validation at the town hall: six stages, the five blueprint
# lanes and an emotion lane, four teams, handoffs and a dependency — and writes pictures
# of 1366×768 under docs/img with a headless Chromium (from scripts/chromium.sh), driven
# by scripts/screenshots once the page's scripts have drawn the links:
# SET-board-{en,fr}-{light,dark}.png and, for the set "after", the large mode for
# projectors, the home page and the sign-in page. The set "before" is taken from a server
# built from an older checkout (its pages, this script's boards and pictures), for the
# README's before/after comparison. The set "editor" is the editor at work instead:
# editor-{details,title}-{en,fr}-{light,dark}.png, a card's detail and times being edited
# and the board's title being renamed in place. PNGs are made smaller with pngquant when
# it is installed. The set "analysis" gives the boards the facts the last-mile analysis
# reads (framing, launch, volumes, evidence, milestones, times, critical links, friction
# markers), as an account the script makes so that they are its boards, and takes
# analysis-{en,fr}-{light,dark}.png (the Analysis page), analysis-funnel-{en,fr}-light.png
# (further down) and portfolio-{en,fr}-light.png. The set "analysis-overlay" gives the
# boards the same facts and a link acknowledged by one side, and takes the board with its
# analysis overlay shown (analysis-overlay-board-{en,fr}-light.png, -en-dark), a card's ▾
# menu with its evidence, milestone and manual step (analysis-overlay-menu-{en,fr}.png)
# and a link's dialog with its holder, risk and acknowledgements
# (analysis-overlay-link-{en,fr}.png). The set "annotations" has the account look at the
# boards, then a guest of a commenter link (Bea) comment, mention the account, reply, +1
# and mark friction, and the account change a card; it takes the side panel of comments
# and markers (annotations-panel-{en,fr}.png), the composer completing a mention
# (annotations-composer-{en,fr}.png), "since you last looked" (annotations-since-{en,fr}.png)
# and the header's notifications (annotations-notifications-{en,fr}.png).
# The script prints the URLs of the two boards.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
base=${1:-http://localhost:8080}
base=${base%/}
set=${2:-after}
[[ $set =~ ^[a-z0-9-]+$ ]] || die "SET must be a word such as 'before' or 'after', got '$set'"

command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v go >/dev/null 2>&1 || die "go is needed"
curl -fsS -o /dev/null "$base/livez" || die "no lastmile answers at $base; start one with 'make run'"
chromium=$("$root/scripts/chromium.sh")

# For the set "analysis", the boards belong to an account: curl keeps its session.
auth=()
account=screenshots@example.org
export LASTMILE_SCREENSHOT_PASSWORD=${LASTMILE_SCREENSHOT_PASSWORD:-screenshots-$RANDOM-$RANDOM}
if [[ $set == analysis || $set == analysis-overlay || $set == annotations ]]; then
	jar=$(mktemp)
	trap 'rm -f "$jar"' EXIT
	account=screenshots-$(date +%s)@example.org
	code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "email=$account" \
		--data-urlencode "password=$LASTMILE_SCREENSHOT_PASSWORD" "$base/signup") || die "POST $base/signup failed"
	[[ $code == 303 ]] || die "signing up $account answered $code"
	auth=(-c "$jar" -b "$jar")
fi

# create_board posts the lastmile JSON read from stdin to POST /api/boards and prints
# the new board's id.
create_board() {
	local answer id
	answer=$(curl -sS "${auth[@]}" -X POST -H 'Content-Type: application/json' --data-binary @- \
		-w '\n%{http_code}' "$base/api/boards") || die "POST $base/api/boards failed"
	[[ ${answer##*$'\n'} == 201 ]] || die "POST $base/api/boards answered: ${answer//$'\n'/ }"
	id=$(sed -n 's/.*"id":"\([a-z2-7]*\)".*/\1/p' <<<"$answer")
	[[ -n $id ]] || die "no board id in the answer: $answer"
	echo "$id"
}

en=$(create_board <<'JSON'
{
  "format": "lastmile", "version": 1, "template": "service-blueprint",
  "title": "Resident parking permit — city portal",
  "seq": 0,
  "teams": [
    {"id": "t-digital", "name": "Digital services", "color": "#2563eb"},
    {"id": "t-desk", "name": "Town hall front desk", "color": "#d97706"},
    {"id": "t-permits", "name": "Permits office", "color": "#059669"},
    {"id": "t-it", "name": "IT and identity", "color": "#7c3aed"}
  ],
  "stages": [
    {"id": "s-find", "name": "Find out", "order": "A"},
    {"id": "s-account", "name": "Create an account", "order": "C"},
    {"id": "s-form", "name": "Fill in the application", "order": "E"},
    {"id": "s-upload", "name": "Send the documents", "order": "G"},
    {"id": "s-paper", "name": "Validate on paper", "order": "I"},
    {"id": "s-permit", "name": "Get the permit", "order": "K"}
  ],
  "lanes": [
    {"id": "l-evidence", "role": "physical_evidence", "label": "Physical evidence", "order": "A"},
    {"id": "l-resident", "role": "customer_actions", "label": "Resident", "order": "F"},
    {"id": "l-emotion", "role": "emotion", "label": "How the resident feels", "order": "H"},
    {"id": "l-front", "role": "frontstage", "label": "Frontstage", "order": "K"},
    {"id": "l-back", "role": "backstage", "label": "Backstage", "order": "P"},
    {"id": "l-support", "role": "support", "label": "Support processes", "order": "U"}
  ],
  "cards": [
    {"id": "e1", "stage": "s-find", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Annoyed by the fine", "emotion": -1},
    {"id": "e2", "stage": "s-account", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Reassured: it is quick", "emotion": 1},
    {"id": "e3", "stage": "s-form", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Worried about losing the form", "emotion": -1},
    {"id": "e4", "stage": "s-upload", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Neutral", "emotion": 0},
    {"id": "e5", "stage": "s-paper", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Angry: why online then?", "emotion": -2},
    {"id": "e6", "stage": "s-permit", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Relieved", "emotion": 2},
    {"id": "c01", "stage": "s-find", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "\"Parking permits\" page on the city website"},
    {"id": "c02", "stage": "s-find", "lane": "l-resident", "order": "V", "kind": "action", "text": "Searches \"resident parking permit\" after a first fine", "emotion": -1},
    {"id": "c03", "stage": "s-find", "lane": "l-front", "order": "V", "kind": "touchpoint", "team": "t-digital", "text": "Chatbot answers eligibility questions"},
    {"id": "c04", "stage": "s-account", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Activation e-mail"},
    {"id": "c05", "stage": "s-account", "lane": "l-resident", "order": "V", "kind": "action", "text": "Signs in with the national digital ID", "active_minutes": 5},
    {"id": "c06", "stage": "s-account", "lane": "l-back", "order": "V", "kind": "process", "team": "t-it", "text": "Account matched with the residents register"},
    {"id": "c07", "stage": "s-account", "lane": "l-support", "order": "V", "kind": "system", "team": "t-it", "text": "National identity provider"},
    {"id": "c08", "stage": "s-form", "lane": "l-resident", "order": "V", "kind": "action", "text": "Enters the vehicle plate and address", "active_minutes": 10},
    {"id": "c09", "stage": "s-form", "lane": "l-front", "order": "V", "kind": "touchpoint", "team": "t-digital", "text": "Form pre-filled from the register"},
    {"id": "c10", "stage": "s-form", "lane": "l-front", "order": "k", "kind": "pain_point", "team": "t-digital", "text": "Session expires after 15 minutes: the form is lost"},
    {"id": "c11", "stage": "s-upload", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Upload page listing the documents"},
    {"id": "c12", "stage": "s-upload", "lane": "l-resident", "order": "V", "kind": "action", "text": "Uploads the vehicle registration and a proof of address", "active_minutes": 15},
    {"id": "c13", "stage": "s-upload", "lane": "l-back", "order": "V", "kind": "process", "team": "t-permits", "text": "Agent checks the documents", "wait_minutes": 4320},
    {"id": "c14", "stage": "s-paper", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Letter: come to the town hall with the originals"},
    {"id": "c15", "stage": "s-paper", "lane": "l-resident", "order": "V", "kind": "pain_point", "text": "Takes half a day off to queue at the town hall", "emotion": -2, "wait_minutes": 10080},
    {"id": "c16", "stage": "s-paper", "lane": "l-front", "order": "V", "kind": "action", "team": "t-desk", "text": "Front desk stamps the paper form"},
    {"id": "c17", "stage": "s-paper", "lane": "l-back", "order": "V", "kind": "pain_point", "team": "t-permits", "text": "Agent types the stamped form into the permits system"},
    {"id": "c18", "stage": "s-permit", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Windscreen sticker sent by post"},
    {"id": "c19", "stage": "s-permit", "lane": "l-resident", "order": "V", "kind": "action", "text": "Parks near home without a fine", "emotion": 1},
    {"id": "c20", "stage": "s-permit", "lane": "l-support", "order": "V", "kind": "system", "team": "t-it", "text": "Plate sent to the enforcement scan cars"},
    {"id": "c21", "stage": "s-paper", "lane": "l-support", "order": "V", "kind": "opportunity", "team": "t-it", "text": "Accept the digital ID instead of the stamp"}
  ],
  "links": [
    {"id": "k1", "kind": "handoff", "from": "c12", "to": "c13", "status": "agreed", "owner": "t-permits"},
    {"id": "k2", "kind": "handoff", "from": "c13", "to": "c14", "status": "open", "critical": true},
    {"id": "k3", "kind": "handoff", "from": "c16", "to": "c17", "status": "open", "critical": true, "owner": "t-desk"},
    {"id": "k4", "kind": "dependency", "from": "c09", "to": "c06", "status": "resolved", "owner": "t-it"}
  ]
}
JSON
)

fr=$(create_board <<'JSON'
{
  "format": "lastmile", "version": 1, "template": "service-blueprint",
  "title": "Carte de stationnement résident — portail de la ville",
  "seq": 0,
  "teams": [
    {"id": "t-digital", "name": "Services numériques", "color": "#2563eb"},
    {"id": "t-desk", "name": "Accueil de la mairie", "color": "#d97706"},
    {"id": "t-permits", "name": "Service des autorisations", "color": "#059669"},
    {"id": "t-it", "name": "DSI et identité", "color": "#7c3aed"}
  ],
  "stages": [
    {"id": "s-find", "name": "S’informer", "order": "A"},
    {"id": "s-account", "name": "Créer un compte", "order": "C"},
    {"id": "s-form", "name": "Remplir la demande", "order": "E"},
    {"id": "s-upload", "name": "Envoyer les pièces", "order": "G"},
    {"id": "s-paper", "name": "Valider sur papier", "order": "I"},
    {"id": "s-permit", "name": "Recevoir la carte", "order": "K"}
  ],
  "lanes": [
    {"id": "l-evidence", "role": "physical_evidence", "label": "Preuves physiques", "order": "A"},
    {"id": "l-resident", "role": "customer_actions", "label": "Usager", "order": "F"},
    {"id": "l-emotion", "role": "emotion", "label": "Ressenti de l’usager", "order": "H"},
    {"id": "l-front", "role": "frontstage", "label": "Front-office", "order": "K"},
    {"id": "l-back", "role": "backstage", "label": "Back-office", "order": "P"},
    {"id": "l-support", "role": "support", "label": "Processus de support", "order": "U"}
  ],
  "cards": [
    {"id": "e1", "stage": "s-find", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Agacé par l’amende", "emotion": -1},
    {"id": "e2", "stage": "s-account", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Rassuré : c’est rapide", "emotion": 1},
    {"id": "e3", "stage": "s-form", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Inquiet de perdre le formulaire", "emotion": -1},
    {"id": "e4", "stage": "s-upload", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Neutre", "emotion": 0},
    {"id": "e5", "stage": "s-paper", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "En colère : pourquoi en ligne alors ?", "emotion": -2},
    {"id": "e6", "stage": "s-permit", "lane": "l-emotion", "order": "V", "kind": "emotion", "text": "Soulagé", "emotion": 2},
    {"id": "c01", "stage": "s-find", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Page « Stationnement résident » du site de la ville"},
    {"id": "c02", "stage": "s-find", "lane": "l-resident", "order": "V", "kind": "action", "text": "Cherche « carte résident » après une première amende", "emotion": -1},
    {"id": "c03", "stage": "s-find", "lane": "l-front", "order": "V", "kind": "touchpoint", "team": "t-digital", "text": "Le chatbot répond aux questions d’éligibilité"},
    {"id": "c04", "stage": "s-account", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "E-mail d’activation"},
    {"id": "c05", "stage": "s-account", "lane": "l-resident", "order": "V", "kind": "action", "text": "Se connecte avec l’identité numérique nationale", "active_minutes": 5},
    {"id": "c06", "stage": "s-account", "lane": "l-back", "order": "V", "kind": "process", "team": "t-it", "text": "Compte rapproché du registre des résidents"},
    {"id": "c07", "stage": "s-account", "lane": "l-support", "order": "V", "kind": "system", "team": "t-it", "text": "Fournisseur d’identité national"},
    {"id": "c08", "stage": "s-form", "lane": "l-resident", "order": "V", "kind": "action", "text": "Saisit la plaque du véhicule et l’adresse", "active_minutes": 10},
    {"id": "c09", "stage": "s-form", "lane": "l-front", "order": "V", "kind": "touchpoint", "team": "t-digital", "text": "Formulaire pré-rempli depuis le registre"},
    {"id": "c10", "stage": "s-form", "lane": "l-front", "order": "k", "kind": "pain_point", "team": "t-digital", "text": "Session expirée après 15 minutes : le formulaire est perdu"},
    {"id": "c11", "stage": "s-upload", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Page de dépôt listant les pièces"},
    {"id": "c12", "stage": "s-upload", "lane": "l-resident", "order": "V", "kind": "action", "text": "Dépose la carte grise et un justificatif de domicile", "active_minutes": 15},
    {"id": "c13", "stage": "s-upload", "lane": "l-back", "order": "V", "kind": "process", "team": "t-permits", "text": "Un agent vérifie les pièces", "wait_minutes": 4320},
    {"id": "c14", "stage": "s-paper", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Courrier : venir en mairie avec les originaux"},
    {"id": "c15", "stage": "s-paper", "lane": "l-resident", "order": "V", "kind": "pain_point", "text": "Pose une demi-journée pour faire la queue en mairie", "emotion": -2, "wait_minutes": 10080},
    {"id": "c16", "stage": "s-paper", "lane": "l-front", "order": "V", "kind": "action", "team": "t-desk", "text": "L’accueil tamponne le formulaire papier"},
    {"id": "c17", "stage": "s-paper", "lane": "l-back", "order": "V", "kind": "pain_point", "team": "t-permits", "text": "Un agent ressaisit le formulaire tamponné"},
    {"id": "c18", "stage": "s-permit", "lane": "l-evidence", "order": "V", "kind": "touchpoint", "text": "Vignette envoyée par la poste"},
    {"id": "c19", "stage": "s-permit", "lane": "l-resident", "order": "V", "kind": "action", "text": "Se gare près de chez lui sans amende", "emotion": 1},
    {"id": "c20", "stage": "s-permit", "lane": "l-support", "order": "V", "kind": "system", "team": "t-it", "text": "Plaque transmise aux voitures de contrôle"},
    {"id": "c21", "stage": "s-paper", "lane": "l-support", "order": "V", "kind": "opportunity", "team": "t-it", "text": "Accepter l’identité numérique au lieu du tampon"}
  ],
  "links": [
    {"id": "k1", "kind": "handoff", "from": "c12", "to": "c13", "status": "agreed", "owner": "t-permits"},
    {"id": "k2", "kind": "handoff", "from": "c13", "to": "c14", "status": "open", "critical": true},
    {"id": "k3", "kind": "handoff", "from": "c16", "to": "c17", "status": "open", "critical": true, "owner": "t-desk"},
    {"id": "k4", "kind": "dependency", "from": "c09", "to": "c06", "status": "resolved", "owner": "t-it"}
  ]
}
JSON
)

# post_json posts the JSON read from stdin to PATH and fails unless the status is 200 or 201.
post_json() {
	local answer
	answer=$(curl -sS "${auth[@]}" -X POST -H 'Content-Type: application/json' --data-binary @- \
		-w '\n%{http_code}' "$base$1") || die "POST $base$1 failed"
	[[ ${answer##*$'\n'} == 20[01] ]] || die "POST $base$1 answered: ${answer//$'\n'/ }"
}

# analysis_facts BOARD PROBLEM USERS MINIMUM sets the facts of the analysis on a sample
# board: the framing (in the board's language) and the launch, the funnel's volumes, the
# milestones, evidence, a manual step and time ranges on cards, critical links and who
# holds them, and friction markers.
analysis_facts() {
	local launch deadline
	launch=$(date -d '+12 days' +%F)
	deadline=$(date -d '+40 days' +%F)
	post_json "/api/boards/$1/ops" <<JSON
[
  {"op": "update", "type": "board", "id": "$1", "fields": {"launch_candidate": true, "launch_date": "$launch",
    "problem": "$2", "daily_users": $3, "minimum_useful": "$4", "deadline": "$deadline"}},
  {"op": "update", "type": "stage", "id": "s-find", "fields": {"entered": 12400, "completed": 9100}},
  {"op": "update", "type": "stage", "id": "s-account", "fields": {"entered": 8700, "completed": 8100}},
  {"op": "update", "type": "stage", "id": "s-form", "fields": {"entered": 7900, "completed": 5200}},
  {"op": "update", "type": "stage", "id": "s-upload", "fields": {"entered": 5100, "completed": 4800}},
  {"op": "update", "type": "stage", "id": "s-paper", "fields": {"entered": 4600, "completed": 2100}},
  {"op": "update", "type": "stage", "id": "s-permit", "fields": {"entered": 2050, "completed": 2000}},
  {"op": "update", "type": "card", "id": "c02", "fields": {"milestone": "first_contact", "evidence": "observed"}},
  {"op": "update", "type": "card", "id": "c19", "fields": {"milestone": "value_moment", "evidence": "observed"}},
  {"op": "update", "type": "card", "id": "c16", "fields": {"manual": true, "evidence": "observed"}},
  {"op": "update", "type": "card", "id": "c13", "fields": {"wait_minutes_max": 10080, "evidence": "observed"}},
  {"op": "update", "type": "card", "id": "c15", "fields": {"wait_minutes_max": 20160, "evidence": "assumed"}},
  {"op": "update", "type": "card", "id": "c10", "fields": {"evidence": "to_verify"}},
  {"op": "update", "type": "card", "id": "c09", "fields": {"active_minutes": 3, "active_minutes_max": 8, "evidence": "assumed"}},
  {"op": "update", "type": "link", "id": "k2", "fields": {"holder": "Claire M."}},
  {"op": "update", "type": "link", "id": "k4", "fields": {"critical": true}}
]
JSON
	post_json "/api/boards/$1/markers" <<<'{"anchor": {"card": "c15"}, "severity": "blocking", "kind": "waiting", "text": "Half a day off work"}'
	post_json "/api/boards/$1/markers" <<<'{"anchor": {"card": "c10"}, "severity": "high", "kind": "rework", "text": "Form lost"}'
	post_json "/api/boards/$1/markers" <<<'{"anchor": {"card": "c17"}, "severity": "medium", "kind": "manual", "text": "Typed twice"}'
	post_json "/api/boards/$1/markers" <<<'{"anchor": {"card": "c13"}, "severity": "low", "kind": "waiting", "text": "Three days"}'
}

if [[ $set == analysis ]]; then
	analysis_facts "$en" "Residents give up their permit application before it is done" '["Desk clerk", "Permits officer"]' \
		"The permit granted online, with no visit to the town hall"
	analysis_facts "$fr" "Les résidents abandonnent leur demande de carte avant la fin" '["Agent d’accueil", "Instructeur des cartes"]' \
		"La carte accordée en ligne, sans passage en mairie"
	shots=()
	for theme in light dark; do
		opt=signin:$account
		[[ $theme == dark ]] && opt=$opt,dark
		shots+=(
			"analysis-en-$theme=/boards/$en/analysis?lang=en,$opt"
			"analysis-fr-$theme=/boards/$fr/analysis?lang=fr,$opt"
		)
	done
	shots+=(
		"analysis-funnel-en-light=/boards/$en/analysis?lang=en#funnel,signin:$account"
		"analysis-funnel-fr-light=/boards/$fr/analysis?lang=fr#funnel,signin:$account"
		"portfolio-en-light=/portfolio?lang=en,signin:$account"
		"portfolio-fr-light=/portfolio?lang=fr,signin:$account"
	)
elif [[ $set == analysis-overlay ]]; then
	analysis_facts "$en" "Residents give up their permit application before it is done" '["Desk clerk", "Permits officer"]' \
		"The permit granted online, with no visit to the town hall"
	analysis_facts "$fr" "Les résidents abandonnent leur demande de carte avant la fin" '["Agent d’accueil", "Instructeur des cartes"]' \
		"La carte accordée en ligne, sans passage en mairie"
	for b in "$en" "$fr"; do
		post_json "/api/boards/$b/ops" <<<'[{"op": "update", "type": "link", "id": "k1", "fields": {"ack_from": {"by": "Léa M.", "on": "2026-11-30"}}}]'
	done
	shots=(
		"analysis-overlay-board-en-light=/boards/$en?lang=en,board,overlay,signin:$account"
		"analysis-overlay-board-fr-light=/boards/$fr?lang=fr,board,overlay,signin:$account"
		"analysis-overlay-board-en-dark=/boards/$en?lang=en,board,overlay,dark,signin:$account"
		"analysis-overlay-menu-en=/boards/$en?lang=en,board,menu:c16,signin:$account"
		"analysis-overlay-menu-fr=/boards/$fr?lang=fr,board,menu:c16,signin:$account"
		"analysis-overlay-link-en=/boards/$en?lang=en,board,link:k1,signin:$account"
		"analysis-overlay-link-fr=/boards/$fr?lang=fr,board,link:k1,signin:$account"
	)
elif [[ $set == annotations ]]; then
	analysis_facts "$en" "Residents give up their permit application before it is done" '["Desk clerk", "Permits officer"]' \
		"The permit granted online, with no visit to the town hall"
	analysis_facts "$fr" "Les résidents abandonnent leur demande de carte avant la fin" '["Agent d’accueil", "Instructeur des cartes"]' \
		"La carte accordée en ligne, sans passage en mairie"
	guest=$(mktemp)
	trap 'rm -f "$jar" "$guest"' EXIT
	for b in "$en" "$fr"; do
		# The account's last look, then a guest's work on the board.
		curl -fsS "${auth[@]}" -o /dev/null "$base/boards/$b" || die "GET /boards/$b failed"
		page=$(curl -fsS "${auth[@]}" -L --data-urlencode role=commenter --data-urlencode label=Workshop "$base/boards/$b/share") ||
			die "making a commenter link failed"
		link=$(grep -o '/s/[A-Za-z0-9_-]*' <<<"$page" | head -n 1)
		[[ -n $link ]] || die "no share link in the answer"
		curl -fsS -o /dev/null -c "$guest" -b "$guest" --data-urlencode name=Bea "$base$link" || die "joining $link failed"
		me=$(curl -fsS "${auth[@]}" "$base/boards/$b" | grep -o 'id="board-viewer"[^<]*' | grep -o '"by":"u:[^"]*"' | cut -d'"' -f4) ||
			die "the account's identity is not on the board's page"
		if [[ $b == "$en" ]]; then
			q1="Who signs the paper form at the town hall? @${account%@*} can you check?"
			r1="Only the permits officer, on Tuesdays and Thursdays."
			q2="Residents ask twice for the same document."
			mk="Residents print the form, sign it and scan it again"
			ev="https://example.org/field-notes/permit-desk"
		else
			q1="Qui signe le formulaire papier en mairie ? @${account%@*} peux-tu vérifier ?"
			r1="Seulement l’instructeur des cartes, le mardi et le jeudi."
			q2="Les usagers demandent deux fois le même justificatif."
			mk="Les usagers impriment le formulaire, le signent et le scannent à nouveau"
			ev="https://example.org/notes-de-terrain/guichet"
		fi
		g=(-c "$guest" -b "$guest")
		curl -fsS -o /dev/null "${g[@]}" -H 'Content-Type: application/json' \
			-d "{\"id\": \"m-q1\", \"anchor\": {\"card\": \"c16\"}, \"text\": \"$q1\", \"mentions\": [\"$me\"]}" "$base/api/boards/$b/comments" || die "commenting failed"
		curl -fsS -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' \
			-d "{\"parent\": \"m-q1\", \"text\": \"$r1\"}" "$base/api/boards/$b/comments" || die "replying failed"
		curl -fsS -o /dev/null "${g[@]}" -H 'Content-Type: application/json' \
			-d "{\"id\": \"m-q2\", \"anchor\": {\"stage\": \"s-upload\"}, \"text\": \"$q2\"}" "$base/api/boards/$b/comments" || die "commenting failed"
		curl -fsS -o /dev/null "${g[@]}" -H 'Content-Type: application/json' \
			-d "{\"anchor\": {\"card\": \"c17\"}, \"severity\": \"high\", \"kind\": \"manual\", \"text\": \"$mk\", \"evidence\": \"$ev\"}" "$base/api/boards/$b/markers" || die "marking failed"
		for m in $(curl -fsS "${auth[@]}" "$base/api/boards/$b/markers" | grep -o '"id":"[^"]*","anchor":{"card":"c1[05]"' | cut -d'"' -f4); do
			curl -fsS -o /dev/null "${g[@]}" -X POST "$base/api/boards/$b/markers/$m/plusone" || die "+1 failed"
		done
		post_json "/api/boards/$b/ops" <<<'[{"op": "update", "type": "card", "id": "c13", "fields": {"wait_minutes": 4320}}]'
	done
	shots=(
		"annotations-panel-en=/boards/$en?lang=en,board,panel,signin:$account"
		"annotations-panel-fr=/boards/$fr?lang=fr,board,panel,signin:$account"
		"annotations-composer-en=/boards/$en?lang=en,board,compose:c10,keys:The desk asks for it again %40B,signin:$account"
		"annotations-composer-fr=/boards/$fr?lang=fr,board,compose:c10,keys:Le guichet le redemande %40B,signin:$account"
		"annotations-since-en=/boards/$en?lang=en,board,since,signin:$account"
		"annotations-since-fr=/boards/$fr?lang=fr,board,since,signin:$account"
		"annotations-notifications-en=/boards/$en?lang=en,board,notifications,signin:$account"
		"annotations-notifications-fr=/boards/$fr?lang=fr,board,notifications,signin:$account"
	)
elif [[ $set == editor ]]; then
	# The editor: a card's detail and times being edited (a detail typed, then an active
	# time, read back under its field), and the board's title being renamed in place.
	detail_en="keys:Most residents come at lunchtime: the desk is open 9:00 to 12:00 only.%093h30"
	detail_fr="keys:Les usagers viennent surtout à midi : l’accueil n’ouvre que de 9 h à 12 h.%093 h 30"
	shots=()
	for theme in light dark; do
		opt=board
		[[ $theme == dark ]] && opt=board,dark
		shots+=(
			"editor-details-en-$theme=/boards/$en?lang=en,$opt,details:c15,$detail_en"
			"editor-details-fr-$theme=/boards/$fr?lang=fr,$opt,details:c15,$detail_fr"
			"editor-title-en-$theme=/boards/$en?lang=en,$opt,title"
			"editor-title-fr-$theme=/boards/$fr?lang=fr,$opt,title"
		)
	done
else
	shots=(
		"$set-board-en-light=/boards/$en?lang=en,board"
		"$set-board-fr-light=/boards/$fr?lang=fr,board"
		"$set-board-en-dark=/boards/$en?lang=en,board,dark"
		"$set-board-fr-dark=/boards/$fr?lang=fr,board,dark"
	)
fi
if [[ $set == after ]]; then
	shots+=(
		"$set-board-en-large=/boards/$en?lang=en,board,large"
		"$set-board-fr-large-dark=/boards/$fr?lang=fr,board,large,dark"
		"$set-home-fr-light=/?lang=fr"
		"$set-signin-en-dark=/signin?lang=en,dark"
	)
fi
(cd "$root" && go run ./scripts/screenshots -chromium "$chromium" -base "$base" -out docs/img "${shots[@]}") ||
	die "the screenshots could not be taken"
for s in "${shots[@]}"; do
	out=$root/docs/img/${s%%=*}.png
	if command -v pngquant >/dev/null 2>&1; then
		pngquant --force --skip-if-larger --strip --quality 70-95 --speed 1 --output "$out" -- "$out" ||
			log "pngquant left $out as it was"
	fi
	log "wrote ${out#"$root"/} ($(($(stat -c %s "$out") / 1024)) KiB)"
done
echo "$base/boards/$en"
echo "$base/boards/$fr"
