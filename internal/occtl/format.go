package occtl

import (
	"fmt"
	"strings"
	"time"
)

// dateLayout is occtl's strftime "%Y-%m-%d %H:%M".
const dateLayout = "2006-01-02 15:04"

// ival7 is occtl's compact interval: 6 or 7 characters for t seconds.
func ival7(t int64) string {
	switch {
	case t < 0:
		return "   ?   "
	case t >= 48*3600:
		return fmt.Sprintf("%2ddays", t/86400)
	case t >= 3600:
		return fmt.Sprintf("%2dh:%02dm", t/3600, (t/60)%60)
	case t > 60:
		return fmt.Sprintf("%2dm:%02ds", t/60, t%60)
	}
	return fmt.Sprintf("%5ds", t)
}

// bytesHuman is occtl's decimal byte size ("17 bytes", "200.0 KB").
func bytesHuman(n uint64, suffix string) string {
	switch {
	case n > 1000 && n < 1000*1000:
		return fmt.Sprintf("%.1f KB%s", float64(n)/1000, suffix)
	case n >= 1000*1000 && n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB%s", float64(n)/(1000*1000), suffix)
	case n >= 1000*1000*1000:
		return fmt.Sprintf("%.1f GB%s", float64(n)/(1000*1000*1000), suffix)
	}
	return fmt.Sprintf("%d bytes%s", n, suffix)
}

// latencyHuman renders microseconds as occtl does ("<1ms", "12ms", "3s").
func latencyHuman(us uint64) string {
	switch {
	case us < 1000:
		return "<1ms"
	case us < 1000000:
		return fmt.Sprintf("%dms", us/1000)
	}
	return fmt.Sprintf("%ds", us/1000000)
}

// lpad right-aligns s in w bytes (C "%Ns"); longer strings are kept whole.
func lpad(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}

// cut keeps at most n bytes (C "%.Ns").
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cstr is what C sees of a Go string: everything up to the first NUL.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// jsonMaxValue is the escape buffer of occtl: a value whose escaped form
// does not fit is printed as "(invalid)".
const jsonMaxValue = 512

// jsonEscape escapes like occtl on x86, where char is signed: '"' and '\'
// get a backslash, bytes up to 0x1F become \u00XX, and every byte >= 0x80
// also counts as "<= 0x1F" and comes out as \u00ff.
func jsonEscape(v string) string {
	var b strings.Builder
	j := 0
	for i := 0; i < len(v); i++ {
		if j+7 >= jsonMaxValue {
			return "(invalid)"
		}
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
			j += 2
		case c <= 0x1f:
			fmt.Fprintf(&b, "\\u00%02x", c)
			j += 6
		case c >= 0x80:
			b.WriteString("\\u00ff")
			j += 6
		default:
			b.WriteByte(c)
			j++
		}
	}
	return b.String()
}

// clock is the time source of the renderers.
type clock struct {
	now time.Time
	loc *time.Location
}

func (c clock) date(unix int64) string {
	return time.Unix(unix, 0).In(c.loc).Format(dateLayout)
}

// since is ival7(now - t).
func (c clock) since(unix int64) string { return ival7(c.now.Unix() - unix) }
