package store

import (
	"slices"
	"testing"
)

// The address contributes only its distinctive bigrams: no digit, no
// address stop word.
func TestPersonTermsAddress(t *testing.T) {
	got := personTerms("杜鹏", "幸福里小区1号楼2单元103", []string{"138****1234"})
	want := []string{"n杜鹏", "a幸福", "a福里", "a里小", "pdupeng", "idp", "t1234"}
	if !slices.Equal(got, want) {
		t.Errorf("personTerms = %q, want %q", got, want)
	}
}
