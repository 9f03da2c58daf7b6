# Usher — developer entry points. `make dev` and `make test` are all a fresh
# machine needs (Go, Java 17 and Node.js 20 are installed by .ci/run when missing).
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/usherhq/usher/pkg/config.Version=$(VERSION)
FUNCTIONS := $(notdir $(wildcard functions/*))

.PHONY: dev test verify build lint template deploy bench sizes clean

## dev: run the API on 127.0.0.1:3000 with DynamoDB Local and the SES v2 emulator
dev:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/usher dev

## test: vet, check generated files, run every test (unit + integration on DynamoDB Local)
test:
	$(GO) vet ./...
	$(GO) run ./cmd/gentemplate -check
	$(GO) test -count=1 -timeout 15m ./...

## verify: the longer checks (about 8 minutes): a 60 s soak at concurrency 32 with a
## consistency check, every fault-injection step, and each fuzz target for FUZZTIME
FUZZTIME ?= 60s
verify:
	USHER_SOAK_SECONDS=60 $(GO) test -count=1 -timeout 15m -run 'TestSoak|TestFaultsAtEveryStep|TestSlowStorage|TestStorageOutage' ./pkg/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./pkg/token
	$(GO) test -run '^$$' -fuzz '^FuzzEmail$$' -fuzztime $(FUZZTIME) ./pkg/validate
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCursor$$' -fuzztime $(FUZZTIME) ./pkg/store
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./pkg/httpapi

## build: every function for Lambda (linux/arm64, provided.al2023) into bin/<name>/bootstrap
build:
	@for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags "$(LDFLAGS)" -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	done
	@echo "built $(words $(FUNCTIONS)) functions into bin/"

## sizes: binary size of every built function
sizes: build
	@du -k bin/*/bootstrap | sort -n | awk '{printf "%6.1f MiB  %s\n", $$1/1024, $$2}'

## lint: formatting, vet, generated files, and the SAM template with cfn-lint
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "run gofmt -w ."; exit 1; }
	$(GO) vet ./...
	$(GO) run ./cmd/gentemplate -check
	cfn-lint template.yaml

## template: regenerate template.yaml (and any missing functions/<route>/main.go) from pkg/routes
template:
	$(GO) run ./cmd/gentemplate

## deploy: build and deploy with AWS SAM (first time: sam deploy --guided)
# sam build (BuildMethod go1.x) runs `go build` in each CodeUri for linux/arm64;
# GOFLAGS carries the Lambda build flags into it.
deploy:
	CGO_ENABLED=0 GOFLAGS="-tags=lambda.norpc -trimpath" sam build
	sam deploy

## bench: DynamoDB cost per route, scale at 1k/100k users, local throughput, Lambda binaries and
## cold starts, hot-path Go benchmarks (about 8-10 minutes); table on stdout, JSON in .local/bench/latest.json
bench:
	$(GO) run ./cmd/usher bench --out .local/bench/latest.json

clean:
	rm -rf bin .aws-sam
