package dtlsx

import "testing"

func TestSelectLegacy(t *testing.T) {
	ocDefault := "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:OC-DTLS1_2-AES128-GCM:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA"
	oc12 := "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA"
	cases := []struct {
		name, list, list12, tlsCipher, tlsMAC string
		allow09                               bool
		want, header                          string
	}{
		{"openconnect default prefers DTLS12 table", ocDefault, oc12, "CHACHA20-POLY1305", "AEAD", true, "AES256-GCM-SHA384", "X-DTLS12-CipherSuite"},
		{"TLS cipher match wins", "", "AES256-GCM-SHA384:AES128-GCM-SHA256", "AES-128-GCM", "AEAD", true, "AES128-GCM-SHA256", "X-DTLS12-CipherSuite"},
		{"OC name", "OC-DTLS1_2-AES128-GCM", "", "CHACHA20-POLY1305", "AEAD", true, "OC-DTLS1_2-AES128-GCM", "X-DTLS-CipherSuite"},
		{"0.9 by priority", "DES-CBC3-SHA:AES128-SHA:AES256-SHA", "", "AES-128-GCM", "AEAD", true, "AES256-SHA", "X-DTLS-CipherSuite"},
		{"0.9 not available", "AES128-SHA", "", "AES-128-GCM", "AEAD", false, "", ""},
		{"unknown names", "DHE-RSA-AES256-SHA:OC2-DTLS1_2-CHACHA20-POLY1305", "", "x", "y", true, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, ok := SelectLegacy(c.list, c.list12, c.tlsCipher, c.tlsMAC, c.allow09)
			if c.want == "" {
				if ok {
					t.Fatalf("got %s, want none", l.Name)
				}
				return
			}
			if !ok || l.Name != c.want || l.Header != c.header {
				t.Fatalf("got %q %q %v, want %q %q", l.Name, l.Header, ok, c.want, c.header)
			}
		})
	}
}

func TestOverheads(t *testing.T) {
	cases := []struct {
		cipher, mac string
		want        int
	}{
		{"AES-256-GCM", "AEAD", 37}, {"AES-128-GCM", "AEAD", 37}, {"AES-128-CBC", "SHA1", 65},
		{"AES-256-CBC", "SHA256", 77}, {"CHACHA20-POLY1305", "AEAD", 29}, {"3DES-CBC", "SHA1", 49},
	}
	for _, c := range cases {
		if got := TLSOverhead(c.cipher, c.mac); got != c.want {
			t.Errorf("TLSOverhead(%s,%s) = %d, want %d", c.cipher, c.mac, got, c.want)
		}
	}
	if !OffersPSK("A:PSK-NEGOTIATE") || OffersPSK("AES128-SHA", "") {
		t.Fatal("OffersPSK")
	}
	if s := PSKSuites(true, "AES-128-GCM"); len(s) != 1 || s[0] != SuitePSKAES128GCM {
		t.Fatalf("PSKSuites match: %v", s)
	}
	if s := PSKSuites(false, ""); s[0] != SuitePSKAES256GCM {
		t.Fatalf("PSKSuites order: %v", s)
	}
}
