package authtype

import (
	"testing"

	"github.com/ocserv-go/ocserv/internal/config"
)

// TestOf: every method name ocserv knows maps to its AUTH_TYPE_* value
// (src/vpn.h), and an alternative is the union of its methods.
func TestOf(t *testing.T) {
	tests := []struct {
		methods []string
		want    uint32
	}{
		{[]string{config.MethodPlain}, 5},
		{[]string{config.MethodPAM}, 3},
		{[]string{config.MethodRadius}, 33},
		{[]string{config.MethodCertificate}, 8},
		{[]string{config.MethodGSSAPI}, 64},
		{[]string{config.MethodPlain, config.MethodCertificate}, 13},
		{[]string{"nonsense"}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		var a config.AuthMethod
		for _, n := range tt.methods {
			a.Methods = append(a.Methods, config.Method{Name: n})
		}
		if got := OfAlternative(a); got != tt.want {
			t.Errorf("%v: %d, want %d", tt.methods, got, tt.want)
		}
	}
	if UsernamePass != 1 || OIDC != 128 {
		t.Errorf("USERNAME_PASS %d, OIDC %d", UsernamePass, OIDC)
	}
}
