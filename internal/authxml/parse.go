package authxml

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what a POST body looks like.
type Kind int

const (
	KindForm      Kind = iota // not XML: legacy application/x-www-form-urlencoded
	KindInit                  // XML <config-auth type="init">
	KindAuthReply             // XML <config-auth type="auth-reply">
	KindOtherXML              // XML of another or no type
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindForm:
		return "form"
	case KindInit:
		return "init"
	case KindAuthReply:
		return "auth-reply"
	}
	return "xml"
}

// Fields is what the worker extracts from an auth POST body. Absent fields
// have Has* false; present fields are decoded (XML entities or URL
// escapes).
type Fields struct {
	Kind        Kind
	Group       string
	HasGroup    bool
	Username    string
	HasUsername bool
	Password    string
	HasPassword bool
}

// IsXML reports whether ocserv treats body as XML (it contains "<?xml").
func IsXML(body []byte) bool { return indexFold(body, "<?xml", 0) >= 0 }

// ParseAuthRequest extracts the group, username and password from an
// auth POST body following protocol.md §3.3:
//
//	XML:  <group-select>..</group-select>, <username>..</username>, the
//	      first "<password" (attributes allowed) up to '>', else the first
//	      "_password>" (e.g. <secondary_password>); the value runs to the
//	      next "</".
//	form: "group%5flist=" then "group_list=", "username=", the first
//	      "password" substring (matches secondary_password too) and the
//	      value after its '='; each value runs to the next '&'.
//
// All searches are case-insensitive substring searches.
func ParseAuthRequest(body []byte) Fields {
	var f Fields
	if !IsXML(body) {
		f.Kind = KindForm
		if v, ok := formValue(body, "group%5flist="); ok {
			f.Group, f.HasGroup = v, true
		} else if v, ok := formValue(body, "group_list="); ok {
			f.Group, f.HasGroup = v, true
		}
		f.Username, f.HasUsername = formValue(body, "username=")
		if i := indexFold(body, "password", 0); i >= 0 {
			if j := bytes.IndexByte(body[i:], '='); j >= 0 {
				f.Password, f.HasPassword = urlValue(body[i+j+1:]), true
			}
		}
		return f
	}
	f.Kind = KindOtherXML
	if i := indexFold(body, "<config-auth", 0); i >= 0 {
		end := bytes.IndexByte(body[i:], '>')
		if end < 0 {
			end = len(body) - i
		}
		tag := body[i : i+end]
		switch {
		case indexFold(tag, `type="init"`, 0) >= 0:
			f.Kind = KindInit
		case indexFold(tag, `type="auth-reply"`, 0) >= 0:
			f.Kind = KindAuthReply
		}
	}
	f.Group, f.HasGroup = xmlElem(body, "<group-select>", "</group-select>")
	f.Username, f.HasUsername = xmlElem(body, "<username>", "</username>")
	start := -1
	if i := indexFold(body, "<password", 0); i >= 0 {
		if j := bytes.IndexByte(body[i:], '>'); j >= 0 {
			start = i + j + 1
		}
	} else if i := indexFold(body, "_password>", 0); i >= 0 {
		start = i + len("_password>")
	}
	if start >= 0 {
		end := bytes.Index(body[start:], []byte("</"))
		if end < 0 {
			end = len(body) - start
		}
		f.Password, f.HasPassword = UnescapeXML(string(body[start:start+end])), true
	}
	return f
}

func formValue(body []byte, key string) (string, bool) {
	i := indexFold(body, key, 0)
	if i < 0 {
		return "", false
	}
	return urlValue(body[i+len(key):]), true
}

func urlValue(b []byte) string {
	if j := bytes.IndexByte(b, '&'); j >= 0 {
		b = b[:j]
	}
	return UnescapeURL(string(b))
}

func xmlElem(body []byte, open, close string) (string, bool) {
	i := indexFold(body, open, 0)
	if i < 0 {
		return "", false
	}
	start := i + len(open)
	end := indexFold(body, close, start)
	if end < 0 {
		end = len(body)
	}
	return UnescapeXML(string(body[start:end])), true
}

// indexFold finds ASCII-case-insensitive needle in b at or after from.
func indexFold(b []byte, needle string, from int) int {
	n := len(needle)
	for i := from; i+n <= len(b); i++ {
		if equalFoldASCII(b[i:i+n], needle) {
			return i
		}
	}
	return -1
}

func equalFoldASCII(b []byte, s string) bool {
	for i := 0; i < len(s); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// UnescapeURL decodes %XX escapes and '+' (as space). Malformed escapes
// are kept literally.
func UnescapeURL(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

var xmlEntities = []struct{ name, val string }{
	{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", `"`}, {"&apos;", "'"}, {"&nbsp;", " "},
}

// UnescapeXML decodes the entities ocserv understands: &lt; &gt; &amp;
// &quot; &apos; &nbsp; and numeric &#N; / &#xN;. Anything else is kept.
func UnescapeXML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		done := false
		for _, e := range xmlEntities {
			if strings.HasPrefix(s[i:], e.name) {
				b.WriteString(e.val)
				i += len(e.name)
				done = true
				break
			}
		}
		if !done && strings.HasPrefix(s[i:], "&#") {
			if semi := strings.IndexByte(s[i:], ';'); semi > 2 && semi < 12 {
				num := s[i+2 : i+semi]
				base := 10
				if num[0] == 'x' || num[0] == 'X' {
					num, base = num[1:], 16
				}
				if v, err := strconv.ParseUint(num, base, 32); err == nil && num != "" && num[0] != '+' && num[0] != '-' && v > 0 && v <= utf8.MaxRune {
					b.WriteRune(rune(v))
					i += semi + 1
					done = true
				}
			}
		}
		if !done {
			b.WriteByte('&')
			i++
		}
	}
	return b.String()
}
