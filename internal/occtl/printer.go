package occtl

import (
	"fmt"
	"io"
	"strconv"
)

// printer writes occtl's "value" lines in text or JSON form. Write errors
// are ignored, as occtl ignores them (a closed pager only loses output).
type printer struct {
	w    io.Writer
	json bool
}

func comma(more bool) string {
	if more {
		return ","
	}
	return ""
}

func (p *printer) printf(format string, a ...any) { fmt.Fprintf(p.w, format, a...) }
func (p *printer) puts(s string)                  { io.WriteString(p.w, s) }

func (p *printer) startBlock() {
	if p.json {
		p.puts("  {\n")
	}
}

func (p *printer) endBlock(more bool) {
	if p.json {
		p.puts("  }" + comma(more) + "\n")
	}
}

func (p *printer) startArray() {
	if p.json {
		p.puts("[\n")
	}
}

func (p *printer) endArray() {
	if p.json {
		p.puts("]\n")
	}
}

// separator is the empty line between text sections.
func (p *printer) separator() {
	if !p.json {
		p.puts("\n")
	}
}

// value prints one string value; empty values print nothing.
func (p *printer) value(name, v string, more bool) {
	if v == "" {
		return
	}
	if p.json {
		p.printf("    \"%s\":  \"%s\"%s\n", name, jsonEscape(v), comma(more))
	} else {
		p.printf("\t%s: %s\n", name, v)
	}
}

// num prints an integer as C's "%lu" of a long.
func (p *printer) num(name string, v uint64, more bool) {
	if p.json {
		p.printf("    \"%s\":  %d%s\n", name, v, comma(more))
	} else {
		p.printf("\t%s: %d\n", name, v)
	}
}

// valueEx prints a value with an extra form: "(ex)" in text, a second
// "_name" key in JSON.
func (p *printer) valueEx(name, v, ex string, more bool) {
	if v == "" {
		return
	}
	if p.json {
		p.printf("    \"%s\":  \"%s\",\n", name, jsonEscape(v))
		p.printf("    \"_%s\":  \"%s\"%s\n", name, jsonEscape(ex), comma(more))
	} else {
		p.printf("\t%s: %s (%s)\n", name, v, ex)
	}
}

// pair prints two values on one text line (three spaces apart), or two
// independent JSON keys; empty halves are dropped.
func (p *printer) pair(n1, v1, n2, v2 string, more bool) {
	if p.json {
		if v1 != "" {
			p.printf("    \"%s\":  \"%s\"%s\n", n1, jsonEscape(v1), comma(more))
		}
		if v2 != "" {
			p.printf("    \"%s\":  \"%s\"%s\n", n2, jsonEscape(v2), comma(more))
		}
		return
	}
	if v1 != "" {
		p.printf("\t%s: %s", n1, v1)
	}
	if v2 != "" {
		p.printf("   %s: %s", n2, v2)
	}
	if v1 != "" || v2 != "" {
		p.puts("\n")
	}
}

// list prints a string list (items are not escaped in JSON) and returns
// its length.
func (p *printer) list(name string, vals []string, more bool) int {
	if p.json {
		p.printf("    \"%s\":\t[", name)
		for i, v := range vals {
			if i > 0 {
				p.puts(", ")
			}
			p.printf("\"%s\"", cstr(v))
		}
		p.puts("]" + comma(more) + "\n")
		return len(vals)
	}
	for i, v := range vals {
		if i == 0 {
			p.printf("\t%s: %s\n", name, cstr(v))
		} else {
			p.printf("\t\t%s\n", cstr(v))
		}
	}
	return len(vals)
}

// itoa is C's "%d" of an int.
func itoa(v int64) string { return strconv.FormatInt(v, 10) }
