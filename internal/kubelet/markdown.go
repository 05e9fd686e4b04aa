package kubelet

import (
	"fmt"
	"strings"
)

// Markdown renders the table of changes and feature gates as README's
// and docs/kubelet.md's "What changes with kubelet_version" show it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| kubelet | what changes | kubernetes PR |\n|---|---|---|\n")
	for _, w := range table {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", w.releases(), w.wire, w.prs())
	}
	for _, g := range gates {
		for _, s := range g.Stages {
			pr := fmt.Sprintf("#%d", s.PR)
			if s.Name == "removed" {
				pr = fmt.Sprintf("#%d announced it", s.PR)
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Since.MinorString(), g.describe(s), pr)
		}
	}
	return b.String()
}

// releases is "1.27.0 and later; backported to 1.23.17, 1.26.2".
func (w row) releases() string {
	mainline := w.landings[len(w.landings)-1]
	s := mainline.Release.String() + " and later"
	if len(w.landings) == 1 {
		return s
	}
	backports := make([]string, len(w.landings)-1)
	for i, l := range w.landings[:len(w.landings)-1] {
		backports[i] = l.Release.String()
	}
	return s + "; backported to " + strings.Join(backports, ", ")
}

// prs names the pull request of every landing, once when they share it.
func (w row) prs() string {
	same := true
	for _, l := range w.landings {
		same = same && l.PR == w.landings[0].PR
	}
	if same {
		return fmt.Sprintf("#%d", w.landings[0].PR)
	}
	prs := make([]string, len(w.landings))
	for i, l := range w.landings {
		prs[i] = fmt.Sprintf("#%d (%s)", l.PR, l.Release)
	}
	return strings.Join(prs, ", ")
}

func (g Gate) describe(s Stage) string {
	switch {
	case s.Name == "removed":
		return fmt.Sprintf("%s: the feature gate `%s` is gone (setting it is an error), the feature stays", g.Feature, g.Name)
	case s.Locked:
		return fmt.Sprintf("%s: %s, `%s` locked on", g.Feature, s.Name, g.Name)
	}
	return fmt.Sprintf("%s: %s, behind the feature gate `%s`, %s by default", g.Feature, s.Name, g.Name, onOff(s.Default))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
