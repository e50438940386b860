# Developer and CI commands. `make help` lists them; `make test` is the one
# command CI runs (through .ci/run).
#
# Tool versions are pinned here. Go tools are built from the Go module proxy
# into .bin/ (gitignored); Node tools run through `npx --yes pkg@version`,
# with no package.json.

GOLANGCI_LINT_VERSION      := v2.15.0
REDOCLY_CLI_VERSION        := 2.77.0
OPENAPI_TYPESCRIPT_VERSION := 7.13.0
TYPESCRIPT_VERSION         := 5.9.3

# How long `make fuzz` runs each fuzz target, and how long `make test` does.
FUZZTIME      ?= 10s
TEST_FUZZTIME ?= 5s
# A hung test fails its package after this, well inside CI's time budget.
GOTEST_TIMEOUT ?= 5m

SHELL       := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO    ?= go
BIN   := $(CURDIR)/.bin
GOLANGCI_LINT := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

# npm prints config warnings from the machine's npmrc on every call; only
# errors matter here. Redocly is told not to phone home or nag.
NPX := npm_config_loglevel=error npm_config_update_notifier=false npm_config_fund=false \
	npm_config_audit=false REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	npx --yes
REDOCLY := $(NPX) @redocly/cli@$(REDOCLY_CLI_VERSION)
TSPKGS  := -p openapi-typescript@$(OPENAPI_TYPESCRIPT_VERSION) -p typescript@$(TYPESCRIPT_VERSION)

.PHONY: help generate check-generate tidy-check fmt-check vet lint lint-go lint-spec \
	typescript test go-test fuzz fuzz-short docs bench demo tools clean

help: ## Show the developer commands.
	@echo 'Usage: make <target>'
	@echo
	@grep -hE '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-15s %s\n", $$1, $$2}'
	@echo
	@echo 'Pinned tools: golangci-lint $(GOLANGCI_LINT_VERSION), @redocly/cli $(REDOCLY_CLI_VERSION),'
	@echo '  openapi-typescript $(OPENAPI_TYPESCRIPT_VERSION), typescript $(TYPESCRIPT_VERSION).'
	@echo 'After editing openapi.yaml: make generate, git add the result, then make test'
	@echo '  (check-generate compares gen/ and openapi.json with the git index).'
	@echo 'Variables: FUZZTIME (make fuzz, default $(FUZZTIME)), TEST_FUZZTIME (make test, default $(TEST_FUZZTIME)),'
	@echo '  GOTEST_TIMEOUT (go test -timeout, default $(GOTEST_TIMEOUT)).'

## --- Code generation --------------------------------------------------------

generate: ## Regenerate gen/ and openapi.json from openapi.yaml (go generate ./...).
	$(GO) generate ./...

check-generate: generate ## Fail if gen/ or openapi.json differ from what openapi.yaml generates.
	@if ! git diff --exit-code --stat -- gen openapi.json; then \
		echo 'check-generate: generated files are stale: run make generate and commit the result' >&2; \
		git diff -- gen openapi.json | head -50 >&2; exit 1; fi
	@untracked=$$(git ls-files --others --exclude-standard -- gen openapi.json); \
	if [ -n "$$untracked" ]; then \
		echo "check-generate: generated files not in git:" >&2; echo "$$untracked" >&2; exit 1; fi
	@echo 'check-generate: gen/ and openapi.json are up to date'

tidy-check: ## Fail if go.mod or go.sum are not tidy (go mod tidy -diff).
	$(GO) mod tidy -diff
	@echo 'tidy-check: go.mod and go.sum are tidy'

## --- Lint -------------------------------------------------------------------

fmt-check: ## Fail on any Go file gofmt would change.
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo 'fmt-check: not gofmt-ed (run gofmt -w):' >&2; echo "$$files" >&2; exit 1; fi
	@echo 'fmt-check: all Go files are gofmt-ed'

vet: ## go vet ./...
	$(GO) vet ./...

lint: fmt-check vet lint-go lint-spec typescript ## gofmt, go vet, golangci-lint, redocly lint and the TypeScript check.

lint-go: $(GOLANGCI_LINT) ## golangci-lint run ./... (config: .golangci.yml).
	$(GOLANGCI_LINT) run ./...

lint-spec: ## Lint openapi.yaml with Redocly (config: redocly.yaml).
	$(REDOCLY) lint openapi.yaml

typescript: ## Generate TS types from openapi.yaml and type-check typescript/usage.ts.
	$(NPX) $(TSPKGS) openapi-typescript openapi.yaml -o typescript/chatwork.d.ts
	$(NPX) $(TSPKGS) tsc -p typescript/tsconfig.json
	@echo 'typescript: typescript/usage.ts type-checks against the generated types'

## --- Tests ------------------------------------------------------------------

# The README's test command. Staleness checks run first: tests of stale
# generated code prove little.
test: check-generate tidy-check lint go-test fuzz-short ## Everything CI checks: generate/tidy checks, lint, go test -race, short fuzzing.
	@echo 'make test: all checks passed'

go-test: ## go test -race ./... (each package times out after GOTEST_TIMEOUT, default 5m).
	$(GO) test -race -timeout=$(GOTEST_TIMEOUT) ./...

# Every FuzzXxx function of every package, found by `go test -list`, one at a
# time (go test -fuzz takes one target).
fuzz: ## Run every fuzz target for FUZZTIME (default 10s) each.
	@pkgs=$$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); \
	if [ -z "$$pkgs" ]; then echo 'fuzz: no test packages'; exit 0; fi; \
	list=$$($(GO) test -list '^Fuzz' $$pkgs) || { echo "$$list" >&2; exit 1; }; \
	targets=$$(echo "$$list" | awk '/^Fuzz/ {names = names " " $$1; next} \
		/^ok/ {n = split(names, a, " "); for (i = 1; i <= n; i++) print $$2 " " a[i]; names = ""}'); \
	if [ -z "$$targets" ]; then echo 'fuzz: no fuzz targets found'; exit 0; fi; \
	count=0; \
	while read -r pkg name; do \
		echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		count=$$((count + 1)); \
	done <<< "$$targets"; \
	echo "fuzz: $$count fuzz targets ran for $(FUZZTIME) each"

fuzz-short: ## Run every fuzz target for TEST_FUZZTIME (default 5s), as make test does.
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

bench: ## Run the benchmarks and print the performance table (raw output: bench.out, benchstat format; rows g need redis-server).
	$(GO) run ./internal/benchtable -count 6 -o bench.out

## --- Docs and demo ----------------------------------------------------------

docs: ## Render the API reference to docs/index.html (static HTML, Redocly).
	$(REDOCLY) build-docs openapi.yaml -o docs/index.html
	@test -s docs/index.html
	@echo 'docs: wrote docs/index.html'

demo: ## Run the CLI demo against the in-memory fake (go run ./cmd/chatwork demo).
	@test -d cmd/chatwork || { echo 'demo: cmd/chatwork does not exist yet' >&2; exit 1; }
	$(GO) run ./cmd/chatwork demo

## --- Tools ------------------------------------------------------------------

tools: $(GOLANGCI_LINT) ## Install the pinned Go tools into .bin/.

# Built from source through the Go module proxy (about 2.5 minutes on a cold
# 2-core machine, seconds with a warm build cache). The version is in the file
# name, so changing GOLANGCI_LINT_VERSION installs the new one.
$(GOLANGCI_LINT):
	@mkdir -p $(BIN)/tmp
	GOBIN=$(BIN)/tmp $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/tmp/golangci-lint $@
	@rmdir $(BIN)/tmp

clean: ## Remove .bin/, docs/ and the generated TypeScript types.
	rm -rf $(BIN) docs typescript/chatwork.d.ts
