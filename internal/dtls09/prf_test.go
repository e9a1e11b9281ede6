package dtls09

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(":", "", " ", "", "\n", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The expected outputs come from an independent implementation:
// `openssl kdf -kdfopt digest:MD5-SHA1 ... TLS1-PRF` (OpenSSL 3.0.19).
// The first is also the widely published "PRF Testvector" for TLS 1.0/1.1.
func TestPRF10KnownAnswers(t *testing.T) {
	tests := []struct {
		name, secret, label, seed, want string
	}{
		{"PRF Testvector", strings.Repeat("ab", 48), "PRF Testvector", strings.Repeat("cd", 64),
			"D3:D4:D1:E3:49:B5:D5:15:04:46:66:D5:1D:E3:2B:AB:25:8C:B5:21:B6:B0:53:46:3E:35:48:32:FD:97:67:54:44:3B:CF:9A:29:65:19:BC:28:9A:BC:BC:11:87:E4:EB:D3:1E:60:23:53:77:6C:40:8A:AF:B7:4C:BC:85:EF:F6:92:55:F9:78:8F:AA:18:4C:BB:95:7A:98:19:D8:4A:5D:7E:B0:06:EB:45:9D:3A:E8:DE:98:10:45:4B:8B:2D:8F:1A:FB:C6:55:A8:C9:A0:13"},
		{"key expansion, 72 bytes", "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30",
			"key expansion", strings.Repeat("11", 32) + strings.Repeat("22", 32),
			"67:F1:31:EB:D4:D3:75:18:24:0D:16:EB:20:9A:ED:15:98:BC:9F:57:92:7B:EE:7F:18:FF:40:D4:A7:6B:47:00:8F:50:EC:6F:ED:14:29:5D:02:C2:2F:DA:83:C0:02:DD:07:BF:D2:BB:40:20:9A:7B:16:E0:0C:AB:E8:1C:BD:58:DB:6D:B3:4E:EA:5B:8D:43"},
		{"odd secret length", "0102030405", "odd", "00",
			"53:18:18:C9:A2:1F:E1:34:FA:F9:E4:44:9F:0F:3B:C7:FA:CA:A3:99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.want)
			got := make([]byte, len(want))
			prf10(got, unhex(t, tt.secret), tt.label, unhex(t, tt.seed))
			if !bytes.Equal(got, want) {
				t.Errorf("prf10 =\n%x\nwant\n%x", got, want)
			}
		})
	}
}

// The key block is split client MAC, server MAC, client key, server key,
// with the seed server_random‖client_random.
func TestDeriveKeysSplit(t *testing.T) {
	master := unhex(t, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30")
	cr := bytes.Repeat([]byte{0x22}, 32)
	sr := bytes.Repeat([]byte{0x11}, 32)
	block := unhex(t, "67:F1:31:EB:D4:D3:75:18:24:0D:16:EB:20:9A:ED:15:98:BC:9F:57:92:7B:EE:7F:18:FF:40:D4:A7:6B:47:00:8F:50:EC:6F:ED:14:29:5D:02:C2:2F:DA:83:C0:02:DD:07:BF:D2:BB:40:20:9A:7B:16:E0:0C:AB:E8:1C:BD:58:DB:6D:B3:4E:EA:5B:8D:43")
	k := deriveKeys(master, cr, sr, AES128SHA)
	for _, c := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"client MAC", k.clientMAC, block[0:20]},
		{"server MAC", k.serverMAC, block[20:40]},
		{"client key", k.clientKey, block[40:56]},
		{"server key", k.serverKey, block[56:72]},
	} {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, c.want)
		}
	}
	for s, want := range map[Suite]int{AES128SHA: 16, AES256SHA: 32, DESCBC3SHA: 24} {
		k := deriveKeys(master, cr, sr, s)
		if len(k.clientKey) != want || len(k.serverKey) != want || len(k.clientMAC) != 20 || len(k.serverMAC) != 20 {
			t.Errorf("%v: key lengths %d/%d/%d/%d", s, len(k.clientKey), len(k.serverKey), len(k.clientMAC), len(k.serverMAC))
		}
	}
}

func TestSuiteNames(t *testing.T) {
	tests := []struct {
		name     string
		suite    Suite
		cipher   string
		overhead int
	}{
		{"AES128-SHA", AES128SHA, "(DTLS0.9)-(RSA)-(AES-128-CBC)-(SHA1)", 65},
		{"AES256-SHA", AES256SHA, "(DTLS0.9)-(RSA)-(AES-256-CBC)-(SHA1)", 65},
		{"DES-CBC3-SHA", DESCBC3SHA, "(DTLS0.9)-(RSA)-(3DES-CBC)-(SHA1)", 49},
	}
	for _, tt := range tests {
		s, ok := SuiteByName(tt.name)
		if !ok || s != tt.suite {
			t.Errorf("SuiteByName(%q) = %v, %v", tt.name, s, ok)
		}
		if s.String() != tt.name || s.CipherName() != tt.cipher || s.Overhead() != tt.overhead {
			t.Errorf("%v: %q %q %d", s, s.String(), s.CipherName(), s.Overhead())
		}
	}
	for _, bad := range []string{"", "aes128-sha", "OC-DTLS1_2-AES128-GCM", "DES-CBC-SHA", "PSK-NEGOTIATE"} {
		if _, ok := SuiteByName(bad); ok {
			t.Errorf("SuiteByName(%q) accepted", bad)
		}
	}
}
