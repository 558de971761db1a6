package seal

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// visible counts the runes of a masked value that are neither '*' nor a
// space: the characters the mask reveals.
func visible(s string) int {
	n := 0
	for _, r := range s {
		if r != '*' && r != ' ' {
			n++
		}
	}
	return n
}

// checkInPlace asserts that masked has as many runes as in and that each
// non-'*' rune of masked is the rune of in at the same place.
func checkInPlace(t *testing.T, name, in, masked string) {
	t.Helper()
	ir, mr := []rune(in), []rune(masked)
	if len(ir) != len(mr) {
		t.Fatalf("%s(%q) = %q: %d runes, want %d", name, in, masked, len(mr), len(ir))
	}
	for i := range mr {
		if mr[i] != '*' && mr[i] != ir[i] {
			t.Fatalf("%s(%q) = %q: rune %d is %q, not from the input", name, in, masked, i, mr[i])
		}
	}
}

// The allowed* functions restate the masking rules independently: the
// largest number of characters each mask may reveal.

func allowedIDNumber(n int) int {
	switch {
	case n <= 4:
		return 0
	case n == 18:
		return 8
	default:
		return min(4, n/3)
	}
}

func allowedPhone(n int) int {
	switch {
	case n <= 4:
		return 0
	case n <= 7:
		return 2
	case n <= 10:
		return 4
	default:
		return 7
	}
}

func allowedName(s string) int {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n := 0
			for _, r := range s {
				if !unicode.IsSpace(r) {
					n++
				}
			}
			return min(2, n-1)
		}
	}
	n := 0
	for _, w := range strings.Fields(s) {
		if utf8.RuneCountInString(w) >= 2 {
			n++
		}
	}
	return n
}

func allowedAddress(s string) int {
	return min(6, utf8.RuneCountInString(strings.TrimSpace(s))/2)
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "1101**********002X"},
		{"440524188001010014", "4405**********0014"},
		{"110105491231002", "11***********02"}, // 15-digit first-generation number
		{"1234567", "*****67"},
		{"12345", "****5"},
		{"1234", "****"},
		{"1", "*"},
		{"", ""},
		{"身份证号码一二三四五六七八九十甲乙丙", "身份证号**********十甲乙丙"},
		{"\xff\xfe12345678", "\uFFFD*******78"},
	}
	for _, tt := range tests {
		got := MaskIDNumber(tt.in)
		if got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"010-12345678", "010*****5678"},
		{"+8613812345678", "+86*******5678"},
		{"12345678", "****5678"},
		{"1234567890", "******7890"},
		{"95588", "***88"},
		{"1234567", "*****67"},
		{"110", "***"},
		{"1234", "****"},
		{"", ""},
		{"电话号码一二三四五六七", "电话号****四五六七"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张少明", "张*明"},
		{"张三", "张*"},
		{"欧阳少明", "欧**明"},
		{"张", "*"},
		{"  张三 ", "张*"},
		{"欧阳 少明", "欧**明"},
		{"阿卜杜拉·买买提", "阿******提"},
		{"John Smith", "J*** S****"},
		{"  John   Smith ", "J*** S****"},
		{"Madonna", "M******"},
		{"J. R. Tolkien", "J* R* T******"},
		{"J Smith", "* S****"},
		{"X", "*"},
		{"Zoë Ørsted", "Z** Ø*****"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"北京市朝阳区建国路88号SOHO现代城5号楼1201", "北京市朝阳区******"},
		{"广东省深圳市南山区科技园", "广东省深圳市******"},
		{"广东省深圳市南山区科", "广东省深圳*****"}, // never more than half
		{"北京市朝阳区", "北京市***"},
		{"幸福路1号", "幸福***"},
		{"A", "*"},
		{"", ""},
		{"  上海市黄浦区南京东路1号  ", "上海市黄浦区******"},
	}
	for _, tt := range tests {
		if got := MaskAddress(tt.in); got != tt.want {
			t.Errorf("MaskAddress(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var maskSeeds = []string{
	"", "*", "1", "12", "1234", "12345", "1234567", "12345678", "13812345678",
	"11010519491231002X", "+86 138 1234 5678", "张", "张三", "张少明", "欧阳少明",
	"John Smith", "a b c d", " \t ", "\xff", "\xed\xa0\x80", "a\x00b", "Ω≈ç√∫",
	"北京市朝阳区建国路88号", "🙂🙂🙂🙂🙂🙂", "张 John", "e\u0301e\u0301",
	"\xe5 \x8e\x91明", // stray bytes around a space must not fuse into a rune
}

func FuzzMaskIDNumber(f *testing.F) {
	for _, s := range maskSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskIDNumber(in)
		if !utf8.ValidString(out) {
			t.Fatalf("MaskIDNumber(%q) = %q is not valid UTF-8", in, out)
		}
		checkInPlace(t, "MaskIDNumber", in, out)
		n := utf8.RuneCountInString(in)
		if v := visible(out); v > allowedIDNumber(n) {
			t.Fatalf("MaskIDNumber(%q) = %q reveals %d runes, at most %d allowed", in, out, v, allowedIDNumber(n))
		}
	})
}

func FuzzMaskPhone(f *testing.F) {
	for _, s := range maskSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskPhone(in)
		if !utf8.ValidString(out) {
			t.Fatalf("MaskPhone(%q) = %q is not valid UTF-8", in, out)
		}
		checkInPlace(t, "MaskPhone", in, out)
		n := utf8.RuneCountInString(in)
		if v := visible(out); v > allowedPhone(n) {
			t.Fatalf("MaskPhone(%q) = %q reveals %d runes, at most %d allowed", in, out, v, allowedPhone(n))
		}
	})
}

func FuzzMaskName(f *testing.F) {
	for _, s := range maskSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskName(in)
		if !utf8.ValidString(out) {
			t.Fatalf("MaskName(%q) = %q is not valid UTF-8", in, out)
		}
		if v := visible(out); v > allowedName(in) {
			t.Fatalf("MaskName(%q) = %q reveals %d runes, at most %d allowed", in, out, v, allowedName(in))
		}
		// Whatever is revealed comes from the input.
		for _, r := range out {
			if r != '*' && r != ' ' && r != utf8.RuneError && !strings.ContainsRune(in, r) {
				t.Fatalf("MaskName(%q) = %q shows %q, which is not in the input", in, out, r)
			}
		}
		if strings.TrimSpace(in) != "" && out == "" {
			t.Fatalf("MaskName(%q) = \"\" for a non-blank name", in)
		}
	})
}

func FuzzMaskAddress(f *testing.F) {
	for _, s := range maskSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskAddress(in)
		if !utf8.ValidString(out) {
			t.Fatalf("MaskAddress(%q) = %q is not valid UTF-8", in, out)
		}
		if v := visible(out); v > allowedAddress(in) {
			t.Fatalf("MaskAddress(%q) = %q reveals %d runes, at most %d allowed", in, out, v, allowedAddress(in))
		}
		if n := utf8.RuneCountInString(out); n > 6+maxAddressStars {
			t.Fatalf("MaskAddress(%q) = %q has %d runes, more than %d", in, out, n, 6+maxAddressStars)
		}
		// The visible part is a prefix of the trimmed input.
		head := strings.TrimRight(out, "*")
		if !strings.HasPrefix(string([]rune(strings.TrimSpace(in))), head) {
			t.Fatalf("MaskAddress(%q) = %q: %q is not a prefix of the input", in, out, head)
		}
	})
}
