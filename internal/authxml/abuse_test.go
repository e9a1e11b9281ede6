package authxml

import (
	"strings"
	"testing"
)

// TestXMLAbuseBounded: the auth body parser is a substring scan: DTD
// entities are not expanded, nesting depth costs nothing, and no value is
// longer than the body it came from (the body itself is capped by
// httpwire at 256 KiB).
func TestXMLAbuseBounded(t *testing.T) {
	const maxBody = 256 << 10
	laughs := `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
		`<config-auth type="auth-reply"><auth><username>&b;&b;&b;</username></auth></config-auth>`
	deep := `<?xml version="1.0"?>` + strings.Repeat("<a>", maxBody/8) + `<username>bob</username>` + strings.Repeat("</a>", maxBody/8)
	refs := `<?xml version="1.0"?><username>` + strings.Repeat("&#10;", maxBody/5-10) + `</username>`
	long := `<?xml version="1.0"?><username>` + strings.Repeat("u", maxBody-64) + `</username>`
	tests := []struct {
		name, body, user string
	}{
		{"entity expansion", laughs, "&b;&b;&b;"},
		{"deep nesting", deep, "bob"},
		{"character references", refs, strings.Repeat("\n", maxBody/5-10)},
		{"long username", long, strings.Repeat("u", maxBody-64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ParseAuthRequest([]byte(tt.body))
			if !f.HasUsername || f.Username != tt.user {
				t.Fatalf("username %.40q (%d bytes), want %.40q", f.Username, len(f.Username), tt.user)
			}
			if len(f.Username) > len(tt.body) {
				t.Errorf("username of %d bytes from a body of %d", len(f.Username), len(tt.body))
			}
		})
	}
}
