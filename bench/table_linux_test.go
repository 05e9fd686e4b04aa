package bench

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// table is a Markdown table.
type table struct {
	head []string
	rows [][]string
}

func newTable(head ...string) *table { return &table{head: head} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) String() string {
	var b strings.Builder
	row := func(cells []string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	row(t.head)
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for _, r := range t.rows {
		row(r)
	}
	return b.String()
}

// Number formats; NaN, which stands for "not measured", shows as a dash.
func times(x float64) string  { return orDash(x, "%.2f×") }
func perSec(x float64) string { return orDash(x, "%.0f") }
func mib(x float64) string    { return orDash(x, "%.1f") }
func cores(x float64) string  { return orDash(x, "%.3f") }
func micros(seconds float64) string {
	return orDash(seconds*1e6, "%.0f")
}

func millis(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()*1e3) }

func orDash(x float64, format string) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf(format, x)
}
