package programs

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// launcher says where a call names the program it runs: the argument at
// index arg, or with all set every argument from arg on.
type launcher struct {
	arg int
	all bool
}

// seedLaunchers are the functions and methods (matched by name) known to
// run or look up a program. Wrappers that pass one of their parameters on
// as the program are found from the source (see findWrappers).
var seedLaunchers = map[string]launcher{
	"Command":        {arg: 0}, // exec.Command
	"CommandContext": {arg: 1}, // exec.CommandContext
	"LookPath":       {arg: 0}, // exec.LookPath
	"Exec":           {arg: 1}, // rig.(*Rig).Exec(ns, argv...)
	"MustExec":       {arg: 1}, // rig.(*Rig).MustExec(ns, argv...)
	"ExecTimeout":    {arg: 2}, // rig.(*Rig).ExecTimeout(d, ns, argv...)
	"Start":          {arg: 2}, // rig.(*Rig).Start(ns, name, argv...)
	"RequireProgram": {arg: 1, all: true},
}

func TestEveryProgramListed(t *testing.T) {
	root, err := rig.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	listed := readList(t, filepath.Join(root, "scripts", "test-programs.txt"))
	files := parseAll(t, root)
	consts := stringConsts(files)
	wrappers := findWrappers(files)
	used := map[string][]string{} // program -> positions
	fset := files[0].fset
	for _, pf := range files {
		launchers := wrappers[pf.dir]
		ast.Inspect(pf.file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			l, ok := launchers[calleeName(call)]
			if !ok || len(call.Args) <= l.arg {
				return true
			}
			last := l.arg
			if l.all {
				last = len(call.Args) - 1
			}
			for i := l.arg; i <= last; i++ {
				if prog, ok := programName(call.Args[i], consts); ok {
					pos := fset.Position(call.Args[i].Pos())
					rel, _ := filepath.Rel(root, pos.Filename)
					used[prog] = append(used[prog], rel+":"+strconv.Itoa(pos.Line))
				}
			}
			return true
		})
	}
	if len(used) < 10 {
		t.Fatalf("found only %d programs (%v): the scanner is broken", len(used), used)
	}
	var missing, names []string
	for prog := range used {
		names = append(names, prog)
	}
	sort.Strings(names)
	t.Logf("programs run by tests: %s", strings.Join(names, " "))
	for prog, where := range used {
		if _, ok := listed[prog]; !ok {
			missing = append(missing, prog+" (at "+strings.Join(where, ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("program %s is run by a test but is not in scripts/test-programs.txt (add it with its Debian package)", m)
	}
}

// TestListedPackagesExist checks the list's shape: one program and one
// package (or "-" for the Go toolchain) per line, no duplicates.
func TestListedPackagesExist(t *testing.T) {
	root, err := rig.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	listed := readList(t, filepath.Join(root, "scripts", "test-programs.txt"))
	for _, must := range []string{"openconnect", "ocserv", "ip", "tshark"} {
		if _, ok := listed[must]; !ok {
			t.Errorf("%s is not listed", must)
		}
	}
}

func readList(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("program list: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			t.Fatalf("%s:%d: want \"program package\", got %q", path, n, line)
		}
		if _, dup := out[fields[0]]; dup {
			t.Fatalf("%s:%d: %s listed twice", path, n, fields[0])
		}
		out[fields[0]] = fields[1]
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("program list: %v", err)
	}
	return out
}

type parsedFile struct {
	fset *token.FileSet
	file *ast.File
	dir  string // the package's directory
}

// parseAll parses every Go file of the module except build output.
func parseAll(t *testing.T, root string) []parsedFile {
	t.Helper()
	fset := token.NewFileSet()
	var out []parsedFile
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "build", "testdata", ".git", ".ci":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, parsedFile{fset, f, filepath.Dir(path)})
		return nil
	})
	if err != nil {
		t.Fatalf("parsing the module: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("no Go files found")
	}
	return out
}

// stringConsts maps the names of package-level constants and variables
// with a string literal value to that value (rig.RealOcserv and the like).
func stringConsts(files []parsedFile) map[string]string {
	out := map[string]string{}
	for _, pf := range files {
		for _, decl := range pf.file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || (gd.Tok != token.CONST && gd.Tok != token.VAR) {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								out[name.Name] = s
							}
						}
					}
				}
			}
		}
	}
	return out
}

// findWrappers returns, for each package directory, the seed table plus
// every function of that package that passes one of its parameters (p, or
// p[0] of a variadic argv) on as the program of a known launcher, until
// nothing changes. Wrappers are per package: two packages may have
// helpers of the same name that do different things.
func findWrappers(files []parsedFile) map[string]map[string]launcher {
	out := map[string]map[string]launcher{}
	byDir := map[string][]parsedFile{}
	for _, pf := range files {
		byDir[pf.dir] = append(byDir[pf.dir], pf)
	}
	for dir, pkg := range byDir {
		ls := map[string]launcher{}
		for k, v := range seedLaunchers {
			ls[k] = v
		}
		for changed := true; changed; {
			changed = false
			for _, pf := range pkg {
				for _, decl := range pf.file.Decls {
					if addWrapper(decl, ls) {
						changed = true
					}
				}
			}
		}
		out[dir] = ls
	}
	return out
}

// addWrapper adds decl to ls when it is a function that hands one of its
// parameters to a launcher as the program.
func addWrapper(decl ast.Decl, ls map[string]launcher) bool {
	fd, ok := decl.(*ast.FuncDecl)
	if !ok || fd.Body == nil {
		return false
	}
	if _, known := ls[fd.Name.Name]; known {
		return false
	}
	params := paramIndex(fd.Type.Params)
	added := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || added {
			return !added
		}
		l, ok := ls[calleeName(call)]
		if !ok || len(call.Args) <= l.arg {
			return true
		}
		if i, ok := passedParam(call.Args[l.arg], params); ok {
			ls[fd.Name.Name] = launcher{arg: i}
			added = true
			return false
		}
		return true
	})
	return added
}

func paramIndex(fl *ast.FieldList) map[string]int {
	out := map[string]int{}
	i := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			out[n.Name] = i
			i++
		}
	}
	return out
}

// passedParam reports whether e is a parameter (or its element 0).
func passedParam(e ast.Expr, params map[string]int) (int, bool) {
	if ix, ok := e.(*ast.IndexExpr); ok {
		if lit, ok := ix.Index.(*ast.BasicLit); ok && lit.Value == "0" {
			e = ix.X
		}
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return 0, false
	}
	i, ok := params[id.Name]
	return i, ok
}

func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// programName resolves a string literal or a known string constant to a
// program name (the base name of a path).
func programName(e ast.Expr, consts map[string]string) (string, bool) {
	var s string
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind != token.STRING {
			return "", false
		}
		u, err := strconv.Unquote(v.Value)
		if err != nil {
			return "", false
		}
		s = u
	case *ast.Ident:
		c, ok := consts[v.Name]
		if !ok {
			return "", false
		}
		s = c
	case *ast.SelectorExpr:
		c, ok := consts[v.Sel.Name]
		if !ok {
			return "", false
		}
		s = c
	default:
		return "", false
	}
	if s == "" || strings.ContainsAny(s, " \t") {
		return "", false
	}
	return filepath.Base(s), true
}
