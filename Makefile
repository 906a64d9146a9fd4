# ScoreNow build, run and test entry points.
#
#   make run    install missing tools, build (release) and serve on the embedded defaults
#   make test   install missing tools, then fmt, clippy, Rust tests (SQLite and PostgreSQL) and browser tests
#   make size   release WASM size (raw and gzip -9) and JS glue size
#   make bench  SSR latency and simulator throughput under load (wrk)
#
# Every tool is installed only when missing or at the wrong version, so repeat
# runs go straight to the build.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export PATH := $(HOME)/.cargo/bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.11
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# Flags cargo-leptos uses for debug builds; the same here keeps one set of artifacts.
DEV_RUSTFLAGS := --cfg erase_components
SITE_PKG := target/site/pkg
ARGS ?=

.PHONY: run test size bench tool-wrk tools tool-wasm-target tool-cargo-leptos tool-wasm-bindgen tool-wasm-opt \
        tool-chromium tool-postgres e2e-deps lint test-rust test-e2e build-dev build-release

## run: build the release site and server, then serve the demo on http://127.0.0.1:3000 (override with ARGS="--addr …")
run: tools tool-wasm-opt build-release
	target/release/scorenow --demo $(ARGS)

## test: everything CI checks
test: tools tool-chromium e2e-deps lint test-rust build-dev test-e2e

lint:
	cargo fmt --all -- --check
	RUSTFLAGS="$(DEV_RUSTFLAGS)" cargo clippy -p server -p app --features app/ssr --all-targets -- -D warnings
	RUSTFLAGS="$(DEV_RUSTFLAGS)" cargo clippy -p frontend -p app --target wasm32-unknown-unknown -- -D warnings
	# Production code must build without the simulator.
	RUSTFLAGS="$(DEV_RUSTFLAGS)" cargo clippy -p server --no-default-features -- -D warnings

# A throwaway PostgreSQL cluster under target/ for the command that follows.
WITH_POSTGRES := SCORENOW_TEST_POSTGRES_PARENT=$(CURDIR)/target server/tests/support/postgres-cluster.sh run

# Storage tests run on SQLite and PostgreSQL; the integration suites once with
# their servers on SQLite, then again with every server on PostgreSQL.
test-rust: tool-postgres
	RUSTFLAGS="$(DEV_RUSTFLAGS)" cargo test -p app --features ssr
	RUSTFLAGS="$(DEV_RUSTFLAGS)" $(WITH_POSTGRES) env SCORENOW_TEST_REQUIRE_POSTGRES=1 cargo test -p server
	RUSTFLAGS="$(DEV_RUSTFLAGS)" $(WITH_POSTGRES) env SCORENOW_TEST_SERVER_DATABASE=postgres cargo test -p server --test '*'

# cargo-leptos builds the WASM, JS and CSS. The server binary is the one the Rust
# tests build (`--no-run` reuses it): a plain `cargo build` would unify features
# without the dev-dependencies and compile the whole server a second time.
build-dev:
	cargo leptos build --frontend-only
	RUSTFLAGS="$(DEV_RUSTFLAGS)" cargo test -p server --no-run

test-e2e:
	end2end/run.sh target/debug/scorenow

# Everything the release build reads; it reruns only when one of them changed
# (cargo-leptos would otherwise spend seconds re-running wasm-bindgen and wasm-opt).
RELEASE_INPUTS := Cargo.toml Cargo.lock .cargo/config.toml $(shell find app server frontend style public -type f)
RELEASE_STAMP := target/release/.scorenow-site-built
BINARYEN_MAJOR := 132
BINARYEN_DIR := $(CURDIR)/target/tools/binaryen
BINARYEN_BIN := $(BINARYEN_DIR)/node_modules/.bin

build-release: $(RELEASE_STAMP)

$(RELEASE_STAMP): $(RELEASE_INPUTS) | tool-wasm-opt
	PATH="$(BINARYEN_BIN):$$PATH" cargo leptos build --release
	touch $@

## size: release WASM and JS glue sizes
size: tools tool-wasm-opt build-release
	@wasm=$(SITE_PKG)/scorenow.wasm; js=$(SITE_PKG)/scorenow.js; \
	printf 'WASM raw:     %8d bytes\n' $$(stat -c %s $$wasm); \
	printf 'WASM gzip -9: %8d bytes\n' $$(gzip -9 -c $$wasm | wc -c); \
	printf 'JS glue raw:  %8d bytes\n' $$(stat -c %s $$js); \
	printf 'JS gzip -9:   %8d bytes\n' $$(gzip -9 -c $$js | wc -c)

tools: tool-wasm-target tool-cargo-leptos tool-wasm-bindgen

tool-wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# cargo-leptos's lockfile needs a newer rustc than stable here; the nightly toolchain builds it.
# `no_downloads` makes it use the tools on PATH instead of fetching binaries.
tool-cargo-leptos:
	@[ "$$(cargo leptos --version 2>/dev/null)" = "cargo-leptos $(CARGO_LEPTOS_VERSION)" ] || \
	  cargo +nightly install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads || \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --features no_downloads

# Its own lockfile names crates the registry no longer serves, hence no --locked.
tool-wasm-bindgen:
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

# wasm-opt from npm's binaryen: Debian's (version 108) predates the reference
# types rustc now emits for wasm32, and its output fails to instantiate
# ("WebAssembly.Table.set(): Argument 1 is invalid for table").
tool-wasm-opt:
	@$(BINARYEN_BIN)/wasm-opt --version 2>/dev/null | grep -q "version $(BINARYEN_MAJOR) " || \
	  npm install --prefix $(BINARYEN_DIR) --no-audit --no-fund --no-save binaryen@$(BINARYEN_MAJOR)

tool-wrk:
	@command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }

## bench: SSR latency and simulator throughput (release build, wrk)
bench: tools tool-wasm-opt tool-wrk tool-postgres build-release
	bench/ssr_home.sh
	bench/securescore_500.sh
	bench/sim_table_get.sh
	bench/replicas.sh
	bench/sqlite_synchronous.py target

# Debian's PostgreSQL server, for the storage and integration tests on PostgreSQL.
tool-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update && apt-get install -y postgresql; }

tool-chromium:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }

e2e-deps: end2end/node_modules/.package-lock.json

end2end/node_modules/.package-lock.json: end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
