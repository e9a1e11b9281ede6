// Package radius is ocserv's RADIUS support: the authentication module
// auth = "radius[config=FILE,groupconfig=BOOL,nas-identifier=STRING]"
// (Access-Request / Accept / Reject / Challenge, with the Accept's
// Class, Framed-*, DNS, Session-Timeout and Acct-Interim-Interval) and the
// accounting method acct = "radius[...]" (Start, Interim-Update, Stop).
// Packet contents follow /work/shared/docs/radius.md (ocserv 1.1.6 with
// radcli 1.2.11): no NAS-Port, no Framed-IP-Address in Start.
//
// Unlike radcli 1.2.11 it adds Message-Authenticator (attribute 80) to
// every Access-Request (Blast-RADIUS, CVE-2024-3596); layeh.com/radius,
// used for the packet encoding, does not. A reply's Message-Authenticator
// is verified when present; replies without one are accepted (freeradius
// 3.2.1 sends none) until the server has sent a valid one, after which it
// is required.
//
// Process: sec-mod only. It reads the radcli files named by config= and
// talks UDP to the configured RADIUS servers; it touches nothing else.
package radius
