package linli_test

import (
	"testing"

	"github.com/linli-org/linli"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"0086-138-1234-5678", "13812345678"},
		{"＋８６１３８１２３４５６７８", "13812345678"},
		{"010-12345678", "01012345678"},
		{"(010) 6512 3456", "01065123456"},
		{"（010）65123456", "01065123456"},
		{"8613812345678", "8613812345678"}, // only +86 and 0086 are country codes
		{"", ""},
	}
	for _, tt := range tests {
		if got := linli.NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
