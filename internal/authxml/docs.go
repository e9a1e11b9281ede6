package authxml

import (
	"strconv"
	"strings"
)

const (
	xmlDecl      = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	versionLine  = `<version who="sg">0.1(1)</version>` + "\n"
	formOpen     = `<form method="post" action="/auth">` + "\n"
	usernameLine = `<input type="text" name="username" label="Username:" />` + "\n"

	// MsgUsername, MsgPassword, MsgLoginFailed and MsgSelectGroup are the
	// fixed prompts ocserv uses.
	MsgUsername    = "Please enter your username."
	MsgPassword    = "Please enter your password."
	MsgLoginFailed = "Login failed.\nPlease enter your password."
	MsgSelectGroup = "Please select your group."
)

// Option is one <option> of the group_list select.
type Option struct {
	Value string // empty: a bare <option>Label</option>
	Label string
}

// SelectGroup is one select-group entry of the configuration.
type SelectGroup struct {
	Name     string // group name (the option value)
	Friendly string // text in [...] after the name; empty means Name
}

func (g SelectGroup) label() string {
	if g.Friendly != "" {
		return g.Friendly
	}
	return g.Name
}

// GroupOptions orders the group_list options as ocserv does: (1) the
// group the client already selected, as value/friendly-name, (2) the
// default-select-group as a bare option, (3) certificate groups that are
// neither select-groups nor the selected group, bare, (4) each
// select-group except the selected one. It returns nil when there are no
// select-groups and no certificate groups (then no <select> is sent).
func GroupOptions(selected, defaultGroup string, certGroups []string, groups []SelectGroup) []Option {
	if len(groups) == 0 && len(certGroups) == 0 {
		return nil
	}
	var out []Option
	if selected != "" {
		label := selected
		for _, g := range groups {
			if g.Name == selected {
				label = g.label()
				break
			}
		}
		out = append(out, Option{Value: selected, Label: label})
	}
	if defaultGroup != "" {
		out = append(out, Option{Label: defaultGroup})
	}
outer:
	for _, c := range certGroups {
		if c == selected && selected != "" {
			continue
		}
		for _, g := range groups {
			if g.Name == c {
				continue outer
			}
		}
		out = append(out, Option{Label: c})
	}
	for _, g := range groups {
		if selected != "" && g.Name == selected {
			continue
		}
		out = append(out, Option{Value: g.Name, Label: g.label()})
	}
	return out
}

// ResolveGroup maps a group the client sent (real or friendly name) back to
// the real group name; ok is false if it matches no select-group.
func ResolveGroup(sent string, groups []SelectGroup) (name string, ok bool) {
	for _, g := range groups {
		if g.Name == sent {
			return g.Name, true
		}
	}
	for _, g := range groups {
		if g.Friendly != "" && g.Friendly == sent {
			return g.Name, true
		}
	}
	return sent, false
}

// Input is one <input> element of a form.
type Input struct {
	Type  string // "text" or "password"
	Name  string // "username", "password", "secondary_password"
	Label string // "Username:", "Password:", "Password2:"
}

// Form is an auth-request document. Text fields are inserted unescaped,
// exactly as ocserv does.
type Form struct {
	V3      bool   // OpenConnect v3 client: no <config-auth> wrapper
	AuthID  string // "main"; v3 password forms use "passwd"
	Banner  string // pre-login banner; empty means no <banner>
	Message string
	Inputs  []Input
	Groups  []Option // rendered as <select name="group_list"> when non-empty
}

// UsernameForm is the first form: banner (pre-login-banner), "Please
// enter your username.", the username input if askUsername, and the group
// select.
func UsernameForm(c Client, preLoginBanner string, askUsername bool, groups []Option) Form {
	f := Form{V3: c == ClientOpenConnectV3, AuthID: "main", Banner: preLoginBanner, Message: MsgUsername, Groups: groups}
	if askUsername {
		f.Inputs = []Input{{Type: "text", Name: "username", Label: "Username:"}}
	}
	return f
}

// GroupSelectForm is the certificate-with-groups form: "Please select your
// group." and the select only.
func GroupSelectForm(c Client, preLoginBanner string, groups []Option) Form {
	f := UsernameForm(c, preLoginBanner, false, groups)
	f.Message = MsgSelectGroup
	return f
}

// PasswordForm is a password round. prompt is sec-mod's message: empty or
// starting with "Password:" (case-insensitive) gives "Please enter your
// password."; counter > 0 (multi-stage challenge) names the input
// secondary_password with label "Password<counter>:".
func PasswordForm(c Client, prompt string, counter int) Form {
	if prompt == "" || hasPrefixFold(prompt, "Password:") {
		prompt = MsgPassword
	}
	in := Input{Type: "password", Name: "password", Label: "Password:"}
	if counter > 0 {
		in = Input{Type: "password", Name: "secondary_password", Label: "Password" + strconv.Itoa(counter) + ":"}
	}
	f := Form{V3: c == ClientOpenConnectV3, AuthID: "main", Message: prompt, Inputs: []Input{in}}
	if f.V3 {
		f.AuthID = "passwd"
	}
	return f
}

// Bytes renders the document. Non-v3 forms end with "</config-auth>" and
// no newline; v3 forms end with "</form></auth>\n".
func (f Form) Bytes() []byte {
	var b strings.Builder
	b.WriteString(xmlDecl)
	if !f.V3 {
		b.WriteString(`<config-auth client="vpn" type="auth-request">` + "\n")
		b.WriteString(versionLine)
	}
	id := f.AuthID
	if id == "" {
		id = "main"
	}
	b.WriteString(`<auth id="` + id + `">` + "\n")
	if f.Banner != "" {
		b.WriteString("<banner>" + f.Banner + "</banner>")
	}
	b.WriteString("<message>" + f.Message + "</message>\n")
	b.WriteString(formOpen)
	for _, in := range f.Inputs {
		b.WriteString(`<input type="` + in.Type + `" name="` + in.Name + `" label="` + in.Label + `" />` + "\n")
	}
	if len(f.Groups) > 0 {
		b.WriteString(`<select name="group_list" label="Group:">` + "\n")
		for _, o := range f.Groups {
			if o.Value == "" {
				b.WriteString("<option>" + o.Label + "</option>\n")
			} else {
				b.WriteString(`<option value="` + o.Value + `">` + o.Label + "</option>\n")
			}
		}
		b.WriteString("</select>\n")
	}
	b.WriteString("</form></auth>\n")
	if !f.V3 {
		b.WriteString("</config-auth>")
	}
	return []byte(b.String())
}

// Profile describes the user-profile (AnyConnect XML profile) advertised
// on success.
type Profile struct {
	File    string // the user-profile value as configured (ocserv inserts it verbatim)
	SHA1Hex string // uppercase hex SHA-1 of the file contents
}

// Success is the type="complete" document.
type Success struct {
	V3      bool
	Banner  string   // banner option; empty means none
	Profile *Profile // nil: no profile manifest
}

// Bytes renders the success document. The v3 flavour never carries the
// profile manifest.
func (s Success) Bytes() []byte {
	var b strings.Builder
	b.WriteString(xmlDecl)
	if !s.V3 {
		b.WriteString(`<config-auth client="vpn" type="complete">` + "\n")
		b.WriteString(versionLine)
	}
	b.WriteString(`<auth id="success">` + "\n")
	b.WriteString("<title>SSL VPN Service</title>")
	if s.Banner != "" {
		b.WriteString("<banner>" + s.Banner + "</banner>")
	}
	switch {
	case s.V3:
		b.WriteString("</auth>\n")
	case s.Profile != nil:
		b.WriteString("</auth>\n" +
			`<config client="vpn" type="private"><vpn-profile-manifest><vpn rev="1.0">` +
			`<file type="profile" service-type="user"><uri>/profiles/` + s.Profile.File + `</uri>` +
			`<hash type="sha1">` + s.Profile.SHA1Hex + `</hash></file></vpn></vpn-profile-manifest>` + "\n" +
			"</config></config-auth>")
	default:
		b.WriteString("</auth></config-auth>\n")
	}
	return []byte(b.String())
}
