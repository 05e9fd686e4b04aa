package shadow

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText writes what the shadow holds, probe by probe, for a person:
// what kubelet would hold, the last result, and whether the schedule
// covers the start-ups seen (with the schedule that would). It is the
// /shadow page.
func (m *Manager) WriteText(w io.Writer) error {
	views := m.views()
	if len(views) == 0 {
		_, err := io.WriteString(w, "Nothing is shadowed: add entries to the scheduled section, or run with --shadow.pods.\n")
		return err
	}
	slices.SortFunc(views, func(a, b view) int {
		return cmp.Or(cmp.Compare(a.s.key.String(), b.s.key.String()), cmp.Compare(a.r.w.spec.Type, b.r.w.spec.Type))
	})
	var b strings.Builder
	for _, v := range views {
		writeProbe(&b, v)
	}
	for _, u := range m.unsupportedList() {
		fmt.Fprintf(&b, "%s %s: not run (%s probe)\n", u.Key, u.Type, u.Handler)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeProbe(b *strings.Builder, v view) {
	st := v.r.w.state()
	spec := v.r.w.spec
	fmt.Fprintf(b, "%s %s\n", v.s.key, spec.Type)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  kubelet holds\t%s\t(%d failures in a row; it acts on %d)\n", st.cached, st.consecutiveFailures, spec.FailureThreshold)
	if st.last.Outcome != "" {
		fmt.Fprintf(tw, "  last result\t%s\t%s\n", st.last.Outcome, oneLine(st.last.Output))
	}
	if st.starting > 0 {
		fmt.Fprintf(tw, "  starting for\t%s\t(usually %s)\n", seconds(st.starting), seconds(v.s.usualStartup(spec.Type, spec)))
	}
	fmt.Fprintf(tw, "  start-up\t%s\n", recommend(spec, v.s.seenStartups(spec.Type)))
	tw.Flush()
	b.WriteString("\n")
}

// oneLine keeps an output short and on one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}
