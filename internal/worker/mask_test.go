package worker

import "strings"

// maskedHeaders are replaced by "<masked>" in golden comparisons: they
// depend on the rig's random addresses, the client's host name, the rekey
// jitter or the clock.
var maskedHeaders = map[string]bool{
	"X-CSTP-Hostname":                  true,
	"X-CSTP-Address":                   true,
	"X-CSTP-DNS":                       true,
	"X-CSTP-Rekey-Time":                true,
	"X-CSTP-Session-Timeout-Remaining": true,
}

// maskHeaders masks the values of maskedHeaders, and of split-include
// routes in 10.0.0.0/8 (the rig's per-run default route).
func maskHeaders(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		name, val, ok := strings.Cut(l, ": ")
		if ok && (maskedHeaders[name] || (name == "X-CSTP-Split-Include" && strings.HasPrefix(val, "10."))) {
			l = name + ": <masked>"
		}
		out = append(out, l)
	}
	return out
}
