package radcli

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Attr is one ATTRIBUTE line of a dictionary.
type Attr struct {
	Name   string
	Number int
	Type   string
	Vendor int // 0 = standard
}

// Dictionary holds the attributes a radcli dictionary defines.
type Dictionary struct {
	ByName  map[string]Attr
	Vendors map[string]int
}

// maxIncludeDepth bounds $INCLUDE nesting (radcli allows a few levels).
const maxIncludeDepth = 8

// NewDictionary returns an empty dictionary.
func NewDictionary() *Dictionary {
	return &Dictionary{ByName: map[string]Attr{}, Vendors: map[string]int{}}
}

// Has reports whether an attribute of that name is defined.
func (d *Dictionary) Has(name string) bool {
	if d == nil {
		return false
	}
	_, ok := d.ByName[strings.ToLower(name)]
	return ok
}

// LoadDictionary reads a dictionary file and the files it $INCLUDEs
// (relative to the including file's folder).
func LoadDictionary(path string) (*Dictionary, error) {
	d := NewDictionary()
	if err := d.load(path, 0); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dictionary) load(path string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%s: $INCLUDE nested too deeply", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return d.parse(data, func(inc string) error {
		if !filepath.IsAbs(inc) {
			inc = filepath.Join(filepath.Dir(path), inc)
		}
		return d.load(inc, depth+1)
	})
}

// Parse adds the definitions of one dictionary text; $INCLUDE lines call
// include (nil: ignored). Malformed lines are skipped.
func (d *Dictionary) Parse(data []byte, include func(string) error) error {
	return d.parse(data, include)
}

func (d *Dictionary) parse(data []byte, include func(string) error) error {
	vendor := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "$INCLUDE":
			if len(f) >= 2 && include != nil {
				if err := include(f[1]); err != nil {
					return err
				}
			}
		case "VENDOR":
			if len(f) >= 3 {
				if n, err := strconv.Atoi(f[2]); err == nil && n >= 0 {
					d.Vendors[strings.ToLower(f[1])] = n
				}
			}
		case "BEGIN-VENDOR":
			if len(f) >= 2 {
				vendor = d.Vendors[strings.ToLower(f[1])]
			}
		case "END-VENDOR":
			vendor = 0
		case "ATTRIBUTE":
			if len(f) < 4 {
				continue
			}
			n, err := strconv.ParseInt(f[2], 0, 32)
			if err != nil || n < 0 {
				continue
			}
			a := Attr{Name: f[1], Number: int(n), Type: strings.ToLower(f[3]), Vendor: vendor}
			if len(f) >= 5 {
				if v, ok := d.Vendors[strings.ToLower(f[4])]; ok {
					a.Vendor = v
				} else if v, err := strconv.Atoi(f[4]); err == nil {
					a.Vendor = v
				}
			}
			d.ByName[strings.ToLower(f[1])] = a
		}
	}
	return sc.Err()
}
