// Package radcli reads radcli's client configuration files, the format
// ocserv's `auth = "radius[config=FILE]"` and `acct = "radius[config=FILE]"`
// point at: the main `keyword value` file (authserver, acctserver,
// servers, dictionary, default_realm, radius_timeout, radius_retries,
// bindaddr, nas-identifier, nas-ip), the servers file of `HOST SECRET`
// lines and the attribute dictionary (ATTRIBUTE / VALUE / VENDOR /
// BEGIN-VENDOR / END-VENDOR / $INCLUDE).
//
// Process: sec-mod only (internal/auth/radius and the RADIUS accounting
// of internal/secmod). It reads the named files and nothing else; it opens
// no sockets. The parsers are tolerant: unknown keywords and malformed
// dictionary lines are skipped, as radcli skips what it does not need.
package radcli
