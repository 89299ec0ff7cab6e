# lastmile — type `make` for the list of targets.
#
# Targets that need a database get its URL from scripts/db.sh when the recipe runs: the
# DATABASE_URL you exported, or else a project-local Postgres started on demand (see
# docs/operations.md). Browser tests get Chromium from scripts/chromium.sh.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Address the server listens on for `make run`.
export LASTMILE_ADDR ?= :8080
# Extra flags for `make bench`, e.g. BENCH_FLAGS="-editors 20 -viewers 300 -rate 2".
BENCH_FLAGS ?=
# How long `make fuzz` runs each fuzz target, e.g. FUZZTIME=10m; extra flags for it, e.g.
# FUZZ_FLAGS="-parallel 1" on a busy machine.
FUZZTIME ?= 1m
FUZZ_FLAGS ?=
# The fuzz targets `make fuzz` runs, as package:name. `make test` runs their seed inputs.
FUZZ_TARGETS := \
	./internal/blueprint:FuzzDecodeOps \
	./internal/blueprint:FuzzDecodeExport \
	./internal/blueprint:FuzzDecodeCSV \
	./internal/blueprint:FuzzKeyBetween \
	./internal/protocol:FuzzDecodeFrame \
	./internal/wsclient:FuzzDecodeLight \
	./internal/server:FuzzPrintOptions

# Hides the password in a database URL before it is printed.
hide_password = sed 's\#//\([^:/@]*\):[^@]*@\#//\1:***@\#'

# What the generated templ code looks like now: git's view plus a checksum of every file,
# so that staleness is caught even outside a git checkout or in an already modified file.
templ_state = { git status --porcelain -- '*_templ.go' 2>/dev/null || true; \
	find . \( -path ./.data -o -path ./.git -o -path ./bin \) -prune -o -type f -name '*_templ.go' -print \
	| LC_ALL=C sort | xargs -r sha256sum; }

.PHONY: help
help: ## Show this list of targets
	@echo 'Usage: make <target>'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: generate
generate: ## Regenerate the templ components (web/**/*_templ.go)
	go tool templ generate

.PHONY: lint
lint: ## Vet, check gofmt, run staticcheck, and fail if generated code is stale
	go vet ./...
	@unformatted=$$(find . \( -path ./.data -o -path ./.git -o -path ./bin \) -prune -o -type f -name '*.go' -print | xargs -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
		echo 'gofmt: these files are not formatted (run: gofmt -w FILE):'; \
		echo "$$unformatted" | sed 's/^/  /'; \
		exit 1; \
	fi
	go tool staticcheck ./...
	@before=$$($(templ_state)); \
	go tool templ generate; \
	after=$$($(templ_state)); \
	if [ "$$before" != "$$after" ]; then \
		echo 'generated templ code was stale: `go tool templ generate` changed it.'; \
		echo 'Review and commit the regenerated *_templ.go files:'; \
		git status --porcelain -- '*_templ.go' 2>/dev/null | sed 's/^/  /' || true; \
		exit 1; \
	fi

.PHONY: build
build: ## Build a static binary at bin/lastmile
	CGO_ENABLED=0 go build -o bin/lastmile ./cmd/lastmile

.PHONY: run
run: ## Serve on LASTMILE_ADDR (default :8080), starting the local Postgres and finding Chromium if needed
	@url=$$(scripts/db.sh); \
	addr=$$LASTMILE_ADDR; host=$${addr%:*}; \
	case $$host in ''|0.0.0.0|'[::]') host=localhost ;; esac; \
	chromium=$$(scripts/chromium.sh) || { echo 'lastmile: no Chromium, so no PDF and PNG exports'; chromium=; }; \
	echo "lastmile: serving on http://$$host:$${addr##*:} (database: $$(echo "$$url" | $(hide_password)), exports: $${chromium:-off})"; \
	DATABASE_URL=$$url LASTMILE_CHROMIUM=$$chromium exec go run ./cmd/lastmile serve

.PHONY: test
test: lint ## Lint, then run all tests with the race detector (brings up Postgres and Chromium)
	@url=$${LASTMILE_TEST_DATABASE_URL:-$$(scripts/db.sh)}; \
	chromium=$$(scripts/chromium.sh); \
	scripts/cc.sh; \
	echo "go test: database $$(echo "$$url" | $(hide_password)), browser $$chromium"; \
	LASTMILE_TEST_DATABASE_URL=$$url LASTMILE_CHROMIUM=$$chromium CGO_ENABLED=1 \
		go test -race -count=1 -timeout 14m ./...

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 1m), one after another
	@for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target##*:}; \
		echo "fuzz: $$name ($$pkg) for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZ_FLAGS) $$pkg; \
	done

.PHONY: bench
bench: ## Run the load benchmark (flags via BENCH_FLAGS="...")
	@url=$$(scripts/db.sh); \
	DATABASE_URL=$$url go run ./cmd/lastmile bench $(BENCH_FLAGS)

.PHONY: bench-board
bench-board: ## Measure a 300-card board in Chromium: render, load, moves, frames
	@url=$${LASTMILE_TEST_DATABASE_URL:-$$(scripts/db.sh)}; \
	LASTMILE_TEST_DATABASE_URL=$$url LASTMILE_CHROMIUM=$$(scripts/chromium.sh) \
		go test -count=1 -run '^$$' -bench Open300 -benchtime 5x ./internal/e2e/

.PHONY: bench-export
bench-export: ## Measure the PDF and PNG exports of a 300-card board through the server's Chromium
	@url=$${LASTMILE_TEST_DATABASE_URL:-$$(scripts/db.sh)}; \
	LASTMILE_TEST_DATABASE_URL=$$url LASTMILE_CHROMIUM=$$(scripts/chromium.sh) \
		go test -count=1 -run '^$$' -bench ExportPDF300 -benchtime 10x ./internal/e2e/

.PHONY: scale-check
scale-check: ## Two instances behind nginx (installed if missing): bench through it, kill one, check no acked edit is lost
	@scripts/scale-check.sh

.PHONY: db
db: ## Start the local Postgres and print its DATABASE_URL
	@scripts/db.sh

.PHONY: psql
psql: ## Open psql on the database (the local one unless DATABASE_URL is set)
	@url=$$(scripts/db.sh); psql "$$url"

.PHONY: db-stop
db-stop: ## Stop the local Postgres
	@scripts/db.sh stop

.PHONY: clean
clean: ## Remove build output (bin/); the database is kept
	rm -rf bin/ coverage.out coverage.html

.PHONY: clean-data
clean-data: ## Stop the local Postgres and delete its data
	@scripts/db.sh destroy
	rm -rf .data/
