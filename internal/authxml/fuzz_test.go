package authxml

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/httpwire"
)

type httpwireHeader = httpwire.Header

// FuzzParseAuthRequest: never panics; every extracted value is consistent
// with the body (flags match values, kinds match the XML test).
func FuzzParseAuthRequest(f *testing.F) {
	f.Add(ocBody("auth-reply", `<auth><username>bob</username></auth><group-select>staff</group-select>`))
	f.Add(ocBody("auth-reply", `<auth><password>te&amp;st</password></auth>`))
	f.Add([]byte("username=bob&group%5flist=st%41ff&password=a+b"))
	f.Add([]byte(`<?xml?><secondary_password>1&#x10FFFF;&#0;</secondary_password>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := ParseAuthRequest(body)
		if (got.Kind == KindForm) == IsXML(body) {
			t.Fatalf("kind %v inconsistent with IsXML", got.Kind)
		}
		if !got.HasUsername && got.Username != "" || !got.HasPassword && got.Password != "" || !got.HasGroup && got.Group != "" {
			t.Fatalf("value without flag: %+v", got)
		}
		if got.HasUsername && len(got.Username) > len(body)*4 {
			t.Fatalf("username longer than body")
		}
		if got.Kind == KindForm && got.HasUsername && strings.Contains(got.Username, "&") && !bytes.Contains(bytes.ToLower(body), []byte("%26")) {
			t.Fatalf("form value ran past '&': %q", got.Username)
		}
	})
}
