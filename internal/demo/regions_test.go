package demo

import (
	"testing"

	"github.com/linli-org/linli/internal/codes"
)

// TestRegionCodesInGBT2260: every region code the generator puts in ID
// numbers, and so every migrant's origin, is a county code in use in the
// GB/T 2260 data of internal/codes, which the store checks origins against.
func TestRegionCodesInGBT2260(t *testing.T) {
	for _, c := range regionCodes {
		r, ok := codes.LookupRegion(c)
		if !ok || r.Former || r.Level != codes.LevelCounty {
			t.Errorf("region code %s: %+v, %v; want a county code in use", c, r, ok)
		}
	}
}
