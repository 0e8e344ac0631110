# redgrid — the two commands a newcomer needs: `make demo` and `make test`.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
DATA    ?= ./data
BIN     := bin/redgrid

.PHONY: demo serve build ui test test-go test-ui test-e2e bench fuzz lint clean

## demo: build the UI and the binary, fill ./data/redgrid.db with the demo district, serve it
demo: ui build
	./$(BIN) demo --addr $(ADDR) --data $(DATA) --log-format text

serve: build
	./$(BIN) serve --addr $(ADDR) --data $(DATA)

build:
	$(GO) build -o $(BIN) ./cmd/redgrid

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

## ui: build the web UI into internal/web/dist (embedded by the next go build)
ui: web/node_modules/.package-lock.json
	cd web && npm run build
	touch internal/web/dist/.keep

## test: every test — Go on SQLite (and PostgreSQL when REDGRID_TEST_PG is set), UI unit tests,
## browser tests in Chromium
test: test-go test-ui test-e2e

test-go:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test-ui: web/node_modules/.package-lock.json
	cd web && npm test

test-e2e: ui build
	cd web && REDGRID_BIN=$(abspath $(BIN)) npm run e2e

## bench: the benchmarks named in the issues
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	./$(BIN) bench locate --polygons 100000
	./$(BIN) bench intake --cases 20000 --rate 1000

## fuzz: a short run of every fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s ./internal/api/
	$(GO) test -run '^$$' -fuzz FuzzHTTP -fuzztime 30s ./internal/api/
	$(GO) test -run '^$$' -fuzz FuzzOpen311Form -fuzztime 30s ./internal/api/
	$(GO) test -run '^$$' -fuzz FuzzReadGeoJSON -fuzztime 30s ./geo/geoio/
	$(GO) test -run '^$$' -fuzz FuzzReadShapefileZip -fuzztime 30s ./geo/geoio/
	$(GO) test -run '^$$' -fuzz FuzzValidate -fuzztime 30s ./geo/
	$(GO) test -run '^$$' -fuzz FuzzIndexAgrees -fuzztime 30s ./geo/
	$(GO) test -run '^$$' -fuzz FuzzProcess -fuzztime 30s ./internal/photo/
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime 30s -fuzzminimizetime 5s ./internal/sheet/
	$(GO) test -run '^$$' -fuzz FuzzParseID -fuzztime 30s ./internal/pii/
	$(GO) test -run '^$$' -fuzz FuzzParsePhone -fuzztime 30s ./internal/pii/
	$(GO) test -run '^$$' -fuzz FuzzMaskName -fuzztime 30s ./internal/pii/
	$(GO) test -run '^$$' -fuzz FuzzParseKeyring -fuzztime 30s ./internal/pii/
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 30s ./internal/pii/

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...

clean:
	rm -rf bin internal/web/dist/assets internal/web/dist/index.html
