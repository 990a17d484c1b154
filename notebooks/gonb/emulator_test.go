package gonb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file runs a notebook by GoNB's rules (v0.11), without GoNB (which
// cannot be fetched here):
//
//   - Go declarations (imports, funcs, types, vars, consts) accumulate across
//     cells; a later declaration with the same name replaces the earlier one,
//     and only once the cell has compiled.
//   - A line "%%" (or "%main"), optionally followed by program arguments,
//     starts the body of main, which begins with flag.Parse(), so arguments
//     are parsed as flags. Arguments are split at spaces; double quotes keep
//     spaces in one argument. A cell without it gets an empty main.
//   - Every cell with Go code runs "go get" (GoNB's automatic go get) and
//     "go build" in the temporary folder holding the cell's module, then
//     runs the program, so a go.mod pointing at a folder that does not exist
//     fails the cell.
//   - "!cmd" runs cmd with bash in the notebook's folder; "!*cmd" runs it in
//     the temporary folder. A line ending in "\" continues on the next.
//     GONB_DIR and GONB_TMP_DIR are set. Commands run before the cell's Go
//     code, as in GoNB.
//   - "%env NAME VALUE" (or NAME=VALUE) sets an environment variable and
//     prints Set: NAME="VALUE". Any other "%" command is an error, so
//     notebooks stay within what this emulation covers.
//   - Unused imports are dropped, as GoNB's goimports pass does.
//   - What a cell prints and displays comes out in program order: the
//     gonbui stand-in (internal/gonbui-standin) writes each display into
//     the program's stdout as a framed record, which the emulator splits
//     back into outputs.
//
// The program runs in the notebook's folder.

// notebook is a parsed .ipynb file.
type notebook struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
	} `json:"cells"`
}

func (nb *notebook) source(i int) string {
	var lines []string
	if err := json.Unmarshal(nb.Cells[i].Source, &lines); err == nil {
		return strings.Join(lines, "")
	}
	var s string
	_ = json.Unmarshal(nb.Cells[i].Source, &s)
	return s
}

// display is one recorded gonbui call.
type display struct {
	Mime string `json:"mime"`
	Data string `json:"data"`
}

// output is one output of a cell, in order: a stretch of stdout, or a
// display.
type output struct {
	Stdout  string
	Display *display
}

// cellResult is what running one code cell produced.
type cellResult struct {
	Index    int
	Ran      bool // the cell had a main
	Outputs  []output
	Stdout   string // all of the outputs' stdout
	Stderr   string
	Displays []display // all of the outputs' displays
}

// print appends s to the cell's stdout.
func (r *cellResult) print(s string) {
	if s == "" {
		return
	}
	r.Stdout += s
	if n := len(r.Outputs); n > 0 && r.Outputs[n-1].Display == nil {
		r.Outputs[n-1].Stdout += s
		return
	}
	r.Outputs = append(r.Outputs, output{Stdout: s})
}

// show appends a display to the cell's outputs.
func (r *cellResult) show(d display) {
	r.Displays = append(r.Displays, d)
	r.Outputs = append(r.Outputs, output{Display: &d})
}

// displayFrame starts a display the stand-in writes into stdout; the
// record is JSON up to the next newline.
const displayFrame = "\x1egonbui "

// addProgramOutput splits a program's stdout into stretches of text and
// displays.
func (r *cellResult) addProgramOutput(out string) error {
	for {
		i := strings.Index(out, displayFrame)
		if i < 0 {
			r.print(out)
			return nil
		}
		r.print(out[:i])
		out = out[i+len(displayFrame):]
		j := strings.IndexByte(out, '\n')
		if j < 0 {
			return fmt.Errorf("display record without its end")
		}
		var d display
		if err := json.Unmarshal([]byte(out[:j]), &d); err != nil {
			return fmt.Errorf("display record: %v", err)
		}
		r.show(d)
		out = out[j+1:]
	}
}

// declaration is a top-level declaration kept across cells.
type declaration struct {
	key  string
	text string
}

// session is the state GoNB keeps between cells.
type session struct {
	nbDir, tmpDir, standin string
	env                    []string
	imports                []string // import specs, e.g. `"fmt"` or `arr "github.com/…/array"`
	decls                  []declaration
}

func newSession(nbDir, tmpDir, standin string) (*session, error) {
	s := &session{nbDir: nbDir, tmpDir: tmpDir, standin: standin}
	s.env = append(os.Environ(),
		"GONB_DIR="+nbDir, "GONB_TMP_DIR="+tmpDir, "GONBUI_STANDIN=1",
		"GOFLAGS=-mod=mod", "GOWORK=off")
	gomod := fmt.Sprintf("module gonb_notebook\n\ngo 1.26\n\nrequire github.com/janpfeifer/gonb v0.0.0-00010101000000-000000000000\n\nreplace github.com/janpfeifer/gonb => %s\n", standin)
	return s, os.WriteFile(filepath.Join(tmpDir, "go.mod"), []byte(gomod), 0o644)
}

// runCell executes one code cell.
func (s *session) runCell(ctx context.Context, idx int, src string) (cellResult, error) {
	res := cellResult{Index: idx}
	lines := strings.Split(src, "\n")
	var declLines []string
	var mainLines []string
	var args []string
	inMain, hasGo := false, false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if inMain {
			mainLines = append(mainLines, line)
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "%%" || strings.HasPrefix(trimmed, "%% ") || trimmed == "%main" || strings.HasPrefix(trimmed, "%main "):
			inMain, hasGo = true, true
			args = splitArgs(trimmed)[1:]
			declLines = append(declLines, "") // keep line numbers aligned
		case strings.HasPrefix(line, "!"):
			cmd := line[1:]
			for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
				i++
				cmd = cmd[:len(cmd)-1] + " " + lines[i]
				declLines = append(declLines, "")
			}
			declLines = append(declLines, "")
			dir := s.nbDir
			if strings.HasPrefix(cmd, "*") {
				cmd, dir = cmd[1:], s.tmpDir
			}
			out, err := s.shell(ctx, dir, cmd)
			res.print(out)
			if err != nil {
				return res, fmt.Errorf("cell %d: !%s: %v\n%s", idx, cmd, err, out)
			}
		case strings.HasPrefix(line, "%"):
			parts := splitArgs(line[1:])
			if len(parts) == 0 || parts[0] != "env" {
				return res, fmt.Errorf("cell %d: %q is not a command this emulation supports", idx, line)
			}
			kv := parts[1:]
			if len(kv) == 1 && strings.Index(kv[0], "=") > 0 {
				kv = strings.SplitN(kv[0], "=", 2)
			}
			if len(kv) != 2 {
				return res, fmt.Errorf("cell %d: %%env takes NAME VALUE", idx)
			}
			s.env = append(s.env, kv[0]+"="+kv[1])
			res.print(fmt.Sprintf("Set: %s=%q\n", kv[0], kv[1]))
			declLines = append(declLines, "")
		default:
			declLines = append(declLines, line)
			hasGo = hasGo || strings.TrimSpace(line) != ""
		}
	}
	if !hasGo {
		return res, nil
	}
	saved := s.save()
	if err := s.addDecls(strings.Join(declLines, "\n")); err != nil {
		return res, fmt.Errorf("cell %d: %v", idx, err)
	}
	res.Ran = inMain
	prog, err := s.render(strings.Join(mainLines, "\n"))
	if err == nil {
		err = os.WriteFile(filepath.Join(s.tmpDir, "main.go"), []byte(prog), 0o644)
	}
	if err != nil {
		s.restore(saved)
		return res, fmt.Errorf("cell %d: %v", idx, err)
	}
	for _, step := range [][]string{{"go", "get"}, {"go", "build", "-o", "cell.bin", "."}} {
		cmd := exec.CommandContext(ctx, step[0], step[1:]...)
		cmd.Dir, cmd.Env = s.tmpDir, s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			s.restore(saved)
			return res, fmt.Errorf("cell %d: %s: %v\n%s\n--- program ---\n%s", idx, strings.Join(step, " "), err, out, numbered(prog))
		}
	}
	run := exec.CommandContext(ctx, filepath.Join(s.tmpDir, "cell.bin"), args...)
	run.Dir, run.Env = s.nbDir, s.env
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	err = run.Run()
	res.Stderr = stderr.String()
	if perr := res.addProgramOutput(stdout.String()); perr != nil {
		return res, fmt.Errorf("cell %d: %v", idx, perr)
	}
	if err != nil {
		return res, fmt.Errorf("cell %d failed: %v\nstdout:\n%s\nstderr:\n%s", idx, err, stdout.String(), stderr.String())
	}
	return res, nil
}

// sessionState is what a cell may change in a session.
type sessionState struct {
	imports []string
	decls   []declaration
}

func (s *session) save() sessionState {
	return sessionState{slices.Clone(s.imports), slices.Clone(s.decls)}
}

// restore undoes a cell's declarations: GoNB keeps them only once the cell
// compiles.
func (s *session) restore(st sessionState) { s.imports, s.decls = st.imports, st.decls }

// splitArgs splits a special command at spaces, as GoNB does: double quotes
// keep spaces in one part, and inside them a backslash escapes the next
// character (\n and \t are a newline and a tab).
func splitArgs(cmd string) []string {
	var parts []string
	var part strings.Builder
	started, quoted := false, false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case !quoted && (c == ' ' || c == '\t' || c == '\n'):
			if started {
				parts = append(parts, part.String())
			}
			part.Reset()
			started = false
			continue
		case c == '"':
			quoted = !quoted
			started = true
			continue
		case c == '\\' && quoted && i+1 < len(cmd):
			i++
			c = cmd[i]
			switch c {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			}
		}
		part.WriteByte(c)
		started = true
	}
	if started {
		parts = append(parts, part.String())
	}
	return parts
}

func (s *session) shell(ctx context.Context, dir, cmd string) (string, error) {
	c := exec.CommandContext(ctx, "/bin/bash", "-c", cmd)
	c.Dir, c.Env = dir, s.env
	out, err := c.CombinedOutput()
	return string(out), err
}

// addDecls parses a cell's declarations and merges them into the session.
func (s *session) addDecls(src string) error {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", "package main\n"+src, parser.ParseComments)
	if err != nil {
		return err
	}
	for _, imp := range f.Imports {
		spec := imp.Path.Value
		if imp.Name != nil {
			spec = imp.Name.Name + " " + spec
		}
		if !contains(s.imports, spec) {
			s.imports = append(s.imports, spec)
		}
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		var buf bytes.Buffer
		if err := printer.Fprint(&buf, fset, d); err != nil {
			return err
		}
		key := declKey(d)
		replaced := false
		for i := range s.decls {
			if s.decls[i].key == key {
				s.decls[i].text, replaced = buf.String(), true
			}
		}
		if !replaced {
			s.decls = append(s.decls, declaration{key: key, text: buf.String()})
		}
	}
	return nil
}

func declKey(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			var buf bytes.Buffer
			printer.Fprint(&buf, token.NewFileSet(), d.Recv.List[0].Type)
			return "method " + strings.TrimPrefix(buf.String(), "*") + "." + d.Name.Name
		}
		return "func " + d.Name.Name
	case *ast.GenDecl:
		var names []string
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				names = append(names, sp.Name.Name)
			case *ast.ValueSpec:
				for _, n := range sp.Names {
					names = append(names, n.Name)
				}
			}
		}
		return d.Tok.String() + " " + strings.Join(names, ",")
	}
	return fmt.Sprintf("%T", d)
}

// render writes the program for a cell: every declaration so far plus
// main, keeping only the imports the code uses.
func (s *session) render(mainBody string) (string, error) {
	var body strings.Builder
	for _, d := range s.decls {
		body.WriteString(d.text)
		body.WriteString("\n\n")
	}
	fmt.Fprintf(&body, "func main() {\n\tflag.Parse()\n%s\n}\n", mainBody)
	// Find the package names the code refers to.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", "package main\n"+body.String(), 0)
	if err != nil {
		return "", fmt.Errorf("%v\n%s", err, numbered("package main\n"+body.String()))
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	var out strings.Builder
	out.WriteString("package main\n\nimport (\n")
	if !contains(s.imports, `"flag"`) {
		out.WriteString("\t\"flag\"\n")
	}
	for _, spec := range s.imports {
		name := importName(spec)
		if name == "_" || name == "." || used[name] {
			fmt.Fprintf(&out, "\t%s\n", spec)
		}
	}
	out.WriteString(")\n\n")
	out.WriteString(body.String())
	return out.String(), nil
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name an import spec binds.
func importName(spec string) string {
	if i := strings.IndexByte(spec, ' '); i > 0 {
		return spec[:i]
	}
	p, _ := strconv.Unquote(spec)
	base := path.Base(p)
	if majorVersion.MatchString(base) {
		base = path.Base(path.Dir(p))
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.NewReplacer("-", "", ".", "").Replace(base)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}

// runNotebook runs every code cell of the notebook at nbPath in order.
func runNotebook(ctx context.Context, nbPath, tmpDir, standin string) ([]cellResult, error) {
	raw, err := os.ReadFile(nbPath)
	if err != nil {
		return nil, err
	}
	var nb notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, fmt.Errorf("%s: %v", nbPath, err)
	}
	nbDir, err := filepath.Abs(filepath.Dir(nbPath))
	if err != nil {
		return nil, err
	}
	s, err := newSession(nbDir, tmpDir, standin)
	if err != nil {
		return nil, err
	}
	var results []cellResult
	for i := range nb.Cells {
		if nb.Cells[i].CellType != "code" {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		res, err := s.runCell(cctx, i, nb.source(i))
		cancel()
		results = append(results, res)
		if err != nil {
			return results, fmt.Errorf("%s: %w", filepath.Base(nbPath), err)
		}
	}
	return results, nil
}
