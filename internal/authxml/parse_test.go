package authxml

import (
	"reflect"
	"testing"
)

const (
	ocHead = `<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="%s" aggregate-auth-version="2"><version who="vpn">v9.01-3</version><device-id>linux-64</device-id><capabilities><auth-method>single-sign-on-v2</auth-method><auth-method>single-sign-on-external-browser</auth-method></capabilities>`
)

func ocBody(typ, rest string) []byte {
	return []byte(replaceOnce(ocHead, "%s", typ) + rest + "</config-auth>")
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

func TestParseAuthRequest(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want Fields
	}{
		// Observed openconnect 9.01 bodies.
		{"init", ocBody("init", `<group-access>https://vpn.ax.test/</group-access>`), Fields{Kind: KindInit}},
		{"init with group-select", ocBody("init", `<group-access>https://vpn.ax.test/auth</group-access><group-select>staff</group-select>`),
			Fields{Kind: KindInit, Group: "staff", HasGroup: true}},
		{"username reply", ocBody("auth-reply", `<auth><username>bob</username></auth><group-select>staff</group-select>`),
			Fields{Kind: KindAuthReply, Group: "staff", HasGroup: true, Username: "bob", HasUsername: true}},
		{"password reply", ocBody("auth-reply", `<auth><password>test123</password></auth>`),
			Fields{Kind: KindAuthReply, Password: "test123", HasPassword: true}},
		{"secondary password", ocBody("auth-reply", `<auth><secondary_password>123456</secondary_password></auth>`),
			Fields{Kind: KindAuthReply, Password: "123456", HasPassword: true}},
		{"password with attributes and entities", []byte(`<?xml?><AUTH><Password type="x">a&amp;b&lt;&#65;&#x42;&nbsp;&bogus;</Password>`),
			Fields{Kind: KindOtherXML, Password: "a&b<AB &bogus;", HasPassword: true}},
		{"case-insensitive tags", []byte(`<?XML version="1.0"?><USERNAME>Alice</USERNAME><Group-Select>Administrators</GROUP-SELECT>`),
			Fields{Kind: KindOtherXML, Username: "Alice", HasUsername: true, Group: "Administrators", HasGroup: true}},
		{"empty username element", ocBody("auth-reply", `<auth><username></username></auth>`),
			Fields{Kind: KindAuthReply, HasUsername: true}},
		{"unterminated element runs to end", []byte(`<?xml?><username>bob`), Fields{Kind: KindOtherXML, Username: "bob", HasUsername: true}},
		// Legacy urlencoded forms.
		{"form username and group", []byte("username=bob&group_list=staff"), Fields{Kind: KindForm, Username: "bob", HasUsername: true, Group: "staff", HasGroup: true}},
		{"form escaped group key wins", []byte("group_list=a&group%5Flist=b&username=x"), Fields{Kind: KindForm, Group: "b", HasGroup: true, Username: "x", HasUsername: true}},
		{"form password url-decoded", []byte("password=p%40ss+word%2"), Fields{Kind: KindForm, Password: "p@ss word%2", HasPassword: true}},
		{"form secondary_password", []byte("secondary_password=42"), Fields{Kind: KindForm, Password: "42", HasPassword: true}},
		{"form upper-case keys", []byte("USERNAME=Bob&PASSWORD=x"), Fields{Kind: KindForm, Username: "Bob", HasUsername: true, Password: "x", HasPassword: true}},
		{"form password without =", []byte("password"), Fields{Kind: KindForm}},
		{"empty", nil, Fields{Kind: KindForm}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseAuthRequest(tt.body)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestClassifyUserAgent(t *testing.T) {
	tests := []struct {
		ua   string
		want Client
		ios  bool
	}{
		{"Open AnyConnect VPN Agent v9.01-3", ClientOpenConnect, false},
		{"Open AnyConnect VPN Agent v3.02", ClientOpenConnectV3, false},
		{"open anyconnect vpn agent v2.26", ClientOpenConnectV3, false},
		{"Open AnyConnect VPN Agent v10", ClientOpenConnect, false},
		{"OpenConnect VPN Agent (PolicyKit)", ClientOpenConnect, false},
		{"AnyConnect Darwin_i386 4.10.01075", ClientAnyConnect, false},
		{"Cisco AnyConnect VPN Agent for Windows 4.10", ClientAnyConnect, false},
		{"Cisco AnyConnect VPN Agent for Apple iPhone 4.0", ClientAnyConnect, true},
		{"curl/8.0", ClientUnknown, false},
		{"", ClientUnknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.ua, func(t *testing.T) {
			c, ios := ClassifyUserAgent(tt.ua)
			if c != tt.want || ios != tt.ios {
				t.Fatalf("got (%v,%v), want (%v,%v)", c, ios, tt.want, tt.ios)
			}
		})
	}
}

func TestGroupOptions(t *testing.T) {
	tests := []struct {
		name     string
		selected string
		def      string
		cert     []string
		groups   []SelectGroup
		want     []Option
	}{
		{"none", "", "", nil, nil, nil},
		{"selected friendly moved first", "admins", "DEFAULT", nil, labGroups,
			[]Option{{"admins", "Administrators"}, {"", "DEFAULT"}, {"staff", "staff"}}},
		{"cert groups deduplicated", "ops", "", []string{"ops", "staff", "dev"}, labGroups,
			[]Option{{"ops", "ops"}, {"", "dev"}, {"staff", "staff"}, {"admins", "Administrators"}}},
		{"cert groups only", "", "", []string{"dev"}, nil, []Option{{"", "dev"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GroupOptions(tt.selected, tt.def, tt.cert, tt.groups)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if n, ok := ResolveGroup("Administrators", labGroups); !ok || n != "admins" {
		t.Errorf("ResolveGroup friendly = %q %v", n, ok)
	}
	if n, ok := ResolveGroup("nope", labGroups); ok || n != "nope" {
		t.Errorf("ResolveGroup unknown = %q %v", n, ok)
	}
}

func TestFormVariants(t *testing.T) {
	tests := []struct {
		name string
		form Form
		want string
	}{
		{"challenge counter", PasswordForm(ClientOpenConnect, "Enter token:", 2),
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\">\n<version who=\"sg\">0.1(1)</version>\n<auth id=\"main\">\n<message>Enter token:</message>\n<form method=\"post\" action=\"/auth\">\n<input type=\"password\" name=\"secondary_password\" label=\"Password2:\" />\n</form></auth>\n</config-auth>"},
		{"password: prompt replaced", PasswordForm(ClientAnyConnect, "password: ", 0),
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\">\n<version who=\"sg\">0.1(1)</version>\n<auth id=\"main\">\n<message>Please enter your password.</message>\n<form method=\"post\" action=\"/auth\">\n<input type=\"password\" name=\"password\" label=\"Password:\" />\n</form></auth>\n</config-auth>"},
		{"group select only", GroupSelectForm(ClientOpenConnect, "", []Option{{"", "dev"}}),
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-request\">\n<version who=\"sg\">0.1(1)</version>\n<auth id=\"main\">\n<message>Please select your group.</message>\n<form method=\"post\" action=\"/auth\">\n<select name=\"group_list\" label=\"Group:\">\n<option>dev</option>\n</select>\n</form></auth>\n</config-auth>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.form.Bytes()); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNegotiateAndGSSAPISuccess(t *testing.T) {
	b, err := NegotiateChallenge(1, true).Bytes()
	if err != nil || string(b) != "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nX-HTTP-Auth-Support: fallback\r\nContent-Length: 0\r\n\r\n" {
		t.Fatalf("challenge %q %v", b, err)
	}
	r := SuccessResponse(SuccessParams{Minor: 0, CertSHA1: certSHA1, Negotiate: "YII="})
	if r.Status != "HTTP/1.0 200 OK" || r.Headers[1] != (httpwireHeader{Name: "WWW-Authenticate", Value: "Negotiate YII="}) {
		t.Fatalf("gssapi success head: %q %v", r.Status, r.Headers[:2])
	}
}
