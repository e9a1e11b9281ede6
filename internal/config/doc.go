// Package config reads and checks ocserv's configuration files exactly the
// way ocserv 1.1.6 does.
//
// It runs in the main process (start-up and SIGHUP reload) and in sec-mod
// (which re-reads the same file for authentication and per-user settings).
// It only reads files: the main configuration, the user-profile file (to hash
// it), the config-per-user directory when expose-iroutes is set, and the
// per-user / per-group files at login. It never opens the server-cert or
// server-key files; cmd/ocserv does that with internal/keys (optionally
// through LoadOptions.LoadFiles so that its messages appear at the same point
// as ocserv's).
//
// It mirrors these ocserv files: src/inih/ini.c (lexer.go), src/config.c
// (load.go, check.go), src/subconfig.c (methods.go), src/config-ports.c
// (ports.go), src/config-kkdcp.c (kkdcp.go), src/ip-util.c (routes.go) and
// src/sup-config/file.c (peruser.go).
//
// Deliberate differences from ocserv 1.1.6:
//
//   - The legacy form radius[/path,groupconfig] makes ocserv 1.1.6 abort
//     with SIGABRT (exit 134). Load instead prints a clear error and
//     returns exit code 1.
//   - Virtual host names are trimmed but not passed through IDNA mapping
//     (GnuTLS gnutls_idna_map); ASCII names behave identically.
//   - With expose-iroutes the config-per-user directory is read in name
//     order (ocserv uses readdir order).
//   - auto-select-group does not enumerate groups at load time; the auth
//     modules do that when they need the list.
//
// Options that ocserv-go reads but does not (fully) apply are listed once,
// in options.go (notImplemented). Load records the ones a configuration
// sets in Config.NotImplemented (main logs Config.StartupWarnings when the
// server starts; ocserv -t prints nothing more than ocserv does), and the
// per-user/group file reader logs them for each file. docs/compat.md's
// table "Every ocserv 1.1.6 option" must agree (TestCompatOptionTable).
package config
