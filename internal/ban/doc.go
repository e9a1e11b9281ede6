// Package ban is main's table of ban points (ocserv's main-ban.c).
//
// It runs in the main process only and touches nothing but its own memory
// (LocalPrefixes reads the host's interface addresses once, at start-up).
// Points come from main at accept (ban-points-connection), from sec-mod
// (CMD_SECM_BAN_IP: wrong passwords) and from workers (CMD_BAN_IP: KKDCP).
// The occtl control socket reads the table with List / BannedCount and
// clears an address with Unban.
//
// ocserv's rules, kept on purpose (architecture.md §11):
//   - entries are keyed by IPv4 address, or by the /64 of an IPv6 address;
//   - a score is reset to 0 when points arrive more than ban-reset-time
//     after the entry's last reset;
//   - while an entry is below max-ban-score, each addition moves its
//     expiry to now + min-reauth-time; once banned, more points do not
//     extend it (a client polling the server is not banned forever);
//   - banned ⇔ score ≥ max-ban-score and now ≤ expiry, compared in whole
//     seconds: with the code default min-reauth-time = 0 a ban lasts only
//     until the end of the current second, so bans practically never bite;
//   - max-ban-score = 0 disables the table (nothing is recorded);
//   - at accept, addresses inside a subnet of any local interface (as
//     found at start-up, loopback included) are never checked nor scored;
//     points reported by sec-mod or a worker are still recorded for them
//     and can be listed, but never refuse a connection;
//   - at accept the connection points are added before the check, so the
//     connection that reaches the score is already refused.
package ban
