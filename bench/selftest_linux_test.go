package bench

import (
	"math"
	"os"
	"slices"
	"testing"
	"time"
)

func TestParseWrkReadsTotalsLatenciesAndErrors(t *testing.T) {
	cases := []struct {
		file string
		want wrkResult
	}{
		{"testdata/wrk.txt", wrkResult{Requests: 585, Elapsed: 2020 * time.Millisecond, PerSecond: 289.86,
			P50: 582500 * time.Nanosecond, P99: 58250 * time.Microsecond}},
		{"testdata/wrk-errors.txt", wrkResult{Requests: 8379, Elapsed: 4010 * time.Millisecond, PerSecond: 2089.53,
			P50: 58900 * time.Microsecond, P99: 1010 * time.Millisecond, Errors: 12}},
	}
	for _, c := range cases {
		out, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseWrk(string(out))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.file, got, c.want)
		}
	}
}

func TestParseWrkRefusesAReportWithoutLatencies(t *testing.T) {
	out := "  585 requests in 2.02s, 2.68MB read\nRequests/sec:    289.86\n"
	if _, err := parseWrk(out); err == nil {
		t.Error("parsed a report without --latency's distribution")
	}
}
func TestMedianAndGeomean(t *testing.T) {
	if got := median([]float64{5, 1, 3}); got != 3 {
		t.Errorf("median(5, 1, 3) = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4, 1, 3, 2) = %v", got)
	}
	if got := geomean([]float64{2, 0.5}); math.Abs(got-1) > 1e-12 {
		t.Errorf("geomean(2, 0.5) = %v, want 1", got)
	}
	if got := geomean([]float64{4, 0}); !math.IsNaN(got) {
		t.Errorf("geomean with a zero = %v, want NaN", got)
	}
	if got := rotate([]int{1, 2, 3}, 4); !slices.Equal(got, []int{2, 3, 1}) {
		t.Errorf("rotate(1 2 3, 4) = %v", got)
	}
}
