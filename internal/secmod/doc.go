// Package secmod is ocserv-go's security module, the process ocserv calls
// sec-mod ("ocserv-sm"): the only holder of the server private keys and the
// place where authentication and the cookie / session store live.
//
// Process: it runs in the sec-mod process only (cmd/ocserv re-executed with
// OCSERV_SECMOD_STARTUP, see docs/process-contract.md), as root. It touches:
// the three descriptors main hands it (the worker listening socket
// "secm-listen", the async and sync socketpair ends), the configuration file,
// the server-key and pin files, the password files of the auth modules and
// the config-per-user / config-per-group files. It never talks to clients
// and never opens network sockets.
//
// It mirrors these ocserv C files (behaviour only):
//   - src/sec-mod.c: start-up, key loading, the worker request loop with
//     peer-credential checks, the main sync/async channels, maintenance
//     (run.go, keys.go, worker.go, mainchan.go);
//   - src/sec-mod-auth.c: SEC_AUTH_INIT / SEC_AUTH_CONT / CLI_STATS, session
//     open/close, ban-point reports (authflow.go, session.go);
//   - src/sec-mod-db.c and src/sec-mod-cookies.c: the client entry (cookie)
//     table, expiry and cleanup (store.go);
//   - src/sec-mod-sup-config.c and src/sup-config/file.c: the per-user and
//     per-group configuration sent with a session (groupconfig.go, on top of
//     config.SessionConfig).
//
// Authentication modules live in internal/auth (plain for now); a vhost's
// auth methods are matched against the worker's auth_type bits the way
// ocserv's set_module does, so certificate, PAM, RADIUS or OTP modules plug in
// through auth.Module.
//
// Deliberate differences from ocserv 1.1.6:
//   - Requests sec-mod refuses (bad SID, HMAC mismatch, stale init) get an
//     AUTH_FAILED reply instead of a silently closed connection, and a
//     SESSION_CLOSE with a malformed SID gets an empty CliStats, so that no
//     peer waits for a timeout.
//   - The cookie's expiry is refreshed when authentication completes (ocserv
//     counts from the first SEC_AUTH_INIT).
//   - The TLS session-resumption cache is not kept: RESUME_FETCH_REQ is
//     always answered RESUME_FAILED and stores are ignored.
//   - A worker may act only on its own session (owner.go): sec-mod knows
//     each worker by SO_PEERCRED pid and start time and refuses, by closing
//     the connection, a CMD_SEC_CLI_STATS for a session another live worker
//     owns and any request from a worker bound to another live session
//     (ocserv checks only the peer's uid and the SID).
//   - Logins in progress end when their worker exits or auth-timeout has
//     passed since SEC_AUTH_INIT (sweep.go): the module session is closed
//     (a PAM conversation ends and frees its thread) and the entry
//     dropped.
//   - Accounting takes the remote address from the SEC_AUTH_INIT main
//     signed and the tunnel addresses from main's SESSION_OPEN / CLOSE; a
//     worker's report only fills one main has not given, from the
//     session's own pool (ocserv copies the worker's report).
//   - CMD_SEC_DECRYPT is served only for vhosts whose tls-priorities enable
//     a TLS RSA key exchange, and only in the TLS implicit-rejection form
//     (internal/signer).
package secmod
