# ocserv-go build. Binaries land in build/; `make install` uses Debian's paths.
GO        ?= go
DESTDIR   ?=
PREFIX    ?= /usr
SBINDIR   ?= $(PREFIX)/sbin
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR   ?= /lib/systemd/system
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/ocserv-go/ocserv/internal/version.Build=$(VERSION)
export GOFLAGS ?= -buildvcs=false

BUILD := build
BINS  := $(BUILD)/ocserv $(BUILD)/ocserv-worker $(BUILD)/occtl $(BUILD)/ocpasswd

.PHONY: all build test bench demo install uninstall clean vet fuzz soak

all: build

build: $(BINS)

# ocserv links libc (cgo) for user/group lookups, crypt(3) and later PAM;
# the worker is static and pure Go: it never loads keys, PAM or NSS, and
# its seccomp filter (isolate-workers) is pure Go too (no libseccomp).
$(BUILD)/ocserv: FORCE
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $@ ./cmd/ocserv
$(BUILD)/ocserv-worker: FORCE
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $@ ./cmd/ocserv-worker
$(BUILD)/occtl: FORCE
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $@ ./cmd/occtl
$(BUILD)/ocpasswd: FORCE
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $@ ./cmd/ocpasswd
FORCE:

# The whole suite, as CI runs it (installs missing Debian packages; run as root).
test:
	bash scripts/test.sh

vet:
	$(GO) vet ./...

fuzz:
	FUZZTIME=$${FUZZTIME:-60s} bash scripts/test.sh

bench: build
	bash scripts/bench.sh

# The soak test (not in CI; run as root): cycles and concurrent sessions
# against the real ocserv and ours, see docs/reliability.md.
soak:
	bash scripts/soak.sh

# Installs what is needed, generates a demo CA, server certificate, user and
# config under build/demo, and starts the server (see README).
demo:
	bash scripts/demo.sh

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/ocserv $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/ocserv $(BUILD)/ocserv-worker $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/occtl $(BUILD)/ocpasswd $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/man/ocserv.8 docs/man/occtl.8 docs/man/ocpasswd.8 $(DESTDIR)$(MANDIR)/man8/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ocserv/ocserv.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/ocserv/ocserv.conf"; \
	else \
		install -m 0644 configs/ocserv.conf $(DESTDIR)$(SYSCONFDIR)/ocserv/ocserv.conf; \
	fi
	install -m 0644 configs/systemd/ocserv.service configs/systemd/ocserv.socket $(DESTDIR)$(UNITDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ocserv $(DESTDIR)$(SBINDIR)/ocserv-worker \
		$(DESTDIR)$(BINDIR)/occtl $(DESTDIR)$(BINDIR)/ocpasswd \
		$(DESTDIR)$(MANDIR)/man8/ocserv.8 $(DESTDIR)$(MANDIR)/man8/occtl.8 $(DESTDIR)$(MANDIR)/man8/ocpasswd.8 \
		$(DESTDIR)$(UNITDIR)/ocserv.service $(DESTDIR)$(UNITDIR)/ocserv.socket

clean:
	rm -rf $(BUILD)
