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
# Redoc draws docs/index.html. Its standalone bundle is inlined into the page
# (no CDN); the SHA-256 is that of bundles/redoc.standalone.js in the npm
# package, checked before use.
REDOC_VERSION              := 2.5.4
REDOC_SHA256               := dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b

# How long `make fuzz` runs each fuzz target, and how long `make test` does.
# make test counts inputs rather than seconds: the same work on a fast or a
# busy machine, and no -fuzztime deadline, which can end a run with a
# spurious "context deadline exceeded" when it falls while a worker is busy.
FUZZTIME      ?= 10s
TEST_FUZZTIME ?= 20000x
# A hung test fails its package after this, well inside CI's time budget.
GOTEST_TIMEOUT ?= 5m

SHELL       := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO    ?= go
# What go generate writes (check-generate compares it with the git index).
# openapi.yaml is hand-written but for the code samples (x-codeSamples) that
# go generate writes into it from its examples.
GENERATED := openapi.yaml gen internal/embeddedspec internal/budgets internal/limits openapi.json api/result_rules.gen.go api/oauth/spec.gen.go \
	api/apitest/seed.schema.json
BIN   := $(CURDIR)/.bin
GOLANGCI_LINT := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
REDOC_JS      := $(BIN)/redoc-$(REDOC_VERSION)/redoc.standalone.js

# npm prints config warnings from the machine's npmrc on every call; only
# errors matter here. Redocly is told not to phone home or nag.
NPX := npm_config_loglevel=error npm_config_update_notifier=false npm_config_fund=false \
	npm_config_audit=false REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	npx --yes
REDOCLY := $(NPX) @redocly/cli@$(REDOCLY_CLI_VERSION)
TSPKGS  := -p openapi-typescript@$(OPENAPI_TYPESCRIPT_VERSION) -p typescript@$(TYPESCRIPT_VERSION)

.PHONY: help generate check-generate tidy-check fmt-check vet lint lint-go lint-spec lint-yaml \
	typescript cross-build test go-test spec-breaking interop fuzz fuzz-short docs docs-check bench demo tools clean

help: ## Show the developer commands.
	@echo 'Usage: make <target>'
	@echo
	@grep -hE '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-15s %s\n", $$1, $$2}'
	@echo
	@echo 'Pinned tools: golangci-lint $(GOLANGCI_LINT_VERSION), @redocly/cli $(REDOCLY_CLI_VERSION),'
	@echo '  openapi-typescript $(OPENAPI_TYPESCRIPT_VERSION), typescript $(TYPESCRIPT_VERSION), redoc $(REDOC_VERSION);'
	@echo '  oasdiff by spec/breaking/go.mod.'
	@echo 'After editing openapi.yaml: make generate, git add the result, then make test'
	@echo '  (check-generate compares the code samples of openapi.yaml, gen/, internal/embeddedspec, internal/budgets, internal/limits,'
	@echo '  openapi.json, api/result_rules.gen.go and api/oauth/spec.gen.go with the git index).'
	@echo '  (a breaking change needs the next major info.version and a section in spec/CHANGELOG.md).'
	@echo 'Variables: FUZZTIME (make fuzz, default $(FUZZTIME)), TEST_FUZZTIME (make test, default $(TEST_FUZZTIME)),'
	@echo '  GOTEST_TIMEOUT (go test -timeout, default $(GOTEST_TIMEOUT)).'

## --- Code generation --------------------------------------------------------

generate: ## Regenerate openapi.yaml's code samples, gen/, internal/embeddedspec, internal/budgets, internal/limits, openapi.json, api's result checks and OAuth scopes (go generate ./...).
	$(GO) generate ./...

check-generate: generate ## Fail if the code samples, gen/, internal/embeddedspec, internal/budgets, internal/limits, openapi.json, api's result checks or OAuth scopes differ from what openapi.yaml generates.
	@if ! git diff --exit-code --stat -- $(GENERATED); then \
		echo 'check-generate: generated files are stale: run make generate and commit the result' >&2; \
		git diff -- $(GENERATED) | head -50 >&2; exit 1; fi
	@untracked=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	if [ -n "$$untracked" ]; then \
		echo "check-generate: generated files not in git:" >&2; echo "$$untracked" >&2; exit 1; fi
	@echo 'check-generate: $(GENERATED) are up to date'

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

lint: fmt-check vet cross-build lint-go lint-spec lint-yaml typescript ## gofmt, go vet, the Windows and macOS builds, golangci-lint, redocly lint, the YAML 1.1 check and the TypeScript check.

# Users build on Windows and macOS too: the library, the CLI and their
# per-OS files (the watch store's lock) must compile there. Tests are not
# built: they drive real processes, signals and tmux, which are Unix's.
cross-build: ## go build ./... for windows/amd64, windows/arm64 and darwin/arm64.
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=arm64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	@echo 'cross-build: the module builds for Windows and macOS'

lint-go: $(GOLANGCI_LINT) ## golangci-lint run ./... (config: .golangci.yml).
	$(GOLANGCI_LINT) run ./...

lint-spec: ## Lint openapi.yaml and the fake's control API (api/apitest/control.yaml) with Redocly (configs: redocly.yaml, api/apitest/redocly.yaml).
	$(REDOCLY) lint openapi.yaml
	$(REDOCLY) lint --config api/apitest/redocly.yaml api/apitest/control.yaml

# Other teams read openapi.yaml with YAML 1.1 loaders built on libyaml
# (PyYAML's CSafeLoader; Debian's python3-yaml): it must load there and mean
# what openapi.json (the YAML 1.2 reading) says, with every risky scalar quoted.
lint-yaml: ## Load openapi.yaml with libyaml (YAML 1.1) and compare with openapi.json; refuse risky plain scalars.
	python3 .ci/yamlcheck.py openapi.yaml openapi.json

typescript: ## Generate TS types from openapi.yaml and type-check typescript/usage.ts.
	$(NPX) $(TSPKGS) openapi-typescript openapi.yaml -o typescript/chatwork.d.ts
	$(NPX) $(TSPKGS) tsc -p typescript/tsconfig.json
	@echo 'typescript: typescript/usage.ts type-checks against the generated types'

## --- Tests ------------------------------------------------------------------

# The README's test command. Staleness checks run first: tests of stale
# generated code prove little. docs runs before go-test, whose
# TestDocsRenderOffline (internal/checks) opens docs/index.html in headless
# Chromium.
test: check-generate tidy-check lint docs go-test spec-breaking interop fuzz-short ## Everything CI checks: generate/tidy checks, lint, docs, go test -race (with the browser check of the docs), the spec's breaking-change check, interop clients, short fuzzing.
	@echo 'make test: all checks passed'

go-test: ## go test -race ./... (each package times out after GOTEST_TIMEOUT, default 5m).
	$(GO) test -race -timeout=$(GOTEST_TIMEOUT) ./...

# The spec's versions (spec/CHANGELOG.md): openapi.yaml against its last
# release tag (openapi/vX.Y.Z; before the first, the spec's first commit).
# oasdiff is pinned by the nested module spec/breaking, so that the root
# go.mod never sees it; its tests feed the check deliberately broken copies
# of the spec and prove that it fails on them.
spec-breaking: ## Fail on a breaking change to openapi.yaml without a major version bump (oasdiff), or a version missing from spec/CHANGELOG.md.
	$(GO) -C spec/breaking mod tidy -diff
	$(GO) -C spec/breaking vet ./...
	$(GO) -C spec/breaking test -count=1 -timeout=$(GOTEST_TIMEOUT) ./...
	$(GO) -C spec/breaking run .

# Other teams' generators: a @hey-api/openapi-ts client (tsc --strict, node
# --test) and an ogen client (go test in the nested module interop/ogen, so
# that ogen stays out of the root go.mod) each call every operation of
# openapi.yaml against `chatwork fake` over loopback HTTP. Versions are pinned
# by interop/typescript/package-lock.json and interop/ogen/go.mod.
interop: ## Generate TypeScript (hey-api) and Go (ogen) clients from openapi.yaml and run them against chatwork fake.
	interop/run

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

fuzz-short: ## Run every fuzz target for TEST_FUZZTIME (default 20000 inputs), as make test does.
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

bench: ## Run the benchmarks and print the performance table (raw output: bench.out, benchstat format; rows g need redis-server).
	$(GO) run ./internal/benchtable -count 6 -o bench.out

## --- Docs and demo ----------------------------------------------------------

docs: $(REDOC_JS) ## Render the API reference to docs/index.html: one self-contained page, Redoc inlined, no network.
	$(GO) run ./internal/docspage -redoc $(REDOC_JS) -redoc-license $(dir $(REDOC_JS))LICENSE \
		-redoc-version $(REDOC_VERSION) -redoc-sha256 $(REDOC_SHA256) -spec openapi.json -out docs/index.html
	@echo 'docs: wrote docs/index.html (open it from disk; it needs no network)'

docs-check: docs ## Open docs/index.html in headless Chromium with no network; count the operations; screenshot to docs/.
	$(GO) test -count=1 -run '^TestDocsRenderOffline$$' -v ./internal/checks

# The redoc npm package, fetched with npm pack (no package.json, no
# node_modules); only its standalone bundle and licence are kept.
$(REDOC_JS):
	@rm -rf $(BIN)/tmp-redoc && mkdir -p $(BIN)/tmp-redoc $(dir $@)
	cd $(BIN)/tmp-redoc && npm_config_loglevel=error npm_config_update_notifier=false npm_config_fund=false \
		npm_config_audit=false npm pack --silent redoc@$(REDOC_VERSION) >/dev/null
	tar -xzf $(BIN)/tmp-redoc/redoc-$(REDOC_VERSION).tgz -C $(BIN)/tmp-redoc \
		package/bundles/redoc.standalone.js package/LICENSE
	mv $(BIN)/tmp-redoc/package/LICENSE $(dir $@)LICENSE
	mv $(BIN)/tmp-redoc/package/bundles/redoc.standalone.js $@
	@rm -rf $(BIN)/tmp-redoc

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

clean: ## Remove .bin/, docs/, the generated TypeScript types and the interop clients.
	rm -rf $(BIN) docs typescript/chatwork.d.ts interop/typescript/generated interop/typescript/dist \
		interop/typescript/node_modules interop/ogen/chatworkapi
