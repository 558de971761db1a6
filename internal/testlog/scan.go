package testlog

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/linli-org/linli/internal/seal"
)

// Hit is one piece of personal data or one secret found in a log line.
type Hit struct {
	File   string
	Line   int
	Kind   string // "id_number", "phone", "secret", "token"
	Masked string // the value as it may be shown: masked
}

func (h Hit) String() string { return fmt.Sprintf("%s:%d: %s %s", h.File, h.Line, h.Kind, h.Masked) }

// Scanner finds personal data and secrets in log lines:
//   - resident ID numbers: 17 digits and a digit or X, standing alone, whose
//     birth date is a real date and whose GB 11643 MOD 11-2 check character
//     is right (seal.IDCheckDigit), so that a random 18-digit number is
//     rarely flagged;
//   - mobile numbers: 11 digits 1[3-9]…, alone or after +86 / 86;
//   - session and API tokens: "s_" or "lt_" and 43 base64url characters;
//   - each of Secrets verbatim (the demo password, say).
//
// In a JSON line, a bare number value is left out: slog writes durations
// as nanoseconds (13.8 s is 13800000000), and counts and ids are numbers,
// while every personal value of linli is a string (an ID number may end
// in X, a phone is kept as typed or as +86…), so a leak is a quoted value
// or plain text, and is found.
type Scanner struct {
	Secrets []string
}

var (
	digitRun   = regexp.MustCompile(`[0-9]+[Xx]?`)
	tokenRE    = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])((?:s|lt)_[A-Za-z0-9_-]{43})(?:$|[^A-Za-z0-9_-])`)
	jsonNumber = regexp.MustCompile(`":-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`)
)

// Line returns what line holds: numbers in order of appearance, then
// tokens, then secrets.
func (sc Scanner) Line(line string) []Hit {
	var hits []Hit
	clean := line
	if strings.HasPrefix(strings.TrimSpace(line), "{") {
		clean = jsonNumber.ReplaceAllString(line, `":0`)
	}
	for _, loc := range digitRun.FindAllStringIndex(clean, -1) {
		// A run glued to letters or other digits (a hex hash, a base64
		// id) is not a number on its own.
		if loc[0] > 0 && isWordByte(clean[loc[0]-1]) || loc[1] < len(clean) && isWordByte(clean[loc[1]]) {
			continue
		}
		run := clean[loc[0]:loc[1]]
		switch {
		case len(run) == 18 && validID(run):
			hits = append(hits, Hit{Kind: "id_number", Masked: seal.MaskIDNumber(strings.ToUpper(run))})
		case isMobile(run):
			hits = append(hits, Hit{Kind: "phone", Masked: seal.MaskPhone(run)})
		case len(run) == 13 && strings.HasPrefix(run, "86") && isMobile(run[2:]):
			hits = append(hits, Hit{Kind: "phone", Masked: seal.MaskPhone(run[2:])})
		}
	}
	for _, m := range tokenRE.FindAllStringSubmatch(line, -1) {
		prefix, _, _ := strings.Cut(m[1], "_")
		hits = append(hits, Hit{Kind: "token", Masked: prefix + "_" + strings.Repeat("*", 8)})
	}
	for _, s := range sc.Secrets {
		if s != "" && strings.Contains(line, s) {
			hits = append(hits, Hit{Kind: "secret", Masked: strings.Repeat("*", len([]rune(s)))})
		}
	}
	return hits
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}

func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validID says whether an 18-character run is a resident ID number: a real
// birth date from 1850 on and the right check character. The region code
// is not checked, so that a number with a region retired since (or made
// up by a test) is still found.
func validID(s string) bool {
	s = strings.ToUpper(s)
	if !allDigits(s[:17]) || seal.IDCheckDigit(s[:17]) != s[17] {
		return false
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	if y < 1850 || y > time.Now().Year() || m < 1 || m > 12 || d < 1 {
		return false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Reader scans every line of r; name is the file name the hits carry.
func (sc Scanner) Reader(name string, r io.Reader) ([]Hit, error) {
	var hits []Hit
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if line != "" {
			for _, h := range sc.Line(line) {
				h.File, h.Line = name, n
				hits = append(hits, h)
			}
		}
		if err == io.EOF {
			return hits, nil
		}
		if err != nil {
			return hits, fmt.Errorf("%s: %w", name, err)
		}
	}
}

// Dir scans every regular file under dir, in name order, and returns the
// hits and the number of files scanned.
func (sc Scanner) Dir(dir string) (hits []Hit, files int, err error) {
	var names []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	sort.Strings(names)
	for _, p := range names {
		f, err := os.Open(p) // #nosec G304 -- the scanner reads the log files of the directory it is given
		if err != nil {
			return hits, files, err
		}
		h, err := sc.Reader(p, f)
		f.Close()
		hits = append(hits, h...)
		if err != nil {
			return hits, files, err
		}
		files++
	}
	return hits, files, nil
}
