package seal

import (
	"strings"
	"unicode"
)

// The masking functions hide most of a personal value for display in lists
// and logs. They work on runes, accept any input (invalid UTF-8 bytes count
// as one rune each and come out as U+FFFD) and always return valid UTF-8.
// Every visible rune of the result is the input rune at the same place;
// everything else is '*'.

// MaskIDNumber masks an ID number. An 18-character number keeps its first 4
// and last 4 characters ("1101**********002X"). Other lengths keep at most
// the last 2 and the first 2 characters and never more than a third of
// them; 4 characters or fewer become all stars. The length is kept.
func MaskIDNumber(s string) string {
	r := []rune(s)
	n := len(r)
	var head, tail int
	switch {
	case n <= 4:
	case n == 18:
		head, tail = 4, 4
	default:
		budget := n / 3
		tail = min(2, budget)
		head = min(2, budget-tail)
	}
	return keepEnds(r, head, tail)
}

// MaskPhone masks a phone number, keeping its length. 11 characters or more
// (a mobile number, a landline with area code) keep the first 3 and last 4
// ("138****5678"); 8 to 10 keep the last 4; 5 to 7 keep the last 2; 4 or
// fewer become all stars.
func MaskPhone(s string) string {
	r := []rune(s)
	n := len(r)
	var head, tail int
	switch {
	case n <= 4:
	case n < 8:
		tail = 2
	case n < 11:
		tail = 4
	default:
		head, tail = 3, 4
	}
	return keepEnds(r, head, tail)
}

// MaskName masks a person's name. A name with Chinese characters keeps its
// first and last character ("张*明", "欧**明"); two characters keep the
// first ("张*"); one character becomes "*". White space inside such a name
// is dropped. Other names keep the first letter of each word of two or more
// letters ("John Smith" → "J*** S****"); one-letter words become "*".
// Surrounding white space is trimmed; a blank name stays "".
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.ContainsFunc(s, isHan) {
		// Drop spaces rune by rune: joining the bytes around them could
		// fuse stray bytes of invalid UTF-8 into a new character.
		r := make([]rune, 0, len(s))
		for _, c := range s {
			if !unicode.IsSpace(c) {
				r = append(r, c)
			}
		}
		switch len(r) {
		case 1:
			return "*"
		case 2:
			return string(r[0]) + "*"
		default:
			return keepEnds(r, 1, 1)
		}
	}
	words := strings.Fields(s)
	for i, w := range words {
		r := []rune(w)
		if len(r) < 2 {
			words[i] = "*"
			continue
		}
		words[i] = keepEnds(r, 1, 0)
	}
	return strings.Join(words, " ")
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// maxAddressStars bounds the stars MaskAddress writes, so that the masked
// form does not reveal the length of the hidden part.
const maxAddressStars = 6

// MaskAddress masks a postal address. It keeps the first 6 runes, which in
// a Chinese address are usually the province, city and district
// ("北京市朝阳区"), but never more than half of the address, so that a short
// address is not shown whole. The rest becomes 1 to 6 stars. Surrounding
// white space is trimmed; a blank address stays "".
func MaskAddress(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n == 0 {
		return ""
	}
	keep := min(6, n/2)
	return string(r[:keep]) + strings.Repeat("*", min(n-keep, maxAddressStars))
}

// keepEnds returns r with its first head and last tail runes kept and the
// others replaced by '*'. head+tail must not exceed len(r).
func keepEnds(r []rune, head, tail int) string {
	n := len(r)
	var b strings.Builder
	b.Grow(n + 8)
	for i, c := range r {
		if i < head || i >= n-tail {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}
