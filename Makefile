# SwiftTorch: the two commands of the README.
#   make run   — build (release) and run the main job
#   make test  — build and run the test suite
# Both first install the system packages SwiftTorch needs (OpenBLAS, zlib) when they are missing.

SWIFT ?= swift

.PHONY: deps run test test-release bench docs

deps:
	@if ! pkg-config --exists openblas zlib 2>/dev/null; then \
		echo "Installing libopenblas-dev, zlib1g-dev and pkg-config..."; \
		if [ "$$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libopenblas-dev zlib1g-dev pkg-config; \
	fi

run: deps
	$(SWIFT) run -c release swifttorch train

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The same suite in an optimised build (what users train with): catches what only -O shows, such as checks whose
# messages the standard library would drop, or a gradient adopted where it must be copied.
test-release: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing --build-tests --scratch-path .build/release-tests
	$(SWIFT) test -c release -Xswiftc -enable-testing --scratch-path .build/release-tests --skip-build

bench: deps
	$(SWIFT) run -c release swifttorch bench --threads 1 2
