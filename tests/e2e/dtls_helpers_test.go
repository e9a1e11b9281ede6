package e2e

// Helpers of the dtls_*_test.go tests (issue 4: the DTLS data channel).

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// dtlsConfig is the rig's default configuration with DTLS as ocserv's
// defaults have it (PSK on; the rig turns legacy on via cisco-client-compat).
func dtlsConfig(r *rig.Rig) *rig.Config {
	return r.NewConfig()
}

var establishedRE = regexp.MustCompile(`Established DTLS connection \(using GnuTLS\)\. Ciphersuite (\S+)\.`)

// waitDTLS waits until openconnect's log reports an established DTLS
// connection and returns the ciphersuite description.
func waitDTLS(t *testing.T, r *rig.Rig, c *rig.Client, timeout time.Duration) string {
	t.Helper()
	var suite string
	r.WaitFor(timeout, "openconnect reports an established DTLS connection", func() bool {
		m := establishedRE.FindAllStringSubmatch(c.Log(), -1)
		if len(m) == 0 {
			return false
		}
		suite = m[len(m)-1][1]
		return true
	})
	return suite
}

// dtlsCount is how many times openconnect's log reports an established
// DTLS connection.
func dtlsCount(c *rig.Client) int { return len(establishedRE.FindAllString(c.Log(), -1)) }

// udpCounters reads a namespace's UDP datagram counters (/proc/net/snmp
// is per network namespace).
func udpCounters(t *testing.T, r *rig.Rig, ns string) (in, out int64) {
	t.Helper()
	snmp := r.MustExec(ns, "cat", "/proc/net/snmp")
	var hdr []string
	for _, line := range strings.Split(snmp, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Udp:" {
			continue
		}
		if hdr == nil {
			hdr = f
			continue
		}
		for i := 1; i < len(f) && i < len(hdr); i++ {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			switch hdr[i] {
			case "InDatagrams":
				in = v
			case "OutDatagrams":
				out = v
			}
		}
	}
	return in, out
}

// headerValue returns the last value of a response header openconnect
// printed with -v ("X-DTLS-MTU: 1434"); "" when absent.
func headerValue(log, name string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `: (\S+)`)
	m := re.FindAllStringSubmatch(log, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}
