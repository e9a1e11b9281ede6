package dtlsx

import (
	"strings"

	"github.com/pion/dtls/v3"
)

// Legacy is a suite chosen for legacy (master-secret) DTLS.
type Legacy struct {
	Name     string             // as the client spelled it in the table
	Header   string             // "X-DTLS-CipherSuite" or "X-DTLS12-CipherSuite"
	DTLS09   bool               // DTLS 0.9 (DTLS1_BAD_VER), served by internal/dtls09
	Suite    dtls.CipherSuiteID // the DTLS 1.2 suite when !DTLS09
	Cipher   string             // GnuTLS cipher name, e.g. "AES-128-CBC"
	MAC      string             // "SHA1", or "AEAD"
	Overhead int                // record overhead for the MTU arithmetic
	prio     int
}

// ocserv's tables (protocol.md §6.6).
var (
	legacyTable = []Legacy{
		{Name: "OC-DTLS1_2-AES256-GCM", Suite: SuiteRSAAES256GCM, Cipher: "AES-256-GCM", MAC: "AEAD", Overhead: gcmRecordOverhead, prio: 90},
		{Name: "OC-DTLS1_2-AES128-GCM", Suite: SuiteRSAAES128GCM, Cipher: "AES-128-GCM", MAC: "AEAD", Overhead: gcmRecordOverhead, prio: 80},
		{Name: "AES256-SHA", DTLS09: true, Cipher: "AES-256-CBC", MAC: "SHA1", Overhead: 13 + 16 + 20 + 16, prio: 60},
		{Name: "AES128-SHA", DTLS09: true, Cipher: "AES-128-CBC", MAC: "SHA1", Overhead: 13 + 16 + 20 + 16, prio: 50},
		{Name: "DES-CBC3-SHA", DTLS09: true, Cipher: "3DES-CBC", MAC: "SHA1", Overhead: 13 + 8 + 20 + 8, prio: 1},
	}
	dtls12Table = []Legacy{
		{Name: "AES256-GCM-SHA384", Suite: SuiteRSAAES256GCM, Cipher: "AES-256-GCM", MAC: "AEAD", Overhead: gcmRecordOverhead, prio: 90},
		{Name: "AES128-GCM-SHA256", Suite: SuiteRSAAES128GCM, Cipher: "AES-128-GCM", MAC: "AEAD", Overhead: gcmRecordOverhead, prio: 50},
	}
)

// SelectLegacy picks the legacy suite as ocserv's header_value_check does:
// walk the client's colon-separated list, keep the highest-priority known
// name, but take at once a name whose cipher and MAC equal the TLS
// session's (tlsCipher/tlsMAC in GnuTLS naming). A match from the
// X-DTLS12-CipherSuite list wins over one from X-DTLS-CipherSuite. With
// allow09 false the DTLS 0.9 names are ignored.
func SelectLegacy(dtlsList, dtls12List, tlsCipher, tlsMAC string, allow09 bool) (Legacy, bool) {
	pick := func(list string, table []Legacy, header string) (Legacy, bool) {
		var best Legacy
		found := false
		for _, name := range strings.Split(list, ":") {
			name = strings.TrimSpace(name)
			for _, e := range table {
				if e.Name != name || (e.DTLS09 && !allow09) {
					continue
				}
				e.Header = header
				if e.Cipher == tlsCipher && e.MAC == tlsMAC {
					return e, true
				}
				if !found || e.prio > best.prio {
					best, found = e, true
				}
			}
		}
		return best, found
	}
	if l, ok := pick(dtls12List, dtls12Table, "X-DTLS12-CipherSuite"); ok {
		return l, true
	}
	return pick(dtlsList, legacyTable, "X-DTLS-CipherSuite")
}

// OffersPSK reports whether a cipher list contains PSK-NEGOTIATE.
func OffersPSK(lists ...string) bool {
	for _, l := range lists {
		for _, n := range strings.Split(l, ":") {
			if strings.TrimSpace(n) == "PSK-NEGOTIATE" {
				return true
			}
		}
	}
	return false
}

// TLSOverhead estimates the DTLS record overhead of the TLS session's
// cipher and MAC (GnuTLS names), which ocserv uses for the MTU advertised
// in PSK mode before the DTLS suite is known: header 13, explicit IV or
// nonce, tag or MAC, worst-case CBC padding.
func TLSOverhead(cipher, mac string) int {
	macLen := map[string]int{"SHA1": 20, "SHA256": 32, "SHA384": 48, "MD5": 16}[mac]
	switch {
	case strings.Contains(cipher, "CHACHA20"):
		return 13 + 16
	case strings.HasSuffix(cipher, "-GCM"), strings.HasSuffix(cipher, "-CCM"):
		return 13 + 8 + 16
	case strings.HasPrefix(cipher, "AES") || strings.HasPrefix(cipher, "CAMELLIA"):
		return 13 + 16 + macLen + 16
	case strings.HasPrefix(cipher, "3DES"):
		return 13 + 8 + macLen + 8
	}
	return 13 + 8 + 16
}
