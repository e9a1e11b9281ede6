package occtl

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/peterh/liner"

	"github.com/ocserv-go/ocserv/internal/version"
)

// interactiveLoop is occtl's prompt: banner on stderr, "> " prompt with
// history and completion, one command per line; EOF, exit or quit end it
// with status 0. Failing commands do not end it.
func (x *exec) interactiveLoop() int {
	banner(x.stderr, version.Compat)
	if f, ok := x.stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return x.plainLoop()
	}
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(false)
	ln.SetTabCompletionStyle(liner.TabPrints)
	ln.SetWordCompleter(x.complete)
	x.exitFn = func(c int) {
		ln.Close()
		panic(exitPanic{c})
	}
	for {
		line, err := ln.Prompt("> ")
		if errors.Is(err, liner.ErrPromptAborted) {
			continue
		}
		if err != nil {
			return 0
		}
		if line != "" {
			ln.AppendHistory(line)
		}
		x.runLine(line)
	}
}

// plainLoop is the prompt on a stdin that is not a terminal: like GNU
// readline there, the prompt and the line read are echoed to stdout.
func (x *exec) plainLoop() int {
	rd := bufio.NewReader(x.stdin)
	for {
		io.WriteString(x.stdout, "> ")
		line, err := rd.ReadString('\n')
		if line == "" && err != nil {
			return 0
		}
		line = strings.TrimSuffix(line, "\n")
		io.WriteString(x.stdout, line+"\n")
		x.runLine(line)
	}
}

// complete is the word completer: command words first, then remembered
// names, ids, addresses or session ids for the command's argument.
func (x *exec) complete(line string, pos int) (head string, completions []string, tail string) {
	before := line[:pos]
	start := strings.LastIndexAny(before, " \t") + 1
	head, word, tail := before[:start], before[start:], line[pos:]
	return head, completeWord(x.cache, before, start, word), tail
}

// completeWord lists completions for word, which starts at byte start of
// the text before the cursor.
func completeWord(c *cache, before string, start int, word string) []string {
	var out []string
	for _, cmd := range commands {
		name := cmd.name
		if start > len(name) {
			if cmd.arg == "" || len(before) <= len(name) || !strings.EqualFold(before[:len(name)], name) {
				continue
			}
			if strings.Contains(before[len(name)+1:], " ") {
				continue
			}
			out = append(out, c.candidates(cmd.arg, word)...)
			continue
		}
		if start > 0 && name[start-1] != ' ' {
			continue
		}
		if !strings.EqualFold(before[:start], name[:start]) {
			continue
		}
		rest := name[start:]
		if len(rest) >= len(word) && strings.EqualFold(rest[:len(word)], word) {
			out = appendNew(out, rest)
		}
	}
	return out
}
